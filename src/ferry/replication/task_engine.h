// One replication task at run time (docs/replication.md, "Engine"): makes sure the destination
// topics and the task's internal group exist, maps source queues to destination queues
// (QueueMapping), runs one QueuePipeline per source queue, follows route changes, and reports a
// status snapshot (control::TaskStatus) and metrics (control::ReplicationMetrics).
//
//   TaskEngine engine(spec, source_cluster, destination_cluster, executor, &metrics);
//   group.spawn(engine.run());          // on the clusters' executor
//   ... engine.status() ...             // on the executor, e.g. every second for the StatusBoard
//   engine.requestStop();               // SIGTERM: pipelines finish their send, commit, return
//   co_await group.wait();              // run() has returned
//
// Route refresh (every spec.route_refresh): queues that appear get a pipeline; a queue whose
// destination changes (unequal counts and a queue added) stops at its checkpoint and restarts
// with the new destination; a queue that left the route stops after committing its checkpoint.
// A setup or route failure is shown as the task's last_error and retried; pipelines that run
// keep running.
//
// Dependencies: replication uses control only for its value types (TaskStatus, QueueStatus) and
// the metric handles (ReplicationMetrics), both free of I/O; the admin server stays in control.
// Of the clusters it uses routes and, of the brokers, the narrow interfaces: the pipelines only
// BrokerDataApi (pull, send, offsets), the set-up only the BrokerAdminApi calls that create a
// missing destination topic or the task group's config.
//
// Lifecycle and threading: every method runs on `executor` (the clusters' transport thread); not
// thread-safe. The clusters and the metrics catalogue must outlive the engine; the engine must
// outlive run().
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include "ferry/async/task_group.h"
#include "ferry/base/error.h"
#include "ferry/control/replication_metrics.h"
#include "ferry/control/status.h"
#include "ferry/model/side.h"
#include "ferry/replication/queue_pipeline.h"
#include "ferry/replication/tag_filter.h"
#include "ferry/replication/task_spec.h"
#include "ferry/rocketmq/cluster.h"

namespace ferry::replication {

// kInvalidArgument naming the task and field: no name, no group, no topics, equal cluster ids, a
// bad tag expression, the same source topic twice.
Result<void> validateTaskSpec(const TaskSpec& spec);

// Queues per destination broker when Ferry creates a missing destination topic: the source's
// read queue count spread over the destination masters (rounded up), so equal broker counts give
// equal queue counts (a bijection).
std::int32_t createdQueuesPerBroker(std::size_t source_queues, std::size_t destination_masters);

// Where a queue without a checkpoint starts. The task's `start` applies while the task is new to
// the topic. Once it has replicated the topic (another queue of the topic has a checkpoint of the
// task's group, or the queue appeared in a later route while the task ran), a queue without a
// checkpoint was added to the topic after the task started and holds only messages written since:
// "latest" would skip those written before Ferry saw the queue, so it starts at its earliest
// offset. Earliest and timestamp starts are kept.
StartSpec startForQueue(const StartSpec& task_start, bool task_knows_topic);

class TaskEngine {
 public:
  // `spec` must pass validateTaskSpec() (the constructor does not check it again; run() reports
  // a failed task if it does not). `metrics` may be null (no metrics exported).
  TaskEngine(TaskSpec spec, rocketmq::Cluster& source, rocketmq::Cluster& destination,
             asio::any_io_executor executor, const control::ReplicationMetrics* metrics = nullptr);
  TaskEngine(const TaskEngine&) = delete;
  TaskEngine& operator=(const TaskEngine&) = delete;
  TaskEngine(TaskEngine&&) = delete;
  TaskEngine& operator=(TaskEngine&&) = delete;
  ~TaskEngine();

  // Sets up, runs the pipelines and refreshes routes until requestStop(); returns after every
  // pipeline has committed its checkpoint and returned.
  asio::awaitable<void> run();
  // Idempotent; run() then winds down promptly (a send in flight finishes or times out).
  void requestStop();

  const TaskSpec& spec() const { return spec_; }
  // A snapshot of the task and its queues (sorted by source queue); source/destination are the
  // spec's cluster ids. Also sets the queues' lag gauges.
  control::TaskStatus status() const;
  // The pipeline of a source queue, or null (tests and diagnostics).
  const QueuePipeline* pipeline(const MessageQueue& source) const;

 private:
  struct TopicState {
    TopicSpec spec;
    TagFilter filter;
    bool routed = false;   // a route of the topic has been applied: later queues were added
    bool resumed = false;  // at the first route, a queue of the topic had a checkpoint
  };
  struct Slot {
    model::SourceQueue source;
    std::unique_ptr<QueuePipeline> pipeline;
    std::optional<model::DestinationQueue> restart_to;  // destination changed: restart there
    bool removed = false;                               // left the route: stop, do not restart
    std::optional<control::QueueMetrics> metrics;
  };

  asio::awaitable<Result<void>> setup();
  asio::awaitable<Result<void>> ensureDestinationTopic(const TopicSpec& topic);
  asio::awaitable<Result<void>> ensureGroup();  // errors name the source cluster
  asio::awaitable<Result<void>> ensureGroupOnMasters();
  asio::awaitable<Result<void>> refresh();
  asio::awaitable<Result<void>> refreshTopic(TopicState& topic, std::set<model::SourceQueue>& seen);
  // Whether the task's group has a committed offset on any of `queues` (source cluster).
  asio::awaitable<Result<bool>> anyCheckpoint(std::vector<model::SourceQueue> queues);
  asio::awaitable<void> runSlot(std::shared_ptr<Slot> slot);
  asio::awaitable<void> pause(std::chrono::milliseconds delay);
  std::unique_ptr<QueuePipeline> makePipeline(const TopicState& topic,
                                              const model::SourceQueue& source,
                                              const model::DestinationQueue& destination,
                                              const std::optional<control::QueueMetrics>& metrics,
                                              const StartSpec& start);
  void startSlot(const TopicState& topic, const model::SourceQueue& source,
                 const model::DestinationQueue& destination, const StartSpec& start);
  void setError(const Error& error);
  const TopicState* topicOf(const std::string& source_topic) const;

  TaskSpec spec_;
  rocketmq::Cluster& source_;
  rocketmq::Cluster& destination_;
  asio::any_io_executor executor_;
  const control::ReplicationMetrics* metrics_;
  std::vector<TopicState> topics_;
  async::TaskGroup pipelines_;
  asio::steady_timer wake_;
  bool stopping_ = false;
  std::set<std::string> group_ensured_on_;  // source master addresses with the group config

  control::TaskState state_ = control::TaskState::kStarting;
  std::optional<control::LastError> last_error_;
  std::map<model::SourceQueue, std::shared_ptr<Slot>> slots_;
};

}  // namespace ferry::replication
