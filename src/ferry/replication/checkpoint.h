// Per-queue checkpoint rule (docs/replication.md, "Checkpoints"): which source offset may be
// committed as the task's progress, given what was pulled, what is in flight and what the
// destination acknowledged.
//
// The checkpoint is the next source offset to read after a restart: everything below it is either
// acknowledged by the destination or needed no send (filtered, echo, or given up after being
// reported). It never passes a message that still has to be sent, so a crash resends at most the
// unacknowledged messages (at-least-once, nothing lost), and it only moves forward -- except when
// the source broker itself moves the queue's position back (moveTo(), OFFSET_MOVED), which it
// then follows so that no message below the old position is skipped.
//
// A pure state machine: no I/O, no clock. One per source queue, owned by that queue's pipeline on
// its executor; not thread-safe. The pipeline keeps the messages themselves in the same order
// (pending sends: recordPull's `to_send`, front first); this class keeps only their offsets.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <span>

#include "ferry/base/error.h"
#include "ferry/model/side.h"

namespace ferry::replication {

class QueueCheckpoint {
 public:
  // `start`: the committed offset the queue resumes from (already persisted).
  explicit QueueCheckpoint(model::SourceOffset start);

  // A pull answered: `to_send` are the offsets of the pulled messages that must be sent, in
  // increasing order; `next_pull` is the answer's nextBeginOffset. Pulled messages not in
  // `to_send` (filtered, echoes) need nothing more. kInvalidArgument, state unchanged, when an
  // offset is below nextPull(), not increasing, or not below `next_pull`, or `next_pull` is below
  // nextPull().
  Result<void> recordPull(std::span<const model::SourceOffset> to_send,
                          model::SourceOffset next_pull);

  // The first `count` pending messages are sent as one batch. kInvalidArgument when a batch is
  // already in flight (one per queue keeps the queue's order), count is 0 or above unsent().
  Result<void> beginBatch(std::size_t count);
  // The destination acknowledged the batch in flight.
  Result<void> ackBatch();
  // The batch in flight failed transiently: its messages are pending again, still first.
  Result<void> retryBatch();
  // The batch in flight was rejected permanently and the caller has reported each message with
  // its source position: it is settled like an acknowledged one (counted in abandoned()).
  Result<void> abandonBatch();

  // The pull answered OFFSET_MOVED: continue from `offset` (which may be lower than before).
  // Drops the unsent messages; kInvalidArgument while a batch is in flight (settle it first).
  Result<void> moveTo(model::SourceOffset offset);

  model::SourceOffset nextPull() const { return next_pull_; }
  // Next source offset to read after a restart.
  model::SourceOffset checkpoint() const;
  // checkpoint() when it differs from the last committed value (normally: has moved past it),
  // else nullopt.
  std::optional<model::SourceOffset> pendingCommit() const;
  // `offset` (a value pendingCommit() returned) was persisted as the committed offset of the
  // task's group.
  void markCommitted(model::SourceOffset offset) { committed_ = offset; }
  model::SourceOffset lastCommitted() const { return committed_; }

  std::size_t unsent() const { return pending_.size() - in_flight_; }
  std::size_t inFlight() const { return in_flight_; }
  std::size_t acknowledged() const { return acknowledged_; }
  std::size_t abandoned() const { return abandoned_; }

 private:
  Result<void> settle(bool acknowledged);

  model::SourceOffset next_pull_;
  model::SourceOffset committed_;
  std::deque<model::SourceOffset> pending_;  // sends not yet settled, in order
  std::size_t in_flight_ = 0;                // the first in_flight_ of pending_
  std::size_t acknowledged_ = 0;
  std::size_t abandoned_ = 0;
};

}  // namespace ferry::replication
