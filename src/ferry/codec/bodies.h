// Body models of the RocketMQ remoting protocol: the JSON documents brokers and NameServers send
// (written by fastjson, see fastjson.h) and the ones Ferry sends (docs/api.md "Bodies";
// docs/protocol.md §13.2).
//
// Every model that arrives from a peer has `static Result<X> fromJson(std::string_view body)`;
// every model Ferry sends has `std::string toJson() const`. Parsing is tolerant the way fastjson
// is: unknown fields are ignored, absent optional fields take Java's defaults, maps keyed by
// MessageQueue or by integers may come in fastjson's non-standard form. A present field of the
// wrong type is an error (Errc::kMalformed) naming the model and the field path, e.g.
// "ConsumeStats: offsetTable[{...}].brokerOffset: expected an integer".
//
// Enumerations (consumeType, messageModel, language...) are kept as their Java names: new enum
// values from newer brokers must not make a whole body unreadable.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/base/error.h"
#include "ferry/codec/headers.h"

namespace ferry::codec {

// Java's String.hashCode() of the UTF-16 form of `utf8` (h = 31*h + unit, int32 wrap-around).
// HeartbeatData's codeSet holds it for each tag. Invalid UTF-8 bytes count as U+FFFD, as Java
// decodes them.
std::int32_t javaStringHashCode(std::string_view utf8);

// `{"brokerName":"b","queueId":0,"topic":"T"}`: a MessageQueue as fastjson writes it (also the
// string key parseFastjson() turns such a map key into).
std::string messageQueueKey(const MessageQueue& mq);
Result<MessageQueue> parseMessageQueueKey(std::string_view key);

struct DataVersion {
  std::int64_t timestamp = 0;
  std::int64_t counter = 0;
  std::int64_t state_version = 0;  // 5.x
};

// ---- Routes and clusters -------------------------------------------------------------------

struct QueueData {
  std::string broker_name;
  std::int32_t read_queue_nums = 0;
  std::int32_t write_queue_nums = 0;
  std::int32_t perm = 0;
  std::int32_t topic_sys_flag = 0;
};

inline constexpr std::int64_t kMasterBrokerId = 0;

struct BrokerData {
  std::string cluster;
  std::string broker_name;
  std::map<std::int64_t, std::string> broker_addrs;  // brokerId -> "ip:port"; 0 is the master
  bool enable_acting_master = false;                 // 5.x
  std::optional<std::string> zone_name;              // 5.x

  // Address of brokerId 0, if the broker currently has a master.
  std::optional<std::string> masterAddr() const;
};

// GET_ROUTEINFO_BY_TOPIC (105). brokerAddrs keys may be quoted ("0", standard JSON) or bare (0).
struct TopicRouteData {
  std::vector<QueueData> queue_datas;
  std::vector<BrokerData> broker_datas;
  std::optional<std::string> order_topic_conf;

  static Result<TopicRouteData> fromJson(std::string_view body);
  std::string toJson() const;  // standard JSON, for tests and fakes
  const BrokerData* findBroker(std::string_view broker_name) const;
  const QueueData* findQueueData(std::string_view broker_name) const;
};

// GET_BROKER_CLUSTER_INFO (106); always the non-standard form on the wire.
struct ClusterInfo {
  std::map<std::string, BrokerData> broker_addr_table;                 // brokerName -> data
  std::map<std::string, std::vector<std::string>> cluster_addr_table;  // cluster -> brokerNames

  static Result<ClusterInfo> fromJson(std::string_view body);
  std::string toJson() const;  // fastjson form (bare integer brokerAddrs keys)
};

// GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206), GET_TOPICS_BY_CLUSTER (224),
// QUERY_TOPICS_BY_CONSUMER (343).
struct TopicList {
  std::vector<std::string> topics;  // sorted, unique
  std::optional<std::string> broker_addr;

  static Result<TopicList> fromJson(std::string_view body);
  std::string toJson() const;
};

// ---- Topic and group configuration --------------------------------------------------------

struct TopicConfig {
  std::string topic_name;
  std::int32_t read_queue_nums = 16;
  std::int32_t write_queue_nums = 16;
  std::int32_t perm = kPermRead | kPermWrite;
  std::string topic_filter_type = "SINGLE_TAG";
  std::int32_t topic_sys_flag = 0;
  bool order = false;
  std::map<std::string, std::string> attributes;    // 5.x, e.g. "message.type" -> "NORMAL"
  nlohmann::json extra = nlohmann::json::object();  // fields this version does not model

  static Result<TopicConfig> fromJson(std::string_view body);
  std::string toJson() const;
  // "+k=v,+k2=v2": the CreateTopicRequestHeader form of `attributes` (nullopt when empty).
  std::optional<std::string> attributesHeader() const;
};

// GET_ALL_TOPIC_CONFIG (21): TopicConfigSerializeWrapper (5.x adds mapping tables, ignored).
struct TopicConfigSerializeWrapper {
  std::map<std::string, TopicConfig> topic_config_table;
  DataVersion data_version;

  static Result<TopicConfigSerializeWrapper> fromJson(std::string_view body);
};

// A group's consumption settings (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP body, GET_* answers).
// Fields this version does not model (groupRetryPolicy, subscriptionDataSet, attributes and any
// future ones) are kept in `extra` and written back by toJson(), so copying a group config from
// one cluster to another keeps everything the source broker knew.
struct SubscriptionGroupConfig {
  std::string group_name;
  bool consume_enable = true;
  bool consume_from_min_enable = true;
  bool consume_broadcast_enable = true;
  bool consume_message_orderly = false;  // 5.x
  std::int32_t retry_queue_nums = 1;
  std::int32_t retry_max_times = 16;
  std::int64_t broker_id = 0;
  std::int64_t which_broker_when_consume_slowly = 1;
  bool notify_consumer_ids_changed_enable = true;
  std::int32_t group_sys_flag = 0;           // 5.x
  std::int32_t consume_timeout_minute = 15;  // 5.x
  nlohmann::json extra = nlohmann::json::object();

  static Result<SubscriptionGroupConfig> fromJson(std::string_view body);
  std::string toJson() const;
};

// GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201).
struct SubscriptionGroupWrapper {
  std::map<std::string, SubscriptionGroupConfig> subscription_group_table;
  DataVersion data_version;

  static Result<SubscriptionGroupWrapper> fromJson(std::string_view body);
};

// ---- Consumers -----------------------------------------------------------------------------

inline constexpr std::string_view kSubAll = "*";

struct SubscriptionData {
  std::string topic;
  std::string sub_string{kSubAll};
  std::vector<std::string> tags_set;   // tags of "a || b"; empty for "*"
  std::vector<std::int32_t> code_set;  // javaStringHashCode of each tag
  std::int64_t sub_version = 0;
  std::string expression_type = "TAG";
  bool class_filter_mode = false;

  // What Java's FilterAPI.buildSubscriptionData builds: "*" or empty => all; otherwise tags split
  // on "||", trimmed, empty ones dropped, codeSet = hash codes of the tags.
  static SubscriptionData build(std::string topic, std::string_view expression,
                                std::int64_t sub_version);
};

struct Connection {
  std::string client_id;
  std::string client_addr;
  std::string language;      // LanguageCode name, e.g. "JAVA"
  std::int32_t version = 0;  // MQVersion ordinal of the client
};

// GET_CONSUMER_CONNECTION_LIST (203).
struct ConsumerConnection {
  std::vector<Connection> connection_set;
  std::map<std::string, SubscriptionData> subscription_table;  // topic -> subscription
  std::string consume_type;        // CONSUME_ACTIVELY / CONSUME_PASSIVELY / CONSUME_POP
  std::string message_model;       // CLUSTERING / BROADCASTING
  std::string consume_from_where;  // CONSUME_FROM_LAST_OFFSET / ...

  static Result<ConsumerConnection> fromJson(std::string_view body);
  std::string toJson() const;
};

struct OffsetWrapper {
  QueueOffset broker_offset{0};    // the queue's max offset
  QueueOffset consumer_offset{0};  // committed offset (0 when none)
  QueueOffset pull_offset{0};      // 5.1+: max(committed, last pulled)
  StoreTime last_timestamp;        // store time of message consumer_offset-1 (0 if unknown)
};

// GET_CONSUME_STATS (208).
struct ConsumeStats {
  std::map<MessageQueue, OffsetWrapper> offset_table;
  double consume_tps = 0;

  static Result<ConsumeStats> fromJson(std::string_view body);
  std::string toJson() const;  // fastjson form (object keys)
  // Sum over queues of brokerOffset - consumerOffset.
  std::int64_t totalDiff() const;
};

// INVOKE_BROKER_TO_RESET_OFFSET (222) answer and RESET_CONSUMER_CLIENT_OFFSET (220) body.
// Parses both Java's map form and the C++ client list form
// {"offsetTable":[{"brokerName":"b","offset":7,"queueId":0,"topic":"T"}]}.
struct ResetOffsetBody {
  std::map<MessageQueue, QueueOffset> offset_table;

  static Result<ResetOffsetBody> fromJson(std::string_view body);
  std::string toJson() const;  // Java's fastjson map form
};

// GET_CONSUMER_LIST_BY_GROUP (38).
struct ConsumerIdList {
  std::vector<std::string> consumer_ids;

  static Result<ConsumerIdList> fromJson(std::string_view body);
};

// QUERY_TOPIC_CONSUME_BY_WHO (300).
struct GroupList {
  std::vector<std::string> groups;  // sorted, unique

  static Result<GroupList> fromJson(std::string_view body);
};

struct ProcessQueueInfo {
  QueueOffset commit_offset{0};
  QueueOffset cached_msg_min_offset{0};
  QueueOffset cached_msg_max_offset{0};
  std::int32_t cached_msg_count = 0;
  std::int32_t cached_msg_size_in_mib = 0;
  QueueOffset transaction_msg_min_offset{0};
  QueueOffset transaction_msg_max_offset{0};
  std::int32_t transaction_msg_count = 0;
  bool locked = false;
  std::int64_t try_unlock_times = 0;
  std::int64_t last_lock_timestamp = 0;
  bool droped = false;  // sic: the Java field name
  std::int64_t last_pull_timestamp = 0;
  std::int64_t last_consume_timestamp = 0;
};

struct ConsumeStatus {
  double pull_rt = 0;
  double pull_tps = 0;
  double consume_rt = 0;
  double consume_ok_tps = 0;
  double consume_failed_tps = 0;
  std::int64_t consume_failed_msgs = 0;
};

// Property keys Java puts into ConsumerRunningInfo.properties.
inline constexpr std::string_view kPropNameServerAddr = "PROP_NAMESERVER_ADDR";
inline constexpr std::string_view kPropThreadPoolCoreSize = "PROP_THREADPOOL_CORE_SIZE";
inline constexpr std::string_view kPropConsumeOrderly = "PROP_CONSUMEORDERLY";
inline constexpr std::string_view kPropConsumeType = "PROP_CONSUME_TYPE";
inline constexpr std::string_view kPropClientVersion = "PROP_CLIENT_VERSION";
inline constexpr std::string_view kPropConsumerStartTimestamp = "PROP_CONSUMER_START_TIMESTAMP";

// GET_CONSUMER_RUNNING_INFO (307): what a client reports about itself. Ferry parses it for other
// groups' clients (activity: lastPullTimestamp) and writes it for its own group.
struct ConsumerRunningInfo {
  std::map<std::string, std::string> properties;
  std::vector<SubscriptionData> subscription_set;
  std::map<MessageQueue, ProcessQueueInfo> mq_table;
  std::map<std::string, ConsumeStatus> status_table;  // topic -> status
  std::map<std::string, std::string> user_consumer_info;
  std::optional<std::string> jstack;

  static Result<ConsumerRunningInfo> fromJson(std::string_view body);
  // fastjson form (mqTable keys are MessageQueue objects), which Java admin tools parse.
  std::string toJson() const;
};

// ---- Heartbeat -----------------------------------------------------------------------------

struct ConsumerData {
  std::string group_name;
  std::string consume_type = "CONSUME_ACTIVELY";
  std::string message_model = "CLUSTERING";
  std::string consume_from_where = "CONSUME_FROM_LAST_OFFSET";
  std::vector<SubscriptionData> subscription_data_set;
  bool unit_mode = false;
};

struct ProducerData {
  std::string group_name;
};

// HEART_BEAT (34) body. Ferry sends heartbeat v1 (fingerprint 0, withoutSub false).
struct HeartbeatData {
  std::string client_id;
  std::vector<ProducerData> producer_data_set;
  std::vector<ConsumerData> consumer_data_set;
  std::int32_t heartbeat_fingerprint = 0;
  bool without_sub = false;

  static Result<HeartbeatData> fromJson(std::string_view body);
  std::string toJson() const;
};

// ---- Broker statistics and settings --------------------------------------------------------

struct TopicOffset {
  QueueOffset min_offset{0};
  QueueOffset max_offset{0};
  StoreTime last_update_timestamp;  // store time of the last message (0 when empty)
};

// GET_TOPIC_STATS_INFO (202).
struct TopicStatsTable {
  std::map<MessageQueue, TopicOffset> offset_table;
  std::optional<double> topic_put_tps;  // 5.3.3+

  static Result<TopicStatsTable> fromJson(std::string_view body);
  std::string toJson() const;  // fastjson form
};

// GET_BROKER_RUNTIME_INFO (28): {"table":{"brokerVersionDesc":"V5_3_3",...}}.
struct KVTable {
  std::map<std::string, std::string> table;

  static Result<KVTable> fromJson(std::string_view body);
  std::string toJson() const;
};

// GET_BROKER_CONFIG (26): java.util.Properties text, one `key=value` per line. Lines without '='
// and comment lines ('#', '!') are skipped; the value is everything after the first '='.
std::map<std::string, std::string> parseBrokerConfig(std::string_view text);

}  // namespace ferry::codec
