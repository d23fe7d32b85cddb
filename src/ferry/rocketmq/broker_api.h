// Typed broker calls over an rpc::Transport (docs/api.md "BrokerApi"): the production
// implementation of both broker interfaces, BrokerDataApi (pull, send, offsets;
// broker_data_api.h) and BrokerAdminApi (topics and groups, consumer state, resets, settings,
// Ferry's own client; broker_admin_api.h). Code that needs a broker takes one of the interfaces;
// only the places that build the clients (Cluster, unit tests of the wire format) name this class.
//
// Every non-success answer becomes an Error that names the operation, the topic/group/queue and
// the address, with the broker's code and remark kept (errors.h). That description is formatted
// only when a call fails (detail::What, call.h): successful calls pay no formatting.
//
// Version differences handled here (4.9 vs 5.x): subscriptionGroup() and topicsByConsumer() fall
// back to older requests on REQUEST_CODE_NOT_SUPPORTED; queryConsumerOffset() sends
// setZeroIfNotFound=false; resetOffset has a 5.1+ exact-offset form and the timestamp form.
// Deadlines: ApiOptions::timeout per call; consumerRunningInfo() running_info_timeout; pull()
// the request's suspend time plus pull_margin.
//
// Lifecycle and threading: a stateless wrapper around a Transport that must outlive it; call it
// from coroutines on the transport's executor.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "ferry/base/error.h"
#include "ferry/codec/bodies.h"
#include "ferry/codec/headers.h"
#include "ferry/rocketmq/broker_admin_api.h"
#include "ferry/rocketmq/broker_data_api.h"
#include "ferry/rocketmq/call.h"
#include "ferry/rpc/transport.h"

namespace ferry::rocketmq {

class BrokerApi final : public BrokerDataApi, public BrokerAdminApi {
 public:
  explicit BrokerApi(rpc::Transport& transport, ApiOptions options = {})
      : transport_(transport), options_(options) {}
  ~BrokerApi() override = default;
  BrokerApi(const BrokerApi&) = delete;
  BrokerApi& operator=(const BrokerApi&) = delete;
  BrokerApi(BrokerApi&&) = delete;
  BrokerApi& operator=(BrokerApi&&) = delete;

  const ApiOptions& options() const { return options_; }

  // ---- BrokerDataApi ----
  asio::awaitable<Result<SendResult>> send(std::string addr,
                                           codec::SendMessageRequestHeaderV2 header,
                                           std::string body) override;
  asio::awaitable<Result<SendResult>> sendBatch(std::string addr,
                                                codec::SendMessageRequestHeaderV2 header,
                                                std::string batch_body) override;
  asio::awaitable<Result<PullResult>> pull(std::string addr, PullRequest request) override;
  asio::awaitable<Result<std::optional<QueueOffset>>> queryConsumerOffset(
      std::string addr, std::string group, MessageQueue queue) override;
  asio::awaitable<Result<void>> updateConsumerOffset(std::string addr, std::string group,
                                                     MessageQueue queue,
                                                     QueueOffset offset) override;
  asio::awaitable<Result<QueueOffset>> minOffset(std::string addr, MessageQueue queue) override;
  asio::awaitable<Result<QueueOffset>> maxOffset(std::string addr, MessageQueue queue) override;
  // The default is BrokerDataApi's, repeated so calls on a BrokerApi may omit it too.
  asio::awaitable<Result<QueueOffset>> searchOffset(
      std::string addr, MessageQueue queue, std::int64_t timestamp_ms,
      std::optional<codec::BoundaryType> boundary = std::nullopt) override;

  // ---- BrokerAdminApi ----
  asio::awaitable<Result<void>> createTopic(std::string addr, codec::TopicConfig config) override;
  asio::awaitable<Result<codec::TopicConfigSerializeWrapper>> allTopicConfigs(
      std::string addr) override;
  asio::awaitable<Result<codec::SubscriptionGroupWrapper>> allSubscriptionGroups(
      std::string addr) override;
  asio::awaitable<Result<codec::SubscriptionGroupConfig>> subscriptionGroup(
      std::string addr, std::string group) override;
  asio::awaitable<Result<void>> createOrUpdateSubscriptionGroup(
      std::string addr, codec::SubscriptionGroupConfig config) override;
  asio::awaitable<Result<std::int64_t>> earliestMsgStoreTime(std::string addr,
                                                             MessageQueue queue) override;
  asio::awaitable<Result<codec::TopicStatsTable>> topicStats(std::string addr,
                                                             std::string topic) override;
  asio::awaitable<Result<codec::ConsumerConnection>> consumerConnections(
      std::string addr, std::string group) override;
  asio::awaitable<Result<std::vector<std::string>>> consumerIds(std::string addr,
                                                                std::string group) override;
  asio::awaitable<Result<codec::ConsumeStats>> consumeStats(
      std::string addr, std::string group, std::optional<std::string> topic) override;
  asio::awaitable<Result<std::vector<std::string>>> topicsByConsumer(std::string addr,
                                                                     std::string group) override;
  asio::awaitable<Result<codec::GroupList>> groupsConsuming(std::string addr,
                                                            std::string topic) override;
  // 15 s deadline (running_info_timeout): the broker waits up to 10 s for the client.
  asio::awaitable<Result<codec::ConsumerRunningInfo>> consumerRunningInfo(
      std::string addr, std::string group, std::string client_id, bool jstack = false) override;
  asio::awaitable<Result<codec::ResetOffsetBody>> resetOffsetToOffset(std::string addr,
                                                                      std::string group,
                                                                      MessageQueue queue,
                                                                      QueueOffset offset) override;
  asio::awaitable<Result<codec::ResetOffsetBody>> resetOffsetByTimestamp(std::string addr,
                                                                         std::string group,
                                                                         std::string topic,
                                                                         std::int64_t timestamp_ms,
                                                                         bool force) override;
  asio::awaitable<Result<std::map<std::string, std::string>>> brokerConfig(
      std::string addr) override;
  asio::awaitable<Result<BrokerRuntimeInfo>> runtimeInfo(std::string addr) override;
  asio::awaitable<Result<void>> heartbeat(std::string addr, codec::HeartbeatData data) override;
  asio::awaitable<Result<void>> unregisterClient(
      std::string addr, std::string client_id, std::optional<std::string> producer_group,
      std::optional<std::string> consumer_group) override;

 private:
  // `what` is formatted only when the call fails (detail::What in call.h).
  asio::awaitable<Result<codec::RemotingCommand>> callOk(std::string addr,
                                                         codec::RemotingCommand request,
                                                         detail::What what);
  asio::awaitable<Result<codec::ResetOffsetBody>> resetOffset(
      std::string addr, codec::ResetOffsetRequestHeader header, detail::What what);

  rpc::Transport& transport_;
  ApiOptions options_;
};

}  // namespace ferry::rocketmq
