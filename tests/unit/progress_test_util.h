// A destination queue in memory for the progress tests: one slot per offset, each a message with
// or without an origin stamp, and a minimum offset below which slots count as expired. The
// searches of progress/translation.h are driven against it the way the coroutine around them
// reads a broker, and every read is recorded (no offset may be read twice).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/model/origin_stamp.h"
#include "ferry/progress/translation.h"

namespace ferry::progress::testsupport {

inline model::SourceQueue sourceQueue(int id, std::string topic = "orders") {
  return {std::move(topic), "broker-a", QueueId(id)};
}

inline model::OriginStamp stampOf(const std::string& cluster, const model::SourceQueue& queue,
                                  std::int64_t offset) {
  return model::OriginStamp{cluster, queue, model::SourceOffset(QueueOffset(offset)),
                            StoreTime::fromMillis(1700000000000 + offset)};
}

inline model::SourceOffset so(std::int64_t v) {
  return model::SourceOffset(QueueOffset(v));
}
inline model::DestinationOffset dof(std::int64_t v) {
  return model::DestinationOffset(QueueOffset(v));
}

struct FakeDestinationQueue {
  std::int64_t min = 0;
  std::vector<std::optional<model::OriginStamp>> slots;  // slot i is offset i

  [[nodiscard]] std::int64_t max() const { return static_cast<std::int64_t>(slots.size()); }
  void add(const std::string& cluster, const model::SourceQueue& queue, std::int64_t offset) {
    slots.emplace_back(stampOf(cluster, queue, offset));
  }
  void addForeign(std::int64_t count = 1) {
    for (std::int64_t i = 0; i < count; ++i) {
      slots.emplace_back(std::nullopt);
    }
  }
  [[nodiscard]] Probe read(std::int64_t offset) const {
    if (offset < min) {
      return Probe::expired();
    }
    const auto& slot = slots.at(static_cast<std::size_t>(offset));
    return slot ? Probe::stamped(*slot) : Probe::unstamped();
  }
};

// Drives `search` (ForwardSearch or ReverseSearch) to the end against `queue`. `before_read` may
// change the queue (expire its head) before each read. Fails the test when an offset is read
// twice (unless `allow_rereads`: a search that saw messages expire re-checks its candidate) or a
// feed is refused.
template <class Search>
std::int64_t drive(Search& search, FakeDestinationQueue& queue,
                   const std::function<void(std::int64_t reads)>& before_read = {},
                   bool allow_rereads = false) {
  std::set<std::int64_t> seen;
  std::int64_t reads = 0;
  while (auto probe = search.nextProbe()) {
    const std::int64_t offset = probe->value();
    EXPECT_TRUE(seen.insert(offset).second || allow_rereads)
        << "offset " << offset << " read twice";
    EXPECT_GE(offset, 0);
    EXPECT_LT(offset, queue.max());
    if (before_read) {
      before_read(reads);
    }
    auto fed = search.feed(*probe, queue.read(offset));
    EXPECT_TRUE(fed) << fed.error().toString();
    ++reads;
    if (reads > queue.max() + 1) {
      ADD_FAILURE() << "search does not end";
      break;
    }
  }
  return reads;
}

}  // namespace ferry::progress::testsupport
