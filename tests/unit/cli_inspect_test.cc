#include <gtest/gtest.h>

#include "ferry/cli/inspect.h"
#include "ferry/cli/table.h"
#include "support/fake_transport.h"

namespace ferry::cli {
namespace {

using codec::RequestCode;
using codec::ResponseCode;
using rocketmq::FakeTransport;
using rocketmq::runSync;

constexpr const char* kNs = "127.0.0.1:19876";
constexpr const char* kBrokerA = "127.0.0.1:10911";
constexpr const char* kBrokerB = "127.0.0.1:10921";

const char* kClusterInfo =
    R"({"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10912"},"brokerName":"broker-a","cluster":"SourceCluster"},)"
    R"("broker-b":{"brokerAddrs":{0:"127.0.0.1:10921"},"brokerName":"broker-b","cluster":"SourceCluster"}},)"
    R"("clusterAddrTable":{"SourceCluster":["broker-a","broker-b"]}})";

const char* kRoute =
    R"({"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"SourceCluster"},)"
    R"({"brokerAddrs":{"0":"127.0.0.1:10921"},"brokerName":"broker-b","cluster":"SourceCluster"}],)"
    R"("queueDatas":[{"brokerName":"broker-b","perm":4,"readQueueNums":1,"writeQueueNums":1},)"
    R"({"brokerName":"broker-a","perm":6,"readQueueNums":2,"writeQueueNums":2}]})";

rocketmq::ClusterSpec testSpec(std::vector<std::string> name_servers) {
  rocketmq::ClusterSpec spec;
  spec.name = "test";
  spec.name_servers = std::move(name_servers);
  return spec;
}

class InspectTest : public ::testing::Test {
 protected:
  FakeTransport t;
  rocketmq::Cluster cluster{testSpec({kNs}), t};
};

// ---- small helpers ----

TEST(InspectHelpers, Table) {
  Table table({"NAME", "COUNT"});
  table.alignRight(1);
  table.addRow({"a", "1"});
  table.addRow({"longer-name", "12345"});
  table.addRow({"ü", ""});
  EXPECT_EQ(table.render(),
            "NAME         COUNT\n"
            "a                1\n"
            "longer-name  12345\n"
            "ü\n");
}

TEST(InspectHelpers, Timestamps) {
  EXPECT_EQ(formatTimestamp(0), "-");
  EXPECT_EQ(formatTimestamp(1700000000123), "2023-11-14 22:13:20");
  EXPECT_EQ(formatTimestamp(StoreTime::fromMillis(1700000000123)), "2023-11-14 22:13:20");
  EXPECT_EQ(formatTimestamp(StoreTime()), "-");
}

TEST(InspectHelpers, TopicKinds) {
  const std::vector<std::string> clusters{"SourceCluster"};
  const std::vector<std::string> brokers{"broker-a"};
  EXPECT_EQ(topicKind("orders", clusters, brokers), "normal");
  EXPECT_EQ(topicKind("%RETRY%G1", clusters, brokers), "retry");
  EXPECT_EQ(topicKind("%DLQ%G1", clusters, brokers), "dlq");
  EXPECT_EQ(topicKind("TBW102", clusters, brokers), "system");
  EXPECT_EQ(topicKind("rmq_sys_wheel_timer", clusters, brokers), "system");
  EXPECT_EQ(topicKind("SourceCluster", clusters, brokers), "cluster");
  EXPECT_EQ(topicKind("broker-a", clusters, brokers), "broker");
  EXPECT_EQ(topicKind("SourceCluster_REPLY_TOPIC", clusters, brokers), "system");
  EXPECT_EQ(permText(6), "RW");
  EXPECT_EQ(permText(4), "R-");
  EXPECT_EQ(permText(2 | 8), "-WP");
}

TEST(InspectHelpers, ExitCodesAreDistinct) {
  EXPECT_EQ(exitCodeFor(Error{Errc::kConnectFailed, "", 0, {}}), kExitUnreachable);
  EXPECT_EQ(exitCodeFor(Error{Errc::kTimeout, "", 0, {}}), kExitUnreachable);
  EXPECT_EQ(exitCodeFor(Error{Errc::kTopicNotExist, "", 17, {}}), kExitTopicNotFound);
  EXPECT_EQ(exitCodeFor(Error{Errc::kGroupNotExist, "", 0, {}}), kExitGroupNotFound);
  EXPECT_EQ(exitCodeFor(Error{Errc::kAuthFailed, "", 16, {}}), kExitAuth);
  EXPECT_EQ(exitCodeFor(Error{Errc::kNoPermission, "", 16, {}}), kExitAuth);
  EXPECT_EQ(exitCodeFor(Error{Errc::kRemote, "", 1, {}}), kExitError);
  std::set<int> codes{kExitOk,          kExitError,         kExitUsage,
                      kExitUnreachable, kExitTopicNotFound, kExitGroupNotFound,
                      kExitAuth};
  EXPECT_EQ(codes.size(), 7U);
}

TEST(InspectHelpers, AuthFailureSuggestsAccessKey) {
  Error e{Errc::kAuthFailed, "consume stats of group 'G' at 127.0.0.1:10911: NO_PERMISSION", 16,
          "check signature failed."};
  EXPECT_EQ(
      describeFailure(e, false),
      "consume stats of group 'G' at 127.0.0.1:10911: NO_PERMISSION (check signature failed.)\n"
      "hint: the cluster requires authentication; pass --access-key and --secret-key (or set "
      "FERRY_ACCESS_KEY/FERRY_SECRET_KEY)");
  EXPECT_NE(describeFailure(e, true).find("refused these credentials"), std::string::npos);
  Error missing{Errc::kTopicNotExist, "topic 'x' does not exist (NameServer 127.0.0.1:9876)", 17,
                "No topic route info in name server for the topic: x\nSee "
                "https://rocketmq.apache.org/docs/bestPractice/06FAQ"};
  EXPECT_EQ(describeFailure(missing, false),
            "topic 'x' does not exist (NameServer 127.0.0.1:9876)");
  Error multi{Errc::kRemote, "consume stats of group 'G' at 127.0.0.1:10911: SYSTEM_ERROR", 1,
              "first line\nsecond line"};
  EXPECT_EQ(describeFailure(multi, false),
            "consume stats of group 'G' at 127.0.0.1:10911: SYSTEM_ERROR (first line)");
}

// ---- clusters ----

TEST_F(InspectTest, ClustersListsEveryAddressWithVersion) {
  t.respond(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respond(
      RequestCode::kGetBrokerRuntimeInfo, ResponseCode::kSuccess,
      R"({"table":{"brokerVersionDesc":"V5_3_3","msgPutTotalTodayNow":"12","msgGetTotalTodayNow":"7"}})",
      {}, std::nullopt, kBrokerA);
  t.fail(RequestCode::kGetBrokerRuntimeInfo, Errc::kConnectFailed,
         "cannot connect to 127.0.0.1:10912: Connection refused", "127.0.0.1:10912");
  t.respond(RequestCode::kGetBrokerRuntimeInfo, ResponseCode::kSuccess,
            R"({"table":{"brokerVersionDesc":"V4_9_8"}})", {}, std::nullopt, kBrokerB);
  auto report = runSync(collectClusters(cluster));
  ASSERT_TRUE(report) << report.error().toString();
  ASSERT_EQ(report->brokers.size(), 3U);
  EXPECT_EQ(
      renderText(*report),
      "NameServer 127.0.0.1:19876: 3 broker address(es)\n\n"
      "CLUSTER        BROKER    ID  ROLE    ADDRESS          VERSION  PUT TODAY  GET TODAY\n"
      "SourceCluster  broker-a   0  master  127.0.0.1:10911  V5_3_3          12          7\n"
      "SourceCluster  broker-a   1  slave   127.0.0.1:10912  ?                -          -\n"
      "SourceCluster  broker-b   0  master  127.0.0.1:10921  V4_9_8           -          -\n"
      "warning: broker-a (127.0.0.1:10912): runtime info at 127.0.0.1:10912: cannot connect to "
      "127.0.0.1:10912: Connection refused\n");
  auto json = toJson(*report);
  EXPECT_EQ(json["brokers"][0]["version"], "V5_3_3");
  EXPECT_EQ(json["brokers"][1]["version"], nullptr);
  EXPECT_EQ(json["brokers"][1]["role"], "slave");
}

TEST_F(InspectTest, ClustersWithCredentialsRefusedEverywhere) {
  t.respond(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respondAlways(RequestCode::kGetBrokerRuntimeInfo, ResponseCode::kNoPermission, {}, {},
                  "username cannot be null.");
  auto report = runSync(collectClusters(cluster));
  ASSERT_FALSE(report);
  EXPECT_EQ(exitCodeFor(report.error()), kExitAuth);
}

TEST_F(InspectTest, UnreachableNameServerMessage) {
  t.fail(RequestCode::kGetBrokerClusterInfo, Errc::kConnectFailed,
         "cannot connect to 127.0.0.1:19876: Connection refused");
  auto report = runSync(collectClusters(cluster));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().message, "cannot reach NameServer 127.0.0.1:19876: connection refused");
  EXPECT_EQ(exitCodeFor(report.error()), kExitUnreachable);
}

TEST(InspectNameServers, UnreachableListMessage) {
  FakeTransport t;
  rocketmq::Cluster cluster(testSpec({"127.0.0.1:1", "127.0.0.1:2"}), t);
  t.failAlways(RequestCode::kGetAllTopicListFromNameServer, Errc::kTimeout,
               "call timed out after 3000 ms");
  auto report = runSync(collectTopics(cluster, false));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().message,
            "cannot reach any NameServer (127.0.0.1:1;127.0.0.1:2): call timed out after 3000 ms");
}

// ---- topic ----

TEST_F(InspectTest, TopicShowsRouteAndQueues) {
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, kRoute);
  t.respond(
      RequestCode::kGetTopicStatsInfo, ResponseCode::kSuccess,
      R"({"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"orders"}:{"lastUpdateTimestamp":1700000000123,"maxOffset":25,"minOffset":5},)"
      R"({"brokerName":"broker-a","queueId":1,"topic":"orders"}:{"lastUpdateTimestamp":0,"maxOffset":0,"minOffset":0}},"topicPutTps":0.0})",
      {}, std::nullopt, kBrokerA);
  t.respond(
      RequestCode::kGetTopicStatsInfo, ResponseCode::kSuccess,
      R"({"offsetTable":{{"brokerName":"broker-b","queueId":0,"topic":"orders"}:{"lastUpdateTimestamp":1700000000123,"maxOffset":3,"minOffset":0}}})",
      {}, std::nullopt, kBrokerB);
  auto report = runSync(collectTopic(cluster, "orders"));
  ASSERT_TRUE(report) << report.error().toString();
  EXPECT_EQ(renderText(*report),
            "Topic orders (NameServer 127.0.0.1:19876)\n\n"
            "BROKER    MASTER           PERM  READ QUEUES  WRITE QUEUES\n"
            "broker-a  127.0.0.1:10911  RW              2             2\n"
            "broker-b  127.0.0.1:10921  R-              1             1\n"
            "\n"
            "BROKER    QUEUE  MIN OFFSET  MAX OFFSET  MESSAGES  LAST WRITE (UTC)\n"
            "broker-a      0           5          25        20  2023-11-14 22:13:20\n"
            "broker-a      1           0           0         0  -\n"
            "broker-b      0           0           3         3  2023-11-14 22:13:20\n"
            "TOTAL                                          23\n");
  auto json = toJson(*report);
  EXPECT_EQ(json["totalMessages"], 23);
  EXPECT_EQ(json["queues"][0]["lastUpdateTime"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(json["brokers"][1]["permText"], "R-");
}

TEST_F(InspectTest, UnknownTopic) {
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kTopicNotExist, {}, {},
            "No topic route info in name server for the topic: nope");
  auto report = runSync(collectTopic(cluster, "nope"));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().message, "topic 'nope' does not exist (NameServer 127.0.0.1:19876)");
  EXPECT_EQ(exitCodeFor(report.error()), kExitTopicNotFound);
}

TEST_F(InspectTest, TopicAuthFailureEverywhereIsTheAnswer) {
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, kRoute);
  t.respondAlways(RequestCode::kGetTopicStatsInfo, ResponseCode::kNoPermission, {}, {},
                  "check signature failed.");
  auto report = runSync(collectTopic(cluster, "orders"));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, Errc::kAuthFailed);
  EXPECT_EQ(exitCodeFor(report.error()), kExitAuth);
}

// ---- group ----

void scriptGroup(FakeTransport& t, bool online) {
  // Asked more than once: for the masters, then again by each per-master fan-out.
  t.respondAlways(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respond(RequestCode::kGetAllSubscriptionGroupConfig, ResponseCode::kSuccess,
            R"({"subscriptionGroupTable":{"G1":{"groupName":"G1"}}})", {}, std::nullopt, kBrokerA);
  t.respond(RequestCode::kGetAllSubscriptionGroupConfig, ResponseCode::kSuccess,
            R"({"subscriptionGroupTable":{}})", {}, std::nullopt, kBrokerB);
  if (online) {
    t.respond(
        RequestCode::kGetConsumerConnectionList, ResponseCode::kSuccess,
        R"({"connectionSet":[{"clientAddr":"127.0.0.1:53012","clientId":"10.0.0.5@12345","language":"JAVA","version":479}],)"
        R"("consumeFromWhere":"CONSUME_FROM_LAST_OFFSET","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING",)"
        R"("subscriptionTable":{"orders":{"subString":"*","topic":"orders"}}})",
        {}, std::nullopt, kBrokerA);
  } else {
    t.respond(RequestCode::kGetConsumerConnectionList, ResponseCode::kConsumerNotOnline, {}, {},
              "not online", kBrokerA);
  }
  t.respond(RequestCode::kGetConsumerConnectionList, ResponseCode::kConsumerNotOnline, {}, {},
            "not online", kBrokerB);
  t.respond(RequestCode::kQueryTopicsByConsumer, ResponseCode::kSuccess,
            R"({"topicList":["orders"]})", {}, std::nullopt, kBrokerA);
  t.respond(RequestCode::kQueryTopicsByConsumer, ResponseCode::kSuccess,
            R"({"topicList":["orders"]})", {}, std::nullopt, kBrokerB);
}

TEST_F(InspectTest, GroupOnlineWithLag) {
  scriptGroup(t, true);
  t.respondAlways(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, kRoute);
  t.respondAlways(
      RequestCode::kGetConsumeStats, ResponseCode::kSuccess,
      R"({"consumeTps":0.5,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"orders"}:)"
      R"({"brokerOffset":25,"consumerOffset":20,"lastTimestamp":1700000000123,"pullOffset":22},)"
      R"({"brokerName":"broker-a","queueId":1,"topic":"orders"}:{"brokerOffset":4,"consumerOffset":0,"lastTimestamp":0,"pullOffset":0}}})",
      {}, std::nullopt, kBrokerA);
  t.respondAlways(
      RequestCode::kGetConsumeStats, ResponseCode::kSuccess,
      R"({"consumeTps":0.0,"offsetTable":{{"brokerName":"broker-b","queueId":0,"topic":"orders"}:)"
      R"({"brokerOffset":3,"consumerOffset":0,"lastTimestamp":0,"pullOffset":0}}})",
      {}, std::nullopt, kBrokerB);
  // broker-a queue 1: nothing committed; broker-b queue 0: committed 0.
  t.respond(RequestCode::kQueryConsumerOffset, ResponseCode::kQueryNotFound, {}, {}, "Not found",
            kBrokerA);
  t.respond(RequestCode::kQueryConsumerOffset, ResponseCode::kSuccess, {},
            rocketmq::extFields({{"offset", "0"}}), std::nullopt, kBrokerB);
  auto report = runSync(collectGroup(cluster, "G1", std::nullopt));
  ASSERT_TRUE(report) << report.error().toString();
  EXPECT_TRUE(t.unexpected().empty()) << t.unexpected()[0];
  EXPECT_EQ(renderText(*report),
            "Group G1 (NameServer 127.0.0.1:19876)\n"
            "config:  on broker-a; missing on broker-b\n"
            "online:  yes, 1 client(s); CONSUME_PASSIVELY, CLUSTERING, CONSUME_FROM_LAST_OFFSET\n"
            "\n"
            "CLIENT ID       ADDRESS          LANGUAGE  VERSION\n"
            "10.0.0.5@12345  127.0.0.1:53012  JAVA      V5_3_3\n"
            "\n"
            "SUBSCRIBED TOPIC  EXPRESSION\n"
            "orders            *\n"
            "\n"
            "TOPIC   BROKER    QUEUE  COMMITTED  MAX OFFSET  LAG  LAST CONSUMED (UTC)\n"
            "orders  broker-a      0         20          25    5  2023-11-14 22:13:20\n"
            "orders  broker-a      1          -           4    -  -\n"
            "orders  broker-b      0          0           3    3  -\n"
            "TOTAL                                       32    8\n");
}

TEST_F(InspectTest, GroupWithTopicFilterJson) {
  scriptGroup(t, false);
  t.respondAlways(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess, kRoute);
  t.respond(
      RequestCode::kGetConsumeStats, ResponseCode::kSuccess,
      R"({"consumeTps":0.0,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"orders"}:)"
      R"({"brokerOffset":25,"consumerOffset":25,"lastTimestamp":1700000000123,"pullOffset":25}}})",
      {}, std::nullopt, kBrokerA);
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSuccess,
            R"({"consumeTps":0.0,"offsetTable":{}})", {}, std::nullopt, kBrokerB);
  auto report = runSync(collectGroup(cluster, "G1", std::string("orders")));
  ASSERT_TRUE(report) << report.error().toString();
  auto json = toJson(*report);
  EXPECT_EQ(json["group"], "G1");
  EXPECT_EQ(json["topic"], "orders");
  EXPECT_EQ(json["online"], false);
  EXPECT_EQ(json["clients"].size(), 0U);
  EXPECT_EQ(json["config"]["presentOn"], nlohmann::json::array({"broker-a"}));
  ASSERT_EQ(json["queues"].size(), 1U);
  EXPECT_EQ(json["queues"][0]["committedOffset"], 25);
  EXPECT_EQ(json["queues"][0]["lag"], 0);
  EXPECT_EQ(json["totalLag"], 0);
  for (const auto& call : t.callsWith(RequestCode::kGetConsumeStats)) {
    EXPECT_EQ(call.request.ext_fields.get("topic"), "orders");
  }
  EXPECT_TRUE(t.callsWith(RequestCode::kGetSubscriptionGroupConfig).empty())
      << "352 would create the group";
}

TEST_F(InspectTest, UnknownGroup) {
  t.respondAlways(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respondAlways(RequestCode::kGetAllSubscriptionGroupConfig, ResponseCode::kSuccess,
                  R"({"subscriptionGroupTable":{}})");
  t.respondAlways(RequestCode::kGetConsumerConnectionList, ResponseCode::kConsumerNotOnline, {}, {},
                  "not online");
  t.respondAlways(RequestCode::kQueryTopicsByConsumer, ResponseCode::kSuccess,
                  R"({"topicList":[]})");
  auto report = runSync(collectGroup(cluster, "nope", std::nullopt));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, Errc::kGroupNotExist);
  EXPECT_EQ(report.error().message,
            "group 'nope' not found: no subscription group config, committed offsets or online "
            "clients on any "
            "master (NameServer 127.0.0.1:19876)");
  EXPECT_EQ(exitCodeFor(report.error()), kExitGroupNotFound);
}

TEST_F(InspectTest, GroupWithUnknownTopic) {
  t.respond(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kTopicNotExist, {}, {},
            "No topic route info");
  auto report = runSync(collectGroup(cluster, "G1", std::string("nope")));
  ASSERT_FALSE(report);
  EXPECT_EQ(exitCodeFor(report.error()), kExitTopicNotFound);
  EXPECT_EQ(report.error().message, "topic 'nope' does not exist (NameServer 127.0.0.1:19876)");
}

TEST_F(InspectTest, GroupAuthFailure) {
  t.respondAlways(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  t.respondAlways(RequestCode::kGetAllSubscriptionGroupConfig, ResponseCode::kNoPermission, {}, {},
                  "User:anonymous is not found.");
  auto report = runSync(collectGroup(cluster, "G1", std::nullopt));
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code, Errc::kAuthFailed);
}

// ---- topics ----

TEST_F(InspectTest, TopicsHideSystemOnesUnlessAll) {
  t.respondAlways(
      RequestCode::kGetAllTopicListFromNameServer, ResponseCode::kSuccess,
      R"({"topicList":["orders","TBW102","%RETRY%G1","%DLQ%G1","SourceCluster","broker-a","payments","rmq_sys_wheel_timer"]})");
  t.respondAlways(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, kClusterInfo);
  auto normal = runSync(collectTopics(cluster, false));
  ASSERT_TRUE(normal);
  EXPECT_EQ(
      renderText(*normal),
      "orders\npayments\n\n2 topic(s), 6 system/retry/DLQ topic(s) hidden (--all shows them)\n");
  auto all = runSync(collectTopics(cluster, true));
  ASSERT_TRUE(all);
  EXPECT_EQ(renderText(*all),
            "TOPIC                KIND\n"
            "%DLQ%G1              dlq\n"
            "%RETRY%G1            retry\n"
            "SourceCluster        cluster\n"
            "TBW102               system\n"
            "broker-a             broker\n"
            "orders               normal\n"
            "payments             normal\n"
            "rmq_sys_wheel_timer  system\n"
            "\n8 topic(s)\n");
  EXPECT_EQ(toJson(*normal)["hidden"], 6);
}

}  // namespace
}  // namespace ferry::cli
