#include "ferry/codec/headers.h"

#include <charconv>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

namespace ferry::codec {
namespace {

// Builds extFields in declaration order; optional fields are skipped when empty.
class FieldWriter {
 public:
  FieldWriter& put(std::string_view key, std::string value) {
    fields_.set(key, std::move(value));
    return *this;
  }
  FieldWriter& put(std::string_view key, std::string_view value) {
    return put(key, std::string(value));
  }
  FieldWriter& put(std::string_view key, const char* value) { return put(key, std::string(value)); }
  FieldWriter& put(std::string_view key, std::int64_t value) {
    return put(key, std::to_string(value));
  }
  FieldWriter& put(std::string_view key, std::int32_t value) {
    return put(key, std::to_string(value));
  }
  FieldWriter& put(std::string_view key, bool value) {
    return put(key, std::string(value ? "true" : "false"));
  }
  FieldWriter& put(std::string_view key, QueueId value) { return put(key, value.value()); }
  FieldWriter& put(std::string_view key, QueueOffset value) { return put(key, value.value()); }
  template <class T>
  FieldWriter& put(std::string_view key, const std::optional<T>& value) {
    if (value) {
      put(key, *value);
    }
    return *this;
  }
  ExtFields take() { return std::move(fields_); }

 private:
  ExtFields fields_;
};

// Reads typed fields; the first problem is remembered and reported by finish(), so decoders read
// like a list of fields instead of a ladder of checks.
class FieldReader {
 public:
  FieldReader(const ExtFields& fields, std::string_view header)
      : fields_(fields), header_(header) {}

  std::string requiredString(std::string_view key) {
    auto v = fields_.get(key);
    if (!v) {
      missing(key);
      return {};
    }
    return std::string(*v);
  }
  std::optional<std::string> optionalString(std::string_view key) {
    auto v = fields_.get(key);
    if (!v) {
      return std::nullopt;
    }
    return std::string(*v);
  }

  template <class Int>
  Int requiredInt(std::string_view key) {
    auto v = fields_.get(key);
    if (!v) {
      missing(key);
      return 0;
    }
    return parseInt<Int>(key, *v).value_or(0);
  }
  template <class Int>
  std::optional<Int> optionalInt(std::string_view key) {
    auto v = fields_.get(key);
    if (!v) {
      return std::nullopt;
    }
    return parseInt<Int>(key, *v);
  }

  bool requiredBool(std::string_view key) {
    auto v = fields_.get(key);
    if (!v) {
      missing(key);
      return false;
    }
    return parseBool(*v);
  }
  std::optional<bool> optionalBool(std::string_view key) {
    auto v = fields_.get(key);
    if (!v) {
      return std::nullopt;
    }
    return parseBool(*v);
  }

  template <class T>
  Result<T> finish(T value) {
    if (error_) {
      return makeError(std::move(*error_));
    }
    return value;
  }

 private:
  // Java's Boolean.parseBoolean: "true" in any case, everything else is false.
  static bool parseBool(std::string_view text) {
    if (text.size() != 4) {
      return false;
    }
    auto lower = [](char c) {
      return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    };
    return lower(text[0]) == 't' && lower(text[1]) == 'r' && lower(text[2]) == 'u'
           && lower(text[3]) == 'e';
  }

  template <class Int>
  std::optional<Int> parseInt(std::string_view key, std::string_view text) {
    // Integer.parseInt / Long.parseLong accept an optional sign and decimal digits only.
    std::string_view digits = text;
    if (!digits.empty() && digits.front() == '+') {
      digits.remove_prefix(1);
    }
    Int value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()
        || (text.front() == '+' && digits.front() == '-')) {
      fail(fmt::format("{}: field '{}' is not a decimal integer: '{}'", header_, key, text));
      return std::nullopt;
    }
    return value;
  }

  void missing(std::string_view key) {
    fail(fmt::format("{}: missing required field '{}'", header_, key));
  }
  void fail(std::string message) {
    if (!error_) {
      error_ = Error{Errc::kMalformed, std::move(message), 0, {}};
    }
  }

  const ExtFields& fields_;
  std::string_view header_;
  std::optional<Error> error_;
};

std::optional<QueueId> toQueueId(std::optional<std::int32_t> v) {
  if (!v) {
    return std::nullopt;
  }
  return QueueId(*v);
}
std::optional<QueueOffset> toQueueOffset(std::optional<std::int64_t> v) {
  if (!v) {
    return std::nullopt;
  }
  return QueueOffset(*v);
}

}  // namespace

std::string_view requestCodeName(std::int32_t code) {
  switch (static_cast<RequestCode>(code)) {
    case RequestCode::kSendMessage: return "SEND_MESSAGE";
    case RequestCode::kPullMessage: return "PULL_MESSAGE";
    case RequestCode::kQueryConsumerOffset: return "QUERY_CONSUMER_OFFSET";
    case RequestCode::kUpdateConsumerOffset: return "UPDATE_CONSUMER_OFFSET";
    case RequestCode::kUpdateAndCreateTopic: return "UPDATE_AND_CREATE_TOPIC";
    case RequestCode::kGetAllTopicConfig: return "GET_ALL_TOPIC_CONFIG";
    case RequestCode::kGetBrokerConfig: return "GET_BROKER_CONFIG";
    case RequestCode::kGetBrokerRuntimeInfo: return "GET_BROKER_RUNTIME_INFO";
    case RequestCode::kSearchOffsetByTimestamp: return "SEARCH_OFFSET_BY_TIMESTAMP";
    case RequestCode::kGetMaxOffset: return "GET_MAX_OFFSET";
    case RequestCode::kGetMinOffset: return "GET_MIN_OFFSET";
    case RequestCode::kGetEarliestMsgStoretime: return "GET_EARLIEST_MSG_STORETIME";
    case RequestCode::kHeartBeat: return "HEART_BEAT";
    case RequestCode::kUnregisterClient: return "UNREGISTER_CLIENT";
    case RequestCode::kGetConsumerListByGroup: return "GET_CONSUMER_LIST_BY_GROUP";
    case RequestCode::kCheckTransactionState: return "CHECK_TRANSACTION_STATE";
    case RequestCode::kNotifyConsumerIdsChanged: return "NOTIFY_CONSUMER_IDS_CHANGED";
    case RequestCode::kLockBatchMq: return "LOCK_BATCH_MQ";
    case RequestCode::kUnlockBatchMq: return "UNLOCK_BATCH_MQ";
    case RequestCode::kGetAllConsumerOffset: return "GET_ALL_CONSUMER_OFFSET";
    case RequestCode::kGetRouteInfoByTopic: return "GET_ROUTEINFO_BY_TOPIC";
    case RequestCode::kGetBrokerClusterInfo: return "GET_BROKER_CLUSTER_INFO";
    case RequestCode::kUpdateAndCreateSubscriptionGroup:
      return "UPDATE_AND_CREATE_SUBSCRIPTIONGROUP";
    case RequestCode::kGetAllSubscriptionGroupConfig: return "GET_ALL_SUBSCRIPTIONGROUP_CONFIG";
    case RequestCode::kGetTopicStatsInfo: return "GET_TOPIC_STATS_INFO";
    case RequestCode::kGetConsumerConnectionList: return "GET_CONSUMER_CONNECTION_LIST";
    case RequestCode::kGetAllTopicListFromNameServer: return "GET_ALL_TOPIC_LIST_FROM_NAMESERVER";
    case RequestCode::kGetConsumeStats: return "GET_CONSUME_STATS";
    case RequestCode::kDeleteTopicInBroker: return "DELETE_TOPIC_IN_BROKER";
    case RequestCode::kDeleteTopicInNamesrv: return "DELETE_TOPIC_IN_NAMESRV";
    case RequestCode::kResetConsumerClientOffset: return "RESET_CONSUMER_CLIENT_OFFSET";
    case RequestCode::kGetConsumerStatusFromClient: return "GET_CONSUMER_STATUS_FROM_CLIENT";
    case RequestCode::kInvokeBrokerToResetOffset: return "INVOKE_BROKER_TO_RESET_OFFSET";
    case RequestCode::kGetTopicsByCluster: return "GET_TOPICS_BY_CLUSTER";
    case RequestCode::kQueryTopicConsumeByWho: return "QUERY_TOPIC_CONSUME_BY_WHO";
    case RequestCode::kGetConsumerRunningInfo: return "GET_CONSUMER_RUNNING_INFO";
    case RequestCode::kConsumeMessageDirectly: return "CONSUME_MESSAGE_DIRECTLY";
    case RequestCode::kSendMessageV2: return "SEND_MESSAGE_V2";
    case RequestCode::kCloneGroupOffset: return "CLONE_GROUP_OFFSET";
    case RequestCode::kSendBatchMessage: return "SEND_BATCH_MESSAGE";
    case RequestCode::kPushReplyMessageToClient: return "PUSH_REPLY_MESSAGE_TO_CLIENT";
    case RequestCode::kQueryTopicsByConsumer: return "QUERY_TOPICS_BY_CONSUMER";
    case RequestCode::kQuerySubscriptionByConsumer: return "QUERY_SUBSCRIPTION_BY_CONSUMER";
    case RequestCode::kGetSubscriptionGroupConfig: return "GET_SUBSCRIPTIONGROUP_CONFIG";
  }
  return "UNKNOWN";
}

std::string_view responseCodeName(std::int32_t code) {
  switch (static_cast<ResponseCode>(code)) {
    case ResponseCode::kSuccess: return "SUCCESS";
    case ResponseCode::kSystemError: return "SYSTEM_ERROR";
    case ResponseCode::kSystemBusy: return "SYSTEM_BUSY";
    case ResponseCode::kRequestCodeNotSupported: return "REQUEST_CODE_NOT_SUPPORTED";
    case ResponseCode::kTransactionFailed: return "TRANSACTION_FAILED";
    case ResponseCode::kFlushDiskTimeout: return "FLUSH_DISK_TIMEOUT";
    case ResponseCode::kSlaveNotAvailable: return "SLAVE_NOT_AVAILABLE";
    case ResponseCode::kFlushSlaveTimeout: return "FLUSH_SLAVE_TIMEOUT";
    case ResponseCode::kMessageIllegal: return "MESSAGE_ILLEGAL";
    case ResponseCode::kServiceNotAvailable: return "SERVICE_NOT_AVAILABLE";
    case ResponseCode::kVersionNotSupported: return "VERSION_NOT_SUPPORTED";
    case ResponseCode::kNoPermission: return "NO_PERMISSION";
    case ResponseCode::kTopicNotExist: return "TOPIC_NOT_EXIST";
    case ResponseCode::kTopicExistAlready: return "TOPIC_EXIST_ALREADY";
    case ResponseCode::kPullNotFound: return "PULL_NOT_FOUND";
    case ResponseCode::kPullRetryImmediately: return "PULL_RETRY_IMMEDIATELY";
    case ResponseCode::kPullOffsetMoved: return "PULL_OFFSET_MOVED";
    case ResponseCode::kQueryNotFound: return "QUERY_NOT_FOUND";
    case ResponseCode::kSubscriptionParseFailed: return "SUBSCRIPTION_PARSE_FAILED";
    case ResponseCode::kSubscriptionNotExist: return "SUBSCRIPTION_NOT_EXIST";
    case ResponseCode::kSubscriptionNotLatest: return "SUBSCRIPTION_NOT_LATEST";
    case ResponseCode::kSubscriptionGroupNotExist: return "SUBSCRIPTION_GROUP_NOT_EXIST";
    case ResponseCode::kFilterDataNotExist: return "FILTER_DATA_NOT_EXIST";
    case ResponseCode::kFilterDataNotLatest: return "FILTER_DATA_NOT_LATEST";
    case ResponseCode::kInvalidParameter: return "INVALID_PARAMETER";
    case ResponseCode::kTransactionShouldCommit: return "TRANSACTION_SHOULD_COMMIT";
    case ResponseCode::kTransactionShouldRollback: return "TRANSACTION_SHOULD_ROLLBACK";
    case ResponseCode::kTransactionStateUnknow: return "TRANSACTION_STATE_UNKNOW";
    case ResponseCode::kTransactionStateGroupWrong: return "TRANSACTION_STATE_GROUP_WRONG";
    case ResponseCode::kNoBuyerId: return "NO_BUYER_ID";
    case ResponseCode::kNotInCurrentUnit: return "NOT_IN_CURRENT_UNIT";
    case ResponseCode::kConsumerNotOnline: return "CONSUMER_NOT_ONLINE";
    case ResponseCode::kConsumeMsgTimeout: return "CONSUME_MSG_TIMEOUT";
    case ResponseCode::kNoMessage: return "NO_MESSAGE";
    case ResponseCode::kPollingFull: return "POLLING_FULL";
    case ResponseCode::kPollingTimeout: return "POLLING_TIMEOUT";
    case ResponseCode::kBrokerNotExist: return "BROKER_NOT_EXIST";
    case ResponseCode::kBrokerDispatchNotComplete: return "BROKER_DISPATCH_NOT_COMPLETE";
    case ResponseCode::kBroadcastConsumption: return "BROADCAST_CONSUMPTION";
    case ResponseCode::kFlowControl: return "FLOW_CONTROL";
    case ResponseCode::kNotLeaderForQueue: return "NOT_LEADER_FOR_QUEUE";
    case ResponseCode::kIllegalOperation: return "ILLEGAL_OPERATION";
    case ResponseCode::kGoAway: return "GO_AWAY";
    case ResponseCode::kUserNotExist: return "USER_NOT_EXIST";
    case ResponseCode::kPolicyNotExist: return "POLICY_NOT_EXIST";
  }
  return "UNKNOWN";
}

// ---- NameServer ----------------------------------------------------------------------------

ExtFields GetRouteInfoRequestHeader::toExtFields() const {
  return FieldWriter()
      .put("topic", topic)
      .put("acceptStandardJsonOnly", accept_standard_json_only)
      .take();
}
Result<GetRouteInfoRequestHeader> GetRouteInfoRequestHeader::fromExtFields(const ExtFields& f) {
  FieldReader r(f, "GetRouteInfoRequestHeader");
  GetRouteInfoRequestHeader h;
  h.topic = r.requiredString("topic");
  h.accept_standard_json_only = r.optionalBool("acceptStandardJsonOnly");
  return r.finish(std::move(h));
}

ExtFields GetTopicsByClusterRequestHeader::toExtFields() const {
  return FieldWriter().put("cluster", cluster).take();
}
Result<GetTopicsByClusterRequestHeader> GetTopicsByClusterRequestHeader::fromExtFields(
    const ExtFields& f) {
  FieldReader r(f, "GetTopicsByClusterRequestHeader");
  GetTopicsByClusterRequestHeader h;
  h.cluster = r.requiredString("cluster");
  return r.finish(std::move(h));
}

// ---- Topics and groups ---------------------------------------------------------------------

ExtFields CreateTopicRequestHeader::toExtFields() const {
  return FieldWriter()
      .put("topic", topic)
      .put("defaultTopic", default_topic)
      .put("readQueueNums", read_queue_nums)
      .put("writeQueueNums", write_queue_nums)
      .put("perm", perm)
      .put("topicFilterType", topic_filter_type)
      .put("topicSysFlag", topic_sys_flag)
      .put("order", order)
      .put("attributes", attributes)
      .put("force", force)
      .take();
}
Result<CreateTopicRequestHeader> CreateTopicRequestHeader::fromExtFields(const ExtFields& f) {
  FieldReader r(f, "CreateTopicRequestHeader");
  CreateTopicRequestHeader h;
  h.topic = r.requiredString("topic");
  h.default_topic = r.requiredString("defaultTopic");
  h.read_queue_nums = r.requiredInt<std::int32_t>("readQueueNums");
  h.write_queue_nums = r.requiredInt<std::int32_t>("writeQueueNums");
  h.perm = r.requiredInt<std::int32_t>("perm");
  h.topic_filter_type = r.requiredString("topicFilterType");
  h.topic_sys_flag = r.optionalInt<std::int32_t>("topicSysFlag");
  h.order = r.requiredBool("order");
  h.attributes = r.optionalString("attributes");
  h.force = r.optionalBool("force").value_or(false);
  return r.finish(std::move(h));
}

ExtFields GetSubscriptionGroupConfigRequestHeader::toExtFields() const {
  return FieldWriter().put("group", group).take();
}
Result<GetSubscriptionGroupConfigRequestHeader>
GetSubscriptionGroupConfigRequestHeader::fromExtFields(const ExtFields& f) {
  FieldReader r(f, "GetSubscriptionGroupConfigRequestHeader");
  GetSubscriptionGroupConfigRequestHeader h;
  h.group = r.requiredString("group");
  return r.finish(std::move(h));
}

ExtFields GetTopicStatsInfoRequestHeader::toExtFields() const {
  return FieldWriter().put("topic", topic).take();
}
Result<GetTopicStatsInfoRequestHeader> GetTopicStatsInfoRequestHeader::fromExtFields(
    const ExtFields& f) {
  FieldReader r(f, "GetTopicStatsInfoRequestHeader");
  GetTopicStatsInfoRequestHeader h;
  h.topic = r.requiredString("topic");
  return r.finish(std::move(h));
}

ExtFields QueryTopicConsumeByWhoRequestHeader::toExtFields() const {
  return FieldWriter().put("topic", topic).take();
}
Result<QueryTopicConsumeByWhoRequestHeader> QueryTopicConsumeByWhoRequestHeader::fromExtFields(
    const ExtFields& f) {
  FieldReader r(f, "QueryTopicConsumeByWhoRequestHeader");
  QueryTopicConsumeByWhoRequestHeader h;
  h.topic = r.requiredString("topic");
  return r.finish(std::move(h));
}

// ---- Send ----------------------------------------------------------------------------------

ExtFields SendMessageRequestHeaderV2::toExtFields() const {
  return FieldWriter()
      .put("a", producer_group)
      .put("b", topic)
      .put("c", default_topic)
      .put("d", default_topic_queue_nums)
      .put("e", queue_id)
      .put("f", sys_flag)
      .put("g", born_timestamp)
      .put("h", flag)
      .put("i", properties)
      .put("j", reconsume_times)
      .put("k", unit_mode)
      .put("l", max_reconsume_times)
      .put("m", batch)
      .put("n", broker_name)
      .take();
}
Result<SendMessageRequestHeaderV2> SendMessageRequestHeaderV2::fromExtFields(const ExtFields& f) {
  FieldReader r(f, "SendMessageRequestHeaderV2");
  SendMessageRequestHeaderV2 h;
  h.producer_group = r.requiredString("a");
  h.topic = r.requiredString("b");
  h.default_topic = r.requiredString("c");
  h.default_topic_queue_nums = r.requiredInt<std::int32_t>("d");
  h.queue_id = QueueId(r.requiredInt<std::int32_t>("e"));
  h.sys_flag = r.requiredInt<std::int32_t>("f");
  h.born_timestamp = r.requiredInt<std::int64_t>("g");
  h.flag = r.requiredInt<std::int32_t>("h");
  h.properties = r.optionalString("i");
  h.reconsume_times = r.optionalInt<std::int32_t>("j");
  h.unit_mode = r.optionalBool("k");
  h.max_reconsume_times = r.optionalInt<std::int32_t>("l");
  h.batch = r.optionalBool("m");
  h.broker_name = r.optionalString("n");
  return r.finish(std::move(h));
}

ExtFields SendMessageResponseHeader::toExtFields() const {
  return FieldWriter()
      .put("msgId", msg_id)
      .put("queueId", queue_id)
      .put("queueOffset", queue_offset)
      .put("transactionId", transaction_id)
      .put("batchUniqId", batch_uniq_id)
      .take();
}
Result<SendMessageResponseHeader> SendMessageResponseHeader::fromExtFields(const ExtFields& f) {
  FieldReader r(f, "SendMessageResponseHeader");
  SendMessageResponseHeader h;
  h.msg_id = r.requiredString("msgId");
  h.queue_id = QueueId(r.requiredInt<std::int32_t>("queueId"));
  h.queue_offset = QueueOffset(r.requiredInt<std::int64_t>("queueOffset"));
  h.transaction_id = r.optionalString("transactionId");
  h.batch_uniq_id = r.optionalString("batchUniqId");
  return r.finish(std::move(h));
}

// ---- Pull ----------------------------------------------------------------------------------

ExtFields PullMessageRequestHeader::toExtFields() const {
  return FieldWriter()
      .put("consumerGroup", consumer_group)
      .put("topic", topic)
      .put("queueId", queue_id)
      .put("queueOffset", queue_offset)
      .put("maxMsgNums", max_msg_nums)
      .put("sysFlag", sys_flag)
      .put("commitOffset", commit_offset)
      .put("suspendTimeoutMillis", suspend_timeout_millis)
      .put("subscription", subscription)
      .put("subVersion", sub_version)
      .put("expressionType", expression_type)
      .put("maxMsgBytes", max_msg_bytes)
      .take();
}
Result<PullMessageRequestHeader> PullMessageRequestHeader::fromExtFields(const ExtFields& f) {
  FieldReader r(f, "PullMessageRequestHeader");
  PullMessageRequestHeader h;
  h.consumer_group = r.requiredString("consumerGroup");
  h.topic = r.requiredString("topic");
  h.queue_id = QueueId(r.requiredInt<std::int32_t>("queueId"));
  h.queue_offset = QueueOffset(r.requiredInt<std::int64_t>("queueOffset"));
  h.max_msg_nums = r.requiredInt<std::int32_t>("maxMsgNums");
  h.sys_flag = r.requiredInt<std::int32_t>("sysFlag");
  h.commit_offset = QueueOffset(r.requiredInt<std::int64_t>("commitOffset"));
  h.suspend_timeout_millis = r.requiredInt<std::int64_t>("suspendTimeoutMillis");
  h.subscription = r.optionalString("subscription");
  h.sub_version = r.requiredInt<std::int64_t>("subVersion");
  h.expression_type = r.optionalString("expressionType");
  h.max_msg_bytes = r.optionalInt<std::int32_t>("maxMsgBytes");
  return r.finish(std::move(h));
}

ExtFields PullMessageResponseHeader::toExtFields() const {
  return FieldWriter()
      .put("suggestWhichBrokerId", suggest_which_broker_id)
      .put("nextBeginOffset", next_begin_offset)
      .put("minOffset", min_offset)
      .put("maxOffset", max_offset)
      .put("offsetDelta", offset_delta)
      .put("topicSysFlag", topic_sys_flag)
      .put("groupSysFlag", group_sys_flag)
      .put("forbiddenType", forbidden_type)
      .take();
}
Result<PullMessageResponseHeader> PullMessageResponseHeader::fromExtFields(const ExtFields& f) {
  FieldReader r(f, "PullMessageResponseHeader");
  PullMessageResponseHeader h;
  h.suggest_which_broker_id = r.requiredInt<std::int64_t>("suggestWhichBrokerId");
  h.next_begin_offset = QueueOffset(r.requiredInt<std::int64_t>("nextBeginOffset"));
  h.min_offset = QueueOffset(r.requiredInt<std::int64_t>("minOffset"));
  h.max_offset = QueueOffset(r.requiredInt<std::int64_t>("maxOffset"));
  h.offset_delta = r.optionalInt<std::int64_t>("offsetDelta");
  h.topic_sys_flag = r.optionalInt<std::int32_t>("topicSysFlag");
  h.group_sys_flag = r.optionalInt<std::int32_t>("groupSysFlag");
  h.forbidden_type = r.optionalInt<std::int32_t>("forbiddenType");
  return r.finish(h);
}

// ---- Offsets -------------------------------------------------------------------------------

ExtFields QueryConsumerOffsetRequestHeader::toExtFields() const {
  return FieldWriter()
      .put("consumerGroup", consumer_group)
      .put("topic", topic)
      .put("queueId", queue_id)
      .put("setZeroIfNotFound", set_zero_if_not_found)
      .take();
}
Result<QueryConsumerOffsetRequestHeader> QueryConsumerOffsetRequestHeader::fromExtFields(
    const ExtFields& f) {
  FieldReader r(f, "QueryConsumerOffsetRequestHeader");
  QueryConsumerOffsetRequestHeader h;
  h.consumer_group = r.requiredString("consumerGroup");
  h.topic = r.requiredString("topic");
  h.queue_id = QueueId(r.requiredInt<std::int32_t>("queueId"));
  h.set_zero_if_not_found = r.optionalBool("setZeroIfNotFound");
  return r.finish(std::move(h));
}

ExtFields OffsetResponseHeader::toExtFields() const {
  return FieldWriter().put("offset", offset).take();
}
Result<OffsetResponseHeader> OffsetResponseHeader::fromExtFields(const ExtFields& f) {
  FieldReader r(f, "OffsetResponseHeader");
  OffsetResponseHeader h;
  h.offset = QueueOffset(r.requiredInt<std::int64_t>("offset"));
  return r.finish(h);
}

ExtFields UpdateConsumerOffsetRequestHeader::toExtFields() const {
  return FieldWriter()
      .put("consumerGroup", consumer_group)
      .put("topic", topic)
      .put("queueId", queue_id)
      .put("commitOffset", commit_offset)
      .take();
}
Result<UpdateConsumerOffsetRequestHeader> UpdateConsumerOffsetRequestHeader::fromExtFields(
    const ExtFields& f) {
  FieldReader r(f, "UpdateConsumerOffsetRequestHeader");
  UpdateConsumerOffsetRequestHeader h;
  h.consumer_group = r.requiredString("consumerGroup");
  h.topic = r.requiredString("topic");
  h.queue_id = QueueId(r.requiredInt<std::int32_t>("queueId"));
  h.commit_offset = QueueOffset(r.requiredInt<std::int64_t>("commitOffset"));
  return r.finish(std::move(h));
}

ExtFields GetMaxOffsetRequestHeader::toExtFields() const {
  return FieldWriter()
      .put("topic", topic)
      .put("queueId", queue_id)
      .put("committed", committed)
      .take();
}
Result<GetMaxOffsetRequestHeader> GetMaxOffsetRequestHeader::fromExtFields(const ExtFields& f) {
  FieldReader r(f, "GetMaxOffsetRequestHeader");
  GetMaxOffsetRequestHeader h;
  h.topic = r.requiredString("topic");
  h.queue_id = QueueId(r.requiredInt<std::int32_t>("queueId"));
  h.committed = r.optionalBool("committed");
  return r.finish(std::move(h));
}

ExtFields TopicQueueRequestHeader::toExtFields() const {
  return FieldWriter().put("topic", topic).put("queueId", queue_id).take();
}
Result<TopicQueueRequestHeader> TopicQueueRequestHeader::fromExtFields(const ExtFields& f) {
  FieldReader r(f, "TopicQueueRequestHeader");
  TopicQueueRequestHeader h;
  h.topic = r.requiredString("topic");
  h.queue_id = QueueId(r.requiredInt<std::int32_t>("queueId"));
  return r.finish(std::move(h));
}

ExtFields GetEarliestMsgStoretimeResponseHeader::toExtFields() const {
  return FieldWriter().put("timestamp", timestamp).take();
}
Result<GetEarliestMsgStoretimeResponseHeader> GetEarliestMsgStoretimeResponseHeader::fromExtFields(
    const ExtFields& f) {
  FieldReader r(f, "GetEarliestMsgStoretimeResponseHeader");
  GetEarliestMsgStoretimeResponseHeader h;
  h.timestamp = r.requiredInt<std::int64_t>("timestamp");
  return r.finish(h);
}

ExtFields SearchOffsetRequestHeader::toExtFields() const {
  FieldWriter w;
  w.put("topic", topic).put("queueId", queue_id).put("timestamp", timestamp);
  if (boundary_type) {
    w.put("boundaryType", *boundary_type == BoundaryType::kUpper ? "UPPER" : "LOWER");
  }
  return w.take();
}
Result<SearchOffsetRequestHeader> SearchOffsetRequestHeader::fromExtFields(const ExtFields& f) {
  FieldReader r(f, "SearchOffsetRequestHeader");
  SearchOffsetRequestHeader h;
  h.topic = r.requiredString("topic");
  h.queue_id = QueueId(r.requiredInt<std::int32_t>("queueId"));
  h.timestamp = r.requiredInt<std::int64_t>("timestamp");
  if (auto boundary = r.optionalString("boundaryType")) {
    // BoundaryType.getType: case-insensitive, anything unknown means LOWER.
    std::string upper = *boundary;
    for (char& c : upper) {
      c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    h.boundary_type = upper == "UPPER" ? BoundaryType::kUpper : BoundaryType::kLower;
  }
  return r.finish(std::move(h));
}

ExtFields ResetOffsetRequestHeader::toExtFields() const {
  return FieldWriter()
      .put("topic", topic)
      .put("group", group)
      .put("timestamp", timestamp)
      .put("isForce", is_force)
      .put("queueId", queue_id)
      .put("offset", offset)
      .take();
}
Result<ResetOffsetRequestHeader> ResetOffsetRequestHeader::fromExtFields(const ExtFields& f) {
  FieldReader r(f, "ResetOffsetRequestHeader");
  ResetOffsetRequestHeader h;
  h.topic = r.requiredString("topic");
  h.group = r.requiredString("group");
  h.timestamp = r.requiredInt<std::int64_t>("timestamp");
  h.is_force = r.requiredBool("isForce");
  h.queue_id = toQueueId(r.optionalInt<std::int32_t>("queueId"));
  h.offset = toQueueOffset(r.optionalInt<std::int64_t>("offset"));
  return r.finish(std::move(h));
}

// ---- Consumer groups -----------------------------------------------------------------------

ExtFields ConsumerGroupRequestHeader::toExtFields() const {
  return FieldWriter().put("consumerGroup", consumer_group).take();
}
Result<ConsumerGroupRequestHeader> ConsumerGroupRequestHeader::fromExtFields(const ExtFields& f) {
  FieldReader r(f, "ConsumerGroupRequestHeader");
  ConsumerGroupRequestHeader h;
  h.consumer_group = r.requiredString("consumerGroup");
  return r.finish(std::move(h));
}

ExtFields GetConsumeStatsRequestHeader::toExtFields() const {
  return FieldWriter().put("consumerGroup", consumer_group).put("topic", topic).take();
}
Result<GetConsumeStatsRequestHeader> GetConsumeStatsRequestHeader::fromExtFields(
    const ExtFields& f) {
  FieldReader r(f, "GetConsumeStatsRequestHeader");
  GetConsumeStatsRequestHeader h;
  h.consumer_group = r.requiredString("consumerGroup");
  h.topic = r.optionalString("topic");
  return r.finish(std::move(h));
}

ExtFields QueryTopicsByConsumerRequestHeader::toExtFields() const {
  return FieldWriter().put("group", group).take();
}
Result<QueryTopicsByConsumerRequestHeader> QueryTopicsByConsumerRequestHeader::fromExtFields(
    const ExtFields& f) {
  FieldReader r(f, "QueryTopicsByConsumerRequestHeader");
  QueryTopicsByConsumerRequestHeader h;
  h.group = r.requiredString("group");
  return r.finish(std::move(h));
}

ExtFields GetConsumerRunningInfoRequestHeader::toExtFields() const {
  return FieldWriter()
      .put("consumerGroup", consumer_group)
      .put("clientId", client_id)
      .put("jstackEnable", jstack_enable)
      .take();
}
Result<GetConsumerRunningInfoRequestHeader> GetConsumerRunningInfoRequestHeader::fromExtFields(
    const ExtFields& f) {
  FieldReader r(f, "GetConsumerRunningInfoRequestHeader");
  GetConsumerRunningInfoRequestHeader h;
  h.consumer_group = r.requiredString("consumerGroup");
  h.client_id = r.requiredString("clientId");
  h.jstack_enable = r.optionalBool("jstackEnable").value_or(false);
  return r.finish(std::move(h));
}

ExtFields UnregisterClientRequestHeader::toExtFields() const {
  return FieldWriter()
      .put("clientID", client_id)
      .put("producerGroup", producer_group)
      .put("consumerGroup", consumer_group)
      .take();
}
Result<UnregisterClientRequestHeader> UnregisterClientRequestHeader::fromExtFields(
    const ExtFields& f) {
  FieldReader r(f, "UnregisterClientRequestHeader");
  UnregisterClientRequestHeader h;
  h.client_id = r.requiredString("clientID");
  h.producer_group = r.optionalString("producerGroup");
  h.consumer_group = r.optionalString("consumerGroup");
  return r.finish(std::move(h));
}

}  // namespace ferry::codec
