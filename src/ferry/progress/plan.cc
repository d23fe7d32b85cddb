#include "ferry/progress/plan.h"

#include <algorithm>

#include <fmt/format.h>

namespace ferry::progress {

using model::DestinationSide;
using model::SourceSide;

std::string_view syncModeName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kOneWayAuto: return "one_way_auto";
    case SyncMode::kOneWayManual: return "one_way_manual";
    case SyncMode::kTwoWayForward: return "two_way_forward";
    case SyncMode::kTwoWayBackward: return "two_way_backward";
  }
  return "one_way_auto";
}

std::string_view applyMethodName(ApplyMethod method) {
  switch (method) {
    case ApplyMethod::kDirectWrite: return "direct_write";
    case ApplyMethod::kBrokerReset: return "broker_reset";
  }
  return "direct_write";
}

std::string_view skipReasonName(SkipReason reason) {
  switch (reason) {
    case SkipReason::kNone: return "none";
    case SkipReason::kNoReplicatedDataYet: return "no_replicated_data_yet";
    case SkipReason::kTranslationIncomplete: return "translation_incomplete";
    case SkipReason::kAlreadyInSync: return "already_in_sync";
    case SkipReason::kWouldRewind: return "would_rewind";
    case SkipReason::kNotBehind: return "not_behind";
    case SkipReason::kDestinationOffline: return "destination_offline";
    case SkipReason::kSourceNotActive: return "source_not_active";
    case SkipReason::kDestinationNotActive: return "destination_not_active";
  }
  return "none";
}

std::vector<std::string_view> ApplyNotes::names() const {
  std::vector<std::string_view> names;
  if (clamped_expired) {
    names.emplace_back("clamped_expired");
  }
  if (past_max) {
    names.emplace_back("past_max");
  }
  if (rewind) {
    names.emplace_back("rewind");
  }
  if (first_commit) {
    names.emplace_back("first_commit");
  }
  if (inexact) {
    names.emplace_back("inexact");
  }
  return names;
}

Exposure& Exposure::operator+=(const Exposure& other) {
  reconsume += other.reconsume;
  skip += other.skip;
  unknown_queues += other.unknown_queues;
  return *this;
}

std::optional<QueueTranslation<DestinationSide>> forwardTarget(
    std::span<const ForwardTranslation> sources) {
  std::vector<ForwardCandidate> candidates;
  QueueTranslation<DestinationSide> target;
  for (const auto& source : sources) {
    if (source.outcome == ForwardOutcome::kNoData) {
      continue;  // nothing of that source queue here: it cannot be skipped or duplicated
    }
    target.clamped_expired |= source.outcome == ForwardOutcome::kClamped;
    target.inexact |= source.outcome == ForwardOutcome::kBounded;
    candidates.push_back(ForwardCandidate{{}, source.offset});
  }
  auto combined = combineForward(candidates);
  if (!combined) {
    return std::nullopt;
  }
  target.offset = combined->offset;
  target.shared_duplicates = combined->estimated_duplicates;
  return target;
}

std::optional<QueueTranslation<SourceSide>> backwardTarget(const ReverseTranslation& reverse) {
  if (!reverse.offset) {
    return std::nullopt;
  }
  return QueueTranslation<SourceSide>{*reverse.offset};
}

template <class Side>
std::size_t GroupPlan<Side>::applied() const {
  return static_cast<std::size_t>(std::count_if(
      queues.begin(), queues.end(), [](const auto& q) { return q.decision == Decision::kApply; }));
}

template struct GroupPlan<DestinationSide>;
template struct GroupPlan<SourceSide>;

std::optional<SkipReason> groupGate(const GroupSyncContext& context) {
  switch (context.mode) {
    case SyncMode::kOneWayAuto:
      if (!context.destination_online) {
        return SkipReason::kDestinationOffline;
      }
      return std::nullopt;
    case SyncMode::kOneWayManual:
    case SyncMode::kTwoWayForward: return std::nullopt;
    case SyncMode::kTwoWayBackward:
      if (!context.source_active) {
        return SkipReason::kSourceNotActive;
      }
      if (!context.destination_active) {
        return SkipReason::kDestinationNotActive;
      }
      return std::nullopt;
  }
  return std::nullopt;
}

template <class Side>
Exposure queueExposure(const QueueSyncInput<Side>& input) {
  Exposure exposure;
  if (!input.translation || !input.committed) {
    exposure.unknown_queues = 1;
    return exposure;
  }
  // Positions outside [min, max] do not exist: the broker would correct a consumer to them.
  const auto clamp = [&](model::SideOffset<Side> offset) {
    return std::clamp(offset, input.min, std::max(input.min, input.max));
  };
  const auto target = clamp(input.translation->offset);
  const auto committed = clamp(*input.committed);
  if (committed < target) {
    exposure.reconsume = target.distanceFrom(committed);
  } else {
    exposure.skip = committed.distanceFrom(target);
  }
  exposure.reconsume += input.translation->shared_duplicates;
  return exposure;
}

template Exposure queueExposure(const QueueSyncInput<DestinationSide>& input);
template Exposure queueExposure(const QueueSyncInput<SourceSide>& input);

namespace {

constexpr bool isBackward(SyncMode mode) {
  return mode == SyncMode::kTwoWayBackward;
}

template <class Side>
QueueAction<Side> planQueue(const GroupSyncContext& context, const QueueSyncInput<Side>& input,
                            std::optional<SkipReason> group_skip) {
  QueueAction<Side> action;
  action.queue = input.queue;
  action.before = input.committed;
  action.exposure = queueExposure(input);
  const auto skip = [&](SkipReason reason) {
    action.decision = Decision::kSkip;
    action.reason = reason;
    return action;
  };
  if (group_skip) {
    return skip(*group_skip);
  }
  if (!input.translation) {
    return skip(input.translation_incomplete ? SkipReason::kTranslationIncomplete
                                             : SkipReason::kNoReplicatedDataYet);
  }
  ApplyNotes notes;
  notes.clamped_expired = input.translation->clamped_expired;
  notes.inexact = input.translation->inexact;
  auto target = input.translation->offset;
  if (target > input.max) {
    target = input.max;
    notes.past_max = true;
  }
  if (target < input.min) {  // after the max check: an inverted min > max ends at min
    target = input.min;
    notes.clamped_expired = true;
  }
  if (input.committed) {
    const auto committed = *input.committed;
    if (committed == target) {
      return skip(SkipReason::kAlreadyInSync);
    }
    if (committed > target) {
      if (isBackward(context.mode)) {
        return skip(SkipReason::kNotBehind);
      }
      const bool manual = context.mode != SyncMode::kOneWayAuto;
      if (!(manual && context.allow_rewind)) {
        return skip(SkipReason::kWouldRewind);
      }
      notes.rewind = true;
    }
  } else {
    notes.first_commit = true;
  }
  const bool target_online =
      isBackward(context.mode) ? context.source_online : context.destination_online;
  action.decision = Decision::kApply;
  action.after = target;
  action.method = target_online ? ApplyMethod::kBrokerReset : ApplyMethod::kDirectWrite;
  action.notes = notes;
  return action;
}

template <class Side>
GroupPlan<Side> planGroup(const GroupSyncContext& context,
                          std::span<const QueueSyncInput<Side>> queues) {
  GroupPlan<Side> plan;
  plan.mode = context.mode;
  plan.group_skip = groupGate(context);
  plan.queues.reserve(queues.size());
  for (const auto& input : queues) {
    plan.queues.push_back(planQueue(context, input, plan.group_skip));
    plan.exposure += plan.queues.back().exposure;
  }
  return plan;
}

}  // namespace

Result<GroupPlan<DestinationSide>> planForward(
    const GroupSyncContext& context, std::span<const QueueSyncInput<DestinationSide>> queues) {
  if (isBackward(context.mode)) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("sync mode {} moves source offsets, not destination offsets",
                                 syncModeName(context.mode)));
  }
  return planGroup(context, queues);
}

Result<GroupPlan<SourceSide>> planBackward(const GroupSyncContext& context,
                                           std::span<const QueueSyncInput<SourceSide>> queues) {
  if (!isBackward(context.mode)) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("sync mode {} moves destination offsets, not source offsets",
                                 syncModeName(context.mode)));
  }
  return planGroup(context, queues);
}

}  // namespace ferry::progress
