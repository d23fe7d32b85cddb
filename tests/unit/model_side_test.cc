// Side-tagged offsets and queues (model/side.h): the two sides do not mix, conversions are
// explicit, and the arithmetic the engines use.
#include <cstdint>
#include <type_traits>
#include <unordered_set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ferry/model/side.h"
#include "support/type_concepts.h"

namespace ferry::model {
namespace {

using ferry::testing::EqualityComparable;
using ferry::testing::HasDistanceFrom;
using ferry::testing::LessComparable;

// Checked at compile time. Each "does not" stands next to the "does" of the same expression with
// the right type, so an assertion cannot pass just because the expression was ill-formed anyway.

// A destination offset cannot be written where a source offset belongs, nor the other way round.
static_assert(std::is_assignable_v<SourceOffset&, SourceOffset>);
static_assert(!std::is_assignable_v<SourceOffset&, DestinationOffset>);
static_assert(!std::is_assignable_v<DestinationOffset&, SourceOffset>);
static_assert(std::is_convertible_v<SourceOffset, SourceOffset>);
static_assert(!std::is_convertible_v<DestinationOffset, SourceOffset>);
static_assert(!std::is_convertible_v<SourceOffset, DestinationOffset>);
static_assert(!std::is_constructible_v<SourceOffset, DestinationOffset>);
static_assert(!std::is_constructible_v<DestinationOffset, SourceOffset>);
// ... nor compared with or counted from one.
static_assert(LessComparable<SourceOffset, SourceOffset>);
static_assert(!LessComparable<SourceOffset, DestinationOffset>);
static_assert(EqualityComparable<DestinationOffset, DestinationOffset>);
static_assert(!EqualityComparable<DestinationOffset, SourceOffset>);
static_assert(HasDistanceFrom<SourceOffset, SourceOffset>);
static_assert(!HasDistanceFrom<SourceOffset, DestinationOffset>);
static_assert(!HasDistanceFrom<DestinationOffset, SourceOffset>);

// An untagged offset or a raw number gets a side only when spelled out, and a side is dropped
// only through queueOffset().
static_assert(std::is_constructible_v<SourceOffset, QueueOffset>);
static_assert(!std::is_convertible_v<QueueOffset, SourceOffset>);
static_assert(!std::is_assignable_v<SourceOffset&, QueueOffset>);
static_assert(!std::is_convertible_v<SourceOffset, QueueOffset>);
static_assert(!std::is_constructible_v<QueueOffset, SourceOffset>);
static_assert(!std::is_constructible_v<SourceOffset, std::int64_t>);
static_assert(!std::is_convertible_v<std::int64_t, DestinationOffset>);
static_assert(!EqualityComparable<SourceOffset, QueueOffset>);
static_assert(!LessComparable<DestinationOffset, QueueOffset>);
static_assert(std::is_same_v<decltype(SourceOffset().queueOffset()), QueueOffset>);

// The same for queues.
static_assert(std::is_assignable_v<SourceQueue&, SourceQueue>);
static_assert(!std::is_assignable_v<SourceQueue&, DestinationQueue>);
static_assert(!std::is_convertible_v<DestinationQueue, SourceQueue>);
static_assert(!std::is_constructible_v<SourceQueue, DestinationQueue>);
static_assert(!std::is_constructible_v<DestinationQueue, SourceQueue>);
static_assert(EqualityComparable<SourceQueue, SourceQueue>);
static_assert(!EqualityComparable<SourceQueue, DestinationQueue>);
static_assert(std::is_constructible_v<SourceQueue, MessageQueue>);
static_assert(!std::is_convertible_v<MessageQueue, SourceQueue>);
static_assert(!std::is_convertible_v<SourceQueue, MessageQueue>);

TEST(ModelSide, OffsetArithmetic) {
  const SourceOffset a(QueueOffset(41));
  EXPECT_EQ(a.next().value(), 42);
  EXPECT_EQ(a.plus(9).value(), 50);
  EXPECT_EQ(a.plus(9).distanceFrom(a), 9);
  EXPECT_EQ(a.distanceFrom(a.plus(9)), -9);
  EXPECT_EQ(a.plus(-41).queueOffset(), QueueOffset(0));
  EXPECT_LT(a, a.next());
  EXPECT_EQ(a.queueOffset(), QueueOffset(41));
  EXPECT_EQ(SourceOffset().value(), 0);
  EXPECT_EQ(fmt::format("{}", a), "41");
  EXPECT_EQ(std::hash<SourceOffset>{}(a), std::hash<SourceOffset>{}(a.plus(0)));
}

TEST(ModelSide, QueueAccessorsOrderAndHash) {
  const SourceQueue q("orders", "broker-a", QueueId(3));
  EXPECT_EQ(q.topic(), "orders");
  EXPECT_EQ(q.brokerName(), "broker-a");
  EXPECT_EQ(q.queueId(), QueueId(3));
  EXPECT_EQ(q.queue(), (MessageQueue{"orders", "broker-a", QueueId(3)}));
  EXPECT_EQ(fmt::format("{}", q), "orders@broker-a#3");
  EXPECT_LT(q, SourceQueue("orders", "broker-a", QueueId(4)));
  std::unordered_set<SourceQueue> set{q, q, SourceQueue("orders", "broker-b", QueueId(3))};
  EXPECT_EQ(set.size(), 2U);
}

}  // namespace
}  // namespace ferry::model
