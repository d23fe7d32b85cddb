// Typed NameServer calls (docs/api.md "NameServerApi"): topic routes, cluster membership and
// topic lists, each against one NameServer address. Failover across a cluster's NameServer list
// and route caching live one level up, in Cluster (cluster.h).
//
// Lifecycle and threading: a cheap, stateless wrapper around a Transport that must outlive it;
// call it from coroutines on the transport's executor. Methods are virtual so engine tests can
// substitute canned answers without a transport.
#pragma once

#include <string>

#include <asio/awaitable.hpp>

#include "ferry/base/error.h"
#include "ferry/codec/bodies.h"
#include "ferry/rocketmq/api_options.h"
#include "ferry/rpc/transport.h"

namespace ferry::rocketmq {

class NameServerApi {
 public:
  explicit NameServerApi(rpc::Transport& transport, ApiOptions options = {})
      : transport_(transport), options_(options) {}
  virtual ~NameServerApi() = default;
  NameServerApi(const NameServerApi&) = delete;
  NameServerApi& operator=(const NameServerApi&) = delete;

  // GET_ROUTEINFO_BY_TOPIC (105) with acceptStandardJsonOnly=true (the non-standard form of
  // older NameServers is parsed too). Unknown topic: Errc::kTopicNotExist.
  virtual asio::awaitable<Result<codec::TopicRouteData>> topicRoute(std::string addr,
                                                                    std::string topic);
  // GET_BROKER_CLUSTER_INFO (106).
  virtual asio::awaitable<Result<codec::ClusterInfo>> clusterInfo(std::string addr);
  // GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206): every topic, system ones included.
  virtual asio::awaitable<Result<codec::TopicList>> allTopics(std::string addr);
  // GET_TOPICS_BY_CLUSTER (224).
  virtual asio::awaitable<Result<codec::TopicList>> topicsByCluster(std::string addr,
                                                                    std::string cluster);

  const ApiOptions& options() const { return options_; }

 private:
  rpc::Transport& transport_;
  ApiOptions options_;
};

}  // namespace ferry::rocketmq
