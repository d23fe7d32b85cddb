// Typed request and response headers of the RocketMQ remoting protocol (docs/api.md "Headers";
// how Java encodes them: docs/protocol.md §13.1).
//
// A header travels as a command's extFields: key = the Java field name (case-sensitive, e.g.
// `isForce`, `clientID`, the one-letter names of SendMessageRequestHeaderV2), value = a string:
// integers in decimal, booleans "true"/"false", absent (null) fields omitted. Each struct here has
//   ExtFields toExtFields() const;                       what we put on the wire
//   static Result<X> fromExtFields(const ExtFields&);    what we read back
// Decoding checks the fields Java marks @CFNotNull and names the header and field in the error
// (Errc::kMalformed): "PullMessageResponseHeader: missing required field 'nextBeginOffset'".
// Booleans decode like Java's Boolean.parseBoolean (case-insensitive "true", anything else false).
//
// Queue ids, offsets and message queues are the identity types of base/identity.h.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ferry/base/error.h"
#include "ferry/base/identity.h"
#include "ferry/codec/remoting_command.h"

namespace ferry::codec {

// Request codes Ferry sends or receives (RequestCode.java).
enum class RequestCode : std::int32_t {
  kSendMessage = 10,
  kPullMessage = 11,
  kQueryConsumerOffset = 14,
  kUpdateConsumerOffset = 15,
  kUpdateAndCreateTopic = 17,
  kGetAllTopicConfig = 21,
  kGetBrokerConfig = 26,
  kGetBrokerRuntimeInfo = 28,
  kSearchOffsetByTimestamp = 29,
  kGetMaxOffset = 30,
  kGetMinOffset = 31,
  kGetEarliestMsgStoretime = 32,
  kHeartBeat = 34,
  kUnregisterClient = 35,
  kGetConsumerListByGroup = 38,
  kCheckTransactionState = 39,
  kNotifyConsumerIdsChanged = 40,
  kLockBatchMq = 41,
  kUnlockBatchMq = 42,
  kGetAllConsumerOffset = 43,
  kGetRouteInfoByTopic = 105,
  kGetBrokerClusterInfo = 106,
  kUpdateAndCreateSubscriptionGroup = 200,
  kGetAllSubscriptionGroupConfig = 201,
  kGetTopicStatsInfo = 202,
  kGetConsumerConnectionList = 203,
  kGetAllTopicListFromNameServer = 206,
  kGetConsumeStats = 208,
  kDeleteTopicInBroker = 215,
  kDeleteTopicInNamesrv = 216,
  kResetConsumerClientOffset = 220,
  kGetConsumerStatusFromClient = 221,
  kInvokeBrokerToResetOffset = 222,
  kGetTopicsByCluster = 224,
  kQueryTopicConsumeByWho = 300,
  kGetConsumerRunningInfo = 307,
  kConsumeMessageDirectly = 309,
  kSendMessageV2 = 310,
  kCloneGroupOffset = 314,
  kSendBatchMessage = 320,
  kPushReplyMessageToClient = 326,
  kQueryTopicsByConsumer = 343,
  kQuerySubscriptionByConsumer = 345,
  kGetSubscriptionGroupConfig = 352,
};

// Response codes (RemotingSysResponseCode.java + ResponseCode.java). 209-211 mean different
// things on 4.9 (ACL config failures) and 5.x (polling); the 5.x names are used here.
enum class ResponseCode : std::int32_t {
  kSuccess = 0,
  kSystemError = 1,
  kSystemBusy = 2,
  kRequestCodeNotSupported = 3,
  kTransactionFailed = 4,
  kFlushDiskTimeout = 10,
  kSlaveNotAvailable = 11,
  kFlushSlaveTimeout = 12,
  kMessageIllegal = 13,
  kServiceNotAvailable = 14,
  kVersionNotSupported = 15,
  kNoPermission = 16,
  kTopicNotExist = 17,
  kTopicExistAlready = 18,
  kPullNotFound = 19,
  kPullRetryImmediately = 20,
  kPullOffsetMoved = 21,
  kQueryNotFound = 22,
  kSubscriptionParseFailed = 23,
  kSubscriptionNotExist = 24,
  kSubscriptionNotLatest = 25,
  kSubscriptionGroupNotExist = 26,
  kFilterDataNotExist = 27,
  kFilterDataNotLatest = 28,
  kInvalidParameter = 29,
  kTransactionShouldCommit = 200,
  kTransactionShouldRollback = 201,
  kTransactionStateUnknow = 202,
  kTransactionStateGroupWrong = 203,
  kNoBuyerId = 204,
  kNotInCurrentUnit = 205,
  kConsumerNotOnline = 206,
  kConsumeMsgTimeout = 207,
  kNoMessage = 208,
  kPollingFull = 209,
  kPollingTimeout = 210,
  kBrokerNotExist = 211,
  kBrokerDispatchNotComplete = 212,
  kBroadcastConsumption = 213,
  kFlowControl = 215,
  kNotLeaderForQueue = 501,
  kIllegalOperation = 604,
  kGoAway = 1500,
  kUserNotExist = 3001,
  kPolicyNotExist = 3002,
};

constexpr std::int32_t toInt(RequestCode code) {
  return static_cast<std::int32_t>(code);
}
constexpr std::int32_t toInt(ResponseCode code) {
  return static_cast<std::int32_t>(code);
}

// "PULL_MESSAGE", "TOPIC_NOT_EXIST"; "UNKNOWN" for codes not listed above.
std::string_view requestCodeName(std::int32_t code);
std::string_view responseCodeName(std::int32_t code);

// PullSysFlag bits.
inline constexpr std::int32_t kPullFlagCommitOffset = 0x1;
inline constexpr std::int32_t kPullFlagSuspend = 0x2;
inline constexpr std::int32_t kPullFlagSubscription = 0x4;
inline constexpr std::int32_t kPullFlagClassFilter = 0x8;

// Topic permission bits (PermName.java).
inline constexpr std::int32_t kPermPriority = 8;
inline constexpr std::int32_t kPermRead = 4;
inline constexpr std::int32_t kPermWrite = 2;
inline constexpr std::int32_t kPermInherit = 1;

inline constexpr std::string_view kDefaultTopic = "TBW102";

// ---- NameServer ----------------------------------------------------------------------------

// GET_ROUTEINFO_BY_TOPIC (105).
struct GetRouteInfoRequestHeader {
  std::string topic;
  std::optional<bool> accept_standard_json_only;  // 4.9.4+: answer with standard JSON
  ExtFields toExtFields() const;
  static Result<GetRouteInfoRequestHeader> fromExtFields(const ExtFields& fields);
};

// GET_TOPICS_BY_CLUSTER (224).
struct GetTopicsByClusterRequestHeader {
  std::string cluster;
  ExtFields toExtFields() const;
  static Result<GetTopicsByClusterRequestHeader> fromExtFields(const ExtFields& fields);
};

// ---- Topics and groups ---------------------------------------------------------------------

// UPDATE_AND_CREATE_TOPIC (17).
struct CreateTopicRequestHeader {
  std::string topic;
  std::string default_topic{kDefaultTopic};
  std::int32_t read_queue_nums = 0;
  std::int32_t write_queue_nums = 0;
  std::int32_t perm = kPermRead | kPermWrite;
  std::string topic_filter_type = "SINGLE_TAG";
  std::optional<std::int32_t> topic_sys_flag;
  bool order = false;
  std::optional<std::string> attributes;  // 5.x: "+message.type=NORMAL,+k=v"
  bool force = false;  // 5.x; the Java admin always sends it (4.9 brokers ignore it)
  ExtFields toExtFields() const;
  static Result<CreateTopicRequestHeader> fromExtFields(const ExtFields& fields);
};

// GET_SUBSCRIPTIONGROUP_CONFIG (352, 5.x).
struct GetSubscriptionGroupConfigRequestHeader {
  std::string group;
  ExtFields toExtFields() const;
  static Result<GetSubscriptionGroupConfigRequestHeader> fromExtFields(const ExtFields& fields);
};

// GET_TOPIC_STATS_INFO (202).
struct GetTopicStatsInfoRequestHeader {
  std::string topic;
  ExtFields toExtFields() const;
  static Result<GetTopicStatsInfoRequestHeader> fromExtFields(const ExtFields& fields);
};

// QUERY_TOPIC_CONSUME_BY_WHO (300).
struct QueryTopicConsumeByWhoRequestHeader {
  std::string topic;
  ExtFields toExtFields() const;
  static Result<QueryTopicConsumeByWhoRequestHeader> fromExtFields(const ExtFields& fields);
};

// ---- Send ----------------------------------------------------------------------------------

// SEND_MESSAGE_V2 (310) and SEND_BATCH_MESSAGE (320): the short-named V2 header (a..n).
struct SendMessageRequestHeaderV2 {
  std::string producer_group;                       // a
  std::string topic;                                // b
  std::string default_topic{kDefaultTopic};         // c
  std::int32_t default_topic_queue_nums = 4;        // d
  QueueId queue_id{0};                              // e
  std::int32_t sys_flag = 0;                        // f
  std::int64_t born_timestamp = 0;                  // g (ms)
  std::int32_t flag = 0;                            // h: the message's user flag
  std::optional<std::string> properties;            // i: 0x01/0x02-separated properties
  std::optional<std::int32_t> reconsume_times;      // j
  std::optional<bool> unit_mode;                    // k
  std::optional<std::int32_t> max_reconsume_times;  // l
  std::optional<bool> batch;                        // m: must be true for SEND_BATCH_MESSAGE
  std::optional<std::string> broker_name;           // n
  ExtFields toExtFields() const;
  static Result<SendMessageRequestHeaderV2> fromExtFields(const ExtFields& fields);
};

struct SendMessageResponseHeader {
  std::string msg_id;  // offset message id; comma-separated list for a batch
  QueueId queue_id{0};
  QueueOffset queue_offset{0};  // of the first message of a batch; the rest are consecutive
  std::optional<std::string> transaction_id;
  std::optional<std::string> batch_uniq_id;
  ExtFields toExtFields() const;
  static Result<SendMessageResponseHeader> fromExtFields(const ExtFields& fields);
};

// ---- Pull ----------------------------------------------------------------------------------

// PULL_MESSAGE (11).
struct PullMessageRequestHeader {
  std::string consumer_group;
  std::string topic;
  QueueId queue_id{0};
  QueueOffset queue_offset{0};
  std::int32_t max_msg_nums = 32;
  std::int32_t sys_flag = kPullFlagSuspend | kPullFlagSubscription;
  QueueOffset commit_offset{0};
  std::int64_t suspend_timeout_millis = 15000;
  std::optional<std::string> subscription = "*";
  std::int64_t sub_version = 0;
  std::optional<std::string> expression_type = "TAG";
  std::optional<std::int32_t> max_msg_bytes;  // 5.x
  ExtFields toExtFields() const;
  static Result<PullMessageRequestHeader> fromExtFields(const ExtFields& fields);
};

struct PullMessageResponseHeader {
  std::int64_t suggest_which_broker_id = 0;
  QueueOffset next_begin_offset{0};
  QueueOffset min_offset{0};
  QueueOffset max_offset{0};
  std::optional<std::int64_t> offset_delta;
  std::optional<std::int32_t> topic_sys_flag;
  std::optional<std::int32_t> group_sys_flag;
  std::optional<std::int32_t> forbidden_type;
  ExtFields toExtFields() const;
  static Result<PullMessageResponseHeader> fromExtFields(const ExtFields& fields);
};

// ---- Offsets -------------------------------------------------------------------------------

// QUERY_CONSUMER_OFFSET (14).
struct QueryConsumerOffsetRequestHeader {
  std::string consumer_group;
  std::string topic;
  QueueId queue_id{0};
  std::optional<bool> set_zero_if_not_found;  // 5.x; send false to tell "none" from 0
  ExtFields toExtFields() const;
  static Result<QueryConsumerOffsetRequestHeader> fromExtFields(const ExtFields& fields);
};

// Response of QUERY_CONSUMER_OFFSET, GET_MAX_OFFSET, GET_MIN_OFFSET, SEARCH_OFFSET_BY_TIMESTAMP:
// a single `offset` field.
struct OffsetResponseHeader {
  QueueOffset offset{0};
  ExtFields toExtFields() const;
  static Result<OffsetResponseHeader> fromExtFields(const ExtFields& fields);
};

// UPDATE_CONSUMER_OFFSET (15).
struct UpdateConsumerOffsetRequestHeader {
  std::string consumer_group;
  std::string topic;
  QueueId queue_id{0};
  QueueOffset commit_offset{0};
  ExtFields toExtFields() const;
  static Result<UpdateConsumerOffsetRequestHeader> fromExtFields(const ExtFields& fields);
};

// GET_MAX_OFFSET (30).
struct GetMaxOffsetRequestHeader {
  std::string topic;
  QueueId queue_id{0};
  std::optional<bool> committed;  // 5.x, default true
  ExtFields toExtFields() const;
  static Result<GetMaxOffsetRequestHeader> fromExtFields(const ExtFields& fields);
};

// GET_MIN_OFFSET (31) and GET_EARLIEST_MSG_STORETIME (32): topic + queueId.
struct TopicQueueRequestHeader {
  std::string topic;
  QueueId queue_id{0};
  ExtFields toExtFields() const;
  static Result<TopicQueueRequestHeader> fromExtFields(const ExtFields& fields);
};

// Response of GET_EARLIEST_MSG_STORETIME.
struct GetEarliestMsgStoretimeResponseHeader {
  std::int64_t timestamp = 0;
  ExtFields toExtFields() const;
  static Result<GetEarliestMsgStoretimeResponseHeader> fromExtFields(const ExtFields& fields);
};

// SEARCH_OFFSET_BY_TIMESTAMP (29).
enum class BoundaryType { kLower, kUpper };
struct SearchOffsetRequestHeader {
  std::string topic;
  QueueId queue_id{0};
  std::int64_t timestamp = 0;                 // ms
  std::optional<BoundaryType> boundary_type;  // 5.1.4+: "LOWER" (default) / "UPPER"
  ExtFields toExtFields() const;
  static Result<SearchOffsetRequestHeader> fromExtFields(const ExtFields& fields);
};

// INVOKE_BROKER_TO_RESET_OFFSET (222) and RESET_CONSUMER_CLIENT_OFFSET (220, broker -> client).
// The boolean travels under the key `isForce`.
struct ResetOffsetRequestHeader {
  std::string topic;
  std::string group;
  std::int64_t timestamp = 0;  // ms; -1 = latest
  bool is_force = true;
  std::optional<QueueId> queue_id;    // 5.1+: >= 0 selects one queue (server-side reset)
  std::optional<QueueOffset> offset;  // 5.1+: exact offset for queue_id
  ExtFields toExtFields() const;
  static Result<ResetOffsetRequestHeader> fromExtFields(const ExtFields& fields);
};

// ---- Consumer groups -----------------------------------------------------------------------

// GET_CONSUMER_CONNECTION_LIST (203), GET_CONSUMER_LIST_BY_GROUP (38) and
// NOTIFY_CONSUMER_IDS_CHANGED (40): just `consumerGroup`.
struct ConsumerGroupRequestHeader {
  std::string consumer_group;
  ExtFields toExtFields() const;
  static Result<ConsumerGroupRequestHeader> fromExtFields(const ExtFields& fields);
};

// GET_CONSUME_STATS (208).
struct GetConsumeStatsRequestHeader {
  std::string consumer_group;
  std::optional<std::string> topic;
  ExtFields toExtFields() const;
  static Result<GetConsumeStatsRequestHeader> fromExtFields(const ExtFields& fields);
};

// QUERY_TOPICS_BY_CONSUMER (343, 5.x).
struct QueryTopicsByConsumerRequestHeader {
  std::string group;
  ExtFields toExtFields() const;
  static Result<QueryTopicsByConsumerRequestHeader> fromExtFields(const ExtFields& fields);
};

// GET_CONSUMER_RUNNING_INFO (307): admin -> broker, and the same header broker -> client.
struct GetConsumerRunningInfoRequestHeader {
  std::string consumer_group;
  std::string client_id;
  bool jstack_enable = false;
  ExtFields toExtFields() const;
  static Result<GetConsumerRunningInfoRequestHeader> fromExtFields(const ExtFields& fields);
};

// UNREGISTER_CLIENT (35). Note the key spelling `clientID`.
struct UnregisterClientRequestHeader {
  std::string client_id;
  std::optional<std::string> producer_group;
  std::optional<std::string> consumer_group;
  ExtFields toExtFields() const;
  static Result<UnregisterClientRequestHeader> fromExtFields(const ExtFields& fields);
};

}  // namespace ferry::codec
