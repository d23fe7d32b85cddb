#include "ferry/replication/transform.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace ferry::replication {
namespace {

// Sorted, for binary search. Reasons per name: docs/replication.md, "Properties".
constexpr auto kDroppedProperties = std::to_array<std::string_view>({
    "1ST_POP_TIME",
    "ARRIVE_TIME",
    "CHECK_IMMUNITY_TIME_IN_SECONDS",
    "CLUSTER",
    "CONSUME_START_TIME",
    "CORRELATION_ID",
    "DELAY",
    "DUP_INFO",
    "EXTEND_UNIQ_INFO",
    "INNER_BASE",
    "INNER_MULTI_DISPATCH",
    "INNER_MULTI_QUEUE_OFFSET",
    "INNER_NUM",
    "MAX_OFFSET",
    "MAX_RECONSUME_TIMES",
    "MIN_OFFSET",
    "MSG_REGION",
    "MSG_TYPE",
    "ORIGIN_MESSAGE_ID",
    "PGROUP",
    "POP_CK",
    "POP_CK_OFFSET",
    "PROPERTY_FORWARD_QUEUE_ID",
    "PUSH_REPLY_TIME",
    "REAL_QID",
    "REAL_TOPIC",
    "RECONSUME_TIME",
    "REDIRECT",
    "REPLY_TO_CLIENT",
    "RETRY_TOPIC",
    "TIMER_DELAY_LEVEL",
    "TIMER_DELAY_MS",
    "TIMER_DELAY_SEC",
    "TIMER_DELIVER_MS",
    "TIMER_DEL_UNIQKEY",
    "TIMER_DEQUEUE_MS",
    "TIMER_ENQUEUE_MS",
    "TIMER_OUT_MS",
    "TIMER_ROLL_TIMES",
    "TRACE_ON",
    "TRANSACTION_CHECK_TIMES",
    "TRAN_MSG",
    "TRAN_PREPARED_QUEUE_OFFSET",
    "TTL",
    "WAIT",
    "__CRC32#",
    "__transactionId__",
});
static_assert(std::is_sorted(kDroppedProperties.begin(), kDroppedProperties.end()));

constexpr std::string_view kTransientPrefix = "__RMQ.TRANSIENT.";

// SEND_BATCH_MESSAGE record: TOTALSIZE, MAGICCODE, BODYCRC, FLAG, BODYLEN (4 each), PROPLEN (2).
constexpr std::size_t kBatchRecordFixed = 22;

}  // namespace

std::string_view dispositionName(Disposition d) {
  switch (d) {
    case Disposition::kSend: return "send";
    case Disposition::kFiltered: return "filtered";
    case Disposition::kEcho: return "echo";
  }
  return "unknown";
}

bool isEcho(const codec::PropertiesView& properties, std::string_view destination_cluster) {
  const auto cluster = model::stampedCluster(properties);
  return cluster && *cluster == destination_cluster;
}

Disposition classify(const codec::MessageView& message, const TagFilter& filter,
                     std::string_view destination_cluster) {
  if (isEcho(message.properties, destination_cluster)) {
    return Disposition::kEcho;
  }
  if (!filter.matches(message.properties.get(codec::property::kTags))) {
    return Disposition::kFiltered;
  }
  return Disposition::kSend;
}

bool isDroppedProperty(std::string_view name) {
  return std::binary_search(kDroppedProperties.begin(), kDroppedProperties.end(), name)
         || name.starts_with(kTransientPrefix) || model::stamp::isStampProperty(name);
}

std::int32_t outgoingSysFlag(std::int32_t stored_sys_flag) {
  if ((stored_sys_flag & codec::kSysFlagCompressed) == 0) {
    return 0;
  }
  return stored_sys_flag & (codec::kSysFlagCompressed | codec::kSysFlagCompressionMask);
}

std::size_t OutgoingMessage::batchRecordSize() const {
  return kBatchRecordFixed + message.body.size() + properties_size;
}

Result<OutgoingMessage> transformMessage(const codec::MessageView& message,
                                         const TransformContext& ctx) {
  const model::SourceOffset offset(message.queue_offset);
  if (ctx.source_queue == nullptr) {
    return makeError(Errc::kInvalidArgument, "transformMessage: no source queue given");
  }
  const model::SourceQueue& queue = *ctx.source_queue;
  if (message.topic != queue.topic() || message.queue_id != queue.queueId()) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("message at offset {} is from topic '{}' queue {}, but was "
                                 "pulled from {}",
                                 offset, message.topic, message.queue_id, queue));
  }
  OutgoingMessage out;
  out.message.topic = std::string(ctx.destination_topic);
  out.message.flag = message.flag;
  out.message.body = std::string(message.body);
  out.sys_flag = outgoingSysFlag(message.sys_flag);
  out.born_timestamp = message.born_timestamp;
  out.source_offset = offset;

  // Properties::set keeps a repeated name at its first position with the last value (Java's
  // HashMap semantics), so the copy reads exactly what a Java consumer of the source reads.
  for (const auto& [name, value] : message.properties) {
    if (!isDroppedProperty(name)) {
      out.message.properties.set(name, std::string(value));
    }
  }
  if (!out.message.properties.contains(codec::property::kUniqKey)) {
    out.message.properties.set(codec::property::kUniqKey, message.offsetMsgId());
  }
  const model::OriginStamp stamp{std::string(ctx.source_cluster), queue, offset,
                                 message.store_timestamp};
  const std::string where = fmt::format("replicating {} offset {}", queue, offset);
  if (auto r = model::encodeOriginStamp(stamp, out.message.properties); !r) {
    return makeError(std::move(r.error()).withContext(where));
  }
  auto encoded = codec::encodeProperties(out.message.properties);
  if (!encoded) {
    return makeError(std::move(encoded.error()).withContext(where));
  }
  out.properties_size = encoded->size();
  return out;
}

}  // namespace ferry::replication
