// app::taskSpecOf (app/replication_task.h): every key of a configured task reaches the engine's
// TaskSpec, and nothing else changes the engine's defaults.
#include <gtest/gtest.h>

#include "ferry/app/replication_task.h"
#include "ferry/replication/task_engine.h"

namespace ferry::app {
namespace {

control::TaskConfig sampleTask() {
  control::TaskConfig task;
  task.name = "orders-east-west";
  task.source = "east";
  task.destination = "west";
  control::TopicMapping orders;
  orders.source = "orders";
  orders.destination = "orders";
  control::TopicMapping audit;
  audit.source = "audit";
  audit.destination = "audit-copy";
  audit.tags = "paid || refunded";
  task.topics = {orders, audit};
  task.start = *control::parseStartPosition("2026-12-01T00:00:00.250Z");
  task.create_missing_topics = false;
  task.internal_group = "ferry-orders";
  task.batching.max_messages = 100;
  task.batching.max_bytes = 65536;
  task.batching.pull_batch = 16;
  return task;
}

TEST(ReplicationTaskSpec, CarriesEveryConfiguredValue) {
  const replication::TaskSpec spec = taskSpecOf(sampleTask());
  EXPECT_EQ(spec.name, "orders-east-west");
  EXPECT_EQ(spec.source_cluster, "east");
  EXPECT_EQ(spec.destination_cluster, "west");
  ASSERT_EQ(spec.topics.size(), 2U);
  EXPECT_EQ(spec.topics[0].source, "orders");
  EXPECT_EQ(spec.topics[0].destination, "orders");
  EXPECT_EQ(spec.topics[0].tags, "*");
  EXPECT_EQ(spec.topics[1].source, "audit");
  EXPECT_EQ(spec.topics[1].destination, "audit-copy");
  EXPECT_EQ(spec.topics[1].tags, "paid || refunded");
  EXPECT_EQ(spec.start.kind, replication::StartSpec::Kind::kTimestamp);
  EXPECT_EQ(spec.start.time, StoreTime::fromMillis(1796083200250));
  EXPECT_FALSE(spec.create_missing_topics);
  EXPECT_EQ(spec.group, "ferry-orders");
  EXPECT_EQ(spec.pipeline.pull_batch, 16);
  EXPECT_EQ(spec.pipeline.limits.max_messages, 100U);
  EXPECT_EQ(spec.pipeline.limits.max_batch_bytes, 65536U);
  EXPECT_TRUE(replication::validateTaskSpec(spec));
}

TEST(ReplicationTaskSpec, EarliestAndLatest) {
  control::TaskConfig task = sampleTask();
  task.start = *control::parseStartPosition("latest");
  EXPECT_EQ(taskSpecOf(task).start.kind, replication::StartSpec::Kind::kLatest);
  task.start = *control::parseStartPosition("earliest");
  EXPECT_EQ(taskSpecOf(task).start.kind, replication::StartSpec::Kind::kEarliest);
}

TEST(ReplicationTaskSpec, KeepsTheEngineDefaultsForWhatTheConfigDoesNotName) {
  const replication::TaskSpec spec = taskSpecOf(sampleTask());
  const replication::TaskSpec defaults;
  EXPECT_EQ(spec.route_refresh, defaults.route_refresh);
  EXPECT_EQ(spec.pipeline.pull_suspend, defaults.pipeline.pull_suspend);
  EXPECT_EQ(spec.pipeline.commit_interval, defaults.pipeline.commit_interval);
  EXPECT_EQ(spec.pipeline.limits.max_body_size, defaults.pipeline.limits.max_body_size);
}

}  // namespace
}  // namespace ferry::app
