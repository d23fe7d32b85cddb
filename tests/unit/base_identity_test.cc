// Identity types (base/identity.h): what does not convert or compare across types (checked at
// compile time, each next to a positive control so a typo cannot make it pass vacuously), the
// offset arithmetic the engines use, and how store times are written.
#include <chrono>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <unordered_set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ferry/base/identity.h"
#include "support/type_concepts.h"

namespace ferry {
namespace {

using ferry::testing::EqualityComparable;
using ferry::testing::HasDistanceFrom;
using ferry::testing::HasPlus;
using ferry::testing::LessComparable;

// A raw number becomes an identity only when spelled out.
static_assert(std::is_constructible_v<QueueOffset, std::int64_t>);
static_assert(!std::is_convertible_v<std::int64_t, QueueOffset>);
static_assert(!std::is_assignable_v<QueueOffset&, std::int64_t>);
static_assert(std::is_constructible_v<QueueId, std::int32_t>);
static_assert(!std::is_convertible_v<std::int32_t, QueueId>);
static_assert(std::is_same_v<decltype(StoreTime::fromMillis(0)), StoreTime>);
static_assert(!std::is_constructible_v<StoreTime, std::int64_t>);
static_assert(!std::is_convertible_v<std::int64_t, StoreTime>);

// ... and never turns back into one implicitly.
static_assert(std::is_same_v<decltype(QueueOffset().value()), std::int64_t>);
static_assert(!std::is_convertible_v<QueueOffset, std::int64_t>);
static_assert(!std::is_convertible_v<StoreTime, std::int64_t>);

// Queue ids, offsets and store times do not mix.
static_assert(!std::is_constructible_v<QueueOffset, QueueId>);
static_assert(!std::is_constructible_v<QueueId, QueueOffset>);
static_assert(!std::is_assignable_v<QueueOffset&, QueueId>);
static_assert(!std::is_constructible_v<QueueOffset, StoreTime>);
static_assert(!std::is_constructible_v<StoreTime, QueueOffset>);
static_assert(LessComparable<QueueOffset, QueueOffset>);
static_assert(!LessComparable<QueueOffset, QueueId>);
static_assert(!LessComparable<QueueOffset, std::int64_t>);
static_assert(EqualityComparable<QueueId, QueueId>);
static_assert(!EqualityComparable<QueueId, QueueOffset>);
static_assert(!EqualityComparable<QueueId, std::int32_t>);
static_assert(LessComparable<StoreTime, StoreTime>);
static_assert(!LessComparable<StoreTime, QueueOffset>);
static_assert(!LessComparable<StoreTime, std::int64_t>);

// Offsets are counted in messages: a count moves an offset, two offsets give a count, and two
// offsets are never added.
static_assert(HasPlus<QueueOffset, std::int64_t>);
static_assert(!HasPlus<QueueOffset, QueueOffset>);
static_assert(HasDistanceFrom<QueueOffset, QueueOffset>);
static_assert(!HasDistanceFrom<QueueOffset, std::int64_t>);
static_assert(std::is_same_v<decltype(QueueOffset().distanceFrom(QueueOffset())), std::int64_t>);

TEST(QueueOffset, CountsMessages) {
  constexpr QueueOffset a(41);
  EXPECT_EQ(a.next(), QueueOffset(42));
  EXPECT_EQ(a.plus(9), QueueOffset(50));
  EXPECT_EQ(a.plus(-41), QueueOffset(0));
  EXPECT_EQ(a.plus(9).distanceFrom(a), 9);
  EXPECT_EQ(a.distanceFrom(a.plus(9)), -9);
  EXPECT_EQ(a.distanceFrom(a), 0);
  EXPECT_EQ(a.plus(a.next().distanceFrom(a)), a.next());
  static_assert(QueueOffset(7).next() == QueueOffset(8), "usable in constant expressions");
}

TEST(QueueOffset, WrapsAtTheEndsInsteadOfOverflowing) {
  // Offsets come from the network; garbage must not be undefined behaviour (UBSan runs these).
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(QueueOffset(kMax).next(), QueueOffset(kMin));
  EXPECT_EQ(QueueOffset(kMin).plus(-1), QueueOffset(kMax));
  EXPECT_EQ(QueueOffset(kMin).distanceFrom(QueueOffset(kMax)), 1);
  EXPECT_EQ(QueueOffset(kMax).distanceFrom(QueueOffset(-1)), kMin);
}

TEST(QueueOffset, OrdersFormatsAndHashes) {
  EXPECT_LT(QueueOffset(-1), QueueOffset(0));
  EXPECT_GT(QueueOffset(std::numeric_limits<std::int64_t>::max()), QueueOffset(0));
  EXPECT_EQ(QueueOffset(), QueueOffset(0));
  EXPECT_EQ(QueueOffset(123).value(), 123);
  EXPECT_EQ(fmt::format("{}", QueueOffset(1234567890123)), "1234567890123");
  EXPECT_EQ(fmt::format("{:>5}", QueueOffset(7)), "    7");
  const std::unordered_set<QueueOffset> set{QueueOffset(1), QueueOffset(1), QueueOffset(2)};
  EXPECT_EQ(set.size(), 2U);
}

TEST(MessageQueue, OrdersByTopicBrokerQueueAndPrints) {
  const MessageQueue q{"orders", "broker-a", QueueId(3)};
  EXPECT_EQ(q.toString(), "orders@broker-a#3");
  EXPECT_EQ(fmt::format("{}", q), "orders@broker-a#3");
  EXPECT_LT(q, (MessageQueue{"orders", "broker-a", QueueId(4)}));
  EXPECT_LT(q, (MessageQueue{"orders", "broker-b", QueueId(0)}));
  EXPECT_LT(q, (MessageQueue{"payments", "broker-a", QueueId(0)}));
  EXPECT_EQ(q, (MessageQueue{"orders", "broker-a", QueueId(3)}));
  const std::unordered_set<MessageQueue> set{q, q, MessageQueue{"orders", "broker-a", QueueId(4)},
                                             MessageQueue{"orders", "broker-b", QueueId(3)}};
  EXPECT_EQ(set.size(), 3U);
}

TEST(StoreTime, MillisRoundTripAndTimePoint) {
  const StoreTime t = StoreTime::fromMillis(1748772000123);
  EXPECT_EQ(t.millis(), 1748772000123);
  EXPECT_EQ(t.timePoint().time_since_epoch(), std::chrono::milliseconds(1748772000123));
  using std::chrono::sys_days;
  using namespace std::chrono_literals;
  const StoreTime from_calendar(sys_days(std::chrono::year(2025) / 6 / 1) + 10h + 123ms);
  EXPECT_EQ(from_calendar, t);
  EXPECT_LT(t, StoreTime::fromMillis(1748772000124));
  EXPECT_EQ(StoreTime(), StoreTime::fromMillis(0));
}

TEST(StoreTime, KnownOnlyAfterTheEpoch) {
  EXPECT_FALSE(StoreTime().known());
  EXPECT_FALSE(StoreTime::fromMillis(-1).known());
  EXPECT_TRUE(StoreTime::fromMillis(1).known());
}

TEST(StoreTime, WritesRfc3339UtcWithMillis) {
  EXPECT_EQ(StoreTime::fromMillis(1748772000123).toString(), "2025-06-01T10:00:00.123Z");
  EXPECT_EQ(fmt::format("{}", StoreTime::fromMillis(1748772000123)), "2025-06-01T10:00:00.123Z");
  EXPECT_EQ(StoreTime::fromMillis(1).toString(), "1970-01-01T00:00:00.001Z");
  EXPECT_EQ(StoreTime::fromMillis(951782400000).toString(), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(StoreTime::fromMillis(253402300799999).toString(), "9999-12-31T23:59:59.999Z");
}

TEST(StoreTime, WritesTimesWithoutADateAsTheirCount) {
  EXPECT_EQ(StoreTime().toString(), "0");
  EXPECT_EQ(StoreTime::fromMillis(-1).toString(), "-1");
  EXPECT_EQ(StoreTime::fromMillis(253402300800000).toString(), "253402300800000");
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(StoreTime::fromMillis(max).toString(), fmt::format("{}", max));
}

}  // namespace
}  // namespace ferry
