// The decisions of a queue pipeline that are not about one message (docs/replication.md,
// "Pipeline"): what a failed send means, how long to back off, whether to pull more before
// sending, how big a batch the link wants, when to write the checkpoint, and the status figures
// (lag, rate). Pure functions and small values: no I/O; the clock is a parameter. The pipeline
// (queue_pipeline.h) only fetches, applies and reports what these return.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <utility>

#include "ferry/base/error.h"
#include "ferry/base/identity.h"
#include "ferry/model/side.h"

namespace ferry::replication {

// What a failed send means for the messages it carried.
enum class SendFailure {
  kRetry,     // transient (disconnect, timeout, busy, unknown answer): same batch again, later
  kRejected,  // permanent for these messages (MESSAGE_ILLEGAL, NO_PERMISSION): report them
  kStored,    // FLUSH_DISK_TIMEOUT and friends: the master stored them -- settled as acknowledged
};
SendFailure classifySendFailure(const Error& error);
std::string_view sendFailureName(SendFailure failure);

// `error` with "cluster '<cluster>': " in front of its message, so that a status or log line says
// which cluster refused or failed (a broker's address alone does not); unchanged when the message
// already names that cluster.
Error inCluster(Error error, std::string_view cluster);

// True when the error may come from a stale route (broker gone, moved, topic not on it): the
// caller invalidates the topic's route before the next attempt.
bool routeMayBeStale(const Error& error);

// The next step of a sequential pipeline (pull and send alternate; one send in flight).
enum class NextStep {
  kPullWait,  // nothing to send: long-poll the source
  kPullMore,  // the source has more right now and the batch is not full yet: pull without waiting
  kSend,      // send the front of the pending messages
};
// `unsent`: messages pulled, not sent; `unsent_bytes` their batch record bytes; `source_has_more`:
// the last pull found messages and did not reach the source's max offset.
NextStep nextStep(std::size_t unsent, std::size_t unsent_bytes, bool source_has_more,
                  std::size_t target_bytes, std::size_t max_pending_bytes);

// How many pulls of consecutive ranges [o, o + pull_batch), [o + pull_batch, ...) to send at once
// (docs/replication.md, "Pulls in flight"). One (a long poll is always alone) unless a backlog is
// known: the last answer was full (it advanced by exactly `pull_batch`) and `backlog_messages`
// (the broker's max offset - the next offset to pull) lies beyond the first range. Never more than
// `max_in_flight`, than ranges that start below the max offset, or than fit in `room_bytes` at
// `bytes_per_pull` each (but at least one).
std::size_t pullsToIssue(std::size_t max_in_flight, bool wait, bool last_answer_full,
                         std::int64_t backlog_messages, std::int32_t pull_batch,
                         std::size_t room_bytes, std::size_t bytes_per_pull);

// Whether to write the checkpoint now with UPDATE_CONSUMER_OFFSET (a pull carries it for free
// with FLAG_COMMIT_OFFSET, but an idle queue long-polls, and a stopping one pulls no more):
// something is uncommitted and either the pipeline stops or `interval` passed since the last write.
bool shouldCommitNow(bool has_pending_commit, bool stopping,
                     std::chrono::steady_clock::duration since_last_commit,
                     std::chrono::milliseconds interval);

// Estimates the destination link from send acknowledgements, for targetBatchBytes(): the round
// trip is the smallest recent latency (slowly forgotten), the bandwidth the last send's bytes /
// its transfer time (latency - round trip, at least a quarter round trip). Batches thus grow up
// to 4x per send while the round trip dominates, and settle near bandwidth x rtt. Zero while
// not measured.
class LinkEstimator {
 public:
  void observe(std::size_t bytes, std::chrono::microseconds latency);
  std::chrono::microseconds roundTrip() const { return rtt_; }
  double bandwidthBytesPerSecond() const { return bandwidth_; }

 private:
  std::chrono::microseconds rtt_{0};
  double bandwidth_ = 0;
  int samples_ = 0;
};

// Messages per second over a sliding window, from (time, cumulative count) samples kept at least
// a second apart (a later sample within the second replaces the newest one).
class RateWindow {
 public:
  explicit RateWindow(std::chrono::milliseconds window = std::chrono::minutes(1))
      : window_(window) {}
  void sample(std::chrono::steady_clock::time_point now, std::uint64_t cumulative);
  // Average over the window ending at `now`, when the count is `cumulative`; 0 without history.
  double perSecond(std::chrono::steady_clock::time_point now, std::uint64_t cumulative) const;

 private:
  std::chrono::milliseconds window_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>> samples_;
};

// Lag of a queue in messages: max offset - checkpoint, never negative.
std::int64_t lagMessages(model::SourceOffset source_max_offset, model::SourceOffset checkpoint);
// Lag in seconds: age of the oldest message not yet replicated. Caught up (lag 0): 0; lag > 0 but
// the oldest unreplicated message not pulled yet (its store time unknown): nullopt.
std::optional<double> lagSeconds(std::int64_t lag_messages,
                                 std::optional<StoreTime> oldest_unreplicated_store_time,
                                 StoreTime now);

}  // namespace ferry::replication
