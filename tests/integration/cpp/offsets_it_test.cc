// Consumer offsets: what Ferry writes for an offline group is what the official mqadmin reports;
// a reset Ferry requests through the broker reaches a live Java push consumer, which re-reads from
// the new offset and does not overwrite it with its stale position; the broker's connection list
// shows that consumer with its subscription.
#include <sstream>
#include <thread>

#include "it_fixture.h"

namespace ferry::testing {
namespace {

using OffsetsIT = ClusterIT;

asio::awaitable<Result<std::vector<rocketmq::QueueAddress>>> writeOffsetsForOfflineGroup(
    rocketmq::Cluster* cluster, std::string topic, std::string group) {
  auto queues = co_await cluster->readQueues(topic);
  if (!queues) {
    co_return makeError(queues.error());
  }
  // 5.3+ brokers refuse UPDATE_CONSUMER_OFFSET for a group they have no config for.
  auto masters = co_await cluster->topicMasters(topic);
  if (!masters) {
    co_return makeError(masters.error());
  }
  for (const auto& m : *masters) {
    codec::SubscriptionGroupConfig config;
    config.group_name = group;
    auto created = co_await cluster->brokerAdmin().createOrUpdateSubscriptionGroup(m.addr, config);
    if (!created) {
      co_return makeError(created.error());
    }
  }
  for (const auto& qa : *queues) {
    auto max = co_await cluster->brokerData().maxOffset(qa.addr, qa.queue);
    if (!max) {
      co_return makeError(max.error());
    }
    // A distinct, non-trivial offset per queue: max - 1 - queueId, at least 0.
    std::int64_t target = std::max<std::int64_t>(0, max->value() - 1 - qa.queue.queue_id.value());
    auto written = co_await cluster->brokerData().updateConsumerOffset(qa.addr, group, qa.queue,
                                                                       QueueOffset(target));
    if (!written) {
      co_return makeError(written.error());
    }
  }
  co_return *queues;
}

asio::awaitable<Result<std::map<std::string, std::int64_t>>> readCommitted(
    rocketmq::Cluster* cluster, std::vector<rocketmq::QueueAddress> queues, std::string group) {
  std::map<std::string, std::int64_t> out;
  for (const auto& qa : queues) {
    auto offset = co_await cluster->brokerData().queryConsumerOffset(qa.addr, group, qa.queue);
    if (!offset) {
      co_return makeError(offset.error());
    }
    out[qa.queue.broker_name + "#" + std::to_string(qa.queue.queue_id.value())] =
        offset->has_value() ? (*offset)->value() : -1;
  }
  co_return out;
}

TEST_F(OffsetsIT, OffsetFerryWritesForAnOfflineGroupIsWhatMqadminReports) {
  const std::string topic = uniqueName("it-offline");
  const std::string group = uniqueName("it-offline-group");
  createTopic(topic, 3);
  auto produced = javaDriver(
      env_, {"produce", "--namesrv", env_.sourceNamesrv(), "--topic", topic, "--count", "40"});
  ASSERT_EQ(produced.exit_code, 0) << produced.stderr_text;

  auto queues = io_.run(writeOffsetsForOfflineGroup(source_.get(), topic, group));
  ASSERT_TRUE(queues.has_value()) << queues.error().toString();
  auto ferry_view = io_.run(readCommitted(source_.get(), *queues, group));
  ASSERT_TRUE(ferry_view.has_value()) << ferry_view.error().toString();

  // mqadmin consumerProgress: "#Topic #Broker Name #QID #Broker Offset #Consumer Offset ..."
  // 5.x takes -t; 4.9.x has no -t and finds the group's brokers through its %RETRY% topic's route,
  // which an offline group that never consumed does not have yet.
  std::vector<std::string> admin_argv{repoPath("tools/sandbox"), "admin", "source",
                                      "consumerProgress",        "-g",    group};
  if (env_.version().starts_with("4.")) {
    createTopic("%RETRY%" + group, 1);
  } else {
    admin_argv.insert(admin_argv.end(), {"-t", topic});
  }
  auto admin = runCommand(admin_argv);
  ASSERT_EQ(admin.exit_code, 0) << admin.stderr_text;
  std::map<std::string, std::int64_t> mqadmin_view;
  for (const auto& line : admin.stdout_lines) {
    std::istringstream in(line);
    std::string t;
    std::string broker;
    std::int64_t qid = 0;
    std::int64_t broker_offset = 0;
    std::int64_t consumer_offset = 0;
    if (in >> t >> broker >> qid >> broker_offset >> consumer_offset && t == topic) {
      mqadmin_view[broker + "#" + std::to_string(qid)] = consumer_offset;
    }
  }
  ASSERT_EQ(mqadmin_view.size(), queues->size()) << "mqadmin printed:\n"
                                                 << ::testing::PrintToString(admin.stdout_lines);
  EXPECT_EQ(mqadmin_view, *ferry_view);
  // The offsets are the ones written (max - 1 - queueId), not zeros that would match trivially.
  std::int64_t sum = 0;
  for (const auto& [k, v] : mqadmin_view) {
    sum += v;
  }
  EXPECT_GT(sum, 0);
}

struct ResetPlan {
  std::string addr;
  bool server_side = false;
  std::string client_id_seen;
  std::string subscription_seen;
  std::string language_seen;
};

asio::awaitable<Result<ResetPlan>> inspectOnlineConsumer(rocketmq::Cluster* cluster,
                                                         std::string topic, std::string group,
                                                         MessageQueue queue) {
  ResetPlan plan;
  auto addr = co_await cluster->masterAddr(topic, queue.broker_name);
  if (!addr) {
    co_return makeError(addr.error());
  }
  plan.addr = *addr;
  auto connections = co_await cluster->brokerAdmin().consumerConnections(plan.addr, group);
  if (!connections) {
    co_return makeError(connections.error());
  }
  if (!connections->connection_set.empty()) {
    plan.client_id_seen = connections->connection_set.front().client_id;
    plan.language_seen = connections->connection_set.front().language;
  }
  auto sub = connections->subscription_table.find(topic);
  if (sub != connections->subscription_table.end()) {
    plan.subscription_seen = sub->second.sub_string;
  }
  auto features = co_await cluster->brokerAdmin().features(plan.addr);
  if (!features) {
    co_return makeError(features.error());
  }
  plan.server_side = features->server_side_reset;
  co_return plan;
}

asio::awaitable<Result<void>> resetTo(rocketmq::Cluster* cluster, ResetPlan plan, std::string group,
                                      MessageQueue queue, std::int64_t offset,
                                      std::int64_t timestamp_of_offset) {
  if (plan.server_side) {
    auto r = co_await cluster->brokerAdmin().resetOffsetToOffset(plan.addr, group, queue,
                                                                 QueueOffset(offset));
    if (!r) {
      co_return makeError(r.error());
    }
  } else {
    // 4.9/5.0/5.1: the broker pushes a timestamp-derived offset to the live clients.
    auto r = co_await cluster->brokerAdmin().resetOffsetByTimestamp(plan.addr, group, queue.topic,
                                                                    timestamp_of_offset, true);
    if (!r) {
      co_return makeError(r.error());
    }
  }
  co_return Result<void>{};
}

TEST_F(OffsetsIT, ResetThroughTheBrokerMakesALiveJavaConsumerReReadFromTheNewOffset) {
  const std::string topic = uniqueName("it-reset");
  const std::string group = uniqueName("it-reset-group");
  createTopic(topic, 1);
  const std::string broker = env_.brokers("source").begin()->first;
  MessageQueue queue{topic, broker, QueueId(0)};
  // Offsets 0..9, then 10..39 from a second producer JVM: its start-up (seconds) puts a clear gap
  // between the store times of offsets 9 and 10, which the timestamp reset below relies on.
  auto produced = javaDriver(env_, {"produce", "--namesrv", env_.sourceNamesrv(), "--topic", topic,
                                    "--count", "10", "--queue", "0", "--broker", broker});
  ASSERT_EQ(produced.exit_code, 0) << produced.stderr_text;
  produced =
      javaDriver(env_, {"produce", "--namesrv", env_.sourceNamesrv(), "--topic", topic, "--count",
                        "30", "--start-index", "10", "--queue", "0", "--broker", broker});
  ASSERT_EQ(produced.exit_code, 0) << produced.stderr_text;

  BackgroundProcess consumer(
      javaDriverArgv(env_, {"consume", "--namesrv", env_.sourceNamesrv(), "--group", group,
                            "--topic", topic, "--from", "first"}));
  auto received_on_queue = [&](const std::vector<std::string>& lines) {
    std::vector<std::int64_t> offsets;
    for (const auto& l : lines) {
      auto j = nlohmann::json::parse(l, nullptr, false);
      if (!j.is_discarded() && j.value("event", "") == "received"
          && j.value("brokerName", "") == broker && j.value("queueId", -1) == 0) {
        offsets.push_back(j["queueOffset"].get<std::int64_t>());
      }
    }
    return offsets;
  };
  ASSERT_TRUE(consumer.waitFor([&](const auto& l) { return received_on_queue(l).size() >= 40; },
                               std::chrono::seconds(90)))
      << "the Java consumer did not receive the 40 messages";

  // Its committed offset reaches 40 (it persists every second in the driver).
  std::int64_t committed = -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto addr = io_.run(source_->masterAddr(topic, broker));
    ASSERT_TRUE(addr.has_value()) << addr.error().toString();
    auto c = io_.run(source_->brokerData().queryConsumerOffset(*addr, group, queue));
    ASSERT_TRUE(c.has_value()) << c.error().toString();
    committed = c->has_value() ? (*c)->value() : -1;
    if (committed == 40) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ASSERT_EQ(committed, 40);

  // The broker knows the live consumer and its subscription.
  auto plan = io_.run(inspectOnlineConsumer(source_.get(), topic, group, queue));
  ASSERT_TRUE(plan.has_value()) << plan.error().toString();
  EXPECT_FALSE(plan->client_id_seen.empty());
  EXPECT_EQ(plan->language_seen, "JAVA");
  EXPECT_EQ(plan->subscription_seen, "*");
  auto started = nlohmann::json::parse(consumer.lines().front(), nullptr, false);
  if (!started.is_discarded() && started.contains("clientId")) {
    EXPECT_EQ(plan->client_id_seen, started["clientId"].get<std::string>());
  }

  // Reset to offset 10 through the broker. The timestamp form (old brokers) searches the queue by
  // store time: an exact hit may land on any message sharing that millisecond, a miss takes the
  // nearer neighbour. So reset to one millisecond before message 10's store time, with message 9
  // stored at least 3 ms earlier: no message has that time and message 10 is the nearer one.
  auto pulled = pullAll(topic);
  std::map<std::int64_t, std::int64_t> store_time;  // queue offset -> store timestamp
  for (const auto& m : pulled) {
    store_time[m.queue_offset] = m.store_timestamp;
  }
  ASSERT_TRUE(store_time.contains(9) && store_time.contains(10)) << "pulled " << pulled.size();
  ASSERT_GE(store_time[10] - store_time[9], 3)
      << "offsets 9 and 10 were stored too close together for an unambiguous timestamp";
  const std::int64_t reset_time = store_time[10] - 1;
  auto reset = io_.run(resetTo(source_.get(), *plan, group, queue, 10, reset_time));
  ASSERT_TRUE(reset.has_value()) << reset.error().toString();

  // The consumer re-reads exactly offsets 10..39 once more, and nothing before 10.
  ASSERT_TRUE(consumer.waitFor([&](const auto& l) { return received_on_queue(l).size() >= 70; },
                               std::chrono::seconds(90)))
      << "the Java consumer did not re-read after the reset; got "
      << received_on_queue(consumer.lines()).size() << " messages";
  auto offsets = received_on_queue(consumer.lines());
  std::vector<std::int64_t> reread(offsets.begin() + 40, offsets.end());
  std::sort(reread.begin(), reread.end());
  ASSERT_EQ(reread.size(), 30U);
  for (std::size_t i = 0; i < reread.size(); ++i) {
    EXPECT_EQ(reread[i], static_cast<std::int64_t>(10 + i));
  }
  consumer.closeStdin();
  EXPECT_EQ(consumer.waitExit(std::chrono::seconds(60)), 0);
}

}  // namespace
}  // namespace ferry::testing
