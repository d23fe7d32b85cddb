// The view of one RocketMQ cluster that the engines and the CLI work with (docs/api.md
// "Cluster"): its NameServer list with failover, a per-topic route cache, resolution of broker
// names to master addresses, and fan-out helpers that run a request on every master (of the
// cluster or of a topic's route) concurrently and merge the answers.
//
// Lifecycle: created with a Transport that must outlive it -- usually by ClusterClient
// (cluster_client.h), which builds both from one ClusterSpec; the transport applies the spec's
// credentials and TLS, the cluster its NameServers and broker_address_map. Threading: one executor;
// every method is called from coroutines on the transport's executor, no locks. The route cache is
// the only state; it is private to this object.
//
// NameServer failover: addresses are tried in order, starting with the last one that answered.
// A transport failure (cannot connect, timeout, dropped connection) or a busy/not-ready answer
// moves on to the next address; any other answer -- including TOPIC_NOT_EXIST -- is final.
//
// Route cache: route() returns a cached route younger than route_ttl, else asks a NameServer.
// Callers invalidate a topic when a broker says TOPIC_NOT_EXIST or cannot be reached; the
// fan-out helpers here do that themselves and retry once with a fresh route. When refreshing
// fails because no NameServer can be reached, the stale route is served (and the error
// reported only when there is nothing cached).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <asio/awaitable.hpp>

#include "ferry/base/error.h"
#include "ferry/codec/bodies.h"
#include "ferry/rocketmq/api_options.h"
#include "ferry/rocketmq/broker_admin_api.h"
#include "ferry/rocketmq/broker_data_api.h"
#include "ferry/rocketmq/cluster_spec.h"
#include "ferry/rocketmq/name_server_api.h"
#include "ferry/rpc/transport.h"

namespace ferry::rocketmq {

struct ClusterOptions {
  std::chrono::milliseconds route_ttl{30000};
  ApiOptions api;
  // Clock for the route cache; tests inject their own.
  std::function<std::chrono::steady_clock::time_point()> now = [] {
    return std::chrono::steady_clock::now();
  };
};

// Broker addresses: every address this class hands out (BrokerAddress::addr, QueueAddress::addr,
// masterAddr()) and every broker it calls is the address to dial, i.e. the advertised address
// rewritten through the spec's broker_address_map. Routes and ClusterInfo keep what the
// NameServer advertised; map those with dialAddress().

// A broker's master: name, RocketMQ cluster name and address (to dial).
struct BrokerAddress {
  std::string broker_name;
  std::string cluster;
  std::string addr;
  bool operator==(const BrokerAddress&) const = default;
};

// A queue with the address of its master broker.
struct QueueAddress {
  MessageQueue queue;
  std::string addr;
  std::int32_t perm = 0;  // the topic's perm bits on that broker
};

// The merged result of a fan-out: what succeeded plus, per broker, what failed.
template <class T>
struct FanOut {
  T value{};
  std::map<std::string, Error> failures;  // broker name -> error
  std::size_t brokers = 0;                // how many were asked
};

class BrokerApi;

class Cluster {
 public:
  // Owns a NameServerApi and a BrokerApi (both broker interfaces) over `transport`.
  Cluster(ClusterSpec spec, rpc::Transport& transport, ClusterOptions options = {});
  // Uses the given APIs (which must outlive the cluster): engine tests pass in-memory fakes;
  // one object may implement both broker interfaces.
  Cluster(ClusterSpec spec, NameServerApi& name_server, BrokerDataApi& broker_data,
          BrokerAdminApi& broker_admin, ClusterOptions options = {});
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;
  Cluster(Cluster&&) = delete;
  Cluster& operator=(Cluster&&) = delete;

  const ClusterSpec& spec() const { return spec_; }
  // The address to dial for a broker advertised as `advertised` (broker_address_map applied).
  const std::string& dialAddress(const std::string& advertised) const {
    return rocketmq::dialAddress(spec_, advertised);
  }
  NameServerApi& nameServer() { return *name_server_; }
  // The brokers of this cluster, by the interface a caller needs: the data plane (pull, send,
  // offsets) for engines' hot paths, the admin side for topics, groups, consumer state, resets.
  BrokerDataApi& brokerData() { return *broker_data_; }
  BrokerAdminApi& brokerAdmin() { return *broker_admin_; }

  // ---- NameServer (with failover) ----
  asio::awaitable<Result<codec::TopicRouteData>> route(std::string topic);  // cached
  asio::awaitable<Result<codec::TopicRouteData>> refreshRoute(std::string topic);
  void invalidateRoute(const std::string& topic);
  asio::awaitable<Result<codec::ClusterInfo>> clusterInfo();
  asio::awaitable<Result<codec::TopicList>> allTopics();
  asio::awaitable<Result<codec::TopicList>> topicsByCluster(std::string cluster);
  // The NameServer address that answered last (for messages).
  const std::string& currentNameServer() const;

  // ---- resolution ----
  // Masters of every broker the NameServer knows (sorted by broker name); brokers without a
  // master are left out.
  asio::awaitable<Result<std::vector<BrokerAddress>>> masters();
  // Masters of the brokers in `topic`'s route.
  asio::awaitable<Result<std::vector<BrokerAddress>>> topicMasters(std::string topic);
  // Master address of `broker_name` from `topic`'s route; kNotFound when the route has no such
  // broker or the broker has no master right now.
  asio::awaitable<Result<std::string>> masterAddr(std::string topic, std::string broker_name);
  // Consumable queues of `topic` (readQueueNums per broker), sorted by (broker, queue id), each
  // with its master address. Brokers without a master or without read permission are skipped.
  asio::awaitable<Result<std::vector<QueueAddress>>> readQueues(std::string topic);
  // Queues to send to (writeQueueNums per broker with write permission).
  asio::awaitable<Result<std::vector<QueueAddress>>> writeQueues(std::string topic);

  // ---- fan-out over masters ----
  // GET_CONSUME_STATS on every master of `topic`'s route (or of the cluster when no topic),
  // offset tables merged, TPS summed. Failing brokers are reported in `failures`.
  asio::awaitable<Result<FanOut<codec::ConsumeStats>>> consumeStats(
      std::string group, std::optional<std::string> topic);
  // GET_CONSUMER_CONNECTION_LIST on every master (of `topic`'s route when given), OR-ed:
  // connections unioned by client id, subscriptions merged. A broker answering
  // CONSUMER_NOT_ONLINE is not a failure; value.connection_set is empty when no broker knows a
  // client of the group.
  asio::awaitable<Result<FanOut<codec::ConsumerConnection>>> consumerConnections(
      std::string group, std::optional<std::string> topic);
  // Topics with committed offsets for `group` on any master, unioned and sorted.
  asio::awaitable<Result<FanOut<std::vector<std::string>>>> topicsByConsumer(std::string group);
  // Read-only: the group's config from every master that knows it
  // (GET_ALL_SUBSCRIPTIONGROUP_CONFIG).
  asio::awaitable<Result<FanOut<std::map<std::string, codec::SubscriptionGroupConfig>>>>
  subscriptionGroupOnMasters(std::string group);

 private:
  struct CachedRoute {
    codec::TopicRouteData route;
    std::chrono::steady_clock::time_point fetched;
    bool invalidated = false;  // kept only as a fallback while NameServers are unreachable
  };

  // The cached route of `topic` when present, not invalidated and younger than route_ttl.
  const codec::TopicRouteData* freshRoute(const std::string& topic) const;
  // Runs `call` against the NameServers in failover order.
  template <class T>
  using NsCall = std::function<asio::awaitable<Result<T>>(std::string addr)>;
  template <class T>
  asio::awaitable<Result<T>> withNameServers(NsCall<T> call);
  asio::awaitable<Result<std::vector<QueueAddress>>> queues(std::string topic, bool for_write);
  // Runs `call` on every master (of `topic`'s route, else of the cluster) concurrently; brokers
  // that fail in a way a fresh route may fix are retried once after refreshing the route.
  template <class T>
  using BrokerCall = std::function<asio::awaitable<Result<T>>(const BrokerAddress&)>;
  template <class T>
  asio::awaitable<Result<std::vector<std::pair<BrokerAddress, Result<T>>>>> fanOut(
      std::optional<std::string> topic, BrokerCall<T> call);
  asio::awaitable<Result<std::vector<BrokerAddress>>> fanOutTargets(
      std::optional<std::string> topic);

  ClusterSpec spec_;
  ClusterOptions options_;
  std::unique_ptr<NameServerApi> owned_name_server_;
  std::unique_ptr<BrokerApi> owned_broker_;
  NameServerApi* name_server_;
  BrokerDataApi* broker_data_;
  BrokerAdminApi* broker_admin_;
  std::size_t preferred_ns_ = 0;
  std::map<std::string, CachedRoute> routes_;
};

// Operator-facing messages for failed NameServer calls. An unreachable NameServer (list) becomes
// "cannot reach NameServer 127.0.0.1:9876: connection refused" (or "cannot reach any NameServer
// (a;b): ..."); other errors are returned as they are.
Error nameServerFailure(const Cluster& cluster, Error error);
// nameServerFailure(), and TOPIC_NOT_EXIST as "topic 'x' does not exist (NameServer ...)".
Error routeFailure(const Cluster& cluster, const std::string& topic, Error error);

}  // namespace ferry::rocketmq
