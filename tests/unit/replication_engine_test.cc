// TaskEngine and QueuePipeline (replication/task_engine.h, queue_pipeline.h) against an in-memory
// RocketMQ (replication_fakes.h): order per queue across retries, checkpoint only after the
// destination acknowledged, start positions persisted, OFFSET_MOVED, permanent rejection
// reported, prompt stop, unequal queue counts, echoes and the tag filter.
#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include "ferry/replication/pipeline_rules.h"
#include "ferry/replication/task_engine.h"
#include "support/replication_fakes.h"

namespace ferry::replication {
namespace {

using testing::FakeBroker;
using testing::FakeNameServer;
using testing::Received;

const std::map<std::string, std::string> kSourceBroker{{"broker-a", "10.0.0.1:10911"}};
const std::map<std::string, std::string> kDestinationBroker{{"broker-b", "10.0.1.1:10911"}};

rocketmq::ClusterSpec clusterConfig(std::string name) {
  rocketmq::ClusterSpec c;
  c.name = std::move(name);
  c.name_servers = {"ns:9876"};
  return c;
}

MessageQueue dstQueue(int id) {
  return MessageQueue{"orders", "broker-b", QueueId(id)};
}

MessageQueue srcQueue(int id, std::string topic = "orders") {
  return MessageQueue{std::move(topic), "broker-a", QueueId(id)};
}

codec::Properties props(const std::string& id, const std::string& tag = "paid") {
  return codec::Properties{{"TAGS", tag}, {"KEYS", "k-" + id}, {"UNIQ_KEY", id}, {"color", "blue"}};
}

struct World {
  rocketmq::FakeTransport transport;
  FakeNameServer src_ns{transport};
  FakeNameServer dst_ns{transport};
  FakeBroker src;
  FakeBroker dst;
  rocketmq::Cluster source{clusterConfig("east"), src_ns, src, src};
  rocketmq::Cluster destination{clusterConfig("west"), dst_ns, dst, dst};
  asio::io_context io;

  World(int src_queues = 4, int dst_queues = 4) {
    src_ns.setTopic("orders", kSourceBroker, src_queues);
    dst_ns.setTopic("orders", kDestinationBroker, dst_queues);
    dst_ns.addBroker("broker-b", "10.0.1.1:10911");
  }

  TaskSpec spec() const {
    TaskSpec s;
    s.name = "t1";
    s.source_cluster = "east";
    s.destination_cluster = "west";
    s.group = "ferry-t1";
    TopicSpec topic;
    topic.source = "orders";
    topic.destination = "orders";
    s.topics = {topic};
    s.pipeline.pull_suspend = std::chrono::milliseconds(20);
    s.pipeline.retry_initial = std::chrono::milliseconds(1);
    s.pipeline.retry_max = std::chrono::milliseconds(4);
    s.pipeline.blocked_retry = std::chrono::milliseconds(10);
    s.pipeline.commit_interval = std::chrono::milliseconds(5);
    return s;
  }

  // Runs `engine` until `done()` holds (or 5 s pass), then stops it; true when run() returned.
  template <class Pred>
  bool runUntil(TaskEngine& engine, Pred done,
                std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    bool finished = false;
    asio::co_spawn(io, engine.run(), [&finished](const std::exception_ptr&) { finished = true; });
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds(2));
    }
    engine.requestStop();
    const auto stop_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!finished && std::chrono::steady_clock::now() < stop_deadline) {
      io.run_for(std::chrono::milliseconds(2));
    }
    return finished;
  }
};

std::int64_t committed(World& w, const MessageQueue& q) {
  const auto it = w.src.committed.find({"ferry-t1", q});
  return it == w.src.committed.end() ? -1 : it->second;
}

// Per destination queue, the (source queue id, source offset) sequence must be increasing for
// every source queue, without gaps or repeats when `contiguous`.
void expectOrdered(const FakeBroker& dst, bool contiguous = true) {
  for (const auto& [mq, messages] : dst.received) {
    std::map<std::string, std::int64_t> last;
    for (const Received& r : messages) {
      const std::string qid = r.prop("FERRY_SRC_QID");
      const std::int64_t offset = r.srcOffset();
      const auto it = last.find(qid);
      if (it != last.end()) {
        if (contiguous) {
          EXPECT_EQ(offset, it->second + 1) << mq.toString() << " source queue " << qid;
        } else {
          EXPECT_GT(offset, it->second) << mq.toString() << " source queue " << qid;
        }
      }
      last[qid] = offset;
    }
  }
}

TEST(ReplicationEngine, ReplicatesEveryMessageInOrderAndCommitsTheCheckpoint) {
  World w;
  for (int q = 0; q < 4; ++q) {
    for (int i = 0; i < 100; ++i) {
      w.src.append(srcQueue(q), props(fmt::format("id-{}-{}", q, i)),
                   fmt::format("body {} {}", q, i));
    }
  }
  TaskEngine engine(w.spec(), w.source, w.destination, w.io.get_executor());
  ASSERT_TRUE(w.runUntil(engine, [&] { return w.dst.receivedCount() == 400; }));
  EXPECT_EQ(w.dst.receivedCount(), 400U);
  expectOrdered(w.dst);
  for (int q = 0; q < 4; ++q) {
    const MessageQueue dq{"orders", "broker-b", QueueId(q)};
    ASSERT_EQ(w.dst.received[dq].size(), 100U) << dq.toString();
    const Received& first = w.dst.received[dq].front();
    EXPECT_EQ(first.message.body, fmt::format("body {} 0", q));
    EXPECT_EQ(first.prop("UNIQ_KEY"), fmt::format("id-{}-0", q));
    EXPECT_EQ(first.prop("KEYS"), fmt::format("k-id-{}-0", q));
    EXPECT_EQ(first.prop("TAGS"), "paid");
    EXPECT_EQ(first.prop("color"), "blue");
    EXPECT_EQ(first.prop("FERRY_SRC_CLUSTER"), "east");
    EXPECT_EQ(first.prop("FERRY_SRC_QID"), std::to_string(q));
    EXPECT_EQ(committed(w, srcQueue(q)), 100) << "checkpoint of queue " << q;
  }
  EXPECT_TRUE(w.src.groups.contains("ferry-t1")) << "the group config must exist for 5.3 commits";
  EXPECT_GT(w.dst.batch_sends, 0) << "a backlog goes in batches";
  const control::TaskStatus status = engine.status();
  EXPECT_EQ(status.state, control::TaskState::kStopped);
  ASSERT_EQ(status.queues.size(), 4U);
  EXPECT_EQ(status.queues[0].checkpoint, 100);
  EXPECT_EQ(status.queues[0].lag_messages, 0);
  EXPECT_EQ(status.queues[0].destination.broker_name, "broker-b");
}

TEST(ReplicationEngine, CheckpointNeverPassesAnUnacknowledgedMessageAcrossRetries) {
  World w(1, 1);
  for (int i = 0; i < 300; ++i) {
    w.src.append(srcQueue(0), props(fmt::format("id-{}", i)), "b");
  }
  for (int i = 0; i < 5; ++i) {
    w.dst.send_failures.push_back(Error{Errc::kConnectionClosed, "dropped", 0, ""});
  }
  w.dst.send_failures.push_back(Error{Errc::kTimeout, "no answer", 0, ""});
  int violations = 0;
  w.src.on_commit = [&](const MessageQueue&, std::int64_t offset) {
    // Every source offset below the committed one must already be in the destination.
    const auto& got = w.dst.received[dstQueue(0)];
    if (static_cast<std::int64_t>(got.size()) < offset) {
      ++violations;
    }
  };
  TaskSpec spec = w.spec();
  spec.pipeline.target_floor = 2000;  // several batches
  spec.pipeline.limits.max_batch_bytes = 4000;
  TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
  ASSERT_TRUE(w.runUntil(engine, [&] { return w.dst.receivedCount() == 300; }));
  EXPECT_EQ(w.dst.receivedCount(), 300U);
  EXPECT_EQ(violations, 0);
  expectOrdered(w.dst);
  EXPECT_TRUE(w.dst.send_failures.empty());
  EXPECT_EQ(committed(w, srcQueue(0)), 300);
  const auto status = engine.status();
  ASSERT_TRUE(status.queues[0].last_error.has_value());
  EXPECT_EQ(status.queues[0].last_error->code, "timeout");
}

TEST(ReplicationEngine, PrefetchPullsWhileABatchIsInFlightAndKeepsTheOrderAcrossRetries) {
  World w(1, 1);
  for (int i = 0; i < 600; ++i) {
    w.src.append(srcQueue(0), props(fmt::format("id-{}", i)), "b");
  }
  for (int i = 0; i < 3; ++i) {
    w.dst.send_failures.push_back(Error{Errc::kConnectionClosed, "dropped", 0, ""});
  }
  w.dst.send_delay = std::chrono::milliseconds(2);
  w.src.sender = &w.dst;
  int violations = 0;
  w.src.on_commit = [&](const MessageQueue&, std::int64_t offset) {
    if (static_cast<std::int64_t>(w.dst.received[dstQueue(0)].size()) < offset) {
      ++violations;
    }
  };
  TaskSpec spec = w.spec();
  spec.pipeline.pull_batch = 8;
  spec.pipeline.target_floor = 2000;  // batches of a few messages: many sends, many pulls
  spec.pipeline.limits.max_batch_bytes = 4000;
  TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
  ASSERT_TRUE(w.runUntil(engine, [&] { return w.dst.receivedCount() == 600; }));
  EXPECT_EQ(w.dst.receivedCount(), 600U);
  expectOrdered(w.dst);  // source order, no gap, no repeat: the failed batches went first
  EXPECT_EQ(violations, 0);
  EXPECT_TRUE(w.dst.send_failures.empty());
  EXPECT_EQ(w.dst.max_sends_in_flight, 1) << "still one send in flight per queue";
  EXPECT_GT(w.src.pulls_while_sending, 0) << "the next messages are pulled during a send";
  EXPECT_EQ(committed(w, srcQueue(0)), 600);
}

TEST(ReplicationEngine, WithoutPrefetchNothingIsPulledDuringASend) {
  World w(1, 1);
  for (int i = 0; i < 200; ++i) {
    w.src.append(srcQueue(0), props(fmt::format("id-{}", i)), "b");
  }
  w.dst.send_delay = std::chrono::milliseconds(2);
  TaskSpec spec = w.spec();
  spec.pipeline.pull_batch = 8;
  spec.pipeline.target_floor = 2000;
  spec.pipeline.limits.max_batch_bytes = 4000;
  spec.pipeline.prefetch = false;
  w.src.sender = &w.dst;
  TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
  ASSERT_TRUE(w.runUntil(engine, [&] { return w.dst.receivedCount() == 200; }));
  expectOrdered(w.dst);
  EXPECT_EQ(w.src.pulls_while_sending, 0);
}

TEST(ReplicationEngine, StartLatestIsPersistedBeforeAnythingIsReplicated) {
  World w(1, 1);
  for (int i = 0; i < 10; ++i) {
    w.src.append(srcQueue(0), props(fmt::format("old-{}", i)), "old");
  }
  TaskSpec spec = w.spec();
  spec.start.kind = StartSpec::Kind::kLatest;
  TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
  bool added = false;
  ASSERT_TRUE(w.runUntil(engine, [&] {
    if (!added && !w.src.explicit_commits.empty()) {
      // The start position was written before any new message arrived.
      EXPECT_EQ(w.src.explicit_commits.front().second, 10);
      for (int i = 0; i < 5; ++i) {
        w.src.append(srcQueue(0), props(fmt::format("new-{}", i)), "new");
      }
      added = true;
    }
    return w.dst.receivedCount() == 5;
  }));
  ASSERT_EQ(w.dst.receivedCount(), 5U);
  EXPECT_EQ(w.dst.received.begin()->second.front().prop("UNIQ_KEY"), "new-0");
  EXPECT_EQ(committed(w, srcQueue(0)), 15);
}

TEST(ReplicationEngine, StartAtTimestampAndResumeFromCommittedOffset) {
  World w(2, 2);
  for (int i = 0; i < 10; ++i) {
    w.src.append(srcQueue(0), props(fmt::format("a-{}", i)), "x", 0, 1000 + i);
    w.src.append(srcQueue(1), props(fmt::format("b-{}", i)), "x", 0, 1000 + i);
  }
  w.src.committed[{"ferry-t1", srcQueue(1)}] = 8;  // queue 1 resumes, queue 0 starts at 1007
  TaskSpec spec = w.spec();
  spec.start.kind = StartSpec::Kind::kTimestamp;
  spec.start.time = StoreTime::fromMillis(1007);
  TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
  ASSERT_TRUE(w.runUntil(engine, [&] { return w.dst.receivedCount() == 5; }));
  const auto& q0 = w.dst.received[dstQueue(0)];
  const auto& q1 = w.dst.received[dstQueue(1)];
  ASSERT_EQ(q0.size(), 3U);
  EXPECT_EQ(q0.front().srcOffset(), 7);
  ASSERT_EQ(q1.size(), 2U);
  EXPECT_EQ(q1.front().srcOffset(), 8);
}

TEST(ReplicationEngine, OffsetMovedFollowsTheBrokerAndCommitsIt) {
  World w(1, 1);
  const MessageQueue q = srcQueue(0);
  w.src.min_offsets[q] = 50;  // offsets below 50 expired
  for (int i = 0; i < 5; ++i) {
    w.src.append(q, props(fmt::format("id-{}", i)), "x");
  }
  w.src.committed[{"ferry-t1", q}] = 3;  // a checkpoint in the expired range
  TaskEngine engine(w.spec(), w.source, w.destination, w.io.get_executor());
  ASSERT_TRUE(w.runUntil(engine, [&] { return w.dst.receivedCount() == 5; }));
  ASSERT_EQ(w.dst.receivedCount(), 5U);
  EXPECT_EQ(w.dst.received.begin()->second.front().srcOffset(), 50);
  EXPECT_EQ(committed(w, q), 55);
}

TEST(ReplicationEngine, PermanentRejectionBlocksTheQueueWithAStatusAndNotOthers) {
  World w(2, 2);
  for (int i = 0; i < 10; ++i) {
    w.src.append(srcQueue(0), props(fmt::format("a-{}", i)), "x");
    w.src.append(srcQueue(1), props(fmt::format("b-{}", i)), "x");
  }
  w.dst.reject_uniq.insert("a-4");
  TaskEngine engine(w.spec(), w.source, w.destination, w.io.get_executor());
  const auto blocked = [&] {
    const auto status = engine.status();
    return status.queues.size() == 2 && status.queues[0].state == control::QueueState::kBlocked
           && w.dst.receivedCount() == 14;
  };
  ASSERT_TRUE(w.runUntil(engine, blocked));
  const auto& q0 = w.dst.received[dstQueue(0)];
  ASSERT_EQ(q0.size(), 4U) << "messages behind the rejected one wait";
  EXPECT_EQ(w.dst.received[dstQueue(1)].size(), 10U);
  EXPECT_EQ(committed(w, srcQueue(0)), 4) << "the checkpoint stays at it";
  const auto status = engine.status();
  ASSERT_TRUE(status.queues[0].last_error.has_value());
  EXPECT_EQ(status.queues[0].last_error->code, "message_illegal");
  EXPECT_NE(status.queues[0].last_error->message.find("source offset 4"), std::string::npos)
      << status.queues[0].last_error->message;
}

TEST(ReplicationEngine, AbandonedRejectionIsReportedAndTheQueueGoesOn) {
  World w(1, 1);
  for (int i = 0; i < 10; ++i) {
    w.src.append(srcQueue(0), props(fmt::format("a-{}", i)), "x");
  }
  w.dst.reject_uniq.insert("a-4");
  TaskSpec spec = w.spec();
  spec.pipeline.abandon_rejected = true;
  TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
  ASSERT_TRUE(w.runUntil(engine, [&] { return w.dst.receivedCount() == 9; }));
  EXPECT_EQ(w.dst.receivedCount(), 9U);
  expectOrdered(w.dst, false);
  const QueuePipeline* p = engine.pipeline(srcQueue(0));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->rejected(), 1U);
  EXPECT_EQ(committed(w, srcQueue(0)), 10);
  ASSERT_TRUE(engine.status().queues[0].last_error.has_value());
}

TEST(ReplicationEngine, TooLargeMessageIsReportedNotSentAndNotSilentlyDropped) {
  World w(1, 1);
  w.src.append(srcQueue(0), props("small-0"), "x");
  w.src.append(srcQueue(0), props("big"), std::string(2000, 'b'));
  w.src.append(srcQueue(0), props("small-1"), "x");
  TaskSpec spec = w.spec();
  spec.pipeline.limits.max_body_size = 1000;  // the destination's maxMessageSize
  spec.pipeline.limits.max_batch_bytes = 1000;
  spec.pipeline.abandon_rejected = true;
  TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
  ASSERT_TRUE(w.runUntil(engine, [&] { return w.dst.receivedCount() == 2; }));
  EXPECT_EQ(engine.pipeline(srcQueue(0))->rejected(), 1U);
  const auto status = engine.status();
  ASSERT_TRUE(status.queues[0].last_error.has_value());
  EXPECT_NE(status.queues[0].last_error->message.find("offset 1"), std::string::npos)
      << status.queues[0].last_error->message;
}

TEST(ReplicationEngine, StopInterruptsALongPollPromptlyAndCommits) {
  World w(1, 1);
  for (int i = 0; i < 3; ++i) {
    w.src.append(srcQueue(0), props(fmt::format("a-{}", i)), "x");
  }
  TaskSpec spec = w.spec();
  spec.pipeline.pull_suspend = std::chrono::seconds(15);
  spec.pipeline.commit_interval = std::chrono::hours(1);  // only the stop writes it
  TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
  bool finished = false;
  asio::co_spawn(w.io, engine.run(), [&finished](const std::exception_ptr&) { finished = true; });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (w.dst.receivedCount() < 3 && std::chrono::steady_clock::now() < deadline) {
    w.io.run_for(std::chrono::milliseconds(2));
  }
  w.io.run_for(std::chrono::milliseconds(20));  // now long-polling
  ASSERT_EQ(w.dst.receivedCount(), 3U);
  const auto stop_at = std::chrono::steady_clock::now();
  engine.requestStop();
  while (!finished && std::chrono::steady_clock::now() < stop_at + std::chrono::seconds(5)) {
    w.io.run_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(finished);
  EXPECT_LT(std::chrono::steady_clock::now() - stop_at, std::chrono::milliseconds(500));
  EXPECT_EQ(committed(w, srcQueue(0)), 3);
}

TEST(ReplicationEngine, UnequalQueueCountsMapSourceIModuloDestinations) {
  World w(4, 2);
  for (int q = 0; q < 4; ++q) {
    for (int i = 0; i < 20; ++i) {
      w.src.append(srcQueue(q), props(fmt::format("{}-{}", q, i)), "x");
    }
  }
  TaskEngine engine(w.spec(), w.source, w.destination, w.io.get_executor());
  ASSERT_TRUE(w.runUntil(engine, [&] { return w.dst.receivedCount() == 80; }));
  for (int d = 0; d < 2; ++d) {
    const auto& got = w.dst.received[dstQueue(d)];
    ASSERT_EQ(got.size(), 40U);
    for (const Received& r : got) {
      EXPECT_EQ(std::stoi(r.prop("FERRY_SRC_QID")) % 2, d);
    }
  }
  expectOrdered(w.dst);
}

TEST(ReplicationEngine, EchoesAndFilteredTagsAreSkippedButPassedByTheCheckpoint) {
  World w(1, 1);
  const MessageQueue q = srcQueue(0);
  w.src.append(q, props("a", "paid"), "x");
  codec::Properties echo = props("e", "paid");
  echo.set("FERRY_SRC_CLUSTER", "west");  // came from the destination
  w.src.append(q, echo, "x");
  w.src.append(q, props("b", "refunded"), "x");
  w.src.append(q, props("c", "other"), "x");
  w.src.append(q, props("d", "paid"), "x");
  TaskSpec spec = w.spec();
  spec.topics[0].tags = "paid || refunded";
  TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
  ASSERT_TRUE(
      w.runUntil(engine, [&] { return w.dst.receivedCount() == 3 && committed(w, q) == 5; }));
  std::vector<std::string> ids;
  for (const Received& r : w.dst.received.begin()->second) {
    ids.push_back(r.prop("UNIQ_KEY"));
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(committed(w, q), 5);
}

TEST(ReplicationEngine, MissingDestinationTopicIsCreatedOrReported) {
  {
    World w(4, 4);
    w.dst_ns.routes.erase("orders");
    w.dst.on_create_topic = [&](const codec::TopicConfig& c) {
      w.dst_ns.setTopic(c.topic_name, kDestinationBroker, c.write_queue_nums);
    };
    w.src.append(srcQueue(2), props("x"), "x");
    TaskEngine engine(w.spec(), w.source, w.destination, w.io.get_executor());
    ASSERT_TRUE(w.runUntil(engine, [&] { return w.dst.receivedCount() == 1; }));
    ASSERT_EQ(w.dst.created_topics.size(), 1U);
    EXPECT_EQ(w.dst.created_topics[0].read_queue_nums, 4);
    EXPECT_EQ(w.dst.received.begin()->first.queue_id, QueueId(2));
  }
  {
    World w(4, 4);
    w.dst_ns.routes.erase("orders");
    TaskSpec spec = w.spec();
    spec.create_missing_topics = false;
    TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
    ASSERT_TRUE(w.runUntil(engine, [&] { return engine.status().last_error.has_value(); }));
    const auto status = engine.status();
    ASSERT_TRUE(status.last_error.has_value());
    EXPECT_NE(status.last_error->message.find("destination topic orders missing"),
              std::string::npos)
        << status.last_error->message;
    EXPECT_TRUE(status.queues.empty());
    EXPECT_TRUE(w.dst.created_topics.empty());
  }
}

TEST(ReplicationEngine, AddedSourceQueueIsPickedUpAndRemappedQueueRestarts) {
  World w(2, 2);
  TaskSpec spec = w.spec();
  spec.route_refresh = std::chrono::milliseconds(10);
  for (int q = 0; q < 2; ++q) {
    w.src.append(srcQueue(q), props(fmt::format("{}-0", q)), "x");
  }
  TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
  bool grown = false;
  ASSERT_TRUE(w.runUntil(engine, [&] {
    if (!grown && w.dst.receivedCount() == 2) {
      w.src_ns.setTopic("orders", kSourceBroker, 3);
      w.dst_ns.setTopic("orders", kDestinationBroker, 3);
      w.src.append(srcQueue(2), props("2-0"), "x");
      grown = true;
    }
    return grown && w.dst.receivedCount() == 3;
  }));
  EXPECT_EQ(w.dst.received[dstQueue(2)].size(), 1U);
  EXPECT_EQ(engine.status().queues.size(), 3U);
}

TEST(ReplicationEngine, QueueAddedWhileALatestTaskRunsStartsAtItsEarliestOffset) {
  World w(1, 1);
  TaskSpec spec = w.spec();
  spec.start.kind = StartSpec::Kind::kLatest;
  spec.route_refresh = std::chrono::milliseconds(10);
  w.src.append(srcQueue(0), props("before-start"), "x");
  TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
  bool grown = false;
  ASSERT_TRUE(w.runUntil(engine, [&] {
    if (!grown && !w.src.explicit_commits.empty()) {
      // Written after the task started, before the next route refresh sees the new queue.
      w.src_ns.setTopic("orders", kSourceBroker, 2);
      w.src.append(srcQueue(1), props("new-queue-0"), "x");
      w.src.append(srcQueue(1), props("new-queue-1"), "x");
      grown = true;
    }
    return grown && w.dst.receivedCount() == 2;
  }));
  // Source queue 1 maps onto the only destination queue; queue 0's old message stays behind.
  const auto& received = w.dst.received[dstQueue(0)];
  ASSERT_EQ(received.size(), 2U);
  EXPECT_EQ(received[0].prop("UNIQ_KEY"), "new-queue-0");
  EXPECT_EQ(received[1].prop("UNIQ_KEY"), "new-queue-1");
  EXPECT_EQ(committed(w, srcQueue(0)), 1);
}

TEST(ReplicationEngine, RestartedLatestTaskStartsQueuesTheTopicGainedMeanwhileAtEarliest) {
  World w(2, 1);
  w.src.append(srcQueue(0), props("replicated-before"), "x");
  w.src.committed[{"ferry-t1", srcQueue(0)}] =
      1;  // the task ran before, when queue 1 did not exist
  w.src.append(srcQueue(1), props("gained-0"), "x");
  w.src.append(srcQueue(1), props("gained-1"), "x");
  TaskSpec spec = w.spec();
  spec.start.kind = StartSpec::Kind::kLatest;
  TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
  ASSERT_TRUE(w.runUntil(engine, [&] { return w.dst.receivedCount() == 2; }));
  const auto& received = w.dst.received[dstQueue(0)];
  ASSERT_EQ(received.size(), 2U);
  EXPECT_EQ(received[0].prop("UNIQ_KEY"), "gained-0");
  EXPECT_EQ(received[1].prop("UNIQ_KEY"), "gained-1");
}

TEST(ReplicationEngine, NewLatestTaskLeavesEveryQueuesBacklogBehind) {
  World w(2, 1);
  w.src.append(srcQueue(0), props("old-0"), "x");
  w.src.append(srcQueue(1), props("old-1"), "x");
  TaskSpec spec = w.spec();
  spec.start.kind = StartSpec::Kind::kLatest;
  TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
  ASSERT_TRUE(w.runUntil(engine, [&] { return w.src.explicit_commits.size() == 2; }));
  EXPECT_EQ(w.dst.receivedCount(), 0U);
  EXPECT_EQ(committed(w, srcQueue(0)), 1);
  EXPECT_EQ(committed(w, srcQueue(1)), 1);
}

TEST(ReplicationEngineRules, StartForQueueAddedWhileRunning) {
  const StartSpec latest{StartSpec::Kind::kLatest, StoreTime()};
  const StartSpec at{StartSpec::Kind::kTimestamp, StoreTime::fromMillis(1234)};
  EXPECT_EQ(startForQueue(latest, false).kind, StartSpec::Kind::kLatest);
  EXPECT_EQ(startForQueue(latest, true).kind, StartSpec::Kind::kEarliest);
  EXPECT_EQ(startForQueue(at, true).kind, StartSpec::Kind::kTimestamp);
  EXPECT_EQ(startForQueue(at, true).time, StoreTime::fromMillis(1234));
  EXPECT_EQ(startForQueue(StartSpec{}, true).kind, StartSpec::Kind::kEarliest);
}

TEST(ReplicationEngine, InvalidSpecFailsTheTask) {
  World w;
  TaskSpec spec = w.spec();
  spec.topics[0].tags = "a || *";
  EXPECT_FALSE(validateTaskSpec(spec));
  TaskEngine engine(spec, w.source, w.destination, w.io.get_executor());
  ASSERT_TRUE(w.runUntil(
      engine, [] { return false; }, std::chrono::milliseconds(50)));
  EXPECT_EQ(engine.status().state, control::TaskState::kFailed);
}

// ---- pure rules ----

TEST(ReplicationPipelineRules, SendFailures) {
  EXPECT_EQ(classifySendFailure(Error{Errc::kMessageIllegal, "m", 13, ""}), SendFailure::kRejected);
  EXPECT_EQ(classifySendFailure(Error{Errc::kNoPermission, "m", 16, ""}), SendFailure::kRejected);
  EXPECT_EQ(classifySendFailure(Error{Errc::kStoredButNotFlushed, "m", 10, ""}),
            SendFailure::kStored);
  EXPECT_EQ(classifySendFailure(Error{Errc::kTimeout, "m", 0, ""}), SendFailure::kRetry);
  EXPECT_EQ(classifySendFailure(Error{Errc::kBusy, "m", 2, ""}), SendFailure::kRetry);
  EXPECT_TRUE(routeMayBeStale(Error{Errc::kConnectFailed, "m", 0, ""}));
  EXPECT_FALSE(routeMayBeStale(Error{Errc::kBusy, "m", 2, ""}));
  // Refused credentials refuse every message alike: the queue retries with the error as its
  // status (an operator fixes the key or the broker's ACL), it does not hunt for a culprit.
  EXPECT_EQ(classifySendFailure(Error{Errc::kAuthFailed, "m", 16, "check signature failed."}),
            SendFailure::kRetry);
}

TEST(ReplicationPipelineRules, ErrorsNameTheirCluster) {
  const Error e = inCluster(Error{Errc::kAuthFailed, "send to 127.0.0.1:10911", 16, "r"}, "west");
  EXPECT_EQ(e.message, "cluster 'west': send to 127.0.0.1:10911");
  EXPECT_EQ(e.code, Errc::kAuthFailed);
  EXPECT_EQ(e.remote_remark, "r");
  EXPECT_EQ(inCluster(e, "west").message, e.message);  // named once
  EXPECT_EQ(inCluster(e, "east").message, "cluster 'east': " + e.message);
}

TEST(ReplicationPipelineRules, NextStep) {
  EXPECT_EQ(nextStep(0, 0, false, 1000, 5000), NextStep::kPullWait);
  EXPECT_EQ(nextStep(0, 0, true, 1000, 5000), NextStep::kPullMore);
  EXPECT_EQ(nextStep(3, 500, true, 1000, 5000), NextStep::kPullMore);
  EXPECT_EQ(nextStep(3, 1500, true, 1000, 5000), NextStep::kSend);
  EXPECT_EQ(nextStep(3, 500, false, 1000, 5000), NextStep::kSend);
  EXPECT_EQ(nextStep(3, 500, true, 1000, 400), NextStep::kSend);
}

TEST(ReplicationPipelineRules, CommitTiming) {
  using std::chrono::milliseconds;
  EXPECT_FALSE(shouldCommitNow(false, true, milliseconds(0), milliseconds(10)));
  EXPECT_TRUE(shouldCommitNow(true, true, milliseconds(0), milliseconds(10)));
  EXPECT_FALSE(shouldCommitNow(true, false, milliseconds(5), milliseconds(10)));
  EXPECT_TRUE(shouldCommitNow(true, false, milliseconds(10), milliseconds(10)));
}

TEST(ReplicationPipelineRules, LinkEstimatorLearnsRoundTripAndBandwidth) {
  LinkEstimator link;
  EXPECT_EQ(link.bandwidthBytesPerSecond(), 0);
  link.observe(1000, std::chrono::microseconds(50'000));       // small: the round trip
  link.observe(1'000'000, std::chrono::microseconds(60'000));  // 1 MB in 10 ms beyond it
  EXPECT_EQ(link.roundTrip(), std::chrono::microseconds(50'000 + 10'000 / 16));
  // 1 MB over a transfer time of max(9.4 ms, rtt / 4 = 12.7 ms): about 79 MB/s.
  EXPECT_GT(link.bandwidthBytesPerSecond(), 50e6);
  EXPECT_LT(link.bandwidthBytesPerSecond(), 200e6);
  // The round trip dominates: the next batch may be 4x this one (1 MB -> ~4 MB).
  const auto target = targetBatchBytes(link.bandwidthBytesPerSecond(), link.roundTrip(), 256 * 1024,
                                       16 * 1024 * 1024);
  EXPECT_NEAR(static_cast<double>(target), 4e6, 1e4);
  // A 4 MB send taking 40 ms beyond the round trip: 100 MB/s x ~52 ms, about 5.2 MB.
  link.observe(4'000'000, std::chrono::microseconds(90'000));
  EXPECT_NEAR(link.bandwidthBytesPerSecond(), 4e6 / 0.0376, 2e6);
}

TEST(ReplicationPipelineRules, LagAndRate) {
  const auto src = [](std::int64_t n) {
    return model::SourceOffset(QueueOffset(n));
  };
  const auto at = [](std::int64_t ms) {
    return StoreTime::fromMillis(ms);
  };
  EXPECT_EQ(lagMessages(src(10), src(12)), 0);
  EXPECT_EQ(lagMessages(src(12), src(10)), 2);
  EXPECT_EQ(lagSeconds(0, std::nullopt, at(5000)), 0.0);
  EXPECT_EQ(lagSeconds(3, std::nullopt, at(5000)), std::nullopt);
  EXPECT_EQ(lagSeconds(3, at(2000), at(5000)), 3.0);
  EXPECT_EQ(lagSeconds(3, at(2500), at(5000)), 2.5);
  EXPECT_EQ(lagSeconds(3, at(6000), at(5000)), 0.0);  // clocks disagree: never negative
  RateWindow rate(std::chrono::seconds(60));
  const auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  EXPECT_EQ(rate.perSecond(t0, 0), 0);
  rate.sample(t0, 0);
  rate.sample(t0 + std::chrono::seconds(10), 1000);
  EXPECT_DOUBLE_EQ(rate.perSecond(t0 + std::chrono::seconds(10), 1000), 100.0);
  EXPECT_DOUBLE_EQ(rate.perSecond(t0 + std::chrono::seconds(20), 1000), 50.0);
}

TEST(ReplicationEngineRules, CreatedQueuesPerBroker) {
  EXPECT_EQ(createdQueuesPerBroker(8, 1), 8);
  EXPECT_EQ(createdQueuesPerBroker(16, 2), 8);
  EXPECT_EQ(createdQueuesPerBroker(9, 2), 5);
  EXPECT_EQ(createdQueuesPerBroker(0, 2), 1);
}

}  // namespace
}  // namespace ferry::replication
