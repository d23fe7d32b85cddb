// The identities of RocketMQ's data every layer talks about: which queue (QueueId, MessageQueue),
// which position in it (QueueOffset) and when a message was stored (StoreTime).
//
// They live in base, below codec, because every layer needs them: the codec's headers, bodies and
// stored-message records carry them, the engines compute with them, the CLI prints them. Each is a
// distinct type, so a queue id passed as an offset, or a timestamp passed as either, does not
// compile. Raw integers appear only at the edges (wire fields, JSON, config) and are converted
// there explicitly: `QueueOffset(n)`, `StoreTime::fromMillis(ms)` in, `.value()`, `.millis()` out.
//
// The side-tagged forms (an offset *of the source cluster*, of the destination) are in
// model/side.h; they are built on these. All types here are plain values usable on any thread.
#pragma once

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "ferry/base/strong_int.h"

namespace ferry {

// A queue id inside one broker's part of a topic (0 .. readQueueNums-1).
using QueueId = StrongInt<struct QueueIdTag, std::int32_t>;

// A logical consume-queue offset: the index of a message within one message queue. A committed
// offset is the offset of the next message to consume; a queue's max offset is one past its last
// message. Consecutive messages of a queue have consecutive offsets, so the arithmetic here is
// message counting: next(), plus(n) and distanceFrom() (a count, not an offset). Offsets arrive
// from the network, so the arithmetic wraps around at the ends of int64 instead of overflowing
// (a garbage offset gives a garbage answer, never undefined behaviour).
class QueueOffset {
 public:
  using ValueType = std::int64_t;
  constexpr QueueOffset() = default;
  constexpr explicit QueueOffset(std::int64_t value) : value_(value) {}

  // The number, for wire fields, JSON and arithmetic this class does not offer.
  [[nodiscard]] constexpr std::int64_t value() const { return value_; }
  // The offset of the message after this one.
  [[nodiscard]] constexpr QueueOffset next() const { return plus(1); }
  // The offset `count` messages further (earlier when `count` is negative).
  [[nodiscard]] constexpr QueueOffset plus(std::int64_t count) const {
    return QueueOffset(static_cast<std::int64_t>(static_cast<std::uint64_t>(value_)
                                                 + static_cast<std::uint64_t>(count)));
  }
  // The number of messages from `from` to this offset: `from.plus(n) == *this` for the returned
  // n (negative when `from` is further).
  [[nodiscard]] constexpr std::int64_t distanceFrom(QueueOffset from) const {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(value_)
                                     - static_cast<std::uint64_t>(from.value_));
  }
  constexpr auto operator<=>(const QueueOffset&) const = default;

 private:
  std::int64_t value_ = 0;
};

// One message queue of a cluster: (topic, brokerName, queueId). Offsets are per message queue.
// Ordered by (topic, broker_name, queue_id); equal queues of different clusters compare equal, so
// keep clusters apart in the containing structure (or use model::SourceQueue/DestinationQueue).
struct MessageQueue {
  std::string topic;
  std::string broker_name;
  QueueId queue_id{0};

  auto operator<=>(const MessageQueue&) const = default;
  bool operator==(const MessageQueue&) const = default;
  // "topic@broker-a#3", for logs and error messages.
  [[nodiscard]] std::string toString() const;
};

// A wall-clock instant as RocketMQ records it: milliseconds since the Unix epoch, UTC. The store
// time the broker stamps on a message (STORETIMESTAMP), the producer's born time
// (BORNTIMESTAMP), the store times stats report and the instants offsets are searched by.
// RocketMQ writes 0 for "none" (an empty queue's last update, an unknown consume time), so the
// default StoreTime is the epoch and known() tells it apart from a real time.
class StoreTime {
 public:
  using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

  constexpr StoreTime() = default;
  constexpr explicit StoreTime(TimePoint time) : time_(time) {}
  [[nodiscard]] static constexpr StoreTime fromMillis(std::int64_t millis) {
    return StoreTime(TimePoint(std::chrono::milliseconds(millis)));
  }

  // Milliseconds since the epoch, for wire fields and JSON.
  [[nodiscard]] constexpr std::int64_t millis() const { return time_.time_since_epoch().count(); }
  [[nodiscard]] constexpr TimePoint timePoint() const { return time_; }
  // False for RocketMQ's "none" (0) and for anything before the epoch.
  [[nodiscard]] constexpr bool known() const { return millis() > 0; }
  // RFC 3339 UTC with milliseconds, "2025-06-01T10:00:00.123Z". A time that is not known() is
  // written as its millisecond count ("0"), so logs never show a made-up 1970 date.
  [[nodiscard]] std::string toString() const;

  constexpr auto operator<=>(const StoreTime&) const = default;

 private:
  TimePoint time_{};
};

}  // namespace ferry

template <>
struct std::hash<ferry::QueueOffset> {
  std::size_t operator()(const ferry::QueueOffset& v) const noexcept {
    return std::hash<std::int64_t>{}(v.value());
  }
};

template <>
struct std::hash<ferry::MessageQueue> {
  std::size_t operator()(const ferry::MessageQueue& mq) const noexcept;
};

template <>
struct fmt::formatter<ferry::QueueOffset> : fmt::formatter<std::int64_t> {
  auto format(const ferry::QueueOffset& v, fmt::format_context& ctx) const {
    return fmt::formatter<std::int64_t>::format(v.value(), ctx);
  }
};

template <>
struct fmt::formatter<ferry::MessageQueue> : fmt::formatter<std::string_view> {
  auto format(const ferry::MessageQueue& mq, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(mq.toString(), ctx);
  }
};

template <>
struct fmt::formatter<ferry::StoreTime> : fmt::formatter<std::string_view> {
  auto format(const ferry::StoreTime& t, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(t.toString(), ctx);
  }
};
