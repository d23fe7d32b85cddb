// Test-only (ferry_testing): a BrokerAdminApi that refuses every call with Errc::kUnsupported
// naming the call, for fakes that implement only the few admin calls their test needs (derive
// from it and override those). No transport, no I/O. Single-threaded like the code under test.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>
#include <fmt/format.h>

#include "ferry/rocketmq/broker_admin_api.h"

namespace ferry::rocketmq::testing {

class UnsupportedBrokerAdmin : public BrokerAdminApi {
 public:
  asio::awaitable<Result<void>> createTopic(std::string addr, codec::TopicConfig) override {
    co_return refuse("createTopic", addr);
  }
  asio::awaitable<Result<codec::TopicConfigSerializeWrapper>> allTopicConfigs(
      std::string addr) override {
    co_return refuse("allTopicConfigs", addr);
  }
  asio::awaitable<Result<codec::SubscriptionGroupWrapper>> allSubscriptionGroups(
      std::string addr) override {
    co_return refuse("allSubscriptionGroups", addr);
  }
  asio::awaitable<Result<codec::SubscriptionGroupConfig>> subscriptionGroup(std::string addr,
                                                                            std::string) override {
    co_return refuse("subscriptionGroup", addr);
  }
  asio::awaitable<Result<void>> createOrUpdateSubscriptionGroup(
      std::string addr, codec::SubscriptionGroupConfig) override {
    co_return refuse("createOrUpdateSubscriptionGroup", addr);
  }
  asio::awaitable<Result<std::int64_t>> earliestMsgStoreTime(std::string addr,
                                                             MessageQueue) override {
    co_return refuse("earliestMsgStoreTime", addr);
  }
  asio::awaitable<Result<codec::TopicStatsTable>> topicStats(std::string addr,
                                                             std::string) override {
    co_return refuse("topicStats", addr);
  }
  asio::awaitable<Result<codec::ConsumerConnection>> consumerConnections(std::string addr,
                                                                         std::string) override {
    co_return refuse("consumerConnections", addr);
  }
  asio::awaitable<Result<std::vector<std::string>>> consumerIds(std::string addr,
                                                                std::string) override {
    co_return refuse("consumerIds", addr);
  }
  asio::awaitable<Result<codec::ConsumeStats>> consumeStats(std::string addr, std::string,
                                                            std::optional<std::string>) override {
    co_return refuse("consumeStats", addr);
  }
  asio::awaitable<Result<std::vector<std::string>>> topicsByConsumer(std::string addr,
                                                                     std::string) override {
    co_return refuse("topicsByConsumer", addr);
  }
  asio::awaitable<Result<codec::GroupList>> groupsConsuming(std::string addr,
                                                            std::string) override {
    co_return refuse("groupsConsuming", addr);
  }
  asio::awaitable<Result<codec::ConsumerRunningInfo>> consumerRunningInfo(std::string addr,
                                                                          std::string, std::string,
                                                                          bool) override {
    co_return refuse("consumerRunningInfo", addr);
  }
  asio::awaitable<Result<codec::ResetOffsetBody>> resetOffsetToOffset(std::string addr, std::string,
                                                                      MessageQueue,
                                                                      QueueOffset) override {
    co_return refuse("resetOffsetToOffset", addr);
  }
  asio::awaitable<Result<codec::ResetOffsetBody>> resetOffsetByTimestamp(std::string addr,
                                                                         std::string, std::string,
                                                                         std::int64_t,
                                                                         bool) override {
    co_return refuse("resetOffsetByTimestamp", addr);
  }
  asio::awaitable<Result<std::map<std::string, std::string>>> brokerConfig(
      std::string addr) override {
    co_return refuse("brokerConfig", addr);
  }
  asio::awaitable<Result<BrokerRuntimeInfo>> runtimeInfo(std::string addr) override {
    co_return refuse("runtimeInfo", addr);
  }
  asio::awaitable<Result<void>> heartbeat(std::string addr, codec::HeartbeatData) override {
    co_return refuse("heartbeat", addr);
  }
  asio::awaitable<Result<void>> unregisterClient(std::string addr, std::string,
                                                 std::optional<std::string>,
                                                 std::optional<std::string>) override {
    co_return refuse("unregisterClient", addr);
  }

 protected:
  static tl::unexpected<Error> refuse(std::string_view call, const std::string& addr) {
    return makeError(Errc::kUnsupported, fmt::format("{} at {}: not faked", call, addr));
  }
};

}  // namespace ferry::rocketmq::testing
