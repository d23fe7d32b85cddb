// The origin stamp: properties Ferry adds to every message it replicates, naming where the message
// was read (docs/replication.md, "Origin stamp").
//
// The stamps stored in the destination are the source of truth for offset translation (progress
// sync reads them back by binary search) and for echo suppression (a reverse task skips messages
// stamped by its own destination). So encoding is exact and canonical, and parsing is strict: a
// message carries either no stamp property (not replicated by Ferry) or all six, well formed.
//
// Property names: ASCII upper case and '_', prefixed FERRY_SRC_; none is a RocketMQ system
// property (MessageConst.STRING_HASH_SET, which Java's putUserProperty refuses), none starts with
// the reserved "__RMQ.TRANSIENT." prefix, none contains the 0x01/0x02 separators. Values are
// decimal integers (no sign, no leading zeros) or the names themselves. Plain values, any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/base/error.h"
#include "ferry/codec/message.h"
#include "ferry/model/side.h"

namespace ferry::model {

namespace stamp {
inline constexpr std::string_view kCluster = "FERRY_SRC_CLUSTER";  // the task's source cluster id
inline constexpr std::string_view kTopic = "FERRY_SRC_TOPIC";      // source topic
inline constexpr std::string_view kBroker = "FERRY_SRC_BROKER";    // source broker name
inline constexpr std::string_view kQueueId = "FERRY_SRC_QID";      // source queue id
inline constexpr std::string_view kOffset = "FERRY_SRC_OFFSET";    // source queue offset
inline constexpr std::string_view kStoreTime = "FERRY_SRC_STORE_MS";  // source store time, ms
inline constexpr std::array<std::string_view, 6> kPropertyNames = {kCluster, kTopic,  kBroker,
                                                                   kQueueId, kOffset, kStoreTime};
// True for the six names above.
bool isStampProperty(std::string_view name);
}  // namespace stamp

// Where a replicated message was read: the immediate source of this hop (a message replicated
// again from the destination gets a new stamp naming that cluster).
struct OriginStamp {
  std::string cluster;  // the source cluster's id as the task configuration names it
  SourceQueue queue;
  SourceOffset offset;
  StoreTime store_time;  // STORETIMESTAMP of the source record

  bool operator==(const OriginStamp&) const = default;
};

// Sets the six stamp properties on `properties`, replacing any earlier stamp. kInvalidArgument
// (properties unchanged) when a name is empty or contains 0x01/0x02, or a number is negative.
Result<void> encodeOriginStamp(const OriginStamp& stamp, codec::Properties& properties);

// Reads a stamp. nullopt when none of the six properties is present; kMalformed naming the
// property when some are missing or a value is not canonical (e.g. "FERRY_SRC_OFFSET: '-1' is
// not a non-negative decimal integer").
Result<std::optional<OriginStamp>> parseOriginStamp(const codec::PropertiesView& properties);
Result<std::optional<OriginStamp>> parseOriginStamp(const codec::Properties& properties);

// The stamped source cluster alone (FERRY_SRC_CLUSTER), without validating the rest: echo
// suppression needs only this and must work even on a damaged stamp.
std::optional<std::string_view> stampedCluster(const codec::PropertiesView& properties);

}  // namespace ferry::model
