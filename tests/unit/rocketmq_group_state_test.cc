#include <gtest/gtest.h>

#include "ferry/rocketmq/group_state.h"
#include "support/fake_transport.h"

namespace ferry::rocketmq {
namespace {

// A spec with just a name and NameServers (and a broker address map).
ClusterSpec specFor(std::string name, std::vector<std::string> name_servers,
                    std::map<std::string, std::string> broker_address_map = {}) {
  ClusterSpec spec;
  spec.name = std::move(name);
  spec.name_servers = std::move(name_servers);
  spec.broker_address_map = std::move(broker_address_map);
  return spec;
}

using codec::RequestCode;
using codec::ResponseCode;

constexpr const char* kNs = "127.0.0.1:19876";
constexpr const char* kBrokerA = "127.0.0.1:10911";
constexpr const char* kBrokerB = "127.0.0.1:10921";

const char* kClusterInfo =
    R"({"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"C"},)"
    R"("broker-b":{"brokerAddrs":{0:"127.0.0.1:10921"},"brokerName":"broker-b","cluster":"C"}},)"
    R"("clusterAddrTable":{"C":["broker-a","broker-b"]}})";

const char* kRoute =
    R"({"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"C"},)"
    R"({"brokerAddrs":{"0":"127.0.0.1:10921"},"brokerName":"broker-b","cluster":"C"}],)"
    R"("queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":2,"writeQueueNums":2},)"
    R"({"brokerName":"broker-b","perm":6,"readQueueNums":1,"writeQueueNums":1}]})";

GroupQueueState queue(std::string broker, int id, std::optional<std::int64_t> committed,
                      std::int64_t max) {
  GroupQueueState q;
  q.queue = MessageQueue{"orders", std::move(broker), QueueId(id)};
  if (committed) {
    q.committed = QueueOffset(*committed);
  }
  q.broker_max = QueueOffset(max);
  return q;
}

Error error(Errc code) {
  return Error{code, "failed", 0, {}};
}

// ---- pure steps ----

TEST(GroupQueueState, LagIsNeverNegativeAndUnknownWithoutCommit) {
  EXPECT_EQ(queue("a", 0, 20, 25).lag(), 5);
  EXPECT_EQ(queue("a", 0, 30, 25).lag(), 0);  // committed ahead of max (e.g. after a reset)
  EXPECT_EQ(queue("a", 0, std::nullopt, 25).lag(), std::nullopt);
  GroupState state;
  state.queues = {queue("a", 0, 20, 25), queue("a", 1, std::nullopt, 9), queue("b", 0, 0, 3)};
  EXPECT_EQ(state.totalLag(), 8);
}

TEST(GroupState, ExistsByConfigOffsetsOrClients) {
  GroupState state;
  state.group = "G1";
  state.name_server = kNs;
  EXPECT_FALSE(state.exists());
  EXPECT_EQ(groupNotFound(state).code, Errc::kGroupNotExist);
  EXPECT_EQ(
      groupNotFound(state).message,
      "group 'G1' not found: no subscription group config, committed offsets or online clients "
      "on any master (NameServer 127.0.0.1:19876)");
  GroupState with_config = state;
  with_config.config_on = {"broker-a"};
  EXPECT_TRUE(with_config.exists());
  GroupState with_offsets = state;
  with_offsets.topics_with_offsets = {"orders"};
  EXPECT_TRUE(with_offsets.exists());
  GroupState with_client = state;
  with_client.clients.push_back(codec::Connection{"10.0.0.5@1", "10.0.0.5:5000", "JAVA", 479});
  EXPECT_TRUE(with_client.online());
  EXPECT_TRUE(with_client.exists());
}

TEST(GroupStateSteps, ConfigsPresentMissingAndFailed) {
  GroupState state;
  const std::vector<BrokerAddress> masters{{"broker-a", "C", kBrokerA},
                                           {"broker-b", "C", kBrokerB},
                                           {"broker-c", "C", "127.0.0.1:10931"}};
  FanOut<std::map<std::string, codec::SubscriptionGroupConfig>> configs;
  configs.brokers = 3;
  configs.value["broker-a"].group_name = "G1";
  configs.failures.emplace("broker-c", error(Errc::kTimeout));
  applyGroupConfigs(state, masters, std::move(configs));
  EXPECT_EQ(state.config_on, (std::vector<std::string>{"broker-a"}));
  EXPECT_EQ(state.config_missing_on,
            (std::vector<std::string>{"broker-b"}));  // c is unknown, not missing
  ASSERT_TRUE(state.errors.contains("broker-c"));
  EXPECT_EQ(state.errors.at("broker-c").code, Errc::kTimeout);
}

TEST(GroupStateSteps, ConnectionsGiveClientsAndSubscriptions) {
  GroupState state;
  FanOut<codec::ConsumerConnection> connections;
  connections.brokers = 2;
  connections.value.connection_set = {codec::Connection{"z@2", "10.0.0.6:1", "JAVA", 479},
                                      codec::Connection{"a@1", "10.0.0.5:1", "CPP", 479}};
  connections.value.subscription_table["orders"].sub_string = "TagA || TagB";
  connections.value.consume_type = "CONSUME_PASSIVELY";
  connections.value.message_model = "CLUSTERING";
  connections.value.consume_from_where = "CONSUME_FROM_LAST_OFFSET";
  connections.failures.emplace("broker-b", error(Errc::kConnectFailed));
  applyConnections(state, std::move(connections));
  EXPECT_TRUE(state.online());
  ASSERT_EQ(state.clients.size(), 2U);
  EXPECT_EQ(state.clients[0].client_id, "a@1");
  EXPECT_EQ(state.subscriptions, (std::map<std::string, std::string>{{"orders", "TagA || TagB"}}));
  EXPECT_EQ(state.consume_type, "CONSUME_PASSIVELY");
  EXPECT_EQ(state.message_model, "CLUSTERING");
  EXPECT_EQ(state.consume_from_where, "CONSUME_FROM_LAST_OFFSET");
  EXPECT_TRUE(state.errors.contains("broker-b"));
}

TEST(GroupStateSteps, TopicsToInspectUnionOfOffsetsAndSubscriptions) {
  GroupState state;
  state.topics_with_offsets = {"orders", "%RETRY%G1"};
  state.subscriptions = {{"audit", "*"}, {"orders", "*"}};
  EXPECT_EQ(topicsToInspect(state, std::nullopt),
            (std::vector<std::string>{"%RETRY%G1", "audit", "orders"}));
  EXPECT_EQ(topicsToInspect(state, std::string("payments")),
            (std::vector<std::string>{"payments"}));
}

TEST(GroupStateSteps, ConsumeStatsAddQueuesAndFailures) {
  GroupState state;
  FanOut<codec::ConsumeStats> stats;
  stats.brokers = 2;
  stats.value.consume_tps = 1.5;
  codec::OffsetWrapper w;
  w.broker_offset = QueueOffset(25);
  w.consumer_offset = QueueOffset(20);
  w.last_timestamp = StoreTime::fromMillis(1700000000123);
  stats.value.offset_table[MessageQueue{"orders", "broker-a", QueueId(1)}] = w;
  w.consumer_offset = QueueOffset(0);
  stats.value.offset_table[MessageQueue{"orders", "broker-a", QueueId(0)}] = w;
  stats.failures.emplace("broker-b", error(Errc::kTimeout));
  applyConsumeStats(state, "orders", std::move(stats));
  applyConsumeStats(state, "gone", makeError(error(Errc::kTopicNotExist)));
  sortQueues(state);
  ASSERT_EQ(state.queues.size(), 2U);
  EXPECT_EQ(state.queues[0].queue.queue_id, QueueId(0));
  EXPECT_EQ(state.queues[1].committed, QueueOffset(20));
  EXPECT_EQ(state.queues[1].last_consumed, StoreTime::fromMillis(1700000000123));
  EXPECT_DOUBLE_EQ(state.consume_tps, 1.5);
  EXPECT_TRUE(state.errors.contains("broker-b (orders)"));
  EXPECT_TRUE(state.errors.contains("topic gone"));
  // Consume stats' 0 is ambiguous: only that queue needs QUERY_CONSUMER_OFFSET.
  EXPECT_EQ(queuesToQueryCommitted(state), (std::vector<std::size_t>{0}));
}

TEST(GroupStateSteps, CommittedZeroIsToldFromNeverCommitted) {
  auto q = queue("broker-a", 0, 0, 4);
  applyCommittedOffset(q, std::optional<QueueOffset>(QueueOffset(0)));
  EXPECT_EQ(q.committed, QueueOffset(0));
  EXPECT_EQ(q.lag(), 4);

  applyCommittedOffset(q, std::optional<QueueOffset>());
  EXPECT_EQ(q.committed, std::nullopt);
  EXPECT_EQ(q.lag(), std::nullopt);

  for (Errc gone : {Errc::kGroupNotExist, Errc::kTopicNotExist}) {
    auto g = queue("broker-a", 0, 0, 4);
    applyCommittedOffset(g, makeError(error(gone)));
    EXPECT_EQ(g.committed, std::nullopt);
  }
  // Any other failure leaves consume stats' answer.
  auto t = queue("broker-a", 0, 0, 4);
  applyCommittedOffset(t, makeError(error(Errc::kTimeout)));
  EXPECT_EQ(t.committed, QueueOffset(0));
}

// ---- fetchGroupState against a scripted cluster ----

class FetchGroupStateTest : public ::testing::Test {
 protected:
  void scriptExistingGroup() {
    t.respondAlways(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
    t.respondAlways(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, kRoute);
    t.respondAlways(RequestCode::kGetAllSubscriptionGroupConfig, ResponseCode::kSuccess,
                    R"({"subscriptionGroupTable":{"G1":{"groupName":"G1"}}})");
    t.respondAlways(RequestCode::kGetConsumerConnectionList, ResponseCode::kConsumerNotOnline, {},
                    {}, "not online");
    t.respondAlways(RequestCode::kQueryTopicsByConsumer, ResponseCode::kSuccess,
                    R"({"topicList":["orders"]})");
  }

  FakeTransport t;
};

TEST_F(FetchGroupStateTest, OffsetsWithCommittedZeroAndNeverCommitted) {
  Cluster cluster(specFor("test", {kNs}), t);
  scriptExistingGroup();
  t.respondAlways(
      RequestCode::kGetConsumeStats, ResponseCode::kSuccess,
      R"({"consumeTps":0.0,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"orders"}:)"
      R"({"brokerOffset":25,"consumerOffset":20,"lastTimestamp":0,"pullOffset":0},)"
      R"({"brokerName":"broker-a","queueId":1,"topic":"orders"}:{"brokerOffset":4,"consumerOffset":0,"lastTimestamp":0,"pullOffset":0}}})",
      {}, std::nullopt, kBrokerA);
  t.respondAlways(
      RequestCode::kGetConsumeStats, ResponseCode::kSuccess,
      R"({"consumeTps":0.0,"offsetTable":{{"brokerName":"broker-b","queueId":0,"topic":"orders"}:)"
      R"({"brokerOffset":3,"consumerOffset":0,"lastTimestamp":0,"pullOffset":0}}})",
      {}, std::nullopt, kBrokerB);
  t.respond(RequestCode::kQueryConsumerOffset, ResponseCode::kQueryNotFound, {}, {}, "Not found",
            kBrokerA);
  t.respond(RequestCode::kQueryConsumerOffset, ResponseCode::kSuccess, {},
            extFields({{"offset", "0"}}), std::nullopt, kBrokerB);
  auto state = runSync(fetchGroupState(cluster, "G1", std::nullopt));
  ASSERT_TRUE(state) << state.error().toString();
  EXPECT_TRUE(t.unexpected().empty()) << t.unexpected()[0];
  EXPECT_TRUE(state->exists());
  EXPECT_FALSE(state->online());
  EXPECT_EQ(state->name_server, kNs);
  EXPECT_EQ(state->config_on, (std::vector<std::string>{"broker-a", "broker-b"}));
  ASSERT_EQ(state->queues.size(), 3U);
  EXPECT_EQ(state->queues[0].committed, QueueOffset(20));
  EXPECT_EQ(state->queues[1].committed, std::nullopt);    // never committed
  EXPECT_EQ(state->queues[2].committed, QueueOffset(0));  // committed 0
  EXPECT_EQ(state->totalLag(), 8);
  // Only the two ambiguous queues were asked, and never with the group-creating 352.
  EXPECT_EQ(t.callsWith(RequestCode::kQueryConsumerOffset).size(), 2U);
  EXPECT_TRUE(t.callsWith(RequestCode::kGetSubscriptionGroupConfig).empty());
}

TEST_F(FetchGroupStateTest, UnknownGroupIsAStateNotAnError) {
  Cluster cluster(specFor("test", {kNs}), t);
  t.respondAlways(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respondAlways(RequestCode::kGetAllSubscriptionGroupConfig, ResponseCode::kSuccess,
                  R"({"subscriptionGroupTable":{}})");
  t.respondAlways(RequestCode::kGetConsumerConnectionList, ResponseCode::kConsumerNotOnline, {}, {},
                  "not online");
  t.respondAlways(RequestCode::kQueryTopicsByConsumer, ResponseCode::kSuccess,
                  R"({"topicList":[]})");
  auto state = runSync(fetchGroupState(cluster, "nope", std::nullopt));
  ASSERT_TRUE(state) << state.error().toString();
  EXPECT_FALSE(state->exists());
  EXPECT_EQ(state->config_missing_on, (std::vector<std::string>{"broker-a", "broker-b"}));
  EXPECT_TRUE(state->queues.empty());
  EXPECT_TRUE(t.callsWith(RequestCode::kGetConsumeStats).empty());
}

TEST_F(FetchGroupStateTest, EveryMasterRefusingIsTheAnswer) {
  Cluster cluster(specFor("test", {kNs}), t);
  t.respondAlways(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respondAlways(RequestCode::kGetAllSubscriptionGroupConfig, ResponseCode::kNoPermission, {}, {},
                  "check signature failed.");
  auto state = runSync(fetchGroupState(cluster, "G1", std::nullopt));
  ASSERT_FALSE(state);
  EXPECT_EQ(state.error().code, Errc::kAuthFailed);
}

TEST_F(FetchGroupStateTest, UnknownTopicAndUnreachableNameServer) {
  Cluster cluster(specFor("test", {kNs}), t);
  t.respond(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kTopicNotExist, {}, {},
            "No topic route info");
  auto state = runSync(fetchGroupState(cluster, "G1", std::string("nope")));
  ASSERT_FALSE(state);
  EXPECT_EQ(state.error().code, Errc::kTopicNotExist);
  EXPECT_EQ(state.error().message, "topic 'nope' does not exist (NameServer 127.0.0.1:19876)");

  t.fail(RequestCode::kGetBrokerClusterInfo, Errc::kConnectFailed,
         "cannot connect to 127.0.0.1:19876: Connection refused");
  auto down = runSync(fetchGroupState(cluster, "G1", std::nullopt));
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().message, "cannot reach NameServer 127.0.0.1:19876: connection refused");
}

TEST_F(FetchGroupStateTest, BrokerCallsDialTheMappedAddress) {
  constexpr const char* kProxyB = "192.168.7.2:20921";
  Cluster cluster(specFor("test", {kNs}, {{kBrokerB, kProxyB}}), t);
  scriptExistingGroup();
  t.respondAlways(RequestCode::kGetConsumeStats, ResponseCode::kSuccess,
                  R"({"consumeTps":0.0,"offsetTable":{}})", {}, std::nullopt, kBrokerA);
  t.respondAlways(
      RequestCode::kGetConsumeStats, ResponseCode::kSuccess,
      R"({"consumeTps":0.0,"offsetTable":{{"brokerName":"broker-b","queueId":0,"topic":"orders"}:)"
      R"({"brokerOffset":3,"consumerOffset":0,"lastTimestamp":0,"pullOffset":0}}})",
      {}, std::nullopt, kProxyB);
  t.respond(RequestCode::kQueryConsumerOffset, ResponseCode::kSuccess, {},
            extFields({{"offset", "0"}}), std::nullopt, kProxyB);
  auto state = runSync(fetchGroupState(cluster, "G1", std::nullopt));
  ASSERT_TRUE(state) << state.error().toString();
  EXPECT_TRUE(t.unexpected().empty()) << t.unexpected()[0];
  for (const auto& call : t.calls()) {
    EXPECT_NE(call.addr, kBrokerB)
        << "request " << call.request.code << " dialled the advertised address";
  }
  ASSERT_EQ(state->queues.size(), 1U);
  EXPECT_EQ(state->queues[0].committed, QueueOffset(0));
}

}  // namespace
}  // namespace ferry::rocketmq
