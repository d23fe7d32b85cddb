#include "ferry/app/replication_task.h"

#include <utility>

#include "ferry/base/log.h"
#include "ferry/replication/task_engine.h"

namespace ferry::app {
namespace {

class ReplicationTask final : public Task {
 public:
  ReplicationTask(replication::TaskSpec spec, const TaskContext& context)
      : engine_(std::move(spec), context.source, context.destination, context.executor,
                &context.metrics) {}

  asio::awaitable<void> run() override { co_await engine_.run(); }
  void requestStop() override { engine_.requestStop(); }
  control::TaskStatus status() const override { return engine_.status(); }

 private:
  replication::TaskEngine engine_;
};

replication::StartSpec startSpecOf(const control::StartPosition& start) {
  replication::StartSpec spec;
  switch (start.kind) {
    case control::StartPosition::Kind::kEarliest:
      spec.kind = replication::StartSpec::Kind::kEarliest;
      break;
    case control::StartPosition::Kind::kLatest:
      spec.kind = replication::StartSpec::Kind::kLatest;
      break;
    case control::StartPosition::Kind::kTimestamp:
      spec.kind = replication::StartSpec::Kind::kTimestamp;
      spec.time = StoreTime(start.timestamp);
      break;
  }
  return spec;
}

}  // namespace

replication::TaskSpec taskSpecOf(const control::TaskConfig& task) {
  replication::TaskSpec spec;
  spec.name = task.name;
  spec.source_cluster = task.source;
  spec.destination_cluster = task.destination;
  for (const auto& mapping : task.topics) {
    replication::TopicSpec topic;
    topic.source = mapping.source;
    topic.destination = mapping.destination;
    topic.tags = mapping.tags;
    spec.topics.push_back(std::move(topic));
  }
  spec.start = startSpecOf(task.start);
  spec.create_missing_topics = task.create_missing_topics;
  spec.group = task.internal_group;
  spec.pipeline.pull_batch = static_cast<std::int32_t>(task.batching.pull_batch);
  spec.pipeline.limits.max_messages = task.batching.max_messages;
  spec.pipeline.limits.max_batch_bytes = task.batching.max_bytes;
  spec.pipeline.pulls_in_flight = static_cast<std::int32_t>(task.batching.pulls_in_flight);
  spec.pipeline.prefetch = task.batching.prefetch;
  return spec;
}

Result<std::unique_ptr<Task>> makeReplicationTask(const TaskContext& context) {
  replication::TaskSpec spec = taskSpecOf(context.config);
  if (auto valid = replication::validateTaskSpec(spec); !valid) {
    return makeError(std::move(valid.error()));
  }
  if (context.config.batching.linger.count() != 0) {
    log::get(log::Module::kApp)
        ->warn(
            "config_key_ignored task={} key=batching.linger_ms value={} reason=\"the replication "
            "engine sends a partial batch as soon as the pull returns\"",
            context.config.name, context.config.batching.linger.count());
  }
  return std::unique_ptr<Task>(std::make_unique<ReplicationTask>(std::move(spec), context));
}

}  // namespace ferry::app
