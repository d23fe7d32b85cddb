#include "ferry/replication/task_engine.h"

#include <algorithm>
#include <utility>

#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "ferry/base/co_try.h"
#include "ferry/base/log.h"
#include "ferry/model/queue_mapping.h"
#include "ferry/replication/pipeline_rules.h"

namespace ferry::replication {
namespace {

const std::shared_ptr<spdlog::logger>& logger() {
  static const std::shared_ptr<spdlog::logger> kInstance = log::get(log::Module::kReplication);
  return kInstance;
}

// The result with its error naming the cluster it came from (inCluster).
template <class T>
Result<T> fromCluster(Result<T> result, std::string_view cluster) {
  if (!result) {
    return makeError(inCluster(std::move(result.error()), cluster));
  }
  return result;
}

Result<void> invalid(const TaskSpec& spec, std::string what) {
  return makeError(Errc::kInvalidArgument, fmt::format("task '{}': {}", spec.name, what));
}

}  // namespace

Result<void> validateTaskSpec(const TaskSpec& spec) {
  if (spec.name.empty()) {
    return makeError(Errc::kInvalidArgument, "task without a name");
  }
  if (spec.group.empty()) {
    return invalid(spec, "no internal group");
  }
  if (spec.source_cluster.empty() || spec.destination_cluster.empty()) {
    return invalid(spec, "source and destination cluster ids must be set");
  }
  if (spec.source_cluster == spec.destination_cluster) {
    return invalid(
        spec, fmt::format("source and destination are the same cluster '{}'", spec.source_cluster));
  }
  if (spec.topics.empty()) {
    return invalid(spec, "no topics");
  }
  if (spec.pipeline.pull_batch < 1 || spec.pipeline.pulls_in_flight < 1) {
    return invalid(spec, fmt::format("pull_batch ({}) and pulls_in_flight ({}) must be at least 1",
                                     spec.pipeline.pull_batch, spec.pipeline.pulls_in_flight));
  }
  std::set<std::string> sources;
  for (const auto& topic : spec.topics) {
    if (topic.source.empty() || topic.destination.empty()) {
      return invalid(spec, "a topic mapping without a source or destination topic");
    }
    if (!sources.insert(topic.source).second) {
      return invalid(spec, fmt::format("source topic '{}' is mapped twice", topic.source));
    }
    if (auto filter = TagFilter::parse(topic.tags); !filter) {
      return invalid(spec, fmt::format("topic '{}': {}", topic.source, filter.error().message));
    }
  }
  return {};
}

StartSpec startForQueue(const StartSpec& task_start, bool task_knows_topic) {
  if (task_knows_topic && task_start.kind == StartSpec::Kind::kLatest) {
    return StartSpec{StartSpec::Kind::kEarliest, StoreTime()};
  }
  return task_start;
}

std::int32_t createdQueuesPerBroker(std::size_t source_queues, std::size_t destination_masters) {
  if (destination_masters == 0) {
    return 0;
  }
  const std::size_t per =
      (std::max<std::size_t>(source_queues, 1) + destination_masters - 1) / destination_masters;
  return static_cast<std::int32_t>(per);
}

TaskEngine::TaskEngine(TaskSpec spec, rocketmq::Cluster& source, rocketmq::Cluster& destination,
                       asio::any_io_executor executor, const control::ReplicationMetrics* metrics)
    : spec_(std::move(spec)),
      source_(source),
      destination_(destination),
      executor_(std::move(executor)),
      metrics_(metrics),
      pipelines_(executor_),
      wake_(executor_) {
  for (const auto& topic : spec_.topics) {
    auto filter = TagFilter::parse(topic.tags);
    topics_.push_back(TopicState{topic, filter ? std::move(*filter) : TagFilter()});
  }
}

TaskEngine::~TaskEngine() {
  pipelines_.cancel();
}

void TaskEngine::requestStop() {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  wake_.cancel();
  for (auto& [queue, slot] : slots_) {
    slot->pipeline->requestStop();
  }
}

void TaskEngine::setError(const Error& error) {
  control::LastError e;
  e.code = std::string(errcName(error.code));
  e.message = error.toString();
  e.time_ms = wallClockMs();
  last_error_ = std::move(e);
  logger()->error("task_error task={} error=\"{}\"", spec_.name, error.toString());
}

asio::awaitable<void> TaskEngine::pause(std::chrono::milliseconds delay) {
  if (stopping_) {
    co_return;
  }
  wake_.expires_after(delay);
  asio::error_code ec;
  co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

const TaskEngine::TopicState* TaskEngine::topicOf(const std::string& source_topic) const {
  for (const auto& t : topics_) {
    if (t.spec.source == source_topic) {
      return &t;
    }
  }
  return nullptr;
}

// ---- setup ----------------------------------------------------------------------------------

asio::awaitable<Result<void>> TaskEngine::ensureDestinationTopic(const TopicSpec& topic) {
  auto route = co_await destination_.refreshRoute(topic.destination);
  if (route) {
    co_return Result<void>{};
  }
  if (route.error().code != Errc::kTopicNotExist) {
    co_return makeError(inCluster(std::move(route.error()), spec_.destination_cluster));
  }
  if (!spec_.create_missing_topics) {
    co_return makeError(Errc::kTopicNotExist,
                        fmt::format("destination topic {} missing on cluster '{}' (task '{}' "
                                    "does not create topics: create_missing_topics is off)",
                                    topic.destination, spec_.destination_cluster, spec_.name));
  }
  FERRY_CO_TRY(source_queues,
               fromCluster(co_await source_.readQueues(topic.source), spec_.source_cluster));
  FERRY_CO_TRY(masters, fromCluster(co_await destination_.masters(), spec_.destination_cluster));
  if (masters.empty()) {
    co_return makeError(Errc::kNotFound,
                        fmt::format("cannot create destination topic {}: cluster '{}' has no "
                                    "master broker",
                                    topic.destination, spec_.destination_cluster));
  }
  const std::int32_t per_broker = createdQueuesPerBroker(source_queues.size(), masters.size());
  for (const auto& master : masters) {
    codec::TopicConfig config;
    config.topic_name = topic.destination;
    config.read_queue_nums = per_broker;
    config.write_queue_nums = per_broker;
    auto created = co_await destination_.brokerAdmin().createTopic(master.addr, std::move(config));
    if (!created) {
      co_return makeError(
          inCluster(std::move(created.error())
                        .withContext(fmt::format("creating destination topic {} on {}",
                                                 topic.destination, master.broker_name)),
                    spec_.destination_cluster));
    }
    logger()->info("topic_created task={} topic={} broker={} addr={} queues={}", spec_.name,
                   topic.destination, master.broker_name, master.addr, per_broker);
  }
  auto fresh = co_await destination_.refreshRoute(topic.destination);
  if (!fresh) {
    co_return makeError(inCluster(std::move(fresh.error())
                                      .withContext(fmt::format("destination topic {} was created "
                                                               "but is not in the route yet",
                                                               topic.destination)),
                                  spec_.destination_cluster));
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> TaskEngine::ensureGroup() {
  co_return fromCluster(co_await ensureGroupOnMasters(), spec_.source_cluster);
}

asio::awaitable<Result<void>> TaskEngine::ensureGroupOnMasters() {
  for (const auto& topic : topics_) {
    FERRY_CO_TRY(masters, co_await source_.topicMasters(topic.spec.source));
    for (const auto& master : masters) {
      if (group_ensured_on_.contains(master.addr)) {
        continue;
      }
      FERRY_CO_TRY(found,
                   co_await source_.brokerAdmin().findSubscriptionGroup(master.addr, spec_.group));
      if (!found) {
        // 5.3 refuses UPDATE_CONSUMER_OFFSET for a group without config (docs/api.md).
        codec::SubscriptionGroupConfig config;
        config.group_name = spec_.group;
        FERRY_CO_TRY_VOID(co_await source_.brokerAdmin().createOrUpdateSubscriptionGroup(
            master.addr, std::move(config)));
        logger()->info("group_created task={} group={} broker={} addr={}", spec_.name, spec_.group,
                       master.broker_name, master.addr);
      }
      group_ensured_on_.insert(master.addr);
    }
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> TaskEngine::setup() {
  FERRY_CO_TRY_VOID(validateTaskSpec(spec_));
  for (const auto& topic : topics_) {
    FERRY_CO_TRY_VOID(co_await ensureDestinationTopic(topic.spec));
  }
  co_return co_await ensureGroup();
}

// ---- pipelines ------------------------------------------------------------------------------

std::unique_ptr<QueuePipeline> TaskEngine::makePipeline(
    const TopicState& topic, const model::SourceQueue& source,
    const model::DestinationQueue& destination, const std::optional<control::QueueMetrics>& metrics,
    const StartSpec& start) {
  PipelineConfig config;
  config.task = spec_.name;
  config.group = spec_.group;
  config.source_cluster = spec_.source_cluster;
  config.destination_cluster = spec_.destination_cluster;
  config.source = source;
  config.destination = destination;
  config.tag_expression = topic.filter.matchesAll() ? std::string(codec::kSubAll) : topic.spec.tags;
  config.filter = topic.filter;
  config.start = start;
  config.options = spec_.pipeline;
  return std::make_unique<QueuePipeline>(std::move(config), source_, destination_, executor_,
                                         metrics);
}

void TaskEngine::startSlot(const TopicState& topic, const model::SourceQueue& source,
                           const model::DestinationQueue& destination, const StartSpec& start) {
  auto slot = std::make_shared<Slot>();
  slot->source = source;
  if (metrics_ != nullptr) {
    slot->metrics = metrics_->forQueue(spec_.name, source.queue(), destination.brokerName());
  }
  slot->pipeline = makePipeline(topic, source, destination, slot->metrics, start);
  slots_[source] = slot;
  pipelines_.spawn(runSlot(slot));
}

asio::awaitable<void> TaskEngine::runSlot(std::shared_ptr<Slot> slot) {
  while (true) {
    co_await slot->pipeline->run();
    if (stopping_ || slot->removed || !slot->restart_to) {
      break;
    }
    const TopicState* topic = topicOf(slot->source.topic());
    if (topic == nullptr) {
      break;
    }
    logger()->info("pipeline_restart task={} queue={} destination={}", spec_.name, slot->source,
                   *slot->restart_to);
    if (metrics_ != nullptr && slot->metrics) {
      metrics_->removeQueue(*slot->metrics);
      slot->metrics =
          metrics_->forQueue(spec_.name, slot->source.queue(), slot->restart_to->brokerName());
    }
    // The queue has a checkpoint by now (a pipeline writes its start at once); keep its start.
    const StartSpec start = slot->pipeline->config().start;
    slot->pipeline = makePipeline(*topic, slot->source, *slot->restart_to, slot->metrics, start);
    slot->restart_to.reset();
  }
  if (slot->removed) {
    if (metrics_ != nullptr && slot->metrics) {
      metrics_->removeQueue(*slot->metrics);
    }
    const auto it = slots_.find(slot->source);
    if (it != slots_.end() && it->second == slot) {
      slots_.erase(it);
    }
  }
}

asio::awaitable<Result<bool>> TaskEngine::anyCheckpoint(std::vector<model::SourceQueue> queues) {
  for (const auto& queue : queues) {
    FERRY_CO_TRY(addr, co_await source_.masterAddr(queue.topic(), queue.brokerName()));
    FERRY_CO_TRY(committed, co_await source_.brokerData().queryConsumerOffset(addr, spec_.group,
                                                                              queue.queue()));
    if (committed.has_value()) {
      co_return true;
    }
  }
  co_return false;
}

asio::awaitable<Result<void>> TaskEngine::refreshTopic(TopicState& topic,
                                                       std::set<model::SourceQueue>& seen) {
  const std::string& source_id = spec_.source_cluster;
  const std::string& destination_id = spec_.destination_cluster;
  FERRY_CO_TRY_VOID(fromCluster(co_await source_.refreshRoute(topic.spec.source), source_id));
  FERRY_CO_TRY(src, fromCluster(co_await source_.readQueues(topic.spec.source), source_id));
  FERRY_CO_TRY_VOID(
      fromCluster(co_await destination_.refreshRoute(topic.spec.destination), destination_id));
  FERRY_CO_TRY(
      dst, fromCluster(co_await destination_.writeQueues(topic.spec.destination), destination_id));
  std::vector<model::SourceQueue> sources;
  for (const auto& q : src) {
    sources.emplace_back(q.queue);
  }
  std::vector<model::DestinationQueue> destinations;
  for (const auto& q : dst) {
    destinations.emplace_back(q.queue);
  }
  if (!sources.empty() && destinations.empty()) {
    co_return makeError(Errc::kNotFound,
                        fmt::format("destination topic {} has no writable queue on cluster '{}'",
                                    topic.spec.destination, spec_.destination_cluster));
  }
  FERRY_CO_TRY(mapping, model::QueueMapping::build(std::move(sources), std::move(destinations)));
  if (!topic.routed && spec_.start.kind == StartSpec::Kind::kLatest) {
    // A restarted "latest" task must not skip the queues the topic gained while it was down.
    FERRY_CO_TRY(resumed, fromCluster(co_await anyCheckpoint(mapping.sources()), source_id));
    topic.resumed = resumed;
  }
  for (const auto& source : mapping.sources()) {
    const auto destination = mapping.destinationOf(source);
    if (!destination) {
      continue;
    }
    seen.insert(source);
    const auto it = slots_.find(source);
    if (it == slots_.end()) {
      if (topic.routed) {
        logger()->info("queue_added task={} queue={} destination={}", spec_.name, source,
                       *destination);
      }
      startSlot(topic, source, *destination,
                startForQueue(spec_.start, topic.routed || topic.resumed));
      continue;
    }
    Slot& slot = *it->second;
    const model::DestinationQueue& current =
        slot.restart_to ? *slot.restart_to : slot.pipeline->config().destination;
    if (current != *destination && !slot.removed) {
      logger()->info("queue_remapped task={} queue={} from={} to={} (restarting at its checkpoint)",
                     spec_.name, source, current, *destination);
      slot.restart_to = *destination;
      slot.pipeline->requestStop();
    }
  }
  topic.routed = true;
  co_return Result<void>{};
}

asio::awaitable<Result<void>> TaskEngine::refresh() {
  std::set<model::SourceQueue> seen;
  std::optional<Error> failure;
  std::set<std::string> failed_topics;
  for (auto& topic : topics_) {
    auto done = co_await refreshTopic(topic, seen);
    if (!done) {
      failed_topics.insert(topic.spec.source);
      if (!failure) {
        failure = std::move(done.error());
      }
    }
  }
  // Queues that left the route of a topic that did answer: stop them after a last commit.
  for (auto& [queue, slot] : slots_) {
    if (seen.contains(queue) || failed_topics.contains(queue.topic()) || slot->removed) {
      continue;
    }
    logger()->info("queue_removed task={} queue={} (stopping at its checkpoint)", spec_.name,
                   queue);
    slot->removed = true;
    slot->pipeline->requestStop();
  }
  if (auto ensured = co_await ensureGroup(); !ensured && !failure) {
    failure = std::move(ensured.error());
  }
  if (failure) {
    co_return makeError(std::move(*failure));
  }
  co_return Result<void>{};
}

asio::awaitable<void> TaskEngine::run() {
  state_ = control::TaskState::kStarting;
  logger()->info("task_starting task={} source={} destination={} topics={} group={}", spec_.name,
                 spec_.source_cluster, spec_.destination_cluster, spec_.topics.size(), spec_.group);
  bool ready = false;
  while (!stopping_) {
    auto ok = co_await setup();
    if (ok) {
      ready = true;
      break;
    }
    setError(ok.error());
    if (ok.error().code == Errc::kInvalidArgument) {
      state_ = control::TaskState::kFailed;
      break;
    }
    co_await pause(spec_.setup_retry);
  }
  if (ready) {
    state_ = control::TaskState::kRunning;
    while (!stopping_) {
      if (auto refreshed = co_await refresh(); !refreshed) {
        setError(refreshed.error());
      }
      co_await pause(spec_.route_refresh);
    }
  }
  if (state_ != control::TaskState::kFailed) {
    state_ = control::TaskState::kStopping;
  }
  for (auto& [queue, slot] : slots_) {
    slot->pipeline->requestStop();
  }
  co_await pipelines_.wait();
  if (state_ != control::TaskState::kFailed) {
    state_ = control::TaskState::kStopped;
  }
  logger()->info("task_stopped task={}", spec_.name);
}

// ---- status ---------------------------------------------------------------------------------

const QueuePipeline* TaskEngine::pipeline(const MessageQueue& source) const {
  const auto it = slots_.find(model::SourceQueue(source));
  return it == slots_.end() ? nullptr : it->second->pipeline.get();
}

control::TaskStatus TaskEngine::status() const {
  control::TaskStatus out;
  out.name = spec_.name;
  out.source = spec_.source_cluster;
  out.destination = spec_.destination_cluster;
  out.state = state_;
  out.last_error = last_error_;
  const std::int64_t now = wallClockMs();
  for (const auto& [queue, slot] : slots_) {
    out.queues.push_back(slot->pipeline->status(now));
  }
  return out;
}

}  // namespace ferry::replication
