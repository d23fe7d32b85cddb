// Sync planning (progress/plan.h): the action and reason per queue in every mode, clamping at
// min and max, rewind protection, the group gates, the apply method, and failover exposure.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/progress/plan.h"
#include "progress_test_util.h"

namespace ferry::progress {
namespace {

using model::DestinationOffset;
using model::DestinationSide;
using model::SourceOffset;
using model::SourceSide;

DestinationOffset d(std::int64_t v) {
  return DestinationOffset(QueueOffset(v));
}
SourceOffset s(std::int64_t v) {
  return SourceOffset(QueueOffset(v));
}

using ForwardInput = QueueSyncInput<DestinationSide>;
using BackwardInput = QueueSyncInput<SourceSide>;

// Destination queue 0..1000, translated to `target`, group committed at `committed`.
ForwardInput forwardQueue(std::optional<std::int64_t> target, std::optional<std::int64_t> committed,
                          std::int64_t min = 0, std::int64_t max = 1000) {
  ForwardInput input;
  input.queue = model::DestinationQueue("orders", "broker-a", QueueId(0));
  if (target) {
    input.translation = QueueTranslation<DestinationSide>{d(*target)};
  }
  if (committed) {
    input.committed = d(*committed);
  }
  input.min = d(min);
  input.max = d(max);
  return input;
}

GroupSyncContext context(SyncMode mode, bool destination_online = true) {
  GroupSyncContext c;
  c.mode = mode;
  c.destination_online = destination_online;
  c.source_online = true;
  c.source_active = true;
  c.destination_active = true;
  return c;
}

QueueAction<DestinationSide> planOne(const GroupSyncContext& c, const ForwardInput& input) {
  auto plan = planForward(c, std::span<const ForwardInput>(&input, 1));
  EXPECT_TRUE(plan) << plan.error().toString();
  EXPECT_EQ(plan->queues.size(), 1U);
  return plan->queues.front();
}

TEST(ProgressPlan, BehindGroupMovesForwardByBrokerResetWhenOnline) {
  auto a = planOne(context(SyncMode::kOneWayAuto), forwardQueue(700, 500));
  EXPECT_EQ(a.decision, Decision::kApply);
  EXPECT_EQ(a.before, d(500));
  EXPECT_EQ(a.after, d(700));
  EXPECT_EQ(a.method, ApplyMethod::kBrokerReset);
  EXPECT_EQ(applyMethodName(a.method), "broker_reset");
  EXPECT_TRUE(a.notes.names().empty());
  EXPECT_EQ(a.exposure, (Exposure{200, 0, 0}));  // 500..699 would be consumed again
}

TEST(ProgressPlan, OfflineGroupIsWrittenDirectlyByManualSyncAndSkippedByAutoSync) {
  auto a = planOne(context(SyncMode::kOneWayManual, false), forwardQueue(700, 500));
  EXPECT_EQ(a.decision, Decision::kApply);
  EXPECT_EQ(a.method, ApplyMethod::kDirectWrite);
  EXPECT_EQ(applyMethodName(a.method), "direct_write");

  const std::vector<ForwardInput> queues{forwardQueue(700, 500), forwardQueue(10, 10)};
  auto plan = planForward(context(SyncMode::kOneWayAuto, false), queues);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->group_skip, SkipReason::kDestinationOffline);
  EXPECT_EQ(plan->applied(), 0U);
  for (const auto& q : plan->queues) {
    EXPECT_EQ(q.decision, Decision::kSkip);
    EXPECT_EQ(skipReasonName(q.reason), "destination_offline");
  }
  EXPECT_EQ(plan->exposure, (Exposure{200, 0, 0}));  // still reported for a skipped group
}

TEST(ProgressPlan, NeverRewindsUnlessAManualSyncAllowsIt) {
  const auto ahead = forwardQueue(300, 450);
  auto a = planOne(context(SyncMode::kOneWayAuto), ahead);
  EXPECT_EQ(a.decision, Decision::kSkip);
  EXPECT_EQ(skipReasonName(a.reason), "would_rewind");
  EXPECT_EQ(a.exposure, (Exposure{0, 150, 0}));  // 300..449 would never be seen
  auto allowed = context(SyncMode::kOneWayAuto);
  allowed.allow_rewind = true;  // auto sync ignores it
  EXPECT_EQ(planOne(allowed, ahead).reason, SkipReason::kWouldRewind);
  EXPECT_EQ(planOne(context(SyncMode::kOneWayManual), ahead).reason, SkipReason::kWouldRewind);
  for (const auto mode : {SyncMode::kOneWayManual, SyncMode::kTwoWayForward}) {
    auto manual = context(mode);
    manual.allow_rewind = true;
    a = planOne(manual, ahead);
    EXPECT_EQ(a.decision, Decision::kApply) << syncModeName(mode);
    EXPECT_EQ(a.after, d(300));
    EXPECT_EQ(a.notes.names(), (std::vector<std::string_view>{"rewind"}));
  }
}

TEST(ProgressPlan, AlreadyInSyncAndNoDataAreSkipped) {
  auto a = planOne(context(SyncMode::kOneWayAuto), forwardQueue(640, 640));
  EXPECT_EQ(skipReasonName(a.reason), "already_in_sync");
  EXPECT_EQ(a.exposure, Exposure{});
  a = planOne(context(SyncMode::kOneWayAuto), forwardQueue(std::nullopt, 640));
  EXPECT_EQ(skipReasonName(a.reason), "no_replicated_data_yet");
  EXPECT_EQ(a.exposure, (Exposure{0, 0, 1}));
  auto incomplete = forwardQueue(std::nullopt, 640);
  incomplete.translation_incomplete = true;
  EXPECT_EQ(skipReasonName(planOne(context(SyncMode::kOneWayAuto), incomplete).reason),
            "translation_incomplete");
}

TEST(ProgressPlan, NeverPastTheMaxOffsetNorBelowTheMin) {
  auto a = planOne(context(SyncMode::kOneWayAuto), forwardQueue(1200, 500));
  EXPECT_EQ(a.decision, Decision::kApply);
  EXPECT_EQ(a.after, d(1000));
  EXPECT_EQ(a.notes.names(), (std::vector<std::string_view>{"past_max"}));
  EXPECT_EQ(a.exposure, (Exposure{500, 0, 0}));
  // Committed already at max: the clamped target is in sync.
  EXPECT_EQ(planOne(context(SyncMode::kOneWayAuto), forwardQueue(1200, 1000)).reason,
            SkipReason::kAlreadyInSync);
  a = planOne(context(SyncMode::kOneWayAuto), forwardQueue(100, 50, /*min=*/300));
  EXPECT_EQ(a.decision, Decision::kApply);
  EXPECT_EQ(a.after, d(300));
  EXPECT_EQ(a.notes.names(), (std::vector<std::string_view>{"clamped_expired"}));
}

TEST(ProgressPlan, FlagsOfTheTranslationTravelWithTheChange) {
  auto input = forwardQueue(420, std::nullopt);
  input.translation->clamped_expired = true;
  input.translation->inexact = true;
  input.translation->shared_duplicates = 12;
  auto a = planOne(context(SyncMode::kOneWayManual, false), input);
  EXPECT_EQ(a.decision, Decision::kApply);
  EXPECT_FALSE(a.before);
  EXPECT_EQ(a.after, d(420));
  EXPECT_EQ(a.notes.names(),
            (std::vector<std::string_view>{"clamped_expired", "first_commit", "inexact"}));
  EXPECT_EQ(a.exposure, (Exposure{0, 0, 1}));  // never committed: unknown
  input.committed = d(420);
  EXPECT_EQ(planOne(context(SyncMode::kOneWayManual), input).exposure, (Exposure{12, 0, 0}));
}

BackwardInput backwardQueue(std::optional<std::int64_t> target,
                            std::optional<std::int64_t> committed) {
  BackwardInput input;
  input.queue = model::SourceQueue("orders", "broker-a", QueueId(3));
  if (target) {
    input.translation = QueueTranslation<SourceSide>{s(*target)};
  }
  if (committed) {
    input.committed = s(*committed);
  }
  input.min = s(0);
  input.max = s(5000);
  return input;
}

TEST(ProgressPlan, DestinationToSourceMovesOnlyQueuesWhereTheSourceIsBehind) {
  const std::vector<BackwardInput> queues{backwardQueue(3000, 2500), backwardQueue(3000, 3100),
                                          backwardQueue(3000, 3000),
                                          backwardQueue(std::nullopt, 10)};
  auto c = context(SyncMode::kTwoWayBackward);
  c.allow_rewind = true;  // never applies to this direction
  auto plan = planBackward(c, queues);
  ASSERT_TRUE(plan);
  EXPECT_FALSE(plan->group_skip);
  ASSERT_EQ(plan->queues.size(), 4U);
  EXPECT_EQ(plan->queues[0].decision, Decision::kApply);
  EXPECT_EQ(plan->queues[0].after, s(3000));
  EXPECT_EQ(plan->queues[0].method, ApplyMethod::kBrokerReset);  // the source group is online
  EXPECT_EQ(skipReasonName(plan->queues[1].reason), "not_behind");
  EXPECT_EQ(skipReasonName(plan->queues[2].reason), "already_in_sync");
  EXPECT_EQ(skipReasonName(plan->queues[3].reason), "no_replicated_data_yet");
  EXPECT_EQ(plan->applied(), 1U);
  EXPECT_EQ(plan->exposure, (Exposure{500, 100, 1}));
}

TEST(ProgressPlan, DestinationToSourceNeedsBothGroupsActivelyConsuming) {
  const std::vector<BackwardInput> queues{backwardQueue(3000, 2500)};
  auto c = context(SyncMode::kTwoWayBackward);
  c.source_active = false;
  auto plan = planBackward(c, queues);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->group_skip, SkipReason::kSourceNotActive);
  EXPECT_EQ(skipReasonName(plan->queues[0].reason), "source_not_active");
  c = context(SyncMode::kTwoWayBackward);
  c.destination_active = false;
  plan = planBackward(c, queues);
  EXPECT_EQ(skipReasonName(plan->queues[0].reason), "destination_not_active");
  EXPECT_EQ(groupGate(context(SyncMode::kTwoWayBackward)), std::nullopt);
  EXPECT_EQ(groupGate(context(SyncMode::kTwoWayForward, false)), std::nullopt);
}

TEST(ProgressPlan, ModeMustMatchTheDirectionOfTheOffsets) {
  const std::vector<BackwardInput> backward{backwardQueue(3000, 2500)};
  const std::vector<ForwardInput> forward{forwardQueue(700, 500)};
  EXPECT_FALSE(planBackward(context(SyncMode::kOneWayAuto), backward));
  EXPECT_FALSE(planForward(context(SyncMode::kTwoWayBackward), forward));
  for (const auto mode :
       {SyncMode::kOneWayAuto, SyncMode::kOneWayManual, SyncMode::kTwoWayForward}) {
    EXPECT_TRUE(planForward(context(mode), forward)) << syncModeName(mode);
  }
}

TEST(ProgressPlan, ExposureCountsOnlyPositionsThatExist) {
  // Committed below the queue's min (expired): the consumer would be corrected to min first.
  EXPECT_EQ(queueExposure(forwardQueue(400, 100, /*min=*/300)), (Exposure{100, 0, 0}));
  // Committed past the max: it would skip up to max only.
  EXPECT_EQ(queueExposure(forwardQueue(900, 5000)), (Exposure{0, 100, 0}));
  Exposure total;
  total += Exposure{1, 2, 3};
  total += Exposure{10, 20, 30};
  EXPECT_EQ(total, (Exposure{11, 22, 33}));
}

TEST(ProgressPlan, TargetsFromTranslations) {
  ForwardTranslation exact{d(300), ForwardOutcome::kExact, s(40), d(300), 9};
  ForwardTranslation clamped{d(120), ForwardOutcome::kClamped, s(77), d(120), 9};
  ForwardTranslation at_end{d(900), ForwardOutcome::kAtEnd, std::nullopt, d(900), 9};
  ForwardTranslation no_data{d(900), ForwardOutcome::kNoData, std::nullopt, d(900), 9};
  ForwardTranslation bounded{d(200), ForwardOutcome::kBounded, std::nullopt, d(260), 5};

  auto one = forwardTarget(std::vector<ForwardTranslation>{exact});
  ASSERT_TRUE(one);
  EXPECT_EQ(one->offset, d(300));
  EXPECT_FALSE(one->clamped_expired || one->inexact);
  EXPECT_EQ(one->shared_duplicates, 0);
  EXPECT_FALSE(forwardTarget(std::vector<ForwardTranslation>{no_data}));
  EXPECT_FALSE(forwardTarget({}));
  // Shared queue: the smallest candidate; a source without data there does not count.
  auto shared = forwardTarget(std::vector<ForwardTranslation>{exact, no_data, at_end, clamped});
  ASSERT_TRUE(shared);
  EXPECT_EQ(shared->offset, d(120));
  EXPECT_TRUE(shared->clamped_expired);
  EXPECT_EQ(shared->shared_duplicates, 780);
  auto inexact = forwardTarget(std::vector<ForwardTranslation>{exact, bounded});
  EXPECT_EQ(inexact->offset, d(200));
  EXPECT_TRUE(inexact->inexact);

  ReverseTranslation reverse{model::SourceQueue("orders", "broker-a", QueueId(1)), s(41),
                             ReverseOutcome::kExact};
  EXPECT_EQ(backwardTarget(reverse)->offset, s(41));
  reverse.offset.reset();
  reverse.outcome = ReverseOutcome::kBounded;
  EXPECT_FALSE(backwardTarget(reverse));
}

// From the stamps to the action: two source queues share destination queue 0 (8 -> 4 queues);
// the group committed 100 and 37 on them in the source and 10 in the destination.
TEST(ProgressPlan, SharedDestinationQueueFromStampsToAction) {
  using testsupport::drive;
  using testsupport::FakeDestinationQueue;
  using testsupport::sourceQueue;
  FakeDestinationQueue queue;
  queue.addForeign(10);
  for (int round = 0; round < 30; ++round) {
    for (const int q : {0, 4}) {
      for (int k = 0; k < 5; ++k) {
        queue.add("east", sourceQueue(q), round * 5 + k);
      }
    }
  }
  std::vector<ForwardTranslation> translations;
  for (const auto& [q, committed] : std::vector<std::pair<int, std::int64_t>>{{0, 100}, {4, 37}}) {
    ForwardSearch search(SourceOrigin{"east", sourceQueue(q)}, s(committed), d(0), d(queue.max()));
    drive(search, queue);
    translations.push_back(*search.result());
  }
  // Source 0's message 100 is at 10 + 20 * 10 + 0 = 210, source 4's 37 at 10 + 7 * 10 + 5 + 2.
  EXPECT_EQ(translations[0].offset, d(210));
  EXPECT_EQ(translations[1].offset, d(87));
  auto input = forwardQueue(std::nullopt, 10);
  input.translation = forwardTarget(translations);
  input.max = d(queue.max());
  auto a = planOne(context(SyncMode::kOneWayAuto), input);
  EXPECT_EQ(a.decision, Decision::kApply);
  EXPECT_EQ(a.before, d(10));
  EXPECT_EQ(a.after, d(87));                          // nothing of either source skipped
  EXPECT_EQ(a.exposure, (Exposure{77 + 123, 0, 0}));  // behind by 77, shared estimate 210 - 87
}

TEST(ProgressPlan, NamesAreStable) {
  EXPECT_EQ(syncModeName(SyncMode::kOneWayAuto), "one_way_auto");
  EXPECT_EQ(syncModeName(SyncMode::kOneWayManual), "one_way_manual");
  EXPECT_EQ(syncModeName(SyncMode::kTwoWayForward), "two_way_forward");
  EXPECT_EQ(syncModeName(SyncMode::kTwoWayBackward), "two_way_backward");
  EXPECT_EQ(skipReasonName(SkipReason::kNone), "none");
}

}  // namespace
}  // namespace ferry::progress
