// Side-tagged offsets and queues: the same RocketMQ value (a queue offset, a message queue) read on
// the source cluster or on the destination cluster of a task.
//
// Offsets of the two clusters are unrelated numbers (docs/replication.md, "Offsets"): a destination
// offset written where a source offset belongs is the bug offset translation exists to prevent, so
// the two sides are distinct types that do not convert into each other or into the untagged
// QueueOffset. Conversions happen at the edges only and are spelled out: `SourceOffset(offset)`
// when a value arrives from the source cluster (a pulled message, a committed offset) and
// `.queueOffset()` when one leaves for the wire. Plain values, no ownership, any thread.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "ferry/base/identity.h"

namespace ferry::model {

struct SourceSide {
  static constexpr std::string_view kName = "source";
};
struct DestinationSide {
  static constexpr std::string_view kName = "destination";
};

// A queue offset of one side: a QueueOffset that knows which cluster it belongs to. The
// arithmetic is QueueOffset's (next, plus, distanceFrom a message count), kept within one side:
// distanceFrom() and the comparisons take an offset of the same side only.
template <class Side>
class SideOffset {
 public:
  constexpr SideOffset() = default;
  constexpr explicit SideOffset(QueueOffset offset) : offset_(offset) {}

  // The untagged offset, for request headers and other edges.
  [[nodiscard]] constexpr QueueOffset queueOffset() const { return offset_; }
  [[nodiscard]] constexpr std::int64_t value() const { return offset_.value(); }
  [[nodiscard]] constexpr SideOffset next() const { return SideOffset(offset_.next()); }
  [[nodiscard]] constexpr SideOffset plus(std::int64_t count) const {
    return SideOffset(offset_.plus(count));
  }
  // Number of offsets from `from` to this one (negative when `from` is further).
  [[nodiscard]] constexpr std::int64_t distanceFrom(SideOffset from) const {
    return offset_.distanceFrom(from.offset_);
  }
  constexpr auto operator<=>(const SideOffset&) const = default;

 private:
  QueueOffset offset_;
};

using SourceOffset = SideOffset<SourceSide>;
using DestinationOffset = SideOffset<DestinationSide>;

// A message queue of one side. Ordered like MessageQueue: (topic, broker_name, queue_id).
template <class Side>
class SideQueue {
 public:
  SideQueue() = default;
  explicit SideQueue(MessageQueue queue) : queue_(std::move(queue)) {}
  SideQueue(std::string topic, std::string broker_name, QueueId queue_id)
      : queue_{std::move(topic), std::move(broker_name), queue_id} {}

  // The untagged queue, for request headers and other edges.
  [[nodiscard]] const MessageQueue& queue() const { return queue_; }
  [[nodiscard]] const std::string& topic() const { return queue_.topic; }
  [[nodiscard]] const std::string& brokerName() const { return queue_.broker_name; }
  [[nodiscard]] QueueId queueId() const { return queue_.queue_id; }
  // "topic@broker-a#3", as MessageQueue::toString().
  [[nodiscard]] std::string toString() const { return queue_.toString(); }

  auto operator<=>(const SideQueue&) const = default;
  bool operator==(const SideQueue&) const = default;

 private:
  MessageQueue queue_;
};

using SourceQueue = SideQueue<SourceSide>;
using DestinationQueue = SideQueue<DestinationSide>;

}  // namespace ferry::model

template <class Side>
struct std::hash<ferry::model::SideOffset<Side>> {
  std::size_t operator()(const ferry::model::SideOffset<Side>& v) const noexcept {
    return std::hash<ferry::QueueOffset>{}(v.queueOffset());
  }
};

template <class Side>
struct std::hash<ferry::model::SideQueue<Side>> {
  std::size_t operator()(const ferry::model::SideQueue<Side>& q) const noexcept {
    return std::hash<ferry::MessageQueue>{}(q.queue());
  }
};

template <class Side>
struct fmt::formatter<ferry::model::SideOffset<Side>> : fmt::formatter<ferry::QueueOffset> {
  auto format(const ferry::model::SideOffset<Side>& v, fmt::format_context& ctx) const {
    return fmt::formatter<ferry::QueueOffset>::format(v.queueOffset(), ctx);
  }
};

template <class Side>
struct fmt::formatter<ferry::model::SideQueue<Side>> : fmt::formatter<std::string_view> {
  auto format(const ferry::model::SideQueue<Side>& q, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(q.toString(), ctx);
  }
};
