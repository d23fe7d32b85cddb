#include "ferry/rocketmq/group_state.h"

#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "ferry/async/when_all.h"
#include "ferry/base/co_try.h"

namespace ferry::rocketmq {

std::optional<std::int64_t> GroupQueueState::lag() const {
  if (!committed) {
    return std::nullopt;
  }
  const std::int64_t behind = broker_max.distanceFrom(*committed);
  return behind > 0 ? behind : 0;
}

bool GroupState::exists() const {
  return !config_on.empty() || !topics_with_offsets.empty() || online();
}

std::int64_t GroupState::totalLag() const {
  std::int64_t total = 0;
  for (const auto& q : queues) {
    total += q.lag().value_or(0);
  }
  return total;
}

Error groupNotFound(const GroupState& state) {
  return Error{Errc::kGroupNotExist,
               fmt::format("group '{}' not found: no subscription group config, committed "
                           "offsets or online clients on any master (NameServer {})",
                           state.group, state.name_server),
               0,
               {}};
}

void applyGroupConfigs(GroupState& state, const std::vector<BrokerAddress>& masters,
                       // By value: its failures are moved out (clang-tidy 14 misses that).
                       // NOLINTNEXTLINE(performance-unnecessary-value-param)
                       FanOut<std::map<std::string, codec::SubscriptionGroupConfig>> configs) {
  for (const auto& m : masters) {
    if (configs.value.contains(m.broker_name)) {
      state.config_on.push_back(m.broker_name);
    } else if (!configs.failures.contains(m.broker_name)) {
      state.config_missing_on.push_back(m.broker_name);
    }
  }
  for (auto& [broker, error] : configs.failures) {
    state.errors.emplace(broker, std::move(error));
  }
}

void applyConnections(GroupState& state, FanOut<codec::ConsumerConnection> connections) {
  for (auto& [broker, error] : connections.failures) {
    state.errors.emplace(broker, std::move(error));
  }
  auto& cc = connections.value;
  state.clients = std::move(cc.connection_set);
  std::sort(state.clients.begin(), state.clients.end(),
            [](const codec::Connection& a, const codec::Connection& b) {
              return a.client_id < b.client_id;
            });
  state.consume_type = std::move(cc.consume_type);
  state.message_model = std::move(cc.message_model);
  state.consume_from_where = std::move(cc.consume_from_where);
  for (const auto& [topic, subscription] : cc.subscription_table) {
    state.subscriptions[topic] = subscription.sub_string;
  }
}

void applyTopicsWithOffsets(GroupState& state, FanOut<std::vector<std::string>> topics) {
  for (auto& [broker, error] : topics.failures) {
    state.errors.emplace(broker, std::move(error));
  }
  state.topics_with_offsets = std::move(topics.value);
}

std::vector<std::string> topicsToInspect(const GroupState& state,
                                         const std::optional<std::string>& only_topic) {
  if (only_topic) {
    return {*only_topic};
  }
  std::set<std::string> topics(state.topics_with_offsets.begin(), state.topics_with_offsets.end());
  for (const auto& [topic, expression] : state.subscriptions) {
    topics.insert(topic);
  }
  return {topics.begin(), topics.end()};
}

void applyConsumeStats(GroupState& state, const std::string& topic,
                       Result<FanOut<codec::ConsumeStats>> stats) {
  if (!stats) {
    // A topic deleted since its offsets were written has no route any more.
    state.errors.emplace(fmt::format("topic {}", topic), std::move(stats.error()));
    return;
  }
  for (auto& [broker, error] : stats->failures) {
    state.errors.emplace(fmt::format("{} ({})", broker, topic), std::move(error));
  }
  state.consume_tps += stats->value.consume_tps;
  for (const auto& [mq, w] : stats->value.offset_table) {
    state.queues.push_back(
        GroupQueueState{mq, w.consumer_offset, w.broker_offset, w.last_timestamp});
  }
}

void sortQueues(GroupState& state) {
  std::sort(state.queues.begin(), state.queues.end(),
            [](const GroupQueueState& a, const GroupQueueState& b) { return a.queue < b.queue; });
}

std::vector<std::size_t> queuesToQueryCommitted(const GroupState& state) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < state.queues.size(); ++i) {
    if (state.queues[i].committed == QueueOffset(0)) {
      out.push_back(i);
    }
  }
  return out;
}

void applyCommittedOffset(GroupQueueState& queue,
                          const Result<std::optional<QueueOffset>>& answer) {
  if (answer) {
    queue.committed = *answer;
  } else if (answer.error().code == Errc::kGroupNotExist
             || answer.error().code == Errc::kTopicNotExist) {
    queue.committed = std::nullopt;
  }
}

namespace {

const std::string* addressOf(const std::vector<BrokerAddress>& masters,
                             const std::string& broker_name) {
  auto it = std::find_if(masters.begin(), masters.end(),
                         [&](const BrokerAddress& b) { return b.broker_name == broker_name; });
  return it == masters.end() ? nullptr : &it->addr;
}

// The consume stats of every topic to inspect, concurrently.
asio::awaitable<std::vector<Result<FanOut<codec::ConsumeStats>>>> consumeStatsOf(
    Cluster& cluster, std::string group, std::vector<std::string> topics) {
  std::vector<asio::awaitable<Result<FanOut<codec::ConsumeStats>>>> calls;
  calls.reserve(topics.size());
  for (const auto& topic : topics) {
    calls.push_back(cluster.consumeStats(group, topic));
  }
  co_return co_await async::whenAll<FanOut<codec::ConsumeStats>>(std::move(calls));
}

// QUERY_CONSUMER_OFFSET for the queues consume stats reported as 0.
asio::awaitable<void> resolveZeroCommits(Cluster& cluster,
                                         const std::vector<BrokerAddress>& masters,
                                         GroupState& state) {
  std::vector<std::size_t> asked;
  std::vector<asio::awaitable<Result<std::optional<QueueOffset>>>> queries;
  for (std::size_t i : queuesToQueryCommitted(state)) {
    const MessageQueue& queue = state.queues[i].queue;
    const std::string* addr = addressOf(masters, queue.broker_name);
    if (addr == nullptr) {
      continue;
    }
    asked.push_back(i);
    queries.push_back(cluster.brokerData().queryConsumerOffset(*addr, state.group, queue));
  }
  auto answers = co_await async::whenAll<std::optional<QueueOffset>>(std::move(queries));
  for (std::size_t k = 0; k < answers.size(); ++k) {
    applyCommittedOffset(state.queues[asked[k]], answers[k]);
  }
}

}  // namespace

asio::awaitable<Result<GroupState>> fetchGroupState(Cluster& cluster, std::string group,
                                                    std::optional<std::string> only_topic) {
  GroupState state;
  state.group = group;

  // Masters first: an unreachable NameServer or an unknown topic stops here.
  auto masters = co_await cluster.masters();
  if (!masters) {
    co_return makeError(nameServerFailure(cluster, std::move(masters.error())));
  }
  state.name_server = cluster.currentNameServer();
  if (only_topic) {
    auto route = co_await cluster.route(*only_topic);
    if (!route) {
      co_return makeError(routeFailure(cluster, *only_topic, std::move(route.error())));
    }
  }

  FERRY_CO_TRY(configs, co_await cluster.subscriptionGroupOnMasters(group));
  if (auto failure = allFailed(configs)) {
    co_return makeError(std::move(*failure));
  }
  applyGroupConfigs(state, *masters, std::move(configs));

  const std::optional<std::string> all_topics;
  FERRY_CO_TRY(connections, co_await cluster.consumerConnections(group, all_topics));
  applyConnections(state, std::move(connections));

  FERRY_CO_TRY(with_offsets, co_await cluster.topicsByConsumer(group));
  applyTopicsWithOffsets(state, std::move(with_offsets));
  if (!state.exists()) {
    co_return state;
  }

  std::vector<std::string> topics = topicsToInspect(state, only_topic);
  auto stats = co_await consumeStatsOf(cluster, group, topics);
  for (std::size_t i = 0; i < stats.size(); ++i) {
    applyConsumeStats(state, topics[i], std::move(stats[i]));
  }
  sortQueues(state);
  co_await resolveZeroCommits(cluster, *masters, state);
  co_return state;
}

}  // namespace ferry::rocketmq
