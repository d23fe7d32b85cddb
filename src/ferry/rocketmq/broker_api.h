// Typed broker calls (docs/api.md "BrokerApi"): topics and groups, send, pull, offsets, consumer
// state, broker-mediated offset resets, broker settings, and Ferry's own client registration.
//
// Every call targets one broker address ("ip:port"); callers pick it (offsets and sends go to the
// master, brokerId 0 -- Cluster resolves it). Every non-success answer becomes an Error that
// names the operation, the topic/group/queue and the address, with the broker's code and remark
// kept (errors.h). Conditions that are answers rather than failures are values: "no committed
// offset" is std::nullopt, a pull that found nothing is PullStatus::kNoNewMsg.
//
// Version differences handled here (4.9 vs 5.x): subscriptionGroup() and topicsByConsumer() fall
// back to older requests on REQUEST_CODE_NOT_SUPPORTED; queryConsumerOffset() sends
// setZeroIfNotFound=false; resetOffset has a 5.1+ exact-offset form and the timestamp form.
//
// Lifecycle and threading: a stateless wrapper around a Transport that must outlive it; call it
// from coroutines on the transport's executor. Methods are virtual so engine tests can substitute
// canned answers without a transport.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "ferry/base/error.h"
#include "ferry/codec/bodies.h"
#include "ferry/codec/headers.h"
#include "ferry/codec/message.h"
#include "ferry/rocketmq/call.h"
#include "ferry/rpc/transport.h"

namespace ferry::rocketmq {

// MQVersion ordinals used for feature detection.
inline constexpr std::int32_t kVersion4_9_4 = 401;
inline constexpr std::int32_t kVersion5_0_0 = 413;
inline constexpr std::int32_t kVersion5_1_0 = 433;
inline constexpr std::int32_t kVersion5_3_0 = 473;
// "V5_3_3" for 479, "V4_9_8" for 409, ...; "ordinal N" for ordinals outside the known table.
std::string versionName(std::int32_t ordinal);

struct SendResult {
  MessageQueue queue;           // topic and broker as sent, queue id as the broker assigned
  QueueOffset queue_offset{0};  // of the first message (a batch occupies consecutive offsets)
  std::string msg_id;           // offset msgId(s), comma-separated for a batch
  std::optional<std::string> transaction_id;
};

enum class PullStatus {
  kFound,         // SUCCESS: body holds stored message records
  kNoNewMsg,      // PULL_NOT_FOUND (19)
  kNoMatchedMsg,  // PULL_RETRY_IMMEDIATELY (20): everything was filtered out
  kOffsetIllegal, // PULL_OFFSET_MOVED (21): offset out of range, or a server-side reset happened
};
std::string_view pullStatusName(PullStatus status);

struct PullRequest {
  std::string group;
  MessageQueue queue;
  QueueOffset offset{0};
  std::int32_t max_msg_nums = 32;
  // Long polling: the broker holds the request up to this long when nothing is there yet.
  // Zero pulls without suspending.
  std::chrono::milliseconds suspend{15000};
  // Commit this offset for `group` with the pull (FLAG_COMMIT_OFFSET).
  std::optional<QueueOffset> commit_offset;
  std::string subscription{codec::kSubAll};
  std::string expression_type = "TAG";
  std::int64_t sub_version = 0;
  std::optional<std::int32_t> max_msg_bytes;  // 5.x
};

struct PullResult {
  PullStatus status = PullStatus::kNoNewMsg;
  QueueOffset next_begin_offset{0};
  QueueOffset min_offset{0};
  QueueOffset max_offset{0};
  std::int64_t suggest_which_broker_id = 0;
  std::string body;  // stored message records (codec::StoredMessageReader) when kFound
};

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
  bool server_side_reset = false;    // useServerSideResetOffset=true (5.2+ default)
  bool query_topics_by_consumer = false;  // 5.0+
  bool group_config_by_name = false;      // 5.0+ GET_SUBSCRIPTIONGROUP_CONFIG
  bool update_offset_checks_group = false;  // 5.3+: UPDATE_CONSUMER_OFFSET needs the group config
  std::map<std::string, std::string> config;
};

class BrokerApi {
 public:
  explicit BrokerApi(rpc::Transport& transport, ApiOptions options = {})
      : transport_(transport), options_(options) {}
  virtual ~BrokerApi() = default;
  BrokerApi(const BrokerApi&) = delete;
  BrokerApi& operator=(const BrokerApi&) = delete;

  const ApiOptions& options() const { return options_; }

  // ---- topics and groups ----
  // UPDATE_AND_CREATE_TOPIC (17) on one broker (call it on every master that should host it).
  virtual asio::awaitable<Result<void>> createTopic(std::string addr, codec::TopicConfig config);
  // GET_ALL_TOPIC_CONFIG (21).
  virtual asio::awaitable<Result<codec::TopicConfigSerializeWrapper>> allTopicConfigs(std::string addr);
  // GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201). Read-only.
  virtual asio::awaitable<Result<codec::SubscriptionGroupWrapper>> allSubscriptionGroups(
      std::string addr);
  // GET_SUBSCRIPTIONGROUP_CONFIG (352); on 4.9 (REQUEST_CODE_NOT_SUPPORTED) looks the group up in
  // GET_ALL_SUBSCRIPTIONGROUP_CONFIG. Absent group: Errc::kGroupNotExist.
  // Caution: a 5.x broker with autoCreateSubscriptionGroup=true (the default) CREATES the group
  // when asked with 352 -- use findSubscriptionGroup() where that side effect is not wanted.
  virtual asio::awaitable<Result<codec::SubscriptionGroupConfig>> subscriptionGroup(std::string addr,
                                                                                    std::string group);
  // Read-only lookup through GET_ALL_SUBSCRIPTIONGROUP_CONFIG: nullopt when the broker does not
  // know the group.
  virtual asio::awaitable<Result<std::optional<codec::SubscriptionGroupConfig>>> findSubscriptionGroup(
      std::string addr, std::string group);
  // UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200).
  virtual asio::awaitable<Result<void>> createOrUpdateSubscriptionGroup(
      std::string addr, codec::SubscriptionGroupConfig config);

  // ---- send ----
  // SEND_MESSAGE_V2 (310) with an already encoded message (header fields f/h/i + body).
  virtual asio::awaitable<Result<SendResult>> send(std::string addr,
                                                   codec::SendMessageRequestHeaderV2 header,
                                                   std::string body);
  // Encodes `message` (codec::encodeSingleMessage) and sends it to `queue`.
  virtual asio::awaitable<Result<SendResult>> sendMessage(std::string addr, std::string producer_group,
                                                          MessageQueue queue, codec::Message message,
                                                          codec::SendOptions send_options = {});
  // SEND_BATCH_MESSAGE (320) with header m=true; `batch_body` from codec::encodeBatch.
  virtual asio::awaitable<Result<SendResult>> sendBatch(std::string addr,
                                                        codec::SendMessageRequestHeaderV2 header,
                                                        std::string batch_body);
  // Encodes `messages` (one topic: queue.topic) and sends them as one batch to `queue`.
  virtual asio::awaitable<Result<SendResult>> sendMessages(std::string addr, std::string producer_group,
                                                           MessageQueue queue,
                                                           std::vector<codec::Message> messages);

  // ---- pull ----
  // PULL_MESSAGE (11) with FLAG_SUBSCRIPTION (+ FLAG_SUSPEND when request.suspend > 0,
  // + FLAG_COMMIT_OFFSET when commit_offset is set). The call's deadline is suspend + pull_margin.
  virtual asio::awaitable<Result<PullResult>> pull(std::string addr, PullRequest request);

  // ---- offsets ----
  // QUERY_CONSUMER_OFFSET (14) with setZeroIfNotFound=false: nullopt = no committed offset.
  virtual asio::awaitable<Result<std::optional<QueueOffset>>> queryConsumerOffset(std::string addr,
                                                                                  std::string group,
                                                                                  MessageQueue queue);
  // UPDATE_CONSUMER_OFFSET (15), synchronous. Sticks only for offline groups (docs/api.md).
  virtual asio::awaitable<Result<void>> updateConsumerOffset(std::string addr, std::string group,
                                                             MessageQueue queue, QueueOffset offset);
  // GET_MIN_OFFSET (31) / GET_MAX_OFFSET (30): oldest stored offset / next offset to be written.
  virtual asio::awaitable<Result<QueueOffset>> minOffset(std::string addr, MessageQueue queue);
  virtual asio::awaitable<Result<QueueOffset>> maxOffset(std::string addr, MessageQueue queue);
  // SEARCH_OFFSET_BY_TIMESTAMP (29). `boundary` is sent only when set (5.1.4+).
  virtual asio::awaitable<Result<QueueOffset>> searchOffset(
      std::string addr, MessageQueue queue, std::int64_t timestamp_ms,
      std::optional<codec::BoundaryType> boundary = std::nullopt);
  // GET_EARLIEST_MSG_STORETIME (32): store time (ms) of the oldest message.
  virtual asio::awaitable<Result<std::int64_t>> earliestMsgStoreTime(std::string addr,
                                                                     MessageQueue queue);

  // ---- consumer groups ----
  // GET_CONSUMER_CONNECTION_LIST (203). No client on this broker: Errc::kConsumerNotOnline.
  virtual asio::awaitable<Result<codec::ConsumerConnection>> consumerConnections(std::string addr,
                                                                                 std::string group);
  // GET_CONSUMER_LIST_BY_GROUP (38). No client: Errc::kConsumerNotOnline.
  virtual asio::awaitable<Result<std::vector<std::string>>> consumerIds(std::string addr,
                                                                        std::string group);
  // GET_CONSUME_STATS (208), all topics with offsets for the group unless `topic` is given.
  virtual asio::awaitable<Result<codec::ConsumeStats>> consumeStats(std::string addr, std::string group,
                                                                    std::optional<std::string> topic);
  // Topics that have committed offsets for `group` on this broker: QUERY_TOPICS_BY_CONSUMER (343),
  // on 4.9 the distinct topics of GET_CONSUME_STATS without a topic. Sorted.
  virtual asio::awaitable<Result<std::vector<std::string>>> topicsByConsumer(std::string addr,
                                                                             std::string group);
  // QUERY_TOPIC_CONSUME_BY_WHO (300).
  virtual asio::awaitable<Result<codec::GroupList>> groupsConsuming(std::string addr, std::string topic);
  // GET_TOPIC_STATS_INFO (202): min/max offset per queue of `topic` on this broker.
  virtual asio::awaitable<Result<codec::TopicStatsTable>> topicStats(std::string addr, std::string topic);
  // GET_CONSUMER_RUNNING_INFO (307) through the broker to one client.
  virtual asio::awaitable<Result<codec::ConsumerRunningInfo>> consumerRunningInfo(
      std::string addr, std::string group, std::string client_id, bool jstack = false);

  // ---- broker-mediated offset reset (INVOKE_BROKER_TO_RESET_OFFSET, 222; language JAVA) ----
  // 5.1+ server-side reset of one queue to an exact offset (queueId + offset, timestamp 0). Works
  // online or offline on brokers with useServerSideResetOffset=true; the broker answers with the
  // queues it changed.
  virtual asio::awaitable<Result<codec::ResetOffsetBody>> resetOffsetToOffset(std::string addr,
                                                                              std::string group,
                                                                              MessageQueue queue,
                                                                              QueueOffset offset);
  // Timestamp form (4.9 and later): every queue of `topic` on this broker to the offset found
  // for `timestamp_ms` (-1 = max offset). On the client-push path (4.9/5.0/5.1 default) the
  // group must be online (else Errc::kConsumerNotOnline) and !force only moves backwards.
  virtual asio::awaitable<Result<codec::ResetOffsetBody>> resetOffsetByTimestamp(
      std::string addr, std::string group, std::string topic, std::int64_t timestamp_ms, bool force);

  // ---- broker settings ----
  // GET_BROKER_CONFIG (26): key=value settings.
  virtual asio::awaitable<Result<std::map<std::string, std::string>>> brokerConfig(std::string addr);
  // GET_BROKER_RUNTIME_INFO (28).
  virtual asio::awaitable<Result<BrokerRuntimeInfo>> runtimeInfo(std::string addr);
  // runtimeInfo + brokerConfig, interpreted.
  virtual asio::awaitable<Result<BrokerFeatures>> features(std::string addr);

  // ---- Ferry's own client ----
  // HEART_BEAT (34).
  virtual asio::awaitable<Result<void>> heartbeat(std::string addr, codec::HeartbeatData data);
  // UNREGISTER_CLIENT (35).
  virtual asio::awaitable<Result<void>> unregisterClient(std::string addr, std::string client_id,
                                                         std::optional<std::string> producer_group,
                                                         std::optional<std::string> consumer_group);

 private:
  asio::awaitable<Result<codec::RemotingCommand>> callOk(std::string addr, codec::RemotingCommand request,
                                                          std::string what);
  asio::awaitable<Result<codec::ResetOffsetBody>> resetOffset(std::string addr,
                                                              codec::ResetOffsetRequestHeader header,
                                                              std::string what);

  rpc::Transport& transport_;
  ApiOptions options_;
};

}  // namespace ferry::rocketmq
