// What one sync round does to one eligible group, queue by queue (docs/design.md, "Consumer
// progress synchronization", one-way/two-way and "Applying offsets"; docs/progress.md §5-§6).
//
// Given, per target queue, the translated offset (translation.h; after combineForward() when
// several source queues share the queue), the target group's committed offset and the queue's
// min/max, and for the group the sync mode and the online/active state of both groups, planning
// decides per queue: apply (before -> after, by direct write when the target group is offline or
// by a broker-mediated reset when it is online) or skip with a reason code. It also computes the
// failover exposure: how many messages the group would consume again, or skip, if it moved to the
// target cluster now.
//
// Rules: never backwards unless a manual sync allows it (auto never does; destination -> source
// never does: only a source group that is behind moves), never past the queue's max offset (the
// target is clamped and flagged), never below its min (clamped and flagged). A pure function of
// values: the target side is a type parameter (DestinationSide for source -> destination,
// SourceSide for destination -> source), so offsets of the two clusters cannot be mixed. Any
// thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ferry/base/error.h"
#include "ferry/model/side.h"
#include "ferry/progress/translation.h"

namespace ferry::progress {

enum class SyncMode : std::uint8_t {
  kOneWayAuto,      // one-way task, periodic: only groups online in the destination
  kOneWayManual,    // one-way task, quick sync: online or offline
  kTwoWayForward,   // two-way task switched to source -> destination (manual)
  kTwoWayBackward,  // two-way task switched to destination -> source (manual): both groups
                    // actively consuming, only queues where the source group is behind
};
// "one_way_auto", "one_way_manual", "two_way_forward", "two_way_backward".
std::string_view syncModeName(SyncMode mode);

enum class ApplyMethod : std::uint8_t {
  kDirectWrite,  // offline target group: write the committed offset on the owning broker
  kBrokerReset,  // online target group: reset through the broker, which tells the live clients
};
std::string_view applyMethodName(ApplyMethod method);  // "direct_write", "broker_reset"

enum class SkipReason : std::uint8_t {
  kNone,                   // not skipped
  kNoReplicatedDataYet,    // nothing of the source queue(s) is in the target queue to translate to
  kTranslationIncomplete,  // the search ran out of reads before it found an answer
  kAlreadyInSync,          // the committed offset is the target already
  kWouldRewind,            // the committed offset is ahead of the target (rewinding not allowed)
  kNotBehind,              // destination -> source: the source group is not behind
  kDestinationOffline,     // auto sync: the group has no client in the destination
  kSourceNotActive,        // destination -> source: the source group is not actively consuming
  kDestinationNotActive,   // destination -> source: the destination group is not actively consuming
};
// "none", "no_replicated_data_yet", "translation_incomplete", "already_in_sync", "would_rewind",
// "not_behind", "destination_offline", "source_not_active", "destination_not_active".
std::string_view skipReasonName(SkipReason reason);

// Flags of an applied change, for the journal and the status.
struct ApplyNotes {
  bool clamped_expired = false;  // the translation pointed below the queue's min: min is used
  bool past_max = false;         // the translation pointed past the queue's max: max is used
  bool rewind = false;           // moves the committed offset back (a manual sync allowed it)
  bool first_commit = false;     // the group had no committed offset on the queue
  bool inexact = false;          // bounded search: on the safe side, may re-deliver a few

  // The set flags' names: "clamped_expired", "past_max", "rewind", "first_commit", "inexact".
  [[nodiscard]] std::vector<std::string_view> names() const;
  bool operator==(const ApplyNotes&) const = default;
};

// The translated target for one queue.
template <class Side>
struct QueueTranslation {
  model::SideOffset<Side> offset;
  bool clamped_expired = false;  // ForwardOutcome::kClamped
  bool inexact = false;          // ForwardOutcome::kBounded (offset is the safe end)
  // Several source queues share the target queue: CombinedForward::estimated_duplicates.
  std::int64_t shared_duplicates = 0;
};

// The target of one destination queue from the forward translations of the source queues mapped
// to it (one, or several sharing it): combineForward() over those with data, flagged clamped or
// inexact when any of them is. nullopt when none has data (all kNoData, or none given).
std::optional<QueueTranslation<model::DestinationSide>> forwardTarget(
    std::span<const ForwardTranslation> sources);
// The target of one source queue from a reverse translation: nullopt without an offset
// (kNoData, kBounded; QueueSyncInput::translation_incomplete tells the two apart).
std::optional<QueueTranslation<model::SourceSide>> backwardTarget(
    const ReverseTranslation& reverse);

template <class Side>
struct QueueSyncInput {
  model::SideQueue<Side> queue;  // the target queue
  // nullopt: no replicated data of the source queue(s) there (ForwardOutcome::kNoData) or the
  // reverse search found none (ReverseOutcome::kNoData).
  std::optional<QueueTranslation<Side>> translation;
  bool translation_incomplete = false;  // ReverseOutcome::kBounded (translation is nullopt)
  std::optional<model::SideOffset<Side>> committed;  // nullopt: the group never committed here
  model::SideOffset<Side> min;
  model::SideOffset<Side> max;
};

struct GroupSyncContext {
  SyncMode mode = SyncMode::kOneWayAuto;
  bool source_online = false;
  bool destination_online = false;
  bool source_active = false;  // actively consuming (design.md, vocabulary)
  bool destination_active = false;
  bool allow_rewind = false;  // manual forward syncs only; ignored otherwise
};

// Messages the group would consume again (its committed offset is behind the translated
// position) or never see (ahead of it) if it failed over now, counted as positions of the target
// queue. A queue without a committed offset or a translation counts as unknown.
struct Exposure {
  std::int64_t reconsume = 0;
  std::int64_t skip = 0;
  std::int64_t unknown_queues = 0;

  Exposure& operator+=(const Exposure& other);
  bool operator==(const Exposure&) const = default;
};

enum class Decision : std::uint8_t { kApply, kSkip };

template <class Side>
struct QueueAction {
  model::SideQueue<Side> queue;
  Decision decision = Decision::kSkip;
  SkipReason reason = SkipReason::kNone;           // kSkip only
  std::optional<model::SideOffset<Side>> before;   // the committed offset
  model::SideOffset<Side> after;                   // kApply: the offset to write
  ApplyMethod method = ApplyMethod::kDirectWrite;  // kApply only
  ApplyNotes notes;                                // kApply only
  Exposure exposure;                               // before applying
};

template <class Side>
struct GroupPlan {
  SyncMode mode = SyncMode::kOneWayAuto;
  // Set when the whole group is skipped (every queue then carries it as its reason).
  std::optional<SkipReason> group_skip;
  std::vector<QueueAction<Side>> queues;  // in input order
  Exposure exposure;                      // sum over the queues

  [[nodiscard]] std::size_t applied() const;
};

// The group-level condition of the mode, nullopt when the queues are to be planned.
std::optional<SkipReason> groupGate(const GroupSyncContext& context);

// One queue's exposure, from the same inputs.
template <class Side>
Exposure queueExposure(const QueueSyncInput<Side>& input);

// Source -> destination (kOneWayAuto, kOneWayManual, kTwoWayForward) and destination -> source
// (kTwoWayBackward). kInvalidArgument when the mode is of the other direction.
Result<GroupPlan<model::DestinationSide>> planForward(
    const GroupSyncContext& context,
    std::span<const QueueSyncInput<model::DestinationSide>> queues);
Result<GroupPlan<model::SourceSide>> planBackward(
    const GroupSyncContext& context, std::span<const QueueSyncInput<model::SourceSide>> queues);

}  // namespace ferry::progress
