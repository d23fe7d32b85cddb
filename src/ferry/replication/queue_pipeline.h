// One source queue's replication loop (docs/replication.md, "Pipeline"): resolve where to start,
// then pull, classify, transform, batch and send to the mapped destination queue, and advance
// the checkpoint only after the destination acknowledged. Every decision is a pure function
// (transform.h, tag_filter.h, batch_planner.h, checkpoint.h, pipeline_rules.h); this class only
// fetches, applies and reports.
//
// Order and delivery: exactly one send is in flight per queue (while it is, the pipeline pulls
// the messages behind it: prefetch), so messages reach the destination queue in source order,
// also across retries (a failed batch is resent before anything behind it). While the queue has a
// backlog, up to options.pulls_in_flight pulls of consecutive ranges run at once; their answers are
// applied strictly in offset order (one is taken only when it starts at the checkpoint's
// nextPull(); the rest of the window is dropped and pulled again), so the pending list is the same
// as one pull at a time would have built. The checkpoint is the
// task group's committed offset on the source master: written on the next pull
// (FLAG_COMMIT_OFFSET), with UPDATE_CONSUMER_OFFSET while the queue cannot pull (retrying, blocked)
// and on stop. A crash resends at most what was acknowledged since the last pull (one pull-ahead
// window).
//
// Lifecycle and threading: created and run by TaskEngine on its executor (the clusters'
// transport thread); not thread-safe. run() returns after requestStop(): a long-poll pull or a
// backoff wait is interrupted at once, a send in flight finishes (or times out), then the
// checkpoint is written. The clusters must outlive the pipeline.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/steady_timer.hpp>

#include "ferry/async/backoff.h"
#include "ferry/base/error.h"
#include "ferry/control/replication_metrics.h"
#include "ferry/control/status.h"
#include "ferry/model/side.h"
#include "ferry/replication/batch_planner.h"
#include "ferry/replication/checkpoint.h"
#include "ferry/replication/pipeline_rules.h"
#include "ferry/replication/tag_filter.h"
#include "ferry/replication/task_spec.h"
#include "ferry/replication/transform.h"
#include "ferry/rocketmq/cluster.h"

namespace ferry::replication {

// One answer of a window of pulls, with how long it took.
struct TimedPull {
  rocketmq::PullResult result;
  std::chrono::steady_clock::duration latency{};
};

// Everything one pipeline needs to know; copied into it.
struct PipelineConfig {
  std::string task;   // task name, for logs
  std::string group;  // the task's internal group (checkpoints)
  std::string source_cluster;
  std::string destination_cluster;
  model::SourceQueue source;
  model::DestinationQueue destination;
  std::string tag_expression = "*";  // sent as the pull subscription (broker pre-filter)
  TagFilter filter;                  // the exact client-side check
  StartSpec start;
  PipelineOptions options;
};

class QueuePipeline {
 public:
  // `metrics`: the queue's handles, or nullopt to export none (tests).
  QueuePipeline(PipelineConfig config, rocketmq::Cluster& source, rocketmq::Cluster& destination,
                asio::any_io_executor executor,
                std::optional<control::QueueMetrics> metrics = std::nullopt);
  QueuePipeline(const QueuePipeline&) = delete;
  QueuePipeline& operator=(const QueuePipeline&) = delete;
  QueuePipeline(QueuePipeline&&) = delete;
  QueuePipeline& operator=(QueuePipeline&&) = delete;
  ~QueuePipeline() = default;

  // Runs until requestStop(); never fails (errors are retried and shown in status()).
  asio::awaitable<void> run();
  // Asks run() to finish: interrupts a long poll or a backoff wait; idempotent.
  void requestStop();

  const PipelineConfig& config() const { return config_; }
  bool stopRequested() const { return stopping_; }
  // The committed checkpoint after run() returned (nullopt before the start was resolved).
  std::optional<model::SourceOffset> checkpoint() const;
  std::uint64_t replicated() const { return replicated_; }
  std::uint64_t rejected() const { return rejected_; }
  // Acknowledged SEND_BATCH_MESSAGE requests, and those whose header carried the COMPRESSED flag.
  std::uint64_t batchesSent() const { return batches_sent_; }
  std::uint64_t compressedBatchesSent() const { return compressed_batches_sent_; }
  // Snapshot for the admin API; `now_ms` is wall-clock ms since the epoch.
  control::QueueStatus status(std::int64_t now_ms) const;

 private:
  enum class StepResult { kContinue, kStop };

  asio::awaitable<Result<model::SourceOffset>> resolveStart();
  // Pulls one window (pullsToIssue(): one long poll when `wait`, up to pulls_in_flight ranges
  // while a backlog is known, as many as fit in `room_bytes`) and applies the answers in offset
  // order. `prefetching`: a batch is in flight; a failure only stops the prefetch (no backoff),
  // and OFFSET_MOVED is left for the next regular pull.
  asio::awaitable<StepResult> pullOnce(bool wait, bool prefetching, std::size_t room_bytes);
  asio::awaitable<StepResult> sendFront();
  asio::awaitable<Result<void>> commit(model::SourceOffset offset);
  asio::awaitable<void> commitIfDue(bool stopping);
  // Runs `requests` concurrently; one answer per request, in request order. requestStop()
  // cancels them all.
  asio::awaitable<std::vector<Result<TimedPull>>> cancellablePulls(
      std::string addr, std::vector<rocketmq::PullRequest> requests);
  // Waits `delay` unless stop is requested (then at once).
  asio::awaitable<void> pause(std::chrono::milliseconds delay);
  asio::awaitable<void> backOff(const Error& error, std::string_view what);

  Result<void> acceptPull(const rocketmq::PullResult& pull);
  void settleSent(std::size_t count, std::size_t body_bytes);
  void reportRejected(const OutgoingMessage& message, const Error& error);
  void noteError(const Error& error);
  std::span<const OutgoingMessage> unsentMessages() const;
  void dropFront(std::size_t count);
  std::size_t unsentBytes() const;
  std::size_t targetBytes() const;

  PipelineConfig config_;
  rocketmq::Cluster& source_;
  rocketmq::Cluster& destination_;
  asio::any_io_executor executor_;
  std::optional<control::QueueMetrics> metrics_;

  bool stopping_ = false;
  bool pulling_ = false;
  asio::cancellation_signal pull_cancel_;
  asio::steady_timer wake_;

  std::optional<QueueCheckpoint> checkpoint_;
  // Pulled messages to send, in source order: pending_[head_..] (the checkpoint's pending list).
  std::vector<OutgoingMessage> pending_;
  std::deque<StoreTime> pending_store_times_;  // store time of each, for lag in seconds
  std::size_t head_ = 0;
  bool source_has_more_ = true;
  // The last applied answer advanced by exactly pull_batch (a backlog: pull ranges ahead), and
  // its body size (what one more range in flight costs in pending bytes).
  bool last_pull_full_ = false;
  std::size_t bytes_per_pull_ = 0;
  bool prefetch_stopped_ = false;  // within one send: stop pulling ahead
  // After a batch was rejected, its messages go singly up to this offset to find the culprit.
  std::optional<model::SourceOffset> singles_through_;

  LinkEstimator link_;
  async::Backoff backoff_;
  async::JitterSource jitter_;
  int failures_ = 0;
  std::chrono::steady_clock::time_point last_commit_time_;

  control::QueueState state_ = control::QueueState::kStarting;
  std::optional<control::LastError> last_error_;
  std::optional<model::SourceOffset> source_max_offset_;
  std::int64_t last_activity_ms_ = 0;
  std::uint64_t replicated_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t batches_sent_ = 0;
  std::uint64_t compressed_batches_sent_ = 0;
  mutable RateWindow rate_;
};

// Milliseconds since the epoch (wall clock), for status times.
std::int64_t wallClockMs();

}  // namespace ferry::replication
