#include "ferry/rocketmq/cluster.h"

#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "ferry/async/when_all.h"
#include "ferry/base/co_try.h"
#include "ferry/base/log.h"
#include "ferry/rocketmq/broker_api.h"

namespace ferry::rocketmq {
namespace {

// Failures after which the next NameServer is worth asking.
bool tryNextNameServer(const Error& error) {
  switch (error.code) {
    case Errc::kConnectFailed:
    case Errc::kConnectionClosed:
    case Errc::kTimeout:
    case Errc::kTls:
    case Errc::kBusy:
    case Errc::kServiceUnavailable: return true;
    case Errc::kRemote:
      return error.remote_code == 1;  // SYSTEM_ERROR, e.g. 5.x "name server not ready"
    default: return false;
  }
}

// Broker failures that a fresh route may fix (the broker moved, or the route was stale).
bool retryWithFreshRoute(const Error& error) {
  switch (error.code) {
    case Errc::kConnectFailed:
    case Errc::kConnectionClosed:
    case Errc::kTimeout:
    case Errc::kTopicNotExist: return true;
    default: return false;
  }
}

bool isUnreachable(const Error& error) {
  return error.code == Errc::kConnectFailed || error.code == Errc::kConnectionClosed
         || error.code == Errc::kTimeout || error.code == Errc::kTls;
}

std::vector<BrokerAddress> routeMasters(const ClusterSpec& spec,
                                        const codec::TopicRouteData& route) {
  std::vector<BrokerAddress> out;
  for (const auto& b : route.broker_datas) {
    if (auto addr = b.masterAddr()) {
      out.push_back(BrokerAddress{b.broker_name, b.cluster, dialAddress(spec, *addr)});
    }
  }
  std::sort(out.begin(), out.end(), [](const BrokerAddress& a, const BrokerAddress& b) {
    return a.broker_name < b.broker_name;
  });
  return out;
}

std::string joinList(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += sep;
    }
    out += item;
  }
  return out;
}

// "cannot connect to 127.0.0.1:19876: Connection refused" -> "connection refused".
std::string rootCause(const std::string& message) {
  const auto colon = message.rfind(": ");
  std::string cause = colon == std::string::npos ? message : message.substr(colon + 2);
  if (!cause.empty() && cause[0] >= 'A' && cause[0] <= 'Z'
      && (cause.size() < 2 || !(cause[1] >= 'A' && cause[1] <= 'Z'))) {
    cause[0] = static_cast<char>(cause[0] - 'A' + 'a');
  }
  return cause;
}

}  // namespace

Error nameServerFailure(const Cluster& cluster, Error error) {
  if (!isUnreachable(error)) {
    return error;
  }
  const auto& list = cluster.spec().name_servers;
  if (list.size() == 1) {
    error.message =
        fmt::format("cannot reach NameServer {}: {}", list[0], rootCause(error.message));
  } else {
    error.message = fmt::format("cannot reach any NameServer ({}): {}", joinList(list, ";"),
                                rootCause(error.message));
  }
  return error;
}

Error routeFailure(const Cluster& cluster, const std::string& topic, Error error) {
  error = nameServerFailure(cluster, std::move(error));
  if (error.code == Errc::kTopicNotExist) {
    error.message = fmt::format("topic '{}' does not exist (NameServer {})", topic,
                                cluster.currentNameServer());
  }
  return error;
}

Cluster::Cluster(ClusterSpec spec, rpc::Transport& transport, ClusterOptions options)
    : spec_(std::move(spec)),
      options_(std::move(options)),
      owned_name_server_(std::make_unique<NameServerApi>(transport, options_.api)),
      owned_broker_(std::make_unique<BrokerApi>(transport, options_.api)),
      name_server_(owned_name_server_.get()),
      broker_data_(owned_broker_.get()),
      broker_admin_(owned_broker_.get()) {}

Cluster::Cluster(ClusterSpec spec, NameServerApi& name_server, BrokerDataApi& broker_data,
                 BrokerAdminApi& broker_admin, ClusterOptions options)
    : spec_(std::move(spec)),
      options_(std::move(options)),
      name_server_(&name_server),
      broker_data_(&broker_data),
      broker_admin_(&broker_admin) {}

Cluster::~Cluster() = default;

const std::string& Cluster::currentNameServer() const {
  static const std::string kNone;
  if (spec_.name_servers.empty()) {
    return kNone;
  }
  return spec_.name_servers[preferred_ns_ % spec_.name_servers.size()];
}

// ---- NameServer ----------------------------------------------------------------------------

template <class T>
asio::awaitable<Result<T>> Cluster::withNameServers(NsCall<T> call) {
  const std::size_t n = spec_.name_servers.size();
  if (n == 0) {
    co_return makeError(Errc::kInvalidArgument,
                        fmt::format("cluster '{}' has no NameServer address", spec_.name));
  }
  std::optional<Error> last;
  for (std::size_t attempt = 0; attempt < n; ++attempt) {
    const std::size_t index = (preferred_ns_ + attempt) % n;
    auto result = co_await call(spec_.name_servers[index]);
    if (result || !tryNextNameServer(result.error())) {
      preferred_ns_ = index;
      co_return result;
    }
    log::get(log::Module::kRocketmq)
        ->debug("namesrv_failover cluster={} addr={} error=\"{}\"", spec_.name,
                spec_.name_servers[index], result.error().toString());
    last = std::move(result.error());
  }
  if (n > 1) {
    last->message = fmt::format("no NameServer of cluster '{}' answered ({} tried); last: {}",
                                spec_.name, n, last->message);
  }
  co_return makeError(std::move(*last));
}

asio::awaitable<Result<codec::TopicRouteData>> Cluster::refreshRoute(std::string topic) {
  NameServerApi* ns = name_server_;
  // Named, not a temporary: GCC 12 mis-destroys temporaries converted to a coroutine's
  // by-value parameter inside a co_await expression.
  NsCall<codec::TopicRouteData> call = [ns, topic](std::string addr) {
    return ns->topicRoute(std::move(addr), topic);
  };
  auto fetched = co_await withNameServers<codec::TopicRouteData>(std::move(call));
  if (fetched) {
    routes_[topic] = CachedRoute{*fetched, options_.now()};
    co_return fetched;
  }
  auto cached = routes_.find(topic);
  if (cached != routes_.end() && isUnreachable(fetched.error())) {
    // No NameServer reachable: the last known route is better than none.
    log::get(log::Module::kRocketmq)
        ->warn("route_stale cluster={} topic={} error=\"{}\"", spec_.name, topic,
               fetched.error().toString());
    co_return cached->second.route;
  }
  if (fetched.error().code == Errc::kTopicNotExist) {
    routes_.erase(topic);
  }
  co_return fetched;
}

const codec::TopicRouteData* Cluster::freshRoute(const std::string& topic) const {
  auto cached = routes_.find(topic);
  if (cached == routes_.end() || cached->second.invalidated) {
    return nullptr;
  }
  if (options_.now() - cached->second.fetched >= options_.route_ttl) {
    return nullptr;
  }
  return &cached->second.route;
}

asio::awaitable<Result<codec::TopicRouteData>> Cluster::route(std::string topic) {
  // The cache test lives in a plain function: written inline in this coroutine, GCC 12 (debug
  // build) evaluated the `invalidated` flag wrongly and served an invalidated route
  // (ClusterTest.InvalidateForcesRefresh).
  if (const codec::TopicRouteData* hit = freshRoute(topic)) {
    co_return *hit;
  }
  co_return co_await refreshRoute(std::move(topic));
}

void Cluster::invalidateRoute(const std::string& topic) {
  auto it = routes_.find(topic);
  if (it != routes_.end()) {
    it->second.invalidated = true;
  }
}

asio::awaitable<Result<codec::ClusterInfo>> Cluster::clusterInfo() {
  NameServerApi* ns = name_server_;
  NsCall<codec::ClusterInfo> call = [ns](std::string addr) {
    return ns->clusterInfo(std::move(addr));
  };
  co_return co_await withNameServers<codec::ClusterInfo>(std::move(call));
}

asio::awaitable<Result<codec::TopicList>> Cluster::allTopics() {
  NameServerApi* ns = name_server_;
  NsCall<codec::TopicList> call = [ns](std::string addr) {
    return ns->allTopics(std::move(addr));
  };
  co_return co_await withNameServers<codec::TopicList>(std::move(call));
}

asio::awaitable<Result<codec::TopicList>> Cluster::topicsByCluster(std::string cluster) {
  NameServerApi* ns = name_server_;
  NsCall<codec::TopicList> call = [ns, cluster](std::string addr) {
    return ns->topicsByCluster(std::move(addr), cluster);
  };
  co_return co_await withNameServers<codec::TopicList>(std::move(call));
}

// ---- resolution ----------------------------------------------------------------------------

asio::awaitable<Result<std::vector<BrokerAddress>>> Cluster::masters() {
  FERRY_CO_TRY(info, co_await clusterInfo());
  std::vector<BrokerAddress> out;
  for (const auto& [name, data] : info.broker_addr_table) {
    if (auto addr = data.masterAddr()) {
      out.push_back(BrokerAddress{name, data.cluster, dialAddress(*addr)});
    }
  }
  co_return out;
}

asio::awaitable<Result<std::vector<BrokerAddress>>> Cluster::topicMasters(std::string topic) {
  FERRY_CO_TRY(r, co_await route(std::move(topic)));
  co_return routeMasters(spec_, r);
}

asio::awaitable<Result<std::string>> Cluster::masterAddr(std::string topic,
                                                         std::string broker_name) {
  FERRY_CO_TRY(r, co_await route(topic));
  const codec::BrokerData* b = r.findBroker(broker_name);
  if (b == nullptr) {
    co_return makeError(Errc::kNotFound,
                        fmt::format("broker '{}' is not in the route of topic '{}' in cluster '{}'",
                                    broker_name, topic, spec_.name));
  }
  auto addr = b->masterAddr();
  if (!addr) {
    co_return makeError(
        Errc::kNotFound,
        fmt::format("broker '{}' of cluster '{}' has no master (brokerId 0) right now", broker_name,
                    spec_.name));
  }
  co_return dialAddress(*addr);
}

asio::awaitable<Result<std::vector<QueueAddress>>> Cluster::queues(std::string topic,
                                                                   bool for_write) {
  FERRY_CO_TRY(r, co_await route(topic));
  std::vector<QueueAddress> out;
  for (const auto& qd : r.queue_datas) {
    const std::int32_t needed = for_write ? codec::kPermWrite : codec::kPermRead;
    if ((qd.perm & needed) == 0) {
      continue;
    }
    const codec::BrokerData* b = r.findBroker(qd.broker_name);
    if (b == nullptr) {
      continue;
    }
    auto addr = b->masterAddr();
    if (!addr) {
      continue;
    }
    const std::int32_t count = for_write ? qd.write_queue_nums : qd.read_queue_nums;
    for (std::int32_t q = 0; q < count; ++q) {
      out.push_back(QueueAddress{MessageQueue{topic, qd.broker_name, QueueId(q)},
                                 dialAddress(*addr), qd.perm});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const QueueAddress& a, const QueueAddress& b) { return a.queue < b.queue; });
  co_return out;
}

asio::awaitable<Result<std::vector<QueueAddress>>> Cluster::readQueues(std::string topic) {
  co_return co_await queues(std::move(topic), false);
}

asio::awaitable<Result<std::vector<QueueAddress>>> Cluster::writeQueues(std::string topic) {
  co_return co_await queues(std::move(topic), true);
}

asio::awaitable<Result<std::vector<BrokerAddress>>> Cluster::fanOutTargets(
    std::optional<std::string> topic) {
  if (topic) {
    co_return co_await topicMasters(*topic);
  }
  co_return co_await masters();
}

// ---- fan-out -------------------------------------------------------------------------------

template <class T>
asio::awaitable<Result<std::vector<std::pair<BrokerAddress, Result<T>>>>> Cluster::fanOut(
    std::optional<std::string> topic, BrokerCall<T> call) {
  FERRY_CO_TRY(targets, co_await fanOutTargets(topic));
  std::vector<asio::awaitable<Result<T>>> calls;
  for (const auto& target : targets) {
    calls.push_back(call(target));
  }
  auto results = co_await async::whenAll<T>(std::move(calls));

  std::vector<std::pair<BrokerAddress, Result<T>>> out;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    out.emplace_back(targets[i], std::move(results[i]));
  }

  // A broker that cannot be reached or does not know the topic may have moved: refresh the route
  // once and retry those brokers at their current master address.
  const bool any_retry = std::any_of(out.begin(), out.end(), [](const auto& entry) {
    return !entry.second && retryWithFreshRoute(entry.second.error());
  });
  if (!topic || !any_retry) {
    co_return out;
  }
  auto fresh = co_await refreshRoute(*topic);
  if (!fresh) {
    co_return out;
  }
  const auto masters_now = routeMasters(spec_, *fresh);
  std::vector<std::size_t> retried;
  std::vector<asio::awaitable<Result<T>>> retries;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].second || !retryWithFreshRoute(out[i].second.error())) {
      continue;
    }
    auto it = std::find_if(masters_now.begin(), masters_now.end(), [&](const BrokerAddress& b) {
      return b.broker_name == out[i].first.broker_name;
    });
    if (it == masters_now.end()) {
      continue;
    }
    out[i].first = *it;
    retried.push_back(i);
    retries.push_back(call(*it));
  }
  auto again = co_await async::whenAll<T>(std::move(retries));
  for (std::size_t k = 0; k < retried.size(); ++k) {
    out[retried[k]].second = std::move(again[k]);
  }
  co_return out;
}

asio::awaitable<Result<FanOut<codec::ConsumeStats>>> Cluster::consumeStats(
    std::string group, std::optional<std::string> topic) {
  BrokerAdminApi* api = broker_admin_;
  BrokerCall<codec::ConsumeStats> call = [api, group, topic](const BrokerAddress& b) {
    return api->consumeStats(b.addr, group, topic);
  };
  FERRY_CO_TRY(results, co_await fanOut<codec::ConsumeStats>(topic, std::move(call)));
  FanOut<codec::ConsumeStats> merged;
  merged.brokers = results.size();
  for (auto& [broker, result] : results) {
    if (!result) {
      merged.failures.emplace(broker.broker_name, std::move(result.error()));
      continue;
    }
    merged.value.consume_tps += result->consume_tps;
    for (auto& [mq, w] : result->offset_table) {
      merged.value.offset_table[mq] = w;
    }
  }
  co_return merged;
}

asio::awaitable<Result<FanOut<codec::ConsumerConnection>>> Cluster::consumerConnections(
    std::string group, std::optional<std::string> topic) {
  BrokerAdminApi* api = broker_admin_;
  BrokerCall<codec::ConsumerConnection> call = [api, group](const BrokerAddress& b) {
    return api->consumerConnections(b.addr, group);
  };
  FERRY_CO_TRY(results, co_await fanOut<codec::ConsumerConnection>(topic, std::move(call)));
  FanOut<codec::ConsumerConnection> merged;
  merged.brokers = results.size();
  std::set<std::string> seen;
  for (auto& [broker, result] : results) {
    if (!result) {
      if (result.error().code != Errc::kConsumerNotOnline) {
        merged.failures.emplace(broker.broker_name, std::move(result.error()));
      }
      continue;
    }
    auto& v = merged.value;
    for (auto& c : result->connection_set) {
      if (seen.insert(c.client_id).second) {
        v.connection_set.push_back(std::move(c));
      }
    }
    for (auto& [t, s] : result->subscription_table) {
      v.subscription_table.emplace(t, std::move(s));
    }
    if (v.consume_type.empty()) {
      v.consume_type = result->consume_type;
    }
    if (v.message_model.empty()) {
      v.message_model = result->message_model;
    }
    if (v.consume_from_where.empty()) {
      v.consume_from_where = result->consume_from_where;
    }
  }
  std::sort(merged.value.connection_set.begin(), merged.value.connection_set.end(),
            [](const codec::Connection& a, const codec::Connection& b) {
              return a.client_id < b.client_id;
            });
  co_return merged;
}

asio::awaitable<Result<FanOut<std::vector<std::string>>>> Cluster::topicsByConsumer(
    std::string group) {
  BrokerAdminApi* api = broker_admin_;
  BrokerCall<std::vector<std::string>> call = [api, group](const BrokerAddress& b) {
    return api->topicsByConsumer(b.addr, group);
  };
  const std::optional<std::string> all_masters;
  FERRY_CO_TRY(results, co_await fanOut<std::vector<std::string>>(all_masters, std::move(call)));
  FanOut<std::vector<std::string>> merged;
  merged.brokers = results.size();
  std::set<std::string> topics;
  for (auto& [broker, result] : results) {
    if (!result) {
      merged.failures.emplace(broker.broker_name, std::move(result.error()));
      continue;
    }
    topics.insert(result->begin(), result->end());
  }
  merged.value.assign(topics.begin(), topics.end());
  co_return merged;
}

asio::awaitable<Result<FanOut<std::map<std::string, codec::SubscriptionGroupConfig>>>>
Cluster::subscriptionGroupOnMasters(std::string group) {
  BrokerAdminApi* api = broker_admin_;
  BrokerCall<std::optional<codec::SubscriptionGroupConfig>> call = [api,
                                                                    group](const BrokerAddress& b) {
    return api->findSubscriptionGroup(b.addr, group);
  };
  const std::optional<std::string> all_masters;
  FERRY_CO_TRY(results, co_await fanOut<std::optional<codec::SubscriptionGroupConfig>>(
                            all_masters, std::move(call)));
  FanOut<std::map<std::string, codec::SubscriptionGroupConfig>> merged;
  merged.brokers = results.size();
  for (auto& [broker, result] : results) {
    if (!result) {
      merged.failures.emplace(broker.broker_name, std::move(result.error()));
      continue;
    }
    if (*result) {
      merged.value.emplace(broker.broker_name, std::move(**result));
    }
  }
  co_return merged;
}

}  // namespace ferry::rocketmq
