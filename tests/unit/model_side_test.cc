// Side-tagged offsets and queues (model/side.h): the two sides do not mix, conversions are
// explicit, and the arithmetic the engines use.
#include <type_traits>
#include <unordered_set>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "ferry/model/side.h"

namespace ferry::model {
namespace {

TEST(ModelSide, DestinationOffsetIsNotASourceOffset) {
  EXPECT_FALSE((std::is_convertible_v<DestinationOffset, SourceOffset>));
  EXPECT_FALSE((std::is_constructible_v<SourceOffset, DestinationOffset>));
  EXPECT_FALSE((std::is_assignable_v<SourceOffset&, DestinationOffset>));
  EXPECT_FALSE((std::is_convertible_v<SourceOffset, DestinationOffset>));
  EXPECT_FALSE((std::is_assignable_v<DestinationOffset&, SourceOffset>));
}

TEST(ModelSide, OffsetsConvertFromQueueOffsetOnlyExplicitly) {
  EXPECT_TRUE((std::is_constructible_v<SourceOffset, QueueOffset>));
  EXPECT_FALSE((std::is_convertible_v<QueueOffset, SourceOffset>));
  EXPECT_FALSE((std::is_assignable_v<SourceOffset&, QueueOffset>));
  EXPECT_FALSE((std::is_convertible_v<SourceOffset, QueueOffset>));
  EXPECT_FALSE((std::is_constructible_v<QueueOffset, SourceOffset>));
  EXPECT_FALSE((std::is_constructible_v<SourceOffset, std::int64_t>));
  EXPECT_FALSE((std::is_convertible_v<std::int64_t, DestinationOffset>));
}

TEST(ModelSide, QueuesOfTheTwoSidesDoNotMix) {
  EXPECT_FALSE((std::is_convertible_v<DestinationQueue, SourceQueue>));
  EXPECT_FALSE((std::is_constructible_v<SourceQueue, DestinationQueue>));
  EXPECT_FALSE((std::is_assignable_v<SourceQueue&, DestinationQueue>));
  EXPECT_FALSE((std::is_convertible_v<MessageQueue, SourceQueue>));
  EXPECT_TRUE((std::is_constructible_v<SourceQueue, MessageQueue>));
}

TEST(ModelSide, OffsetArithmetic) {
  const SourceOffset a(QueueOffset(41));
  EXPECT_EQ(a.next().value(), 42);
  EXPECT_EQ(a.plus(9).value(), 50);
  EXPECT_EQ(a.plus(9).distanceFrom(a), 9);
  EXPECT_EQ(a.distanceFrom(a.plus(9)), -9);
  EXPECT_LT(a, a.next());
  EXPECT_EQ(a.queueOffset(), QueueOffset(41));
  EXPECT_EQ(SourceOffset().value(), 0);
  EXPECT_EQ(fmt::format("{}", a), "41");
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
