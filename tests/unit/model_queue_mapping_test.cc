// Queue mapping (model/queue_mapping.h): sort order, i mod N_dst for equal and unequal counts,
// the inverse, and the lists it refuses.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/model/queue_mapping.h"

namespace ferry::model {
namespace {

SourceQueue src(std::string broker, int id) {
  return SourceQueue("orders", std::move(broker), QueueId(id));
}
DestinationQueue dst(std::string broker, int id) {
  return DestinationQueue("orders-copy", std::move(broker), QueueId(id));
}

TEST(ModelQueueMapping, SortsByBrokerNameThenNumericQueueId) {
  auto m = QueueMapping::build(
      {src("broker-b", 0), src("broker-a", 10), src("broker-a", 9), src("broker-a", 0)},
      {dst("b", 3), dst("b", 2), dst("a", 1), dst("a", 0)});
  ASSERT_TRUE(m) << m.error().toString();
  EXPECT_EQ(m->sources(), (std::vector<SourceQueue>{src("broker-a", 0), src("broker-a", 9),
                                                    src("broker-a", 10), src("broker-b", 0)}));
  EXPECT_EQ(m->destinations(),
            (std::vector<DestinationQueue>{dst("a", 0), dst("a", 1), dst("b", 2), dst("b", 3)}));
  // Equal counts: the i-th source in that order goes to the i-th destination.
  EXPECT_EQ(m->destinationOf(src("broker-a", 0)), dst("a", 0));
  EXPECT_EQ(m->destinationOf(src("broker-a", 9)), dst("a", 1));
  EXPECT_EQ(m->destinationOf(src("broker-a", 10)), dst("b", 2));
  EXPECT_EQ(m->destinationOf(src("broker-b", 0)), dst("b", 3));
  for (const auto& d : m->destinations()) {
    EXPECT_EQ(m->sourcesOf(d).size(), 1U) << d.toString();
  }
  EXPECT_EQ(m->sourcesOf(dst("b", 2)), (std::vector<SourceQueue>{src("broker-a", 10)}));
}

TEST(ModelQueueMapping, TwoBrokersEqualCountsIsABijection) {
  std::vector<SourceQueue> sources;
  std::vector<DestinationQueue> destinations;
  for (int i = 7; i >= 0; --i) {
    sources.push_back(src(i % 2 == 0 ? "broker-a" : "broker-b", i / 2));
    destinations.push_back(dst(i % 2 == 0 ? "dst-a" : "dst-b", i / 2));
  }
  auto m = QueueMapping::build(sources, destinations);
  ASSERT_TRUE(m);
  for (int q = 0; q < 4; ++q) {
    EXPECT_EQ(m->destinationOf(src("broker-a", q)), dst("dst-a", q));
    EXPECT_EQ(m->destinationOf(src("broker-b", q)), dst("dst-b", q));
    EXPECT_EQ(m->sourcesOf(dst("dst-b", q)), (std::vector<SourceQueue>{src("broker-b", q)}));
  }
}

TEST(ModelQueueMapping, FewerDestinationsWrapAround) {
  std::vector<SourceQueue> sources;
  for (int i = 0; i < 8; ++i) {
    sources.push_back(src("broker-a", i));
  }
  auto m = QueueMapping::build(sources, {dst("a", 2), dst("a", 0), dst("a", 1)});
  ASSERT_TRUE(m);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(m->destinationOf(src("broker-a", i)), dst("a", i % 3)) << i;
  }
  EXPECT_EQ(m->sourcesOf(dst("a", 0)),
            (std::vector<SourceQueue>{src("broker-a", 0), src("broker-a", 3), src("broker-a", 6)}));
  EXPECT_EQ(m->sourcesOf(dst("a", 1)),
            (std::vector<SourceQueue>{src("broker-a", 1), src("broker-a", 4), src("broker-a", 7)}));
  EXPECT_EQ(m->sourcesOf(dst("a", 2)),
            (std::vector<SourceQueue>{src("broker-a", 2), src("broker-a", 5)}));
}

TEST(ModelQueueMapping, MoreDestinationsLeaveSomeEmpty) {
  auto m = QueueMapping::build({src("broker-a", 1), src("broker-a", 0)},
                               {dst("a", 0), dst("a", 1), dst("a", 2), dst("a", 3)});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->destinationOf(src("broker-a", 0)), dst("a", 0));
  EXPECT_EQ(m->destinationOf(src("broker-a", 1)), dst("a", 1));
  EXPECT_TRUE(m->sourcesOf(dst("a", 2)).empty());
  EXPECT_TRUE(m->sourcesOf(dst("a", 3)).empty());
}

TEST(ModelQueueMapping, UnknownQueuesMapToNothing) {
  auto m = QueueMapping::build({src("broker-a", 0)}, {dst("a", 0)});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->destinationOf(src("broker-a", 1)), std::nullopt);
  EXPECT_EQ(m->destinationOf(SourceQueue("other", "broker-a", QueueId(0))), std::nullopt);
  EXPECT_TRUE(m->sourcesOf(dst("a", 1)).empty());
  EXPECT_TRUE(m->sourcesOf(DestinationQueue("other", "a", QueueId(0))).empty());
}

TEST(ModelQueueMapping, EmptySourcesGiveAnEmptyMapping) {
  auto m = QueueMapping::build({}, {});
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->sources().empty());
  auto with_destinations = QueueMapping::build({}, {dst("a", 0)});
  ASSERT_TRUE(with_destinations);
  EXPECT_TRUE(with_destinations->sourcesOf(dst("a", 0)).empty());
}

TEST(ModelQueueMapping, RefusesBadLists) {
  const auto expectError = [](const Result<QueueMapping>& m, std::string_view text) {
    ASSERT_FALSE(m) << text;
    EXPECT_EQ(m.error().code, Errc::kInvalidArgument);
    EXPECT_NE(m.error().message.find(text), std::string::npos) << m.error().message;
  };
  expectError(QueueMapping::build({src("broker-a", 0)}, {}), "no destination queue");
  expectError(QueueMapping::build({src("broker-a", 0), SourceQueue("x", "broker-a", QueueId(1))},
                                  {dst("a", 0)}),
              "source queues of one topic mapping mix topics");
  expectError(QueueMapping::build({src("broker-a", 0)}, {dst("a", 0), dst("a", 0)}),
              "destination queue orders-copy@a#0 is listed twice");
  expectError(QueueMapping::build({src("broker-a", 0), src("broker-a", 0)}, {dst("a", 0)}),
              "source queue orders@broker-a#0 is listed twice");
}

}  // namespace
}  // namespace ferry::model
