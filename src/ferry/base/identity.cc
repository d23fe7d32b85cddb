#include "ferry/base/identity.h"

#include <chrono>

namespace ferry {

std::string MessageQueue::toString() const {
  return fmt::format("{}@{}#{}", topic, broker_name, queue_id);
}

std::string StoreTime::toString() const {
  using namespace std::chrono;
  // 9999-12-31T23:59:59.999Z: beyond it RFC 3339 has no four-digit year (and a garbage
  // timestamp from a peer must not reach the calendar arithmetic's overflow).
  constexpr std::int64_t kLastRfc3339Millis = 253402300799999;
  if (!known() || millis() > kLastRfc3339Millis) {
    return fmt::format("{}", millis());
  }
  const auto day = floor<days>(time_);
  const year_month_day date(day);
  const hh_mm_ss time(time_ - day);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count(),
                     time.subseconds().count());
}

}  // namespace ferry

std::size_t std::hash<ferry::MessageQueue>::operator()(
    const ferry::MessageQueue& mq) const noexcept {
  std::size_t h = std::hash<std::string>{}(mq.topic);
  h ^= std::hash<std::string>{}(mq.broker_name) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= std::hash<ferry::QueueId>{}(mq.queue_id) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}
