#include "ferry/model/origin_stamp.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace ferry::model {
namespace {

constexpr std::size_t kFieldCount = stamp::kPropertyNames.size();
using RawStamp = std::array<std::optional<std::string_view>, kFieldCount>;

bool hasSeparator(std::string_view s) {
  return s.find(codec::kNameValueSeparator) != std::string_view::npos
         || s.find(codec::kPropertySeparator) != std::string_view::npos;
}

Result<void> checkName(std::string_view what, std::string_view value) {
  if (value.empty()) {
    return makeError(Errc::kInvalidArgument, fmt::format("origin stamp: {} is empty", what));
  }
  if (hasSeparator(value)) {
    return makeError(
        Errc::kInvalidArgument,
        fmt::format("origin stamp: {} '{}' contains a 0x01/0x02 separator byte", what, value));
  }
  return {};
}

Result<void> checkNonNegative(std::string_view what, std::int64_t value) {
  if (value < 0) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("origin stamp: {} is negative ({})", what, value));
  }
  return {};
}

// Canonical non-negative decimal: digits only, no leading zero unless the value is 0, within max.
Result<std::int64_t> parseNumber(std::string_view name, std::string_view text, std::int64_t max) {
  const bool digits_only = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  std::int64_t value = 0;
  bool ok = digits_only && !(text.size() > 1 && text.front() == '0');
  if (ok) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    ok = ec == std::errc() && end == text.data() + text.size() && value <= max;
  }
  if (!ok) {
    return makeError(Errc::kMalformed,
                     fmt::format("origin stamp {}: '{}' is not a non-negative decimal integer "
                                 "without leading zeros, at most {}",
                                 name, text, max));
  }
  return value;
}

Result<std::optional<OriginStamp>> parseRaw(const RawStamp& raw) {
  const auto present =
      std::count_if(raw.begin(), raw.end(), [](const auto& v) { return v.has_value(); });
  if (present == 0) {
    return std::optional<OriginStamp>();
  }
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    if (!raw[i]) {
      return makeError(Errc::kMalformed,
                       fmt::format("origin stamp incomplete: {} is missing ({} of {} stamp "
                                   "properties present)",
                                   stamp::kPropertyNames[i], present, kFieldCount));
    }
  }
  // Order of kPropertyNames: cluster, topic, broker, queue id, offset, store time.
  auto queue_id = parseNumber(stamp::kQueueId, *raw[3], std::numeric_limits<std::int32_t>::max());
  if (!queue_id) {
    return makeError(std::move(queue_id.error()));
  }
  auto offset = parseNumber(stamp::kOffset, *raw[4], std::numeric_limits<std::int64_t>::max());
  if (!offset) {
    return makeError(std::move(offset.error()));
  }
  auto store = parseNumber(stamp::kStoreTime, *raw[5], std::numeric_limits<std::int64_t>::max());
  if (!store) {
    return makeError(std::move(store.error()));
  }
  OriginStamp stamp;
  stamp.cluster = std::string(*raw[0]);
  stamp.queue = SourceQueue(std::string(*raw[1]), std::string(*raw[2]),
                            QueueId(static_cast<std::int32_t>(*queue_id)));
  stamp.offset = SourceOffset(QueueOffset(*offset));
  stamp.store_time = StoreTime::fromMillis(*store);
  return std::optional<OriginStamp>(std::move(stamp));
}

}  // namespace

bool stamp::isStampProperty(std::string_view name) {
  return std::find(kPropertyNames.begin(), kPropertyNames.end(), name) != kPropertyNames.end();
}

Result<void> encodeOriginStamp(const OriginStamp& stamp, codec::Properties& properties) {
  for (auto check :
       {checkName("cluster id", stamp.cluster), checkName("topic", stamp.queue.topic()),
        checkName("broker name", stamp.queue.brokerName()),
        checkNonNegative("queue id", stamp.queue.queueId().value()),
        checkNonNegative("queue offset", stamp.offset.value()),
        checkNonNegative("store timestamp", stamp.store_time.millis())}) {
    if (!check) {
      return check;
    }
  }
  properties.set(stamp::kCluster, stamp.cluster);
  properties.set(stamp::kTopic, stamp.queue.topic());
  properties.set(stamp::kBroker, stamp.queue.brokerName());
  properties.set(stamp::kQueueId, fmt::format("{}", stamp.queue.queueId()));
  properties.set(stamp::kOffset, fmt::format("{}", stamp.offset));
  properties.set(stamp::kStoreTime, fmt::format("{}", stamp.store_time.millis()));
  return {};
}

Result<std::optional<OriginStamp>> parseOriginStamp(const codec::PropertiesView& properties) {
  RawStamp raw;
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    raw[i] = properties.get(stamp::kPropertyNames[i]);
  }
  return parseRaw(raw);
}

Result<std::optional<OriginStamp>> parseOriginStamp(const codec::Properties& properties) {
  RawStamp raw;
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    raw[i] = properties.get(stamp::kPropertyNames[i]);
  }
  return parseRaw(raw);
}

std::optional<std::string_view> stampedCluster(const codec::PropertiesView& properties) {
  return properties.get(stamp::kCluster);
}

}  // namespace ferry::model
