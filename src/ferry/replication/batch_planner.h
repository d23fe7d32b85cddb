// Batch planning for one queue (docs/replication.md, "Batching"): which of the pending messages go
// to the destination in the next request, and how.
//
// With one batch in flight per queue, a queue moves at most one batch per round trip, so a batch
// must carry the link's bandwidth × round-trip time to keep the link full (targetBatchBytes()),
// but never more than the destination broker accepts in one request. Pure functions on values;
// the planner never waits for more messages: it plans from what is pending (while a batch is in
// flight, the next one accumulates by itself).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ferry/codec/message.h"
#include "ferry/model/side.h"
#include "ferry/replication/transform.h"

namespace ferry::replication {

// Bytes a batch member grows by when the broker stores it, beyond its batch record: the stored
// record's fixed fields (91 bytes with IPv4 hosts, +24 with IPv6), the topic, and the properties
// the broker appends (CLUSTER and the batch-level properties on 4.9-5.3.3). 4.9 brokers encode a
// whole batch into one maxMessageSize buffer, 5.x into maxMessageSize + 64 KiB, so the planner
// counts this growth against max_batch_bytes.
// (The 2-byte V2 topic length is counted for every topic.)
constexpr std::size_t storedGrowthPerMessage(std::size_t destination_topic_size) {
  constexpr std::size_t kStoredFixedV4 = 91;  // docs/protocol.md section 5, IPv4 hosts, V1 topic
  constexpr std::size_t kIpv6HostsExtra = 24;
  constexpr std::size_t kV2TopicLengthExtra = 1;
  constexpr std::size_t kAppendedPropertiesAllowance = 128;  // CLUSTER=<name> and batch properties
  constexpr std::size_t kBatchRecordFixed = 22;              // docs/protocol.md section 7.2
  return kStoredFixedV4 + kIpv6HostsExtra + kV2TopicLengthExtra + destination_topic_size
         + kAppendedPropertiesAllowance - kBatchRecordFixed;
}
// Covers every topic name RocketMQ allows in a V1 record (<= 127 bytes).
inline constexpr std::size_t kDefaultPerMessageOverhead = storedGrowthPerMessage(127);

struct BatchLimits {
  std::size_t max_messages = 4096;
  // The destination broker's maxMessageSize (4 MiB by default): the bound on a batch body and on
  // the stored size of a whole batch.
  std::size_t max_batch_bytes = codec::kDefaultMaxBodySize;
  // The largest body a single send may carry (the broker's maxMessageSize as well).
  std::size_t max_body_size = codec::kDefaultMaxBodySize;
  // Counted per message on top of its batch record (storedGrowthPerMessage()).
  std::size_t per_message_overhead = kDefaultPerMessageOverhead;
  // Whether messages with a compressed body may travel in batches (all members of one batch then
  // carry the same compression sysFlag). Off: each compressed message goes alone.
  bool batch_compressed = true;
};

// Batch size that fills the link with one batch per round trip: bandwidth × rtt, clamped to
// [floor, ceiling]. A bandwidth or rtt of zero (not measured yet) gives `floor`.
std::size_t targetBatchBytes(double bandwidth_bytes_per_second, std::chrono::microseconds rtt,
                             std::size_t floor, std::size_t ceiling);

struct BatchPlan {
  enum class Kind {
    kEmpty,     // nothing pending
    kBatch,     // the first `count` messages as one SEND_BATCH_MESSAGE (count >= 2)
    kSingle,    // the first message alone, as SEND_MESSAGE_V2
    kTooLarge,  // the first message can never be sent: report it (reason), do not drop silently
  };
  Kind kind = Kind::kEmpty;
  std::size_t count = 0;             // messages taken from the front of `pending`
  std::size_t bytes = 0;             // batch body bytes (kBatch) or body bytes (kSingle, kTooLarge)
  std::int32_t sys_flag = 0;         // the send header's sysFlag for these messages
  model::SourceOffset first_offset;  // source position of the first message
  std::string reason;                // kTooLarge only: what limit it exceeds
};
std::string_view batchPlanKindName(BatchPlan::Kind kind);

// Plans the next send from the front of `pending` (in source order). Messages of one batch share
// one sysFlag and fit, each counted as batchRecordSize() + per_message_overhead, within
// min(max(target_bytes, the first message), max_batch_bytes); a message that fits no batch but
// whose body is within max_body_size goes alone; a body above max_body_size is kTooLarge. A
// destination topic starting with %RETRY% cannot take batches: every message goes alone.
BatchPlan planBatch(std::span<const OutgoingMessage> pending, const BatchLimits& limits,
                    std::size_t target_bytes);

}  // namespace ferry::replication
