// The administrative side of a broker (docs/api.md "Broker interfaces"): topics and subscription
// groups, consumer state, broker-mediated offset resets, broker settings and Ferry's own client
// registration. Used by the CLI, group_state/topics, Cluster's fan-outs and the engines' set-up
// steps (creating a missing topic or group); the hot path uses BrokerDataApi instead.
//
// Implementations: BrokerApi (broker_api.h) over an rpc::Transport; test fakes
// (tests/support/broker_fakes.h has one that refuses every call, to derive from).
//
// Contract: as BrokerDataApi (broker_data_api.h) -- one broker address per call, Errors that name
// the operation, the topic/group/queue and the address, answers that are not failures as values,
// coroutines on the caller's executor with parameters by value, no retries.
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

namespace ferry::rocketmq {

// MQVersion ordinals used for feature detection.
inline constexpr std::int32_t kVersion4_9_4 = 401;
inline constexpr std::int32_t kVersion5_0_0 = 413;
inline constexpr std::int32_t kVersion5_1_0 = 433;
inline constexpr std::int32_t kVersion5_3_0 = 473;
// "V5_3_3" for 479, "V4_9_8" for 409, ...; "ordinal N" for ordinals outside the known table.
std::string versionName(std::int32_t ordinal);

// GET_BROKER_RUNTIME_INFO answer plus the version ordinal the broker put into its response.
struct BrokerRuntimeInfo {
  std::int32_t version = 0;  // MQVersion ordinal (479 = V5_3_3)
  std::map<std::string, std::string> table;
  // brokerVersionDesc from the table, else versionName(version).
  std::string versionDesc() const;
};

// What a broker supports, from its runtime info and config.
struct BrokerFeatures {
  std::int32_t version = 0;
  std::string version_desc;
  bool server_side_reset = false;           // useServerSideResetOffset=true (5.2+ default)
  bool query_topics_by_consumer = false;    // 5.0+
  bool group_config_by_name = false;        // 5.0+ GET_SUBSCRIPTIONGROUP_CONFIG
  bool update_offset_checks_group = false;  // 5.3+: UPDATE_CONSUMER_OFFSET needs the group config
  std::map<std::string, std::string> config;
};

class BrokerAdminApi {
 public:
  virtual ~BrokerAdminApi() = default;
  BrokerAdminApi(const BrokerAdminApi&) = delete;
  BrokerAdminApi& operator=(const BrokerAdminApi&) = delete;
  BrokerAdminApi(BrokerAdminApi&&) = delete;
  BrokerAdminApi& operator=(BrokerAdminApi&&) = delete;

  // ---- topics and groups ----
  // UPDATE_AND_CREATE_TOPIC (17) on one broker (call it on every master that should host it).
  virtual asio::awaitable<Result<void>> createTopic(std::string addr,
                                                    codec::TopicConfig config) = 0;
  // GET_ALL_TOPIC_CONFIG (21).
  virtual asio::awaitable<Result<codec::TopicConfigSerializeWrapper>> allTopicConfigs(
      std::string addr) = 0;
  // GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201). Read-only.
  virtual asio::awaitable<Result<codec::SubscriptionGroupWrapper>> allSubscriptionGroups(
      std::string addr) = 0;
  // One group's config; absent group: Errc::kGroupNotExist. BrokerApi asks with
  // GET_SUBSCRIPTIONGROUP_CONFIG (352) and falls back on 201 for 4.9. Caution: a 5.x broker with
  // autoCreateSubscriptionGroup=true (the default) CREATES the group when asked with 352 -- use
  // findSubscriptionGroup() where that side effect is not wanted.
  virtual asio::awaitable<Result<codec::SubscriptionGroupConfig>> subscriptionGroup(
      std::string addr, std::string group) = 0;
  // UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200).
  virtual asio::awaitable<Result<void>> createOrUpdateSubscriptionGroup(
      std::string addr, codec::SubscriptionGroupConfig config) = 0;

  // ---- queue inspection ----
  // GET_EARLIEST_MSG_STORETIME (32): store time (ms) of the oldest message.
  virtual asio::awaitable<Result<std::int64_t>> earliestMsgStoreTime(std::string addr,
                                                                     MessageQueue queue) = 0;
  // GET_TOPIC_STATS_INFO (202): min/max offset per queue of `topic` on this broker.
  virtual asio::awaitable<Result<codec::TopicStatsTable>> topicStats(std::string addr,
                                                                     std::string topic) = 0;

  // ---- consumer groups ----
  // GET_CONSUMER_CONNECTION_LIST (203). No client on this broker: Errc::kConsumerNotOnline.
  virtual asio::awaitable<Result<codec::ConsumerConnection>> consumerConnections(
      std::string addr, std::string group) = 0;
  // GET_CONSUMER_LIST_BY_GROUP (38). No client: Errc::kConsumerNotOnline.
  virtual asio::awaitable<Result<std::vector<std::string>>> consumerIds(std::string addr,
                                                                        std::string group) = 0;
  // GET_CONSUME_STATS (208), all topics with offsets for the group unless `topic` is given.
  virtual asio::awaitable<Result<codec::ConsumeStats>> consumeStats(
      std::string addr, std::string group, std::optional<std::string> topic) = 0;
  // Topics that have committed offsets for `group` on this broker, sorted (343; on 4.9 the
  // distinct topics of GET_CONSUME_STATS without a topic).
  virtual asio::awaitable<Result<std::vector<std::string>>> topicsByConsumer(std::string addr,
                                                                             std::string group) = 0;
  // QUERY_TOPIC_CONSUME_BY_WHO (300).
  virtual asio::awaitable<Result<codec::GroupList>> groupsConsuming(std::string addr,
                                                                    std::string topic) = 0;
  // GET_CONSUMER_RUNNING_INFO (307) through the broker to one client.
  virtual asio::awaitable<Result<codec::ConsumerRunningInfo>> consumerRunningInfo(
      std::string addr, std::string group, std::string client_id, bool jstack = false) = 0;

  // ---- broker-mediated offset reset (INVOKE_BROKER_TO_RESET_OFFSET, 222; language JAVA) ----
  // 5.1+ server-side reset of one queue to an exact offset (queueId + offset, timestamp 0). Works
  // online or offline on brokers with useServerSideResetOffset=true; the broker answers with the
  // queues it changed.
  virtual asio::awaitable<Result<codec::ResetOffsetBody>> resetOffsetToOffset(
      std::string addr, std::string group, MessageQueue queue, QueueOffset offset) = 0;
  // Timestamp form (4.9 and later): every queue of `topic` on this broker to the offset found
  // for `timestamp_ms` (-1 = max offset). On the client-push path (4.9/5.0/5.1 default) the
  // group must be online (else Errc::kConsumerNotOnline) and !force only moves backwards.
  virtual asio::awaitable<Result<codec::ResetOffsetBody>> resetOffsetByTimestamp(
      std::string addr, std::string group, std::string topic, std::int64_t timestamp_ms,
      bool force) = 0;

  // ---- broker settings ----
  // GET_BROKER_CONFIG (26): key=value settings.
  virtual asio::awaitable<Result<std::map<std::string, std::string>>> brokerConfig(
      std::string addr) = 0;
  // GET_BROKER_RUNTIME_INFO (28).
  virtual asio::awaitable<Result<BrokerRuntimeInfo>> runtimeInfo(std::string addr) = 0;

  // ---- Ferry's own client ----
  // HEART_BEAT (34).
  virtual asio::awaitable<Result<void>> heartbeat(std::string addr, codec::HeartbeatData data) = 0;
  // UNREGISTER_CLIENT (35).
  virtual asio::awaitable<Result<void>> unregisterClient(
      std::string addr, std::string client_id, std::optional<std::string> producer_group,
      std::optional<std::string> consumer_group) = 0;

  // ---- compositions, the same for every implementation ----
  // Read-only lookup of one group in allSubscriptionGroups(): nullopt when the broker does not
  // know the group.
  asio::awaitable<Result<std::optional<codec::SubscriptionGroupConfig>>> findSubscriptionGroup(
      std::string addr, std::string group);
  // runtimeInfo() + brokerConfig(), interpreted.
  asio::awaitable<Result<BrokerFeatures>> features(std::string addr);

 protected:
  BrokerAdminApi() = default;
};

}  // namespace ferry::rocketmq
