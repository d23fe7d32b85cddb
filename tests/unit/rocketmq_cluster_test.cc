#include <algorithm>

#include <gtest/gtest.h>

#include "ferry/rocketmq/cluster.h"
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

constexpr const char* kNs1 = "127.0.0.1:9876";
constexpr const char* kNs2 = "127.0.0.2:9876";
constexpr const char* kBrokerA = "10.0.0.1:10911";
constexpr const char* kBrokerB = "10.0.0.3:10911";

std::string route(const std::string& a_addr = kBrokerA) {
  return R"({"brokerDatas":[{"brokerAddrs":{"0":")" + a_addr
         + R"(","1":"10.0.0.2:10911"},"brokerName":"broker-a","cluster":"C"},)"
           R"({"brokerAddrs":{"0":"10.0.0.3:10911"},"brokerName":"broker-b","cluster":"C"},)"
           R"({"brokerAddrs":{"1":"10.0.0.4:10911"},"brokerName":"broker-c","cluster":"C"}],)"
           R"("queueDatas":[{"brokerName":"broker-b","perm":6,"readQueueNums":2,"writeQueueNums":1},)"
           R"({"brokerName":"broker-a","perm":6,"readQueueNums":2,"writeQueueNums":2},)"
           R"({"brokerName":"broker-c","perm":6,"readQueueNums":1,"writeQueueNums":1}]})";
}

const char* kClusterInfo =
    R"({"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"broker-a","cluster":"C"},)"
    R"("broker-b":{"brokerAddrs":{0:"10.0.0.3:10911"},"brokerName":"broker-b","cluster":"C"},)"
    R"("broker-c":{"brokerAddrs":{1:"10.0.0.4:10911"},"brokerName":"broker-c","cluster":"C"}},)"
    R"("clusterAddrTable":{"C":["broker-a","broker-b","broker-c"]}})";

std::string stats(const std::string& broker, int queues, long base) {
  std::string out = R"({"consumeTps":1.0,"offsetTable":{)";
  for (int q = 0; q < queues; ++q) {
    if (q) {
      out += ",";
    }
    out += R"({"brokerName":")" + broker + R"(","queueId":)" + std::to_string(q)
           + R"(,"topic":"orders"}:{"brokerOffset":)" + std::to_string(base + 10)
           + R"(,"consumerOffset":)" + std::to_string(base)
           + R"(,"lastTimestamp":0,"pullOffset":0})";
  }
  return out + "}}";
}

struct FakeClock {
  std::chrono::steady_clock::time_point t{std::chrono::seconds(1000)};
  std::function<std::chrono::steady_clock::time_point()> fn() {
    return [this] {
      return t;
    };
  }
};

class ClusterTest : public ::testing::Test {
 protected:
  ClusterTest() {
    ClusterOptions options;
    options.now = clock.fn();
    options.route_ttl = std::chrono::seconds(30);
    cluster = std::make_unique<Cluster>(specFor("source", {kNs1, kNs2}), t, options);
  }
  FakeTransport t;
  FakeClock clock;
  std::unique_ptr<Cluster> cluster;
};

TEST(ClusterConfigParse, NameServerList) {
  auto list = parseNameServerList("127.0.0.1:19876;127.0.0.2:19876, 10.0.0.1:9876");
  ASSERT_TRUE(list);
  EXPECT_EQ(*list,
            (std::vector<std::string>{"127.0.0.1:19876", "127.0.0.2:19876", "10.0.0.1:9876"}));
  EXPECT_FALSE(parseNameServerList(""));
  EXPECT_FALSE(parseNameServerList(";"));
  auto bad = parseNameServerList("127.0.0.1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "NameServer address '127.0.0.1' is not host:port");
  EXPECT_FALSE(parseNameServerList("host:abc"));
}

TEST_F(ClusterTest, RouteIsCachedUntilTtl) {
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route());
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route("10.0.0.9:10911"));
  auto first = runSync(cluster->route("orders"));
  ASSERT_TRUE(first);
  clock.t += std::chrono::seconds(29);
  auto cached = runSync(cluster->route("orders"));
  ASSERT_TRUE(cached);
  EXPECT_EQ(t.calls().size(), 1U);
  clock.t += std::chrono::seconds(2);
  auto refreshed = runSync(cluster->route("orders"));
  ASSERT_TRUE(refreshed);
  EXPECT_EQ(t.calls().size(), 2U);
  EXPECT_EQ(refreshed->findBroker("broker-a")->masterAddr(), "10.0.0.9:10911");
}

TEST_F(ClusterTest, InvalidateForcesRefresh) {
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route());
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route());
  ASSERT_TRUE(runSync(cluster->route("orders")));
  cluster->invalidateRoute("orders");
  ASSERT_TRUE(runSync(cluster->route("orders")));
  EXPECT_EQ(t.calls().size(), 2U);
}

TEST_F(ClusterTest, NameServerFailoverInOrderAndSticky) {
  t.fail(RequestCode::kGetRouteInfoByTopic, Errc::kConnectFailed,
         "connect 127.0.0.1:9876: connection refused", kNs1);
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route(), {}, std::nullopt,
            kNs2);
  t.respond(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo, {},
            std::nullopt, kNs2);
  auto r = runSync(cluster->route("orders"));
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(t.calls()[0].addr, kNs1);
  EXPECT_EQ(t.calls()[1].addr, kNs2);
  EXPECT_EQ(cluster->currentNameServer(), kNs2);
  // The next NameServer call starts with the one that answered.
  ASSERT_TRUE(runSync(cluster->clusterInfo()));
  EXPECT_EQ(t.calls()[2].addr, kNs2);
}

TEST_F(ClusterTest, TopicNotExistIsFinalNoFailover) {
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kTopicNotExist, {}, {},
            "No topic route info", kNs1);
  auto r = runSync(cluster->route("nope"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kTopicNotExist);
  EXPECT_EQ(t.calls().size(), 1U);
}

TEST_F(ClusterTest, AllNameServersDown) {
  t.failAlways(RequestCode::kGetBrokerClusterInfo, Errc::kConnectFailed, "connection refused");
  auto r = runSync(cluster->clusterInfo());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kConnectFailed);
  EXPECT_EQ(r.error().message,
            "no NameServer of cluster 'source' answered (2 tried); last: cluster info from "
            "NameServer 127.0.0.2:9876: connection refused");
  EXPECT_EQ(t.calls().size(), 2U);
}

TEST_F(ClusterTest, SingleNameServerDownKeepsPlainMessage) {
  FakeTransport fake;
  Cluster one(specFor("source", {kNs1}), fake);
  fake.fail(RequestCode::kGetBrokerClusterInfo, Errc::kConnectFailed,
            "connect 127.0.0.1:9876: connection refused");
  auto r = runSync(one.clusterInfo());
  ASSERT_FALSE(r);
  EXPECT_EQ(
      r.error().message,
      "cluster info from NameServer 127.0.0.1:9876: connect 127.0.0.1:9876: connection refused");
}

TEST_F(ClusterTest, BusyNameServerFailsOver) {
  t.respond(RequestCode::kGetAllTopicListFromNameServer, ResponseCode::kSystemBusy, {}, {}, "busy",
            kNs1);
  t.respond(RequestCode::kGetAllTopicListFromNameServer, ResponseCode::kSuccess,
            R"({"topicList":["a"]})", {}, std::nullopt, kNs2);
  auto r = runSync(cluster->allTopics());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->topics, std::vector<std::string>{"a"});
}

TEST_F(ClusterTest, StaleRouteServedWhenNameServersUnreachable) {
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route());
  ASSERT_TRUE(runSync(cluster->route("orders")));
  clock.t += std::chrono::minutes(5);
  t.failAlways(RequestCode::kGetRouteInfoByTopic, Errc::kTimeout, "timed out");
  auto stale = runSync(cluster->route("orders"));
  ASSERT_TRUE(stale) << "a stale route beats none";
  EXPECT_EQ(stale->broker_datas.size(), 3U);
}

TEST_F(ClusterTest, DeletedTopicDropsCache) {
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route());
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kTopicNotExist);
  ASSERT_TRUE(runSync(cluster->route("orders")));
  auto gone = runSync(cluster->refreshRoute("orders"));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::kTopicNotExist);
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kTopicNotExist);
  EXPECT_FALSE(runSync(cluster->route("orders")));  // not served from cache
}

TEST_F(ClusterTest, QueuesResolveToMasters) {
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route());
  auto read = runSync(cluster->readQueues("orders"));
  ASSERT_TRUE(read) << read.error().toString();
  // broker-c has no master: skipped. Sorted by (broker, queue).
  ASSERT_EQ(read->size(), 4U);
  EXPECT_EQ((*read)[0].queue, (MessageQueue{"orders", "broker-a", QueueId(0)}));
  EXPECT_EQ((*read)[0].addr, kBrokerA);
  EXPECT_EQ((*read)[3].queue, (MessageQueue{"orders", "broker-b", QueueId(1)}));
  EXPECT_EQ((*read)[3].addr, kBrokerB);
  auto write = runSync(cluster->writeQueues("orders"));
  ASSERT_TRUE(write);
  EXPECT_EQ(write->size(), 3U);
  auto master = runSync(cluster->masterAddr("orders", "broker-b"));
  ASSERT_TRUE(master);
  EXPECT_EQ(*master, kBrokerB);
  auto no_master = runSync(cluster->masterAddr("orders", "broker-c"));
  ASSERT_FALSE(no_master);
  EXPECT_EQ(no_master.error().code, Errc::kNotFound);
  EXPECT_EQ(no_master.error().message,
            "broker 'broker-c' of cluster 'source' has no master (brokerId 0) right now");
  auto unknown = runSync(cluster->masterAddr("orders", "broker-z"));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(t.callsWith(RequestCode::kGetRouteInfoByTopic).size(), 1U);
}

TEST_F(ClusterTest, MastersFromClusterInfo) {
  t.respond(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  auto masters = runSync(cluster->masters());
  ASSERT_TRUE(masters);
  EXPECT_EQ(*masters,
            (std::vector<BrokerAddress>{{"broker-a", "C", kBrokerA}, {"broker-b", "C", kBrokerB}}));
}

TEST_F(ClusterTest, ConsumeStatsFanOutMerges) {
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route());
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSuccess, stats("broker-a", 2, 100), {},
            std::nullopt, kBrokerA);
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSuccess, stats("broker-b", 2, 5), {},
            std::nullopt, kBrokerB);
  auto merged = runSync(cluster->consumeStats("G1", "orders"));
  ASSERT_TRUE(merged) << merged.error().toString();
  EXPECT_EQ(merged->brokers, 2U);
  EXPECT_TRUE(merged->failures.empty());
  EXPECT_EQ(merged->value.offset_table.size(), 4U);
  EXPECT_DOUBLE_EQ(merged->value.consume_tps, 2.0);
  EXPECT_EQ(merged->value.totalDiff(), 40);
  for (const auto& call : t.callsWith(RequestCode::kGetConsumeStats)) {
    EXPECT_EQ(call.request.ext_fields.get("topic"), "orders");
  }
}

TEST_F(ClusterTest, FanOutReportsBrokerFailures) {
  t.respond(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSuccess, stats("broker-a", 1, 1), {},
            std::nullopt, kBrokerA);
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kNoPermission, {}, {}, "forbidden",
            kBrokerB);
  auto merged = runSync(cluster->consumeStats("G1", std::nullopt));
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->value.offset_table.size(), 1U);
  ASSERT_EQ(merged->failures.size(), 1U);
  EXPECT_EQ(merged->failures.at("broker-b").code, Errc::kNoPermission);
  EXPECT_FALSE(t.calls()[1].request.ext_fields.contains("topic"));
}

TEST_F(ClusterTest, FanOutRetriesMovedBrokerWithFreshRoute) {
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route());
  t.fail(RequestCode::kGetConsumeStats, Errc::kConnectFailed, "connection refused", kBrokerA);
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSuccess, stats("broker-b", 1, 1), {},
            std::nullopt, kBrokerB);
  // The fresh route says broker-a's master moved.
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route("10.0.0.9:10911"));
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSuccess, stats("broker-a", 2, 1), {},
            std::nullopt, "10.0.0.9:10911");
  auto merged = runSync(cluster->consumeStats("G1", "orders"));
  ASSERT_TRUE(merged) << merged.error().toString();
  EXPECT_TRUE(merged->failures.empty());
  EXPECT_EQ(merged->value.offset_table.size(), 3U);
  EXPECT_EQ(t.callsWith(RequestCode::kGetRouteInfoByTopic).size(), 2U);
  EXPECT_EQ(t.pending(), 0U);
  // The cache now holds the fresh route.
  auto master = runSync(cluster->masterAddr("orders", "broker-a"));
  ASSERT_TRUE(master);
  EXPECT_EQ(*master, "10.0.0.9:10911");
}

TEST_F(ClusterTest, ConnectionsAreOredAcrossBrokers) {
  t.respond(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respond(RequestCode::kGetConsumerConnectionList, ResponseCode::kConsumerNotOnline, {}, {},
            "not online", kBrokerA);
  t.respond(
      RequestCode::kGetConsumerConnectionList, ResponseCode::kSuccess,
      R"({"connectionSet":[{"clientAddr":"10.0.0.5:1","clientId":"c1","language":"JAVA","version":479}],)"
      R"("consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","consumeFromWhere":"CONSUME_FROM_LAST_OFFSET",)"
      R"("subscriptionTable":{"orders":{"subString":"*","topic":"orders"}}})",
      {}, std::nullopt, kBrokerB);
  auto merged = runSync(cluster->consumerConnections("G1", std::nullopt));
  ASSERT_TRUE(merged);
  EXPECT_TRUE(merged->failures.empty()) << "CONSUMER_NOT_ONLINE is not a failure";
  ASSERT_EQ(merged->value.connection_set.size(), 1U);
  EXPECT_EQ(merged->value.connection_set[0].client_id, "c1");
  EXPECT_EQ(merged->value.consume_type, "CONSUME_PASSIVELY");
  EXPECT_TRUE(merged->value.subscription_table.contains("orders"));
}

TEST_F(ClusterTest, ConnectionsDeduplicatedByClientId) {
  const std::string body =
      R"({"connectionSet":[{"clientAddr":"10.0.0.5:1","clientId":"c1","language":"JAVA","version":479}],"subscriptionTable":{}})";
  t.respond(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respondAlways(RequestCode::kGetConsumerConnectionList, ResponseCode::kSuccess, body);
  auto merged = runSync(cluster->consumerConnections("G1", std::nullopt));
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->value.connection_set.size(), 1U);
}

TEST_F(ClusterTest, TopicsByConsumerUnioned) {
  t.respond(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respond(RequestCode::kQueryTopicsByConsumer, ResponseCode::kSuccess,
            R"({"topicList":["orders","%RETRY%G1"]})", {}, std::nullopt, kBrokerA);
  // A 4.9 broker in the same cluster: falls back to consume stats.
  t.respond(RequestCode::kQueryTopicsByConsumer, ResponseCode::kRequestCodeNotSupported, {}, {},
            std::nullopt, kBrokerB);
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSuccess, stats("broker-b", 1, 0), {},
            std::nullopt, kBrokerB);
  auto topics = runSync(cluster->topicsByConsumer("G1"));
  ASSERT_TRUE(topics) << topics.error().toString();
  EXPECT_EQ(topics->value, (std::vector<std::string>{"%RETRY%G1", "orders"}));
  EXPECT_TRUE(topics->failures.empty());
}

TEST_F(ClusterTest, SubscriptionGroupOnMastersIsReadOnly) {
  t.respond(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respond(RequestCode::kGetAllSubscriptionGroupConfig, ResponseCode::kSuccess,
            R"({"subscriptionGroupTable":{"G1":{"groupName":"G1"}}})", {}, std::nullopt, kBrokerA);
  t.respond(RequestCode::kGetAllSubscriptionGroupConfig, ResponseCode::kSuccess,
            R"({"subscriptionGroupTable":{}})", {}, std::nullopt, kBrokerB);
  auto groups = runSync(cluster->subscriptionGroupOnMasters("G1"));
  ASSERT_TRUE(groups);
  EXPECT_EQ(groups->value.size(), 1U);
  EXPECT_TRUE(groups->value.contains("broker-a"));
  EXPECT_TRUE(t.callsWith(RequestCode::kGetSubscriptionGroupConfig).empty());
}

TEST_F(ClusterTest, UnknownTopicFanOutFails) {
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kTopicNotExist, {}, {},
            "No topic route info");
  auto merged = runSync(cluster->consumeStats("G1", "nope"));
  ASSERT_FALSE(merged);
  EXPECT_EQ(merged.error().code, Errc::kTopicNotExist);
}

// ---- broker_address_map ----

// broker-a is advertised as 10.0.0.1:10911 but reachable only through a proxy.
constexpr const char* kProxyA = "192.168.7.1:20911";

class MappedClusterTest : public ::testing::Test {
 protected:
  FakeTransport t;
  Cluster cluster{specFor("source", {kNs1}, {{kBrokerA, kProxyA}}), t};
};

TEST_F(MappedClusterTest, MastersAndQueuesCarryTheMappedAddress) {
  t.respondAlways(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respondAlways(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route());
  auto masters = runSync(cluster.masters());
  ASSERT_TRUE(masters) << masters.error().toString();
  ASSERT_EQ(masters->size(), 2U);
  EXPECT_EQ((*masters)[0], (BrokerAddress{"broker-a", "C", kProxyA}));
  EXPECT_EQ((*masters)[1], (BrokerAddress{"broker-b", "C", kBrokerB}));  // unmapped: as advertised

  auto topic_masters = runSync(cluster.topicMasters("orders"));
  ASSERT_TRUE(topic_masters);
  EXPECT_EQ((*topic_masters)[0].addr, kProxyA);

  auto master = runSync(cluster.masterAddr("orders", "broker-a"));
  ASSERT_TRUE(master);
  EXPECT_EQ(*master, kProxyA);

  auto read = runSync(cluster.readQueues("orders"));
  ASSERT_TRUE(read);
  ASSERT_EQ(read->size(), 4U);
  EXPECT_EQ((*read)[0].queue.broker_name, "broker-a");
  EXPECT_EQ((*read)[0].addr, kProxyA);
  EXPECT_EQ((*read)[2].addr, kBrokerB);
  auto write = runSync(cluster.writeQueues("orders"));
  ASSERT_TRUE(write);
  EXPECT_EQ((*write)[0].addr, kProxyA);
  // The route itself keeps what the NameServer advertised.
  auto r = runSync(cluster.route("orders"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->findBroker("broker-a")->masterAddr(), kBrokerA);
  EXPECT_EQ(cluster.dialAddress(kBrokerA), kProxyA);
  EXPECT_EQ(cluster.dialAddress(kBrokerB), kBrokerB);
}

TEST_F(MappedClusterTest, FanOutDialsTheMappedAddress) {
  t.respondAlways(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route());
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSuccess, stats("broker-a", 2, 0), {},
            std::nullopt, kProxyA);
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSuccess, stats("broker-b", 2, 0), {},
            std::nullopt, kBrokerB);
  auto merged = runSync(cluster.consumeStats("G1", "orders"));
  ASSERT_TRUE(merged) << merged.error().toString();
  EXPECT_TRUE(merged->failures.empty());
  EXPECT_EQ(merged->value.offset_table.size(), 4U);
  std::vector<std::string> dialled;
  for (const auto& call : t.callsWith(RequestCode::kGetConsumeStats)) {
    dialled.push_back(call.addr);
  }
  std::sort(dialled.begin(), dialled.end());
  EXPECT_EQ(dialled, (std::vector<std::string>{kBrokerB, kProxyA}));
  EXPECT_TRUE(t.unexpected().empty());
}

TEST_F(MappedClusterTest, FanOutRetryAfterRouteRefreshDialsTheMappedAddress) {
  // broker-a moves from 10.0.0.9 (unmapped, unreachable) to 10.0.0.1, which the map sends to the
  // proxy: the retry must go to the proxy.
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route("10.0.0.9:10911"));
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, route());
  t.fail(RequestCode::kGetConsumeStats, Errc::kConnectFailed, "connection refused",
         "10.0.0.9:10911");
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSuccess, stats("broker-b", 2, 0), {},
            std::nullopt, kBrokerB);
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSuccess, stats("broker-a", 2, 0), {},
            std::nullopt, kProxyA);
  auto merged = runSync(cluster.consumeStats("G1", "orders"));
  ASSERT_TRUE(merged) << merged.error().toString();
  EXPECT_TRUE(merged->failures.empty());
  EXPECT_EQ(t.callsWith(RequestCode::kGetConsumeStats).back().addr, kProxyA);
}

TEST(ClusterErrors, NameServerAndRouteFailuresForOperators) {
  FakeTransport t;
  Cluster one(specFor("source", {kNs1}), t);
  Error refused{
      Errc::kConnectFailed, "cannot connect to 127.0.0.1:9876: Connection refused", 0, {}};
  EXPECT_EQ(nameServerFailure(one, refused).message,
            "cannot reach NameServer 127.0.0.1:9876: connection refused");
  Cluster two(specFor("source", {kNs1, kNs2}), t);
  EXPECT_EQ(nameServerFailure(two, refused).message,
            "cannot reach any NameServer (127.0.0.1:9876;127.0.0.2:9876): connection refused");
  Error other{Errc::kRemote, "SYSTEM_ERROR", 1, {}};
  EXPECT_EQ(nameServerFailure(one, other).message, "SYSTEM_ERROR");
  Error missing{Errc::kTopicNotExist, "route of 'x': TOPIC_NOT_EXIST", 17, {}};
  EXPECT_EQ(routeFailure(one, "x", missing).message,
            "topic 'x' does not exist (NameServer 127.0.0.1:9876)");
  EXPECT_EQ(routeFailure(one, "x", missing).code, Errc::kTopicNotExist);
}

}  // namespace
}  // namespace ferry::rocketmq
