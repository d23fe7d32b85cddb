// What a running daemon reports about its tasks and queues: plain value snapshots with JSON
// conversion both ways (the admin API writes them, `ferry status` reads them back), and the
// StatusSource interface through which the admin server gets them from the engines.
// JSON shapes and field meanings: docs/operations.md, "Admin API".
//
// Threading contract. The engines own their state on the io thread; the admin server answers on
// its own threads. They share nothing mutable: the engine builds a complete DaemonStatus on the
// io thread (every second, and after a state change it wants seen at once) and publishes it to a
// StatusBoard, which swaps a shared_ptr<const DaemonStatus> under a mutex. Readers copy the
// pointer under the same mutex and then read the immutable snapshot without any lock, so a slow
// HTTP client never blocks the io thread, and the io thread never waits for the admin server.
// `snapshot_at_ms` says how fresh the answer is; /healthz reports a stale one.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ferry/base/error.h"
#include "ferry/base/identity.h"

namespace ferry::control {

enum class TaskState {
  kStarting,  // resolving routes, creating topics, loading checkpoints
  kRunning,   // pipelines run (individual queues may still be retrying or blocked)
  kStopping,  // draining in-flight batches and saving checkpoints
  kStopped,
  kFailed,  // gave up (last_error says why); its queues do not run
};

enum class QueueState {
  kStarting,  // checkpoint not loaded yet
  kRunning,   // pulling and sending (or caught up, long-polling)
  kRetrying,  // the last pull, send or commit failed; backing off before the next attempt
  kBlocked,   // the destination refuses a message permanently; waits for an operator
  kDraining,  // left the route or the task stops: finishing the batch in flight
  kStopped,
};

std::string_view taskStateName(TaskState state);    // "starting", "running", ...
std::string_view queueStateName(QueueState state);  // "starting", "running", "retrying", ...
Result<TaskState> parseTaskState(std::string_view name);
Result<QueueState> parseQueueState(std::string_view name);

struct LastError {
  std::string code;     // errcName(), e.g. "timeout", "message_illegal"
  std::string message;  // Error::toString(): what and where
  std::int64_t time_ms = 0;

  bool operator==(const LastError&) const = default;
};

struct QueueStatus {
  MessageQueue source;
  MessageQueue destination;
  QueueState state = QueueState::kStarting;
  std::optional<std::int64_t> checkpoint;         // next source offset to replicate
  std::optional<std::int64_t> source_max_offset;  // the source broker's max offset, last seen
  std::optional<std::int64_t> lag_messages;       // source_max_offset - checkpoint
  std::optional<double> lag_seconds;              // age of the oldest unreplicated message
  double rate_messages_per_second = 0;            // replicated, averaged over the last minute
  std::optional<LastError> last_error;            // kept after recovery, with its time
  std::int64_t last_activity_ms = 0;              // last successful pull or send; 0 = never

  bool operator==(const QueueStatus&) const = default;
};

struct TaskStatus {
  std::string name;
  std::string source;       // cluster name from the config
  std::string destination;  // cluster name from the config
  TaskState state = TaskState::kStarting;
  std::optional<LastError> last_error;  // task-level: route, topic creation, config
  std::vector<QueueStatus> queues;      // sorted by source queue

  // Sums over queues; queues whose lag is unknown count as 0.
  std::int64_t lagMessages() const;
  double rateMessagesPerSecond() const;

  bool operator==(const TaskStatus&) const = default;
};

struct DaemonStatus {
  std::string version;              // "ferry 0.1.0"
  std::int64_t started_at_ms = 0;   // when the daemon started
  std::int64_t snapshot_at_ms = 0;  // when the engine built this snapshot
  std::vector<TaskStatus> tasks;    // in config order

  const TaskStatus* findTask(std::string_view name) const;

  bool operator==(const DaemonStatus&) const = default;
};

nlohmann::json toJson(const LastError& error);
nlohmann::json toJson(const QueueStatus& queue);
nlohmann::json toJson(const TaskStatus& task);
nlohmann::json toJson(const DaemonStatus& status);

// Strict readers for what the admin API wrote: a missing or mistyped field is kMalformed naming
// its path (`tasks[0].queues[2].checkpoint: expected an integer or null`); unknown fields are
// ignored, so an older `ferry status` can read a newer daemon's answer.
Result<TaskStatus> taskStatusFromJson(const nlohmann::json& json);
Result<DaemonStatus> daemonStatusFromJson(const nlohmann::json& json);

// Thread-safe source of the latest snapshot; implemented by StatusBoard (and by test fakes).
class StatusSource {
 public:
  virtual ~StatusSource() = default;
  // The latest published snapshot, or nullptr when none was published yet. Called from the admin
  // server's threads: must not block on the io thread.
  virtual std::shared_ptr<const DaemonStatus> status() const = 0;
};

// The engine publishes, the admin server reads (see the threading contract above).
class StatusBoard final : public StatusSource {
 public:
  void publish(DaemonStatus status);
  std::shared_ptr<const DaemonStatus> status() const override;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const DaemonStatus> latest_;
};

}  // namespace ferry::control
