// Batch planner (replication/batch_planner.h): target size from bandwidth × RTT, the limits, one
// sysFlag per batch, and oversized messages reported with their source position.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/replication/batch_planner.h"

namespace ferry::replication {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// A message whose batch record is exactly `record` bytes (22 fixed + body, no properties).
OutgoingMessage message(std::int64_t offset, std::size_t record, std::int32_t sys_flag = 0,
                        std::string topic = "orders") {
  OutgoingMessage m;
  m.message.topic = std::move(topic);
  m.message.body = std::string(record - 22, 'b');
  m.sys_flag = sys_flag;
  m.source_offset = model::SourceOffset(QueueOffset(offset));
  return m;
}

std::vector<OutgoingMessage> messages(std::size_t n, std::size_t record) {
  std::vector<OutgoingMessage> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(message(100 + static_cast<std::int64_t>(i), record));
  }
  return out;
}

BatchLimits exactLimits() {
  BatchLimits limits;
  limits.per_message_overhead = 0;  // so sizes below are exact
  return limits;
}

TEST(ReplicationBatchPlanner, TargetIsBandwidthTimesRoundTrip) {
  // 10 MB/s × 50 ms = 500 kB.
  EXPECT_EQ(targetBatchBytes(10e6, milliseconds(50), 16 * 1024, 4 << 20), 500000U);
  EXPECT_EQ(targetBatchBytes(10e6, milliseconds(1), 16 * 1024, 4 << 20), 16U * 1024);
  EXPECT_EQ(targetBatchBytes(1e9, milliseconds(100), 16 * 1024, 4 << 20), 4U << 20);
  EXPECT_EQ(targetBatchBytes(0, milliseconds(50), 1000, 5000), 1000U) << "not measured yet";
  EXPECT_EQ(targetBatchBytes(1e6, microseconds(0), 1000, 5000), 1000U);
  EXPECT_EQ(targetBatchBytes(-1, milliseconds(50), 1000, 5000), 1000U);
  EXPECT_EQ(targetBatchBytes(1e300, milliseconds(50), 1000, 5000), 5000U);
}

TEST(ReplicationBatchPlanner, NothingPendingPlansNothing) {
  const BatchPlan plan = planBatch({}, exactLimits(), 1000);
  EXPECT_EQ(plan.kind, BatchPlan::Kind::kEmpty);
  EXPECT_EQ(plan.count, 0U);
}

TEST(ReplicationBatchPlanner, FillsUpToTheTarget) {
  const auto pending = messages(10, 100);
  const BatchPlan plan = planBatch(pending, exactLimits(), 450);
  EXPECT_EQ(plan.kind, BatchPlan::Kind::kBatch);
  EXPECT_EQ(plan.count, 4U);
  EXPECT_EQ(plan.bytes, 400U);
  EXPECT_EQ(plan.first_offset.value(), 100);
  EXPECT_EQ(plan.sys_flag, 0);
  EXPECT_EQ(planBatch(pending, exactLimits(), 400).count, 4U) << "a batch may fill the target";
}

TEST(ReplicationBatchPlanner, PlannedBytesAreTheEncodedBatchBody) {
  std::vector<OutgoingMessage> pending;
  for (int i = 0; i < 5; ++i) {
    OutgoingMessage m = message(i, 50 + i);
    m.message.properties.set("UNIQ_KEY", "U" + std::to_string(i));
    auto encoded = codec::encodeProperties(m.message.properties);
    ASSERT_TRUE(encoded);
    m.properties_size = encoded->size();
    pending.push_back(std::move(m));
  }
  const BatchPlan plan = planBatch(pending, exactLimits(), 1 << 20);
  ASSERT_EQ(plan.kind, BatchPlan::Kind::kBatch);
  ASSERT_EQ(plan.count, 5U);
  std::vector<codec::Message> batch;
  for (const auto& m : pending) {
    batch.push_back(m.message);
  }
  std::string body;
  ASSERT_TRUE(codec::encodeBatch(batch, body));
  EXPECT_EQ(plan.bytes, body.size());
}

TEST(ReplicationBatchPlanner, TheBrokerLimitCapsTheTarget) {
  BatchLimits limits = exactLimits();
  limits.max_batch_bytes = 1000;
  const auto pending = messages(100, 100);
  const BatchPlan plan = planBatch(pending, limits, 1 << 20);
  EXPECT_EQ(plan.kind, BatchPlan::Kind::kBatch);
  EXPECT_EQ(plan.count, 10U);
  EXPECT_EQ(plan.bytes, 1000U);
}

TEST(ReplicationBatchPlanner, PerMessageOverheadCountsAgainstTheLimit) {
  BatchLimits limits = exactLimits();
  limits.max_batch_bytes = 1000;
  limits.per_message_overhead = 150;
  const BatchPlan plan = planBatch(messages(100, 100), limits, 1 << 20);
  EXPECT_EQ(plan.count, 4U);  // 4 × 250 = 1000
  EXPECT_EQ(plan.bytes, 400U) << "bytes are the batch body, without the overhead";
}

TEST(ReplicationBatchPlanner, DefaultOverheadKeepsTheStoredBatchWithinTheBrokerLimit) {
  // 20 000 tiny messages: their batch body is far below 4 MiB, but stored records are ~5x larger.
  const auto pending = messages(20000, 40);
  BatchLimits limits;
  limits.max_messages = 100000;
  const BatchPlan plan = planBatch(pending, limits, limits.max_batch_bytes);
  ASSERT_EQ(plan.kind, BatchPlan::Kind::kBatch);
  // Stored record: 91 fixed (IPv4, 1-byte topic length) + 24 (IPv6 hosts) + 1 (2-byte topic
  // length) + 128 (appended properties), then topic, body and own properties.
  const std::size_t stored_fixed_v6 = 91 + 24 + 1 + 128;
  const std::size_t stored = plan.count * (stored_fixed_v6 + 6 + 18);
  EXPECT_LE(stored, limits.max_batch_bytes);
  EXPECT_LT(plan.count, 20000U);
  EXPECT_EQ(storedGrowthPerMessage(6) + 22, stored_fixed_v6 + 6);
}

TEST(ReplicationBatchPlanner, MaxMessagesLimitsTheCount) {
  BatchLimits limits = exactLimits();
  limits.max_messages = 3;
  EXPECT_EQ(planBatch(messages(10, 100), limits, 1 << 20).count, 3U);
}

TEST(ReplicationBatchPlanner, OneMessageGoesAlone) {
  const auto one = messages(1, 100);
  const BatchPlan plan = planBatch(one, exactLimits(), 1 << 20);
  EXPECT_EQ(plan.kind, BatchPlan::Kind::kSingle);
  EXPECT_EQ(plan.count, 1U);
  EXPECT_EQ(plan.bytes, 78U) << "body bytes";
  // A target below the first message still sends it.
  EXPECT_EQ(planBatch(messages(5, 100), exactLimits(), 10).kind, BatchPlan::Kind::kSingle);
}

TEST(ReplicationBatchPlanner, BatchesNeverMixSysFlags) {
  std::vector<OutgoingMessage> pending = messages(2, 100);
  pending.push_back(message(102, 100, 0x301));
  pending.push_back(message(103, 100, 0x301));
  pending.push_back(message(104, 100, 0x301));
  pending.push_back(message(105, 100));
  BatchPlan plan = planBatch(pending, exactLimits(), 1 << 20);
  EXPECT_EQ(plan.kind, BatchPlan::Kind::kBatch);
  EXPECT_EQ(plan.count, 2U);
  plan = planBatch(std::span(pending).subspan(2), exactLimits(), 1 << 20);
  EXPECT_EQ(plan.kind, BatchPlan::Kind::kBatch);
  EXPECT_EQ(plan.count, 3U);
  EXPECT_EQ(plan.sys_flag, 0x301);
  EXPECT_EQ(plan.first_offset.value(), 102);
}

TEST(ReplicationBatchPlanner, CompressedMessagesCanBeKeptOutOfBatches) {
  BatchLimits limits = exactLimits();
  limits.batch_compressed = false;
  std::vector<OutgoingMessage> pending = {message(1, 100, 0x1), message(2, 100, 0x1)};
  const BatchPlan plan = planBatch(pending, limits, 1 << 20);
  EXPECT_EQ(plan.kind, BatchPlan::Kind::kSingle);
  EXPECT_EQ(plan.sys_flag, 0x1);
  EXPECT_EQ(planBatch(messages(3, 100), limits, 1 << 20).count, 3U) << "plain ones still batch";
}

TEST(ReplicationBatchPlanner, RetryTopicsGetNoBatches) {
  std::vector<OutgoingMessage> pending = {message(1, 100, 0, "%RETRY%g"),
                                          message(2, 100, 0, "%RETRY%g")};
  EXPECT_EQ(planBatch(pending, exactLimits(), 1 << 20).kind, BatchPlan::Kind::kSingle);
}

TEST(ReplicationBatchPlanner, AMessageTooBigForABatchGoesAlone) {
  BatchLimits limits = exactLimits();
  limits.max_batch_bytes = 1000;
  limits.max_body_size = 1000;
  std::vector<OutgoingMessage> pending = {message(7, 1010), message(8, 100)};
  const BatchPlan plan = planBatch(pending, limits, 1 << 20);
  EXPECT_EQ(plan.kind, BatchPlan::Kind::kSingle);
  EXPECT_EQ(plan.count, 1U);
  EXPECT_EQ(plan.bytes, 988U);
}

TEST(ReplicationBatchPlanner, ABodyAboveTheBrokerMaximumIsReportedWithItsPosition) {
  BatchLimits limits = exactLimits();
  limits.max_body_size = 1000;
  std::vector<OutgoingMessage> pending = {message(77, 1023), message(78, 100)};
  const BatchPlan plan = planBatch(pending, limits, 1 << 20);
  EXPECT_EQ(plan.kind, BatchPlan::Kind::kTooLarge);
  EXPECT_EQ(plan.count, 1U);
  EXPECT_EQ(plan.first_offset.value(), 77);
  EXPECT_EQ(plan.bytes, 1001U);
  EXPECT_EQ(plan.reason,
            "body of 1001 bytes exceeds the destination's maximum message size of 1000");
  EXPECT_EQ(batchPlanKindName(plan.kind), "too_large");
  // Once the caller has reported and settled it, the rest plans normally.
  EXPECT_EQ(planBatch(std::span(pending).subspan(1), limits, 1 << 20).kind,
            BatchPlan::Kind::kSingle);
}

}  // namespace
}  // namespace ferry::replication
