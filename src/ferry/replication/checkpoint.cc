#include "ferry/replication/checkpoint.h"

#include <algorithm>

#include <fmt/format.h>

namespace ferry::replication {

QueueCheckpoint::QueueCheckpoint(model::SourceOffset start)
    : next_pull_(start), committed_(start) {}

Result<void> QueueCheckpoint::recordPull(std::span<const model::SourceOffset> to_send,
                                         model::SourceOffset next_pull) {
  if (next_pull < next_pull_) {
    return makeError(
        Errc::kInvalidArgument,
        fmt::format("pull result moves the next offset back from {} to {}", next_pull_, next_pull));
  }
  model::SourceOffset lowest = next_pull_;
  for (const model::SourceOffset offset : to_send) {
    if (offset < lowest || offset >= next_pull) {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("pulled offset {} is out of order or outside [{}, {}) (next "
                                   "offset to pull was {})",
                                   offset, lowest, next_pull, next_pull_));
    }
    lowest = offset.next();
  }
  pending_.insert(pending_.end(), to_send.begin(), to_send.end());
  next_pull_ = next_pull;
  return {};
}

Result<void> QueueCheckpoint::beginBatch(std::size_t count) {
  if (in_flight_ > 0) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("a batch of {} messages from offset {} is still in flight",
                                 in_flight_, pending_.front()));
  }
  if (count == 0 || count > unsent()) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("cannot send {} messages: {} are pending", count, unsent()));
  }
  in_flight_ = count;
  return {};
}

Result<void> QueueCheckpoint::settle(bool acknowledged) {
  if (in_flight_ == 0) {
    return makeError(Errc::kInvalidArgument, "no batch is in flight");
  }
  (acknowledged ? acknowledged_ : abandoned_) += in_flight_;
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(in_flight_));
  in_flight_ = 0;
  return {};
}

Result<void> QueueCheckpoint::ackBatch() {
  return settle(true);
}

Result<void> QueueCheckpoint::abandonBatch() {
  return settle(false);
}

Result<void> QueueCheckpoint::retryBatch() {
  if (in_flight_ == 0) {
    return makeError(Errc::kInvalidArgument, "no batch is in flight");
  }
  in_flight_ = 0;
  return {};
}

Result<void> QueueCheckpoint::moveTo(model::SourceOffset offset) {
  if (in_flight_ > 0) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("cannot move to offset {} while {} messages are in flight", offset,
                                 in_flight_));
  }
  pending_.clear();
  next_pull_ = offset;
  return {};
}

model::SourceOffset QueueCheckpoint::checkpoint() const {
  return pending_.empty() ? next_pull_ : pending_.front();
}

std::optional<model::SourceOffset> QueueCheckpoint::pendingCommit() const {
  const model::SourceOffset c = checkpoint();
  if (c != committed_) {
    return c;
  }
  return std::nullopt;
}

}  // namespace ferry::replication
