// From a pulled source message to the message Ferry sends to the destination
// (docs/replication.md, "Transform" and "Echo suppression").
//
// Pure functions on values: no I/O, no clock. The input is one stored record as
// codec::StoredMessageReader yields it -- for a 5.x inner-batch record, each view that
// codec::unwrapInnerBatch() returns, never the outer record itself. The output owns its bytes, so
// the pull buffer can be released once a batch is transformed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ferry/base/error.h"
#include "ferry/codec/message.h"
#include "ferry/model/origin_stamp.h"
#include "ferry/model/side.h"
#include "ferry/replication/tag_filter.h"

namespace ferry::replication {

// What to do with a pulled message.
enum class Disposition {
  kSend,      // replicate it
  kFiltered,  // its tag does not match the topic mapping's tag filter
  kEcho,      // its origin stamp names the destination cluster: it came from there
};
std::string_view dispositionName(Disposition d);

// True when the message's stamp names `destination_cluster` (a reverse task must not send a
// message back where it came from). Reads FERRY_SRC_CLUSTER only, so a damaged stamp from the
// destination is still recognised.
bool isEcho(const codec::PropertiesView& properties, std::string_view destination_cluster);

// Echo first (an echo is never sent, whatever its tag), then the tag filter.
Disposition classify(const codec::MessageView& message, const TagFilter& filter,
                     std::string_view destination_cluster);

// True for properties that are not copied: broker-assigned, per-cluster, delay/timer,
// transaction, retry, pop, request-reply, inner-batch/LMQ bookkeeping, transient ones, and an
// earlier hop's origin stamp (replaced by this hop's). The full list with reasons is in
// docs/replication.md.
bool isDroppedProperty(std::string_view name);

// The sysFlag a replicated message is sent with: COMPRESSED plus the compression-type bits when
// the stored body is compressed (it is forwarded as stored), else 0. Transaction, host-v6,
// multi-tag and inner-batch bits are never forwarded.
std::int32_t outgoingSysFlag(std::int32_t stored_sys_flag);

struct TransformContext {
  std::string_view source_cluster;  // the task's id of the source cluster (stamped)
  const model::SourceQueue* source_queue = nullptr;  // the queue the message was pulled from
  std::string_view destination_topic;
};

// One message ready to send.
struct OutgoingMessage {
  codec::Message message;             // destination topic, flag, properties, body as stored
  std::int32_t sys_flag = 0;          // the send header's sysFlag ('f'); see outgoingSysFlag()
  StoreTime born_timestamp;           // the source's BORNTIMESTAMP, for the send header ('g')
  model::SourceOffset source_offset;  // where it was read
  std::size_t properties_size = 0;    // bytes of the encoded properties string

  // Bytes of this message's record in a SEND_BATCH_MESSAGE body (docs/protocol.md 7.2).
  std::size_t batchRecordSize() const;
};

// Builds the message to send: body byte-identical as stored (compressed or not), flag, the
// properties a producer set (tags, keys, UNIQ_KEY, user properties) minus isDroppedProperty(),
// plus this hop's origin stamp. A repeated property keeps its last value, as Java's parser does
// (5.x brokers repeat batch-level properties on batch members). A message without UNIQ_KEY gets
// UNIQ_KEY = its source offset msgId: what Java's getMsgId() returned on the source, so consumers
// see the same id in both clusters.
// Errors (kInvalidArgument, naming the source position): the message is not from
// ctx.source_queue, or its properties with the stamp exceed 32767 bytes.
Result<OutgoingMessage> transformMessage(const codec::MessageView& message,
                                         const TransformContext& ctx);

}  // namespace ferry::replication
