// Message sync end to end on the sandbox (replication/task_engine.h): the official Java producer
// writes into an 8-queue source topic (keys, tags, user properties, compressed bodies, a Java
// batch send), a TaskEngine replicates in-process, and the official Java consumer reads both
// sides. Every source message must arrive once on the destination with the same body, keys,
// tags, user properties and msgId, and per destination queue the source offsets (origin stamp)
// must increase.
#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "engine_it_support.h"
#include "ferry/replication/task_engine.h"
#include "it_fixture.h"

namespace ferry::testing {
namespace {

using replication::TaskEngine;
using replication::TaskSpec;

// Properties that legitimately differ between the two sides: added by the consumer after a pull,
// by the storing broker, or Ferry's own stamp.
bool comparedProperty(const std::string& name) {
  static const std::set<std::string> kNotCompared = {"MIN_OFFSET", "MAX_OFFSET",
                                                     "CONSUME_START_TIME", "CLUSTER", "WAIT"};
  return !kNotCompared.contains(name) && !name.starts_with("FERRY_SRC_");
}

std::map<std::string, std::string> comparedProperties(const nlohmann::json& message) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : message["properties"].items()) {
    if (comparedProperty(k)) {
      out[k] = v.get<std::string>();
    }
  }
  return out;
}

// Batches sent by every pipeline, and how many of them carried compressed bodies.
asio::awaitable<std::pair<std::uint64_t, std::uint64_t>> batchesSent(
    TaskEngine* engine, std::vector<MessageQueue> queues) {
  std::pair<std::uint64_t, std::uint64_t> out{0, 0};
  for (const auto& q : queues) {
    if (const auto* p = engine->pipeline(q); p != nullptr) {
      out.first += p->batchesSent();
      out.second += p->compressedBatchesSent();
    }
  }
  co_return out;
}

asio::awaitable<Result<std::optional<QueueOffset>>> committedOffset(rocketmq::Cluster* cluster,
                                                                    std::string group,
                                                                    MessageQueue queue) {
  auto addr = co_await cluster->masterAddr(queue.topic, queue.broker_name);
  if (!addr) {
    co_return makeError(std::move(addr.error()));
  }
  co_return co_await cluster->brokerData().queryConsumerOffset(*addr, group, queue);
}

using ReplicationIT = ClusterIT;

TEST_F(ReplicationIT, JavaProducedMessagesArriveUnchangedAndInOrderAtTheJavaConsumer) {
  const std::string topic = uniqueName("it-repl");
  createTopic(topic, 8);
  const std::string ns = env_.sourceNamesrv();

  // 2400 small messages with keys, a tag and user properties, over the 8 queues.
  auto plain = javaDriver(
      env_, {"produce", "--namesrv", ns, "--topic", topic, "--count", "2400", "--key-prefix",
             "order-", "--tag", "created", "--prop", "color=blue", "--prop", "city=Zürich"});
  ASSERT_EQ(plain.exit_code, 0) << plain.stderr_text;
  // Java compresses bodies of 4 KiB and more: several in one queue, so they can share a batch.
  auto compressed =
      javaDriver(env_, {"produce", "--namesrv", ns, "--topic", topic, "--count", "12",
                        "--start-index", "5000", "--key-prefix", "big-", "--tag", "bulk",
                        "--body-size", "20000", "--compress-over", "4096", "--queue", "3"});
  ASSERT_EQ(compressed.exit_code, 0) << compressed.stderr_text;
  // A Java batch send (10 per batch).
  auto batched = javaDriver(env_, {"produce", "--namesrv", ns, "--topic", topic, "--count", "200",
                                   "--start-index", "7000", "--key-prefix", "batch-", "--tag",
                                   "batched", "--batch", "10", "--prop", "kind=batch"});
  ASSERT_EQ(batched.exit_code, 0) << batched.stderr_text;
  const std::size_t total = plain.byEvent("sent").size() + compressed.byEvent("sent").size()
                            + batched.byEvent("sent").size();
  ASSERT_EQ(total, 2612U);

  auto destination = makeCluster("destination", *client_);
  TaskSpec spec;
  spec.name = topic;
  spec.source_cluster = "sandbox-source";
  spec.destination_cluster = "sandbox-destination";
  spec.group = "ferry-" + topic;
  replication::TopicSpec mapping;
  mapping.source = topic;
  mapping.destination = topic;
  spec.topics = {mapping};
  spec.pipeline.pull_suspend = std::chrono::seconds(2);
  spec.pipeline.commit_interval = std::chrono::milliseconds(500);
  TaskEngine engine(spec, *source_, *destination, io_.context().get_executor());
  std::atomic<bool> finished{false};
  io_.run(spawnEngine(&engine, &finished));

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  control::TaskStatus status;
  while (std::chrono::steady_clock::now() < deadline) {
    status = io_.run(engineStatus(&engine));
    std::int64_t replicated = 0;
    for (const auto& q : status.queues) {
      replicated += q.checkpoint.value_or(0);
    }
    if (status.queues.size() == 8 && replicated == static_cast<std::int64_t>(total)) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  io_.run(requestEngineStop(&engine));
  while (!finished.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(finished.load()) << "the engine did not stop";
  status = io_.run(engineStatus(&engine));
  EXPECT_EQ(status.state, control::TaskState::kStopped);
  ASSERT_EQ(status.queues.size(), 8U);
  for (const auto& q : status.queues) {
    SCOPED_TRACE(q.source.toString());
    EXPECT_EQ(q.checkpoint, q.source_max_offset);
    EXPECT_EQ(q.lag_messages, 0);
    EXPECT_FALSE(q.last_error.has_value()) << q.last_error->message;
    // The checkpoint is the internal group's committed offset in the source cluster.
    auto committed = io_.run(committedOffset(source_.get(), spec.group, q.source));
    ASSERT_TRUE(committed.has_value()) << committed.error().toString();
    ASSERT_TRUE(committed->has_value());
    EXPECT_EQ((*committed)->value(), q.checkpoint.value_or(-1));
  }

  // A backlog goes in batches, and the compressed bodies of queue 3 shared one: the broker takes a
  // SEND_BATCH_MESSAGE whose header carries COMPRESSED (the consumers below check the bodies).
  std::vector<MessageQueue> queues;
  for (const auto& q : status.queues) {
    queues.push_back(q.source);
  }
  const auto [batches, compressed_batches] = io_.run(batchesSent(&engine, queues));
  EXPECT_GT(batches, 8U);
  EXPECT_GE(compressed_batches, 1U);

  // The witness: the Java consumer on both sides.
  auto src = javaDriver(
      env_, {"consume", "--namesrv", ns, "--group", uniqueName("it-repl-src"), "--topic", topic,
             "--count", std::to_string(total), "--from", "first", "--timeout-seconds", "120"});
  ASSERT_EQ(src.exit_code, 0) << src.stderr_text;
  auto dst =
      javaDriver(env_, {"consume", "--namesrv", env_.destinationNamesrv(), "--group",
                        uniqueName("it-repl-dst"), "--topic", topic, "--count",
                        std::to_string(total), "--from", "first", "--timeout-seconds", "120"});
  ASSERT_EQ(dst.exit_code, 0) << dst.stderr_text;
  const auto src_received = src.byEvent("received");
  const auto dst_received = dst.byEvent("received");
  ASSERT_EQ(src_received.size(), total);
  ASSERT_EQ(dst_received.size(), total);

  using Position = std::tuple<std::string, std::int64_t, std::int64_t>;  // broker, queue, offset
  std::map<Position, nlohmann::json> by_source;
  for (const auto& m : src_received) {
    by_source[Position(m["brokerName"], m["queueId"], m["queueOffset"])] = m;
  }
  // Per destination queue, in destination order: (source queue id, source offset).
  std::map<std::pair<std::string, std::int64_t>,
           std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>>>
      stamps;
  std::set<Position> seen;
  int compressed_seen = 0;
  for (const auto& d : dst_received) {
    const auto& p = d["properties"];
    ASSERT_TRUE(p.contains("FERRY_SRC_OFFSET")) << d.dump();
    EXPECT_EQ(p["FERRY_SRC_CLUSTER"], "sandbox-source");
    EXPECT_EQ(p["FERRY_SRC_TOPIC"], topic);
    const Position pos(p["FERRY_SRC_BROKER"].get<std::string>(),
                       std::stoll(p["FERRY_SRC_QID"].get<std::string>()),
                       std::stoll(p["FERRY_SRC_OFFSET"].get<std::string>()));
    ASSERT_TRUE(by_source.contains(pos)) << "no source message at " << d.dump();
    EXPECT_TRUE(seen.insert(pos).second) << "received twice: " << d.dump();
    const auto& s = by_source[pos];
    SCOPED_TRACE(s["msgId"].get<std::string>());
    EXPECT_EQ(d["msgId"], s["msgId"]);
    EXPECT_EQ(d["bodySha256"], s["bodySha256"]);
    EXPECT_EQ(d["bodyLength"], s["bodyLength"]);
    EXPECT_EQ(d["keys"], s["keys"]);
    EXPECT_EQ(d["tags"], s["tags"]);
    EXPECT_EQ(d["flag"], s["flag"]);
    EXPECT_EQ(comparedProperties(d), comparedProperties(s));
    EXPECT_EQ(d["properties"]["FERRY_SRC_STORE_MS"].get<std::string>(),
              std::to_string(s["storeTimestamp"].get<std::int64_t>()));
    if (d["tags"] == "bulk") {
      ++compressed_seen;
    }
    stamps[{d["brokerName"], d["queueId"]}][d["queueOffset"].get<std::int64_t>()] = {
        std::get<1>(pos), std::get<2>(pos)};
  }
  EXPECT_EQ(seen.size(), total);
  EXPECT_EQ(compressed_seen, 12);
  for (const auto& [dq, by_offset] : stamps) {
    std::map<std::int64_t, std::int64_t> last;  // source queue id -> source offset
    for (const auto& [dst_offset, source] : by_offset) {
      const auto [qid, offset] = source;
      if (last.contains(qid)) {
        EXPECT_GT(offset, last[qid]) << dq.first << "#" << dq.second << " offset " << dst_offset;
      }
      last[qid] = offset;
    }
  }
}

}  // namespace
}  // namespace ferry::testing
