// Message sync cases on the sandbox beyond the main flow (replication_it_test.cc): what the
// broker does to special messages before Ferry sees them (scheduled, transactional, near the
// 4 MiB limit, ordered), a reverse task running at the same time (no echo), and a renamed,
// tag-filtered task that starts at "latest" on a topic with unequal queue counts, restarted after
// the source topic gained queues. Ferry's engine runs in-process; the official Java client
// produces, consumes and reads the topic offsets on both sides, so Ferry is never the only witness.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine_it_support.h"
#include "ferry/replication/task_engine.h"
#include "it_fixture.h"

namespace ferry::testing {
namespace {

using replication::StartSpec;
using replication::TaskEngine;
using replication::TaskSpec;
using replication::TopicSpec;

constexpr auto kWait = std::chrono::seconds(180);

// Properties the source broker adds to scheduled and transactional messages. Ferry drops them:
// on the destination they would park the message again (DELAY, REAL_TOPIC) or make it a half
// message no consumer sees (TRAN_MSG).
const std::set<std::string> kBrokerMarks = {"DELAY",
                                            "REAL_TOPIC",
                                            "REAL_QID",
                                            "TRAN_MSG",
                                            "PGROUP",
                                            "TRAN_PREPARED_QUEUE_OFFSET",
                                            "TIMER_DELIVER_MS",
                                            "TIMER_DELAY_LEVEL",
                                            "__STARTDELIVERTIME",
                                            "__transactionId__"};
// sysFlag bits of the transaction type (MessageSysFlag.TRANSACTION_*_TYPE).
constexpr std::int64_t kTransactionTypeBits = 0x4 | 0x8;

// Properties that legitimately differ between the two sides: added by the consumer after a pull,
// by the storing broker, dropped by Ferry, or Ferry's own stamp.
std::map<std::string, std::string> comparedProperties(const nlohmann::json& message) {
  static const std::set<std::string> kNotCompared = {"MIN_OFFSET", "MAX_OFFSET",
                                                     "CONSUME_START_TIME", "CLUSTER", "WAIT"};
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : message["properties"].items()) {
    if (!kNotCompared.contains(k) && !kBrokerMarks.contains(k) && !k.starts_with("FERRY_SRC_")) {
      out[k] = v.get<std::string>();
    }
  }
  return out;
}

class ReplicationCasesIT : public ClusterIT {
 protected:
  // One engine running on the fixture's io thread.
  struct Running {
    std::unique_ptr<TaskEngine> engine;
    std::atomic<bool> finished{false};
  };

  void SetUp() override {
    ClusterIT::SetUp();
    destination_ = makeCluster("destination", *client_);
  }

  void TearDown() override {
    for (auto& r : running_) {
      stop(*r);
    }
    running_.clear();
    destination_.reset();
    ClusterIT::TearDown();
  }

  void createTopicOn(const std::string& which, const std::string& topic, int queues) {
    const bool source = which == "source";
    auto r =
        javaDriver(env_, {"create-topic", "--namesrv",
                          source ? env_.sourceNamesrv() : env_.destinationNamesrv(), "--cluster",
                          source ? env_.sourceCluster() : env_.get("FERRY_DESTINATION_CLUSTER"),
                          "--topic", topic, "--queues", std::to_string(queues)});
    ASSERT_EQ(r.exit_code, 0) << r.stderr_text;
  }

  // A task from `from` to the other cluster ("source" or "destination" of the sandbox).
  TaskSpec spec(const std::string& name, const std::string& from, std::vector<TopicSpec> topics) {
    TaskSpec s;
    s.name = name;
    s.source_cluster = from == "source" ? "sandbox-source" : "sandbox-destination";
    s.destination_cluster = from == "source" ? "sandbox-destination" : "sandbox-source";
    s.group = "ferry-" + name;
    s.topics = std::move(topics);
    s.pipeline.pull_suspend = std::chrono::seconds(2);
    s.pipeline.commit_interval = std::chrono::milliseconds(500);
    s.route_refresh = std::chrono::seconds(2);
    return s;
  }

  Running& start(const TaskSpec& s, const std::string& from) {
    auto r = std::make_unique<Running>();
    rocketmq::Cluster& src = from == "source" ? *source_ : *destination_;
    rocketmq::Cluster& dst = from == "source" ? *destination_ : *source_;
    r->engine = std::make_unique<TaskEngine>(s, src, dst, io_.context().get_executor());
    io_.run(spawnEngine(r->engine.get(), &r->finished));
    running_.push_back(std::move(r));
    return *running_.back();
  }

  void stop(Running& r) {
    if (!r.engine || r.finished.load()) {
      return;
    }
    io_.run(requestEngineStop(r.engine.get()));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!r.finished.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(r.finished.load()) << "the engine did not stop";
  }

  // Polls the engine's status until `done` holds (true) or kWait passes (false).
  bool waitFor(Running& r, const std::function<bool(const control::TaskStatus&)>& done,
               control::TaskStatus* last = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      auto status = io_.run(engineStatus(r.engine.get()));
      if (last != nullptr) {
        *last = status;
      }
      if (done(status)) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    return false;
  }

  // Every queue of the task has its checkpoint at the source's max offset, and together they
  // passed `messages` source messages (replicated, filtered or skipped echoes).
  static bool caughtUp(const control::TaskStatus& s, std::size_t queues, std::int64_t messages) {
    if (s.queues.size() != queues) {
      return false;
    }
    std::int64_t sum = 0;
    for (const auto& q : s.queues) {
      if (!q.checkpoint || q.checkpoint != q.source_max_offset) {
        return false;
      }
      sum += *q.checkpoint;
    }
    return sum == messages;
  }

  // Messages stored in `topic` on one side, from the Java admin API's topic stats.
  std::int64_t storedMessages(const std::string& which, const std::string& topic) {
    auto r = javaDriver(env_, {"offsets", "--namesrv",
                               which == "source" ? env_.sourceNamesrv() : env_.destinationNamesrv(),
                               "--topic", topic});
    EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
    std::int64_t sum = 0;
    for (const auto& q : r.byEvent("offset")) {
      sum += q["maxOffset"].get<std::int64_t>() - q["minOffset"].get<std::int64_t>();
    }
    return sum;
  }

  DriverResult consumeAll(const std::string& which, const std::string& topic, std::size_t count) {
    return javaDriver(env_, {"consume", "--namesrv",
                             which == "source" ? env_.sourceNamesrv() : env_.destinationNamesrv(),
                             "--group", uniqueName("it-cases"), "--topic", topic, "--count",
                             std::to_string(count), "--from", "first", "--timeout-seconds", "120"});
  }

  DriverResult produce(const std::string& which, std::vector<std::string> args) {
    args.insert(args.begin(),
                {"produce", "--namesrv",
                 which == "source" ? env_.sourceNamesrv() : env_.destinationNamesrv()});
    return javaDriver(env_, args);
  }

  std::unique_ptr<rocketmq::Cluster> destination_;
  std::vector<std::unique_ptr<Running>> running_;
};

std::set<std::string> keysOf(const std::vector<nlohmann::json>& messages) {
  std::set<std::string> out;
  for (const auto& m : messages) {
    out.insert(m["keys"].get<std::string>());
  }
  return out;
}

TEST_F(ReplicationCasesIT, ScheduledTransactionalHugeAndOrderedMessagesArriveOnceAsOrdinaryOnes) {
  const std::string topic = uniqueName("it-special");
  createTopic(topic, 4);
  createTopicOn("destination", topic, 4);
  auto& task = start(spec(topic, "source", {TopicSpec{topic, topic, "*"}}), "source");

  // Level 3 = 10 s on a default broker: the source parks them in SCHEDULE_TOPIC_XXXX first.
  auto delayed = produce("source", {"--topic", topic, "--count", "20", "--key-prefix", "delayed-",
                                    "--tag", "delayed", "--delay-level", "3"});
  ASSERT_EQ(delayed.exit_code, 0) << delayed.stderr_text;
  auto committed =
      produce("source", {"--topic", topic, "--count", "20", "--start-index", "100", "--key-prefix",
                         "tx-commit-", "--tag", "tx", "--transaction", "commit"});
  ASSERT_EQ(committed.exit_code, 0) << committed.stderr_text;
  auto rolled_back =
      produce("source", {"--topic", topic, "--count", "10", "--start-index", "200", "--key-prefix",
                         "tx-rollback-", "--tag", "tx", "--transaction", "rollback"});
  ASSERT_EQ(rolled_back.exit_code, 0) << rolled_back.stderr_text;
  // 4 MiB is the broker's default maxMessageSize; stay below it with the properties, uncompressed.
  auto huge = produce(
      "source", {"--topic", topic, "--count", "1", "--start-index", "300", "--key-prefix", "huge-",
                 "--tag", "huge", "--body-size", std::to_string(4 * 1024 * 1024 - 64 * 1024),
                 "--compress-over", std::to_string(64 * 1024 * 1024), "--queue", "1"});
  ASSERT_EQ(huge.exit_code, 0) << huge.stderr_text;
  // Ordered sends: a selector puts them all into one queue; their order must survive.
  auto ordered =
      produce("source", {"--topic", topic, "--count", "60", "--start-index", "400", "--key-prefix",
                         "ordered-", "--tag", "ordered", "--queue", "2"});
  ASSERT_EQ(ordered.exit_code, 0) << ordered.stderr_text;
  const std::int64_t expected = 20 + 20 + 1 + 60;

  control::TaskStatus status;
  ASSERT_TRUE(waitFor(
      task, [&](const auto& s) { return caughtUp(s, 4, expected); }, &status))
      << "replication did not catch up; queues: " << status.queues.size();
  EXPECT_EQ(storedMessages("source", topic), expected);
  // Stored in the destination topic itself, now: a message Ferry sent with DELAY or TRAN_MSG
  // would sit in SCHEDULE_TOPIC_XXXX or the half topic instead.
  EXPECT_EQ(storedMessages("destination", topic), expected);

  auto src = consumeAll("source", topic, expected);
  ASSERT_EQ(src.exit_code, 0) << src.stderr_text;
  auto dst = consumeAll("destination", topic, expected);
  ASSERT_EQ(dst.exit_code, 0) << dst.stderr_text;
  const auto src_received = src.byEvent("received");
  const auto dst_received = dst.byEvent("received");
  ASSERT_EQ(src_received.size(), static_cast<std::size_t>(expected));
  ASSERT_EQ(dst_received.size(), static_cast<std::size_t>(expected));
  EXPECT_EQ(keysOf(dst_received), keysOf(src_received));
  for (const auto& k : keysOf(dst_received)) {
    EXPECT_FALSE(k.starts_with("tx-rollback-")) << "a rolled-back message arrived: " << k;
  }

  std::map<std::string, nlohmann::json> source_by_id;
  int source_scheduled = 0;
  int source_transactional = 0;
  for (const auto& m : src_received) {
    source_by_id[m["msgId"].get<std::string>()] = m;
    source_scheduled += m["properties"].contains("DELAY") ? 1 : 0;
    source_transactional += m["properties"].contains("TRAN_MSG") ? 1 : 0;
  }
  // The witness side really holds the marks Ferry must drop (else this test would prove nothing):
  // 5.3.3 keeps DELAY/REAL_TOPIC on delivered scheduled messages and TRAN_MSG/PGROUP (sysFlag
  // TRANSACTION_COMMIT_TYPE) on committed transactional ones.
  EXPECT_EQ(source_scheduled, 20);
  EXPECT_EQ(source_transactional, 20);

  std::set<std::string> seen;
  std::int64_t last_ordered_offset = -1;
  for (const auto& d : dst_received) {
    const auto id = d["msgId"].get<std::string>();
    SCOPED_TRACE(id);
    EXPECT_TRUE(seen.insert(id).second) << "received twice";
    ASSERT_TRUE(source_by_id.contains(id)) << "no such source message: " << d.dump();
    const auto& s = source_by_id[id];
    EXPECT_EQ(d["bodySha256"], s["bodySha256"]);
    EXPECT_EQ(d["bodyLength"], s["bodyLength"]);
    EXPECT_EQ(d["keys"], s["keys"]);
    EXPECT_EQ(d["tags"], s["tags"]);
    EXPECT_EQ(d["flag"], s["flag"]);
    EXPECT_EQ(comparedProperties(d), comparedProperties(s));
    for (const auto& mark : kBrokerMarks) {
      EXPECT_FALSE(d["properties"].contains(mark)) << mark << " reached the destination";
    }
    EXPECT_EQ(d["sysFlag"].get<std::int64_t>() & kTransactionTypeBits, 0) << d.dump();
    EXPECT_EQ(d["topic"], topic);
    if (d["tags"] == "ordered") {
      const std::int64_t offset =
          std::stoll(d["properties"]["FERRY_SRC_OFFSET"].get<std::string>());
      EXPECT_EQ(d["properties"]["FERRY_SRC_QID"], "2");
      EXPECT_EQ(d["queueId"], 2);  // equal queue counts: source queue i -> destination queue i
      last_ordered_offset = std::max(last_ordered_offset, offset);
    }
  }
  // Ordered: in destination queue order, the source offsets of queue 2 strictly increase.
  std::map<std::int64_t, std::int64_t> ordered_by_dst;  // destination offset -> source offset
  for (const auto& d : dst_received) {
    if (d["tags"] == "ordered") {
      ordered_by_dst[d["queueOffset"].get<std::int64_t>()] =
          std::stoll(d["properties"]["FERRY_SRC_OFFSET"].get<std::string>());
    }
  }
  ASSERT_EQ(ordered_by_dst.size(), 60U);
  std::int64_t previous = -1;
  for (const auto& [dst_offset, src_offset] : ordered_by_dst) {
    EXPECT_GT(src_offset, previous) << "destination offset " << dst_offset;
    previous = src_offset;
  }
  EXPECT_EQ(previous, last_ordered_offset);
}

TEST_F(ReplicationCasesIT, ReverseTaskRunningAtTheSameTimeSendsNothingBack) {
  const std::string topic = uniqueName("it-twoway");
  createTopic(topic, 4);
  createTopicOn("destination", topic, 4);
  auto east = produce("source", {"--topic", topic, "--count", "100", "--key-prefix", "east-"});
  ASSERT_EQ(east.exit_code, 0) << east.stderr_text;
  auto west = produce("destination", {"--topic", topic, "--count", "100", "--start-index", "1000",
                                      "--key-prefix", "west-"});
  ASSERT_EQ(west.exit_code, 0) << west.stderr_text;

  auto& forward = start(spec(topic + "-fwd", "source", {TopicSpec{topic, topic, "*"}}), "source");
  auto& reverse =
      start(spec(topic + "-rev", "destination", {TopicSpec{topic, topic, "*"}}), "destination");
  // Each task passes all 200 messages of its side: 100 produced there, 100 the other task wrote,
  // which carry the other side's stamp and are skipped as echoes.
  ASSERT_TRUE(waitFor(forward, [](const auto& s) { return caughtUp(s, 4, 200); }));
  ASSERT_TRUE(waitFor(reverse, [](const auto& s) { return caughtUp(s, 4, 200); }));
  // Still 200 a few route refreshes and commits later: nothing went back and forth.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  EXPECT_EQ(storedMessages("source", topic), 200);
  EXPECT_EQ(storedMessages("destination", topic), 200);

  for (const std::string side : {"source", "destination"}) {
    SCOPED_TRACE(side);
    auto got = consumeAll(side, topic, 200);
    ASSERT_EQ(got.exit_code, 0) << got.stderr_text;
    const auto received = got.byEvent("received");
    ASSERT_EQ(received.size(), 200U);
    std::set<std::string> ids;
    int east_keys = 0;
    for (const auto& m : received) {
      ids.insert(m["msgId"].get<std::string>());
      east_keys += m["keys"].get<std::string>().starts_with("east-") ? 1 : 0;
      const bool local = side == "source" ? m["keys"].get<std::string>().starts_with("east-")
                                          : m["keys"].get<std::string>().starts_with("west-");
      // Replicated copies carry the other side's stamp; local messages carry none.
      EXPECT_EQ(m["properties"].contains("FERRY_SRC_CLUSTER"), !local) << m.dump();
    }
    EXPECT_EQ(ids.size(), 200U);
    EXPECT_EQ(east_keys, 100);
  }
}

TEST_F(ReplicationCasesIT, RenamedFilteredLatestTaskOnUnequalQueuesKeepsQueuesTheTopicGained) {
  const std::string source_topic = uniqueName("it-grow");
  const std::string destination_topic = source_topic + "-copy";
  createTopic(source_topic, 8);
  createTopicOn("destination", destination_topic, 3);
  // Before the task starts: "latest" leaves these behind.
  auto old = produce(
      "source", {"--topic", source_topic, "--count", "40", "--key-prefix", "old-", "--tag", "a"});
  ASSERT_EQ(old.exit_code, 0) << old.stderr_text;

  TaskSpec s = spec(source_topic, "source", {TopicSpec{source_topic, destination_topic, "a || b"}});
  s.create_missing_topics = false;
  s.start.kind = StartSpec::Kind::kLatest;
  auto& task = start(s, "source");
  ASSERT_TRUE(waitFor(task, [](const auto& st) { return caughtUp(st, 8, 40); }));

  for (const std::string tag : {"a", "b", "c"}) {
    auto sent = produce("source", {"--topic", source_topic, "--count", "30", "--key-prefix",
                                   "mid-" + tag + "-", "--tag", tag});
    ASSERT_EQ(sent.exit_code, 0) << sent.stderr_text;
  }
  // The first 8 queues caught up (40 old + 90 mid passed, 60 replicated). Then the task is
  // stopped, the source topic grows to 12 queues and takes messages on all of them, and the task
  // starts again: its queues resume at their checkpoints, and the 4 new ones must start at their
  // earliest offset, not at "latest" (which would skip what they got while Ferry was down).
  ASSERT_TRUE(waitFor(task, [](const auto& st) { return caughtUp(st, 8, 40 + 90); }));
  stop(task);
  createTopic(source_topic, 12);
  auto grown = produce(
      "source", {"--topic", source_topic, "--count", "24", "--key-prefix", "grown-", "--tag", "a"});
  ASSERT_EQ(grown.exit_code, 0) << grown.stderr_text;
  auto& restarted = start(s, "source");
  // 40 old + 90 mid + 24 grown passed, 30 + 30 + 24 replicated.
  control::TaskStatus status;
  ASSERT_TRUE(waitFor(
      restarted, [](const auto& st) { return caughtUp(st, 12, 40 + 90 + 24); }, &status))
      << "queues: " << status.queues.size();
  const std::int64_t expected = 30 + 30 + 24;
  EXPECT_EQ(storedMessages("destination", destination_topic), expected);

  auto dst = consumeAll("destination", destination_topic, expected);
  ASSERT_EQ(dst.exit_code, 0) << dst.stderr_text;
  const auto received = dst.byEvent("received");
  ASSERT_EQ(received.size(), static_cast<std::size_t>(expected));
  std::set<std::string> want;
  for (int i = 0; i < 30; ++i) {
    want.insert("mid-a-" + std::to_string(i));
    want.insert("mid-b-" + std::to_string(i));
  }
  for (int i = 0; i < 24; ++i) {
    want.insert("grown-" + std::to_string(i));
  }
  EXPECT_EQ(keysOf(received), want);
  // Unequal queue counts: source queue i goes to destination queue i mod 3, in source order.
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> last;  // (dst q, src q) -> offset
  std::map<std::int64_t, std::map<std::int64_t, const nlohmann::json*>> by_dst;
  for (const auto& m : received) {
    by_dst[m["queueId"].get<std::int64_t>()][m["queueOffset"].get<std::int64_t>()] = &m;
  }
  for (const auto& [dq, messages] : by_dst) {
    for (const auto& [offset, m] : messages) {
      const auto sq = std::stoll((*m)["properties"]["FERRY_SRC_QID"].get<std::string>());
      const auto so = std::stoll((*m)["properties"]["FERRY_SRC_OFFSET"].get<std::string>());
      EXPECT_EQ(dq, sq % 3) << m->dump();
      EXPECT_EQ((*m)["properties"]["FERRY_SRC_TOPIC"], source_topic);
      const auto key = std::make_pair(dq, sq);
      if (last.contains(key)) {
        EXPECT_GT(so, last[key]) << "destination queue " << dq << " offset " << offset;
      }
      last[key] = so;
    }
  }
}

}  // namespace
}  // namespace ferry::testing
