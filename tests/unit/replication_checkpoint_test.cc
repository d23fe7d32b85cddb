// Checkpoint rule (replication/checkpoint.h): commit only after acknowledgement, skipped messages
// need no send, errors leave the state unchanged, and a randomized run never lets the checkpoint
// pass an unacknowledged message.
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/replication/checkpoint.h"

namespace ferry::replication {
namespace {

using model::SourceOffset;

SourceOffset at(std::int64_t v) {
  return SourceOffset(QueueOffset(v));
}
std::vector<SourceOffset> offsets(std::initializer_list<std::int64_t> values) {
  std::vector<SourceOffset> out;
  for (auto v : values) {
    out.push_back(at(v));
  }
  return out;
}

TEST(ReplicationCheckpoint, AdvancesOnlyAfterAcknowledgement) {
  QueueCheckpoint cp(at(10));
  EXPECT_EQ(cp.checkpoint(), at(10));
  EXPECT_EQ(cp.pendingCommit(), std::nullopt) << "the start is already committed";
  ASSERT_TRUE(cp.recordPull(offsets({10, 11, 12}), at(13)));
  EXPECT_EQ(cp.nextPull(), at(13));
  EXPECT_EQ(cp.checkpoint(), at(10));
  ASSERT_TRUE(cp.beginBatch(2));
  EXPECT_EQ(cp.inFlight(), 2U);
  EXPECT_EQ(cp.unsent(), 1U);
  EXPECT_EQ(cp.checkpoint(), at(10)) << "in flight is not done";
  ASSERT_TRUE(cp.ackBatch());
  EXPECT_EQ(cp.checkpoint(), at(12));
  EXPECT_EQ(cp.pendingCommit(), at(12));
  ASSERT_TRUE(cp.beginBatch(1));
  ASSERT_TRUE(cp.ackBatch());
  EXPECT_EQ(cp.checkpoint(), at(13));
  EXPECT_EQ(cp.acknowledged(), 3U);
}

TEST(ReplicationCheckpoint, SkippedMessagesNeedNoSend) {
  QueueCheckpoint cp(at(10));
  // 10, 11 filtered, 12 to send, 13-14 echoes.
  ASSERT_TRUE(cp.recordPull(offsets({12}), at(15)));
  EXPECT_EQ(cp.checkpoint(), at(12));
  ASSERT_TRUE(cp.beginBatch(1));
  ASSERT_TRUE(cp.ackBatch());
  EXPECT_EQ(cp.checkpoint(), at(15));
  // A pull with nothing to send moves the checkpoint straight to its end.
  ASSERT_TRUE(cp.recordPull({}, at(40)));
  EXPECT_EQ(cp.checkpoint(), at(40));
  EXPECT_EQ(cp.pendingCommit(), at(40));
}

TEST(ReplicationCheckpoint, PullsMayRunAheadOfTheBatchInFlight) {
  QueueCheckpoint cp(at(0));
  ASSERT_TRUE(cp.recordPull(offsets({0, 1}), at(2)));
  ASSERT_TRUE(cp.beginBatch(2));
  ASSERT_TRUE(cp.recordPull(offsets({3, 4}), at(5)));
  EXPECT_EQ(cp.unsent(), 2U);
  ASSERT_TRUE(cp.ackBatch());
  EXPECT_EQ(cp.checkpoint(), at(3)) << "offset 2 was skipped, 3 is not sent yet";
}

TEST(ReplicationCheckpoint, RetryResendsTheSameMessagesFirst) {
  QueueCheckpoint cp(at(5));
  ASSERT_TRUE(cp.recordPull(offsets({5, 6, 7}), at(8)));
  ASSERT_TRUE(cp.beginBatch(2));
  ASSERT_TRUE(cp.retryBatch());
  EXPECT_EQ(cp.inFlight(), 0U);
  EXPECT_EQ(cp.unsent(), 3U);
  EXPECT_EQ(cp.checkpoint(), at(5));
  EXPECT_EQ(cp.pendingCommit(), std::nullopt);
  ASSERT_TRUE(cp.beginBatch(3));
  ASSERT_TRUE(cp.ackBatch());
  EXPECT_EQ(cp.checkpoint(), at(8));
}

TEST(ReplicationCheckpoint, AbandonedBatchIsSettledAndCounted) {
  QueueCheckpoint cp(at(5));
  ASSERT_TRUE(cp.recordPull(offsets({5, 6}), at(7)));
  ASSERT_TRUE(cp.beginBatch(1));
  ASSERT_TRUE(cp.abandonBatch());
  EXPECT_EQ(cp.abandoned(), 1U);
  EXPECT_EQ(cp.acknowledged(), 0U);
  EXPECT_EQ(cp.checkpoint(), at(6));
}

TEST(ReplicationCheckpoint, CommitTracking) {
  QueueCheckpoint cp(at(0));
  ASSERT_TRUE(cp.recordPull(offsets({0}), at(1)));
  ASSERT_TRUE(cp.beginBatch(1));
  ASSERT_TRUE(cp.ackBatch());
  ASSERT_EQ(cp.pendingCommit(), at(1));
  cp.markCommitted(at(1));
  EXPECT_EQ(cp.lastCommitted(), at(1));
  EXPECT_EQ(cp.pendingCommit(), std::nullopt);
  ASSERT_TRUE(cp.recordPull({}, at(9)));
  EXPECT_EQ(cp.pendingCommit(), at(9));
}

TEST(ReplicationCheckpoint, OffsetMovedFollowsTheBroker) {
  QueueCheckpoint cp(at(100));
  ASSERT_TRUE(cp.recordPull(offsets({100, 101}), at(102)));
  ASSERT_TRUE(cp.beginBatch(1));
  auto busy = cp.moveTo(at(50));
  ASSERT_FALSE(busy);
  EXPECT_NE(busy.error().message.find("while 1 messages are in flight"), std::string::npos);
  ASSERT_TRUE(cp.ackBatch());
  ASSERT_TRUE(cp.moveTo(at(50)));
  EXPECT_EQ(cp.unsent(), 0U) << "unsent messages are dropped: they will be pulled again";
  EXPECT_EQ(cp.nextPull(), at(50));
  EXPECT_EQ(cp.checkpoint(), at(50));
  EXPECT_EQ(cp.pendingCommit(), at(50)) << "a lower position must be committed too";
  ASSERT_TRUE(cp.moveTo(at(500)));
  EXPECT_EQ(cp.checkpoint(), at(500));
}

TEST(ReplicationCheckpoint, RefusesInconsistentCallsAndStaysUnchanged) {
  QueueCheckpoint cp(at(10));
  ASSERT_TRUE(cp.recordPull(offsets({10, 12}), at(13)));
  const auto expectError = [&](Result<void> r, std::string_view text) {
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_NE(r.error().message.find(text), std::string::npos) << r.error().message;
    EXPECT_EQ(cp.checkpoint(), at(10));
    EXPECT_EQ(cp.nextPull(), at(13));
    EXPECT_EQ(cp.unsent() + cp.inFlight(), 2U);
  };
  expectError(cp.recordPull(offsets({12}), at(14)), "pulled offset 12 is out of order");
  expectError(cp.recordPull(offsets({14, 14}), at(16)), "pulled offset 14 is out of order");
  expectError(cp.recordPull(offsets({15, 14}), at(16)), "pulled offset 14");
  expectError(cp.recordPull(offsets({16}), at(16)), "outside [13, 16)");
  expectError(cp.recordPull({}, at(12)), "moves the next offset back from 13 to 12");
  expectError(cp.ackBatch(), "no batch is in flight");
  expectError(cp.retryBatch(), "no batch is in flight");
  expectError(cp.abandonBatch(), "no batch is in flight");
  expectError(cp.beginBatch(0), "cannot send 0 messages: 2 are pending");
  expectError(cp.beginBatch(3), "cannot send 3 messages: 2 are pending");
  ASSERT_TRUE(cp.beginBatch(1));
  expectError(cp.beginBatch(1), "a batch of 1 messages from offset 10 is still in flight");
}

// Random pulls (with skipped offsets), batches, acks, retries and commits: the checkpoint never
// passes a message that is not acknowledged, never moves back, and ends at the last pull's end.
TEST(ReplicationCheckpoint, RandomRunsNeverPassAnUnacknowledgedMessage) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    const auto chance = [&](int percent) {
      return std::uniform_int_distribution<int>(0, 99)(rng) < percent;
    };
    QueueCheckpoint cp(at(1000));
    std::set<std::int64_t> unacked;  // sends not yet acknowledged
    std::vector<std::int64_t> in_flight;
    std::vector<std::int64_t> queue;  // the pipeline's pending sends, in order
    SourceOffset last = cp.checkpoint();
    for (int step = 0; step < 2000; ++step) {
      if (chance(40)) {
        std::vector<SourceOffset> to_send;
        std::int64_t o = cp.nextPull().value();
        const int n = std::uniform_int_distribution<int>(0, 8)(rng);
        for (int i = 0; i < n; ++i, ++o) {
          if (chance(70)) {
            to_send.push_back(at(o));
            unacked.insert(o);
            queue.push_back(o);
          }
        }
        ASSERT_TRUE(cp.recordPull(to_send, at(o)));
      } else if (in_flight.empty() && cp.unsent() > 0) {
        const std::size_t n = std::uniform_int_distribution<std::size_t>(1, cp.unsent())(rng);
        ASSERT_TRUE(cp.beginBatch(n));
        in_flight.assign(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(n));
      } else if (!in_flight.empty()) {
        if (chance(30)) {
          ASSERT_TRUE(cp.retryBatch());
        } else {
          ASSERT_TRUE(cp.ackBatch());
          for (auto o : in_flight) {
            unacked.erase(o);
          }
          queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(in_flight.size()));
        }
        in_flight.clear();
      }
      if (auto c = cp.pendingCommit(); c && chance(50)) {
        cp.markCommitted(*c);
      }
      const SourceOffset now = cp.checkpoint();
      ASSERT_GE(now, last) << "seed " << seed << " step " << step;
      if (!unacked.empty()) {
        ASSERT_LE(now.value(), *unacked.begin()) << "seed " << seed << " step " << step;
      } else {
        ASSERT_EQ(now, cp.nextPull()) << "seed " << seed << " step " << step;
      }
      last = now;
    }
  }
}

}  // namespace
}  // namespace ferry::replication
