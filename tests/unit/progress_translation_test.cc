// Offset translation searches (progress/translation.h) against an in-memory destination queue:
// the cases of docs/progress.md §2 one by one, then randomized queues checked against a linear
// scan (the oracle), with the read bound and "no offset read twice" checked on every run.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/progress/translation.h"
#include "progress_test_util.h"

namespace ferry::progress {
namespace {

using testsupport::dof;
using testsupport::drive;
using testsupport::FakeDestinationQueue;
using testsupport::so;
using testsupport::sourceQueue;

const std::string kCluster = "east";

SourceOrigin origin(int queue_id = 0) {
  return SourceOrigin{kCluster, sourceQueue(queue_id)};
}

ForwardTranslation forward(FakeDestinationQueue& queue, const SourceOrigin& from,
                           std::int64_t committed, SearchLimits limits = {}) {
  ForwardSearch search(from, so(committed), dof(queue.min), dof(queue.max()), limits);
  const std::int64_t reads = drive(search, queue);
  EXPECT_TRUE(search.done());
  EXPECT_EQ(search.result()->reads, reads);
  return *search.result();
}

// The linear scan the search must agree with (stamps of `from` increasing along the queue).
ForwardTranslation oracle(const FakeDestinationQueue& queue, const SourceOrigin& from,
                          std::int64_t committed) {
  bool below = false;
  for (std::int64_t p = queue.min; p < queue.max(); ++p) {
    const auto& slot = queue.slots[static_cast<std::size_t>(p)];
    if (!slot || !from.matches(*slot)) {
      continue;
    }
    if (slot->offset.value() >= committed) {
      ForwardTranslation t;
      t.offset = dof(p);
      t.upper = t.offset;
      t.source_at_offset = slot->offset;
      t.outcome = below || slot->offset.value() == committed ? ForwardOutcome::kExact
                                                             : ForwardOutcome::kClamped;
      return t;
    }
    below = true;
  }
  ForwardTranslation t;
  t.offset = dof(queue.max());
  t.upper = t.offset;
  t.outcome = below ? ForwardOutcome::kAtEnd : ForwardOutcome::kNoData;
  return t;
}

// Longest run of messages not from `from` in the live range.
std::int64_t longestForeignRun(const FakeDestinationQueue& queue, const SourceOrigin& from) {
  std::int64_t longest = 0;
  std::int64_t run = 0;
  for (std::int64_t p = queue.min; p < queue.max(); ++p) {
    const auto& slot = queue.slots[static_cast<std::size_t>(p)];
    run = slot && from.matches(*slot) ? 0 : run + 1;
    longest = std::max(longest, run);
  }
  return longest;
}

// The documented bound: (floor(log2 n) + 1) * (G + 1), and never more than n.
std::int64_t readBound(const FakeDestinationQueue& queue, const SourceOrigin& from) {
  const auto n = static_cast<std::uint64_t>(std::max<std::int64_t>(queue.max() - queue.min, 0));
  if (n == 0) {
    return 0;
  }
  const auto steps = static_cast<std::int64_t>(std::bit_width(n));  // floor(log2 n) + 1
  return std::min(steps * (longestForeignRun(queue, from) + 1), static_cast<std::int64_t>(n));
}

void expectSame(const ForwardTranslation& got, const ForwardTranslation& want) {
  EXPECT_EQ(got.offset, want.offset);
  EXPECT_EQ(forwardOutcomeName(got.outcome), forwardOutcomeName(want.outcome));
  EXPECT_EQ(got.source_at_offset, want.source_at_offset);
  EXPECT_EQ(got.upper, want.upper);
}

TEST(ProgressForwardSearch, FindsTheMessageOfTheCommittedOffsetInLogarithmicReads) {
  FakeDestinationQueue queue;
  for (int i = 0; i < 1000; ++i) {
    queue.add(kCluster, sourceQueue(0), 5000 + i);  // the task started at source offset 5000
  }
  for (const std::int64_t committed : {5000, 5001, 5437, 5998, 5999}) {
    auto t = forward(queue, origin(), committed);
    EXPECT_EQ(t.offset, dof(committed - 5000)) << committed;
    EXPECT_EQ(t.outcome, ForwardOutcome::kExact) << committed;
    EXPECT_EQ(t.source_at_offset, so(committed));
    EXPECT_LE(t.reads, 10) << committed;  // floor(log2 1000) + 1, no foreign message
  }
}

TEST(ProgressForwardSearch, CommittedOffsetBeyondEverythingReplicatedIsTheEndOfTheQueue) {
  FakeDestinationQueue queue;
  for (int i = 0; i < 50; ++i) {
    queue.add(kCluster, sourceQueue(0), i);
  }
  queue.addForeign(3);  // a plain producer wrote after the last replicated message
  auto t = forward(queue, origin(), 50);
  EXPECT_EQ(t.offset, dof(53));
  EXPECT_EQ(t.outcome, ForwardOutcome::kAtEnd);
  EXPECT_FALSE(t.source_at_offset);
  t = forward(queue, origin(), 1'000'000);
  EXPECT_EQ(t.offset, dof(53));
  EXPECT_EQ(t.outcome, ForwardOutcome::kAtEnd);
}

TEST(ProgressForwardSearch, EmptyOrFullyExpiredQueueHasNoDataAndNeedsNoRead) {
  FakeDestinationQueue empty;
  auto t = forward(empty, origin(), 7);
  EXPECT_EQ(t.offset, dof(0));
  EXPECT_EQ(t.outcome, ForwardOutcome::kNoData);
  EXPECT_EQ(t.reads, 0);

  FakeDestinationQueue expired;
  for (int i = 0; i < 40; ++i) {
    expired.add(kCluster, sourceQueue(0), i);
  }
  expired.min = 40;
  t = forward(expired, origin(), 7);
  EXPECT_EQ(t.offset, dof(40));
  EXPECT_EQ(t.outcome, ForwardOutcome::kNoData);
  EXPECT_EQ(t.reads, 0);

  // min above max (a queue being reset) is an empty range at max.
  ForwardSearch inverted(origin(), so(0), dof(9), dof(4));
  EXPECT_FALSE(inverted.nextProbe());
  EXPECT_EQ(inverted.result()->offset, dof(4));
}

TEST(ProgressForwardSearch, QueueOfOtherTrafficOnlyHasNoData) {
  FakeDestinationQueue queue;
  queue.addForeign(20);
  queue.add("west", sourceQueue(0), 3);                // another cluster's stamp, same queue name
  queue.add(kCluster, sourceQueue(1), 3);              // another source queue of the same cluster
  queue.add(kCluster, sourceQueue(0, "payments"), 3);  // same queue id, other topic
  auto t = forward(queue, origin(), 0);
  EXPECT_EQ(t.offset, dof(23));
  EXPECT_EQ(t.outcome, ForwardOutcome::kNoData);
  EXPECT_EQ(t.reads, 23);  // every message had to be looked at
}

TEST(ProgressForwardSearch, ForeignMessagesInterleavedAnywhereAreSkipped) {
  // 1000 unrelated messages before replication started, then replicated messages with plain
  // producers' messages and another task's stamps between them.
  FakeDestinationQueue queue;
  queue.addForeign(1000);
  std::map<std::int64_t, std::int64_t> position_of;
  for (int i = 0; i < 300; ++i) {
    if (i % 7 == 3) {
      queue.addForeign(1 + i % 5);
    }
    if (i % 11 == 5) {
      queue.add("west", sourceQueue(0), i + 1);  // other cluster, offsets that would fit
    }
    position_of[i] = queue.max();
    queue.add(kCluster, sourceQueue(0), i);
  }
  for (const std::int64_t committed : {0, 1, 150, 299}) {
    auto t = forward(queue, origin(), committed);
    EXPECT_EQ(t.offset, dof(position_of[committed])) << committed;
    EXPECT_EQ(t.outcome, ForwardOutcome::kExact) << committed;
    EXPECT_LE(t.reads, readBound(queue, origin())) << committed;
  }
}

TEST(ProgressForwardSearch, CommittedOffsetOfAFilteredMessageTranslatesToTheNextMessageSent) {
  // Source offsets 3, 4 and 7, 8 were filtered out by the task's tag filter.
  FakeDestinationQueue queue;
  for (const int s : {0, 1, 2, 5, 6, 9, 10}) {
    queue.add(kCluster, sourceQueue(0), s);
  }
  auto t = forward(queue, origin(), 3);
  EXPECT_EQ(t.offset, dof(3));  // the message of source offset 5
  EXPECT_EQ(t.source_at_offset, so(5));
  EXPECT_EQ(t.outcome, ForwardOutcome::kExact);  // 2 was there: 3 and 4 were never sent
  t = forward(queue, origin(), 8);
  EXPECT_EQ(t.offset, dof(5));
  EXPECT_EQ(t.source_at_offset, so(9));
  EXPECT_EQ(t.outcome, ForwardOutcome::kExact);
}

TEST(ProgressForwardSearch, ExpiredHeadClampsToTheFirstMessageStillThere) {
  FakeDestinationQueue queue;
  queue.addForeign(10);
  for (int i = 0; i < 100; ++i) {
    queue.add(kCluster, sourceQueue(0), i);
  }
  queue.min = 60;  // source offsets 0..49 have expired in the destination
  auto t = forward(queue, origin(), 20);
  EXPECT_EQ(t.offset, dof(60));
  EXPECT_EQ(t.outcome, ForwardOutcome::kClamped);
  EXPECT_EQ(t.source_at_offset, so(50));  // 20..49 cannot be delivered any more
  // The first message still there is exactly the committed one: not clamped.
  t = forward(queue, origin(), 50);
  EXPECT_EQ(t.offset, dof(60));
  EXPECT_EQ(t.outcome, ForwardOutcome::kExact);
  // A committed offset before the task's start clamps the same way (the message was never sent).
  FakeDestinationQueue late;
  for (int i = 0; i < 10; ++i) {
    late.add(kCluster, sourceQueue(0), 700 + i);
  }
  t = forward(late, origin(), 650);
  EXPECT_EQ(t.offset, dof(0));
  EXPECT_EQ(t.outcome, ForwardOutcome::kClamped);
  EXPECT_EQ(t.source_at_offset, so(700));
}

TEST(ProgressForwardSearch, MessagesExpiringWhileSearchingRaiseTheFloor) {
  FakeDestinationQueue queue;
  for (int i = 0; i < 512; ++i) {
    queue.add(kCluster, sourceQueue(0), i);
  }
  ForwardSearch search(origin(), so(100), dof(0), dof(512));
  // After the first read (256, the median: an answer candidate) the broker deletes a file:
  // everything below 300 is gone, the candidate too. The search must notice and read it again.
  drive(
      search, queue,
      [&](std::int64_t reads) {
        if (reads == 1) {
          queue.min = 300;
        }
      },
      /*allow_rereads=*/true);
  ASSERT_TRUE(search.done());
  EXPECT_EQ(search.result()->offset, dof(300));
  EXPECT_EQ(search.result()->source_at_offset, so(300));
  EXPECT_EQ(search.result()->outcome, ForwardOutcome::kClamped);
}

TEST(ProgressForwardSearch, CandidateReplacedUnderneathIsNotTrusted) {
  // The queue is deleted and recreated during the search: the candidate read first (256) is
  // another message when it is read again after an expiry.
  FakeDestinationQueue queue;
  for (int i = 0; i < 512; ++i) {
    queue.add(kCluster, sourceQueue(0), i);
  }
  ForwardSearch search(origin(), so(100), dof(0), dof(512));
  drive(
      search, queue,
      [&](std::int64_t reads) {
        if (reads == 1) {
          queue.min = 200;
          for (int i = 200; i < 512; ++i) {
            queue.slots[static_cast<std::size_t>(i)] =
                testsupport::stampOf(kCluster, sourceQueue(0), i < 400 ? 50 : i);
          }
        }
      },
      /*allow_rereads=*/true);
  ASSERT_TRUE(search.done());
  // What is there now: source offsets below 100 up to 399, then 400...
  EXPECT_EQ(search.result()->offset, dof(400));
  EXPECT_EQ(search.result()->source_at_offset, so(400));
}

TEST(ProgressForwardSearch, ReadBudgetGivesTheSafeEndOfTheRangeLeft) {
  FakeDestinationQueue queue;
  for (int i = 0; i < 4096; ++i) {
    queue.add(kCluster, sourceQueue(0), i);
    queue.addForeign(3);
  }
  auto t = forward(queue, origin(), 2000, SearchLimits{5});
  EXPECT_EQ(t.outcome, ForwardOutcome::kBounded);
  EXPECT_LE(t.reads, 5);
  const auto exact = dof(std::int64_t{2000} * 4);
  EXPECT_LE(t.offset, exact);  // consuming from here skips nothing
  EXPECT_GE(t.upper, exact);
  EXPECT_LT(t.upper.distanceFrom(t.offset), 4 * 4096);  // and the range did shrink
}

TEST(ProgressForwardSearch, RefusesAResultForAnOffsetItDidNotAskFor) {
  ForwardSearch search(origin(), so(5), dof(0), dof(100));
  const auto probe = search.nextProbe();
  ASSERT_TRUE(probe);
  auto fed = search.feed(probe->plus(1), Probe::unstamped());
  ASSERT_FALSE(fed);
  EXPECT_EQ(fed.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(search.nextProbe(), probe);  // unchanged
  ForwardSearch finished(origin(), so(5), dof(0), dof(0));
  EXPECT_FALSE(finished.feed(dof(0), Probe::unstamped()));
}

TEST(ProgressForwardSearch, SeveralSourceQueuesSharingADestinationQueue) {
  // Three source queues into one destination queue, batches of 4 interleaved.
  FakeDestinationQueue queue;
  std::map<int, std::map<std::int64_t, std::int64_t>> position_of;
  for (int round = 0; round < 40; ++round) {
    for (int q = 0; q < 3; ++q) {
      for (int k = 0; k < 4; ++k) {
        const std::int64_t s = round * 4 + k;
        position_of[q][s] = queue.max();
        queue.add(kCluster, sourceQueue(q), s);
      }
    }
  }
  const std::map<int, std::int64_t> committed{{0, 100}, {1, 37}, {2, 120}};
  std::vector<ForwardCandidate> candidates;
  for (const auto& [q, s] : committed) {
    auto t = forward(queue, origin(q), s);
    EXPECT_EQ(t.offset, dof(position_of[q][s])) << q;
    EXPECT_EQ(t.outcome, ForwardOutcome::kExact);
    EXPECT_LE(t.reads, readBound(queue, origin(q)));
    candidates.push_back({sourceQueue(q), t.offset});
  }
  auto combined = combineForward(candidates);
  ASSERT_TRUE(combined);
  EXPECT_EQ(combined->offset, dof(position_of[1][37]));  // the smallest: nothing skipped
  EXPECT_EQ(combined->duplicates_at_most,
            (std::vector<std::int64_t>{position_of[0][100] - position_of[1][37], 0,
                                       position_of[2][120] - position_of[1][37]}));
  EXPECT_EQ(combined->estimated_duplicates, position_of[2][120] - position_of[1][37]);
  EXPECT_FALSE(combineForward({}));
}

// After a restart Ferry re-sends what followed its committed checkpoint (at-least-once): stamps
// of one source queue then go back, and the running pipeline sends everything above its last
// message again. The answer must skip nothing: every source offset >= S in the queue is at or
// after it, or above the last message from q (the pipeline will store it again after the end);
// and the message from q just before it is below S.
void expectSafe(const FakeDestinationQueue& queue, const SourceOrigin& from, std::int64_t committed,
                const ForwardTranslation& t) {
  std::set<std::int64_t> wanted;
  std::set<std::int64_t> after;
  std::optional<std::int64_t> before;
  std::optional<std::int64_t> last;
  for (std::int64_t p = queue.min; p < queue.max(); ++p) {
    const auto& slot = queue.slots[static_cast<std::size_t>(p)];
    if (!slot || !from.matches(*slot)) {
      continue;
    }
    const std::int64_t v = slot->offset.value();
    last = v;
    if (v >= committed) {
      wanted.insert(v);
    }
    if (p >= t.offset.value()) {
      after.insert(v);
    } else {
      before = v;
    }
  }
  for (const std::int64_t v : wanted) {
    EXPECT_TRUE(after.contains(v) || v > *last) << "source offset " << v << " skipped";
  }
  if (t.outcome == ForwardOutcome::kExact || t.outcome == ForwardOutcome::kClamped) {
    ASSERT_TRUE(t.source_at_offset);
    EXPECT_GE(t.source_at_offset->value(), committed);
    if (before) {
      EXPECT_LT(*before, committed);
    }
  } else if (t.outcome == ForwardOutcome::kAtEnd) {
    EXPECT_LT(*last, committed);
  }
}

TEST(ProgressForwardSearch, ResentBatchesNeverMakeItSkipAMessage) {
  // 0..9 sent, a crash before the checkpoint moved past 4, 5..14 sent again, then 15..19.
  FakeDestinationQueue queue;
  for (int s = 0; s < 10; ++s) {
    queue.add(kCluster, sourceQueue(0), s);
  }
  for (int s = 5; s < 20; ++s) {
    queue.add(kCluster, sourceQueue(0), s);
  }
  for (std::int64_t committed = 0; committed <= 21; ++committed) {
    auto t = forward(queue, origin(), committed);
    expectSafe(queue, origin(), committed, t);
  }
}

// Random destination queues: replicated messages of q with filtered gaps, other source queues,
// other clusters' stamps and plain messages in random mixes and densities, random expired heads
// and committed offsets. Deterministic seed; the failing case is printed.
TEST(ProgressForwardSearch, AgreesWithALinearScanOnRandomQueues) {
  std::mt19937_64 random(20261202);
  auto chance = [&](double p) {
    return std::uniform_real_distribution<double>(0, 1)(random) < p;
  };
  auto between = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(random);
  };
  std::map<ForwardOutcome, int> outcomes;
  for (int round = 0; round < 3000; ++round) {
    FakeDestinationQueue queue;
    const std::int64_t size = between(0, 400);
    const double own = std::vector<double>{1.0, 0.9, 0.5, 0.1, 0.01}[between(0, 4)];
    const double filtered = chance(0.5) ? 0.0 : 0.3;
    std::int64_t next = between(0, 1000);
    std::int64_t other = 0;
    for (std::int64_t p = 0; p < size; ++p) {
      if (chance(own)) {
        while (chance(filtered)) {
          ++next;
        }
        queue.add(kCluster, sourceQueue(0), next++);
      } else if (chance(0.4)) {
        queue.add(kCluster, sourceQueue(1), other++);
      } else if (chance(0.3)) {
        queue.add("west", sourceQueue(0), between(0, 2000));  // same queue, another cluster
      } else {
        queue.addForeign();
      }
    }
    queue.min = chance(0.3) ? between(0, size) : 0;
    const std::int64_t committed = chance(0.05) ? between(0, 100000) : between(0, next + 3);
    auto got = forward(queue, origin(), committed);
    const auto want = oracle(queue, origin(), committed);
    SCOPED_TRACE(::testing::Message() << "round " << round << " size " << size << " min "
                                      << queue.min << " committed " << committed);
    expectSame(got, want);
    EXPECT_LE(got.reads, readBound(queue, origin()));
    ++outcomes[got.outcome];
  }
  // The mix exercised every outcome.
  EXPECT_GT(outcomes[ForwardOutcome::kExact], 300);
  EXPECT_GT(outcomes[ForwardOutcome::kAtEnd], 100);
  EXPECT_GT(outcomes[ForwardOutcome::kNoData], 100);
  EXPECT_GT(outcomes[ForwardOutcome::kClamped], 100);
}

TEST(ProgressForwardSearch, RandomQueuesWithResendsAreSearchedSafely) {
  std::mt19937_64 random(777);
  auto between = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(random);
  };
  // Filtering is a property of the message, the same on every attempt.
  auto is_filtered = [](std::int64_t s) {
    return s % 5 == 3;
  };
  for (int round = 0; round < 1500; ++round) {
    FakeDestinationQueue queue;
    std::int64_t checkpoint = between(0, 50);
    std::int64_t last = checkpoint - 1;
    for (int attempt = between(1, 5); attempt > 0; --attempt) {
      std::int64_t s = checkpoint;
      for (std::int64_t n = between(0, 40); n > 0; --n, ++s) {
        if (between(0, 3) == 0) {
          queue.addForeign(between(1, 4));
        }
        if (!is_filtered(s)) {
          queue.add(kCluster, sourceQueue(0), s);
        }
      }
      last = std::max(last, s - 1);
      // The next attempt resumes at a checkpoint this attempt committed: between its start and
      // one past its last message.
      checkpoint = between(checkpoint, s);
    }
    queue.min = between(0, 3) == 0 ? between(0, queue.max()) : 0;
    const std::int64_t committed = between(0, last + 3);
    SCOPED_TRACE(::testing::Message() << "round " << round << " committed " << committed);
    auto t = forward(queue, origin(), committed);
    expectSafe(queue, origin(), committed, t);
    EXPECT_LE(t.reads, readBound(queue, origin()));
  }
}

// ---- reverse ----

std::vector<ReverseTranslation> reverse(FakeDestinationQueue& queue,
                                        const std::vector<model::SourceQueue>& sources,
                                        std::int64_t position, SearchLimits limits = {},
                                        std::int64_t block = 32, std::int64_t* reads = nullptr) {
  ReverseSearch search(kCluster, sources, dof(position), dof(queue.min), dof(queue.max()), limits,
                       block);
  const std::int64_t n = drive(search, queue);
  EXPECT_TRUE(search.done());
  EXPECT_EQ(search.reads(), n);
  if (reads != nullptr) {
    *reads = n;
  }
  return search.results();
}

std::vector<ReverseTranslation> reverseOracle(const FakeDestinationQueue& queue,
                                              const std::vector<model::SourceQueue>& sources,
                                              std::int64_t position) {
  std::vector<ReverseTranslation> results;
  for (const auto& source : sources) {
    ReverseTranslation r;
    r.source = source;
    const SourceOrigin from{kCluster, source};
    std::optional<std::int64_t> last_before;
    std::optional<std::int64_t> first_after;
    for (std::int64_t p = queue.min; p < queue.max(); ++p) {
      const auto& slot = queue.slots[static_cast<std::size_t>(p)];
      if (!slot || !from.matches(*slot)) {
        continue;
      }
      if (p < position) {
        last_before = slot->offset.value();
      } else if (!first_after) {
        first_after = slot->offset.value();
      }
    }
    if (last_before) {
      r.offset = so(*last_before + 1);
      r.outcome = ReverseOutcome::kExact;
    } else if (first_after) {
      r.offset = so(*first_after);
      r.outcome = ReverseOutcome::kFirstAfter;
    }
    results.push_back(r);
  }
  return results;
}

TEST(ProgressReverseSearch, OneAfterTheLastMessageFromTheSourceQueueBeforeTheOffset) {
  FakeDestinationQueue queue;
  for (int i = 0; i < 200; ++i) {
    queue.add(kCluster, sourceQueue(0), 1000 + i);
  }
  std::int64_t reads = 0;
  auto r = reverse(queue, {sourceQueue(0)}, 120, {}, 32, &reads);
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].offset, so(1120));
  EXPECT_EQ(r[0].outcome, ReverseOutcome::kExact);
  EXPECT_EQ(reads, 32);  // one block
  // At the end of the queue: everything was consumed.
  r = reverse(queue, {sourceQueue(0)}, 200);
  EXPECT_EQ(r[0].offset, so(1200));
}

TEST(ProgressReverseSearch, FilteredMessagesLeaveTheSourceAfterTheLastOneSent) {
  FakeDestinationQueue queue;
  for (const int s : {0, 1, 2, 5, 6}) {
    queue.add(kCluster, sourceQueue(0), s);
  }
  auto r = reverse(queue, {sourceQueue(0)}, 3);  // the destination group read 0, 1, 2
  EXPECT_EQ(r[0].offset, so(3));  // 3 and 4 are filtered: the source group reads them, they are
                                  // not the task's, then 5
}

TEST(ProgressReverseSearch, SharedQueueAnswersEverySourceInOnePass) {
  FakeDestinationQueue queue;
  queue.addForeign(5);
  for (int i = 0; i < 100; ++i) {
    queue.add(kCluster, sourceQueue(0), i);
    if (i < 30) {
      queue.add(kCluster, sourceQueue(1), 500 + i);  // source queue 1 went quiet early
    }
    queue.addForeign();
  }
  const std::vector<model::SourceQueue> sources{sourceQueue(0), sourceQueue(1), sourceQueue(2)};
  const std::int64_t position = queue.max() - 10;
  auto r = reverse(queue, sources, position);
  EXPECT_EQ(r, reverseOracle(queue, sources, position));
  EXPECT_EQ(r[0].outcome, ReverseOutcome::kExact);
  EXPECT_EQ(r[1].outcome, ReverseOutcome::kExact);
  EXPECT_EQ(r[1].offset, so(530));
  EXPECT_EQ(r[2].outcome, ReverseOutcome::kNoData);  // nothing from source queue 2 at all
}

TEST(ProgressReverseSearch, NothingBeforeTheOffsetGivesTheFirstMessageAfterIt) {
  FakeDestinationQueue queue;
  queue.addForeign(40);
  for (int i = 0; i < 10; ++i) {
    queue.add(kCluster, sourceQueue(0), 70 + i);
  }
  auto r = reverse(queue, {sourceQueue(0)}, 12);
  EXPECT_EQ(r[0].outcome, ReverseOutcome::kFirstAfter);
  EXPECT_EQ(r[0].offset, so(70));
  // The same at the very start of the queue, and with the head expired.
  r = reverse(queue, {sourceQueue(0)}, 0);
  EXPECT_EQ(r[0].offset, so(70));
  queue.min = 42;
  r = reverse(queue, {sourceQueue(0)}, 42);
  EXPECT_EQ(r[0].outcome, ReverseOutcome::kFirstAfter);
  EXPECT_EQ(r[0].offset, so(72));
}

TEST(ProgressReverseSearch, ReadBudgetLeavesUnresolvedSourcesBounded) {
  FakeDestinationQueue queue;
  queue.add(kCluster, sourceQueue(0), 1);
  queue.addForeign(500);
  std::int64_t reads = 0;
  auto r = reverse(queue, {sourceQueue(0)}, 501, SearchLimits{64}, 32, &reads);
  EXPECT_EQ(r[0].outcome, ReverseOutcome::kBounded);
  EXPECT_FALSE(r[0].offset);
  EXPECT_EQ(reads, 64);
  r = reverse(queue, {sourceQueue(0)}, 501);
  EXPECT_EQ(r[0].outcome, ReverseOutcome::kExact);
  EXPECT_EQ(r[0].offset, so(2));
}

TEST(ProgressReverseSearch, AgreesWithALinearScanOnRandomQueues) {
  std::mt19937_64 random(4242);
  auto between = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(random);
  };
  const std::vector<model::SourceQueue> sources{sourceQueue(0), sourceQueue(1), sourceQueue(2)};
  for (int round = 0; round < 2000; ++round) {
    FakeDestinationQueue queue;
    std::vector<std::int64_t> next{between(0, 100), between(0, 100), between(0, 100)};
    const std::int64_t size = between(0, 300);
    const std::int64_t sparse = between(0, 3);
    for (std::int64_t p = 0; p < size; ++p) {
      const std::int64_t pick = between(0, 3 + sparse * 10);
      if (pick < 3) {
        auto q = static_cast<std::size_t>(pick);
        next[q] += between(1, 2);
        queue.add(kCluster, sources[q], next[q]);
      } else if (pick == 3) {
        queue.add("west", sources[0], between(0, 500));
      } else {
        queue.addForeign();
      }
    }
    queue.min = between(0, 2) == 0 ? between(0, size) : 0;
    const std::int64_t position = between(0, size);
    const std::int64_t block = between(1, 40);
    SCOPED_TRACE(::testing::Message()
                 << "round " << round << " size " << size << " min " << queue.min << " position "
                 << position << " block " << block);
    auto want = reverseOracle(queue, sources, position);
    auto got = reverse(queue, sources, position, {}, block);
    if (position < queue.min) {
      // D expired: it reads as the first live offset.
      want = reverseOracle(queue, sources, queue.min);
    }
    EXPECT_EQ(got, want);
  }
}

}  // namespace
}  // namespace ferry::progress
