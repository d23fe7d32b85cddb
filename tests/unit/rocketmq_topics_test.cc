#include <gtest/gtest.h>

#include "ferry/rocketmq/cluster.h"
#include "ferry/rocketmq/topics.h"
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

const std::vector<std::string> kClusters{"SourceCluster"};
const std::vector<std::string> kBrokers{"broker-a"};

TEST(TopicKinds, ClassifiesByPrefixNameAndClusterLayout) {
  EXPECT_EQ(classifyTopic("orders", kClusters, kBrokers), TopicKind::kNormal);
  EXPECT_EQ(classifyTopic("%RETRY%G1", kClusters, kBrokers), TopicKind::kRetry);
  EXPECT_EQ(classifyTopic("%DLQ%G1", kClusters, kBrokers), TopicKind::kDlq);
  EXPECT_EQ(classifyTopic("%LMQ%q1", kClusters, kBrokers), TopicKind::kLmq);
  EXPECT_EQ(classifyTopic("TBW102", kClusters, kBrokers), TopicKind::kSystem);
  EXPECT_EQ(classifyTopic("SCHEDULE_TOPIC_XXXX", kClusters, kBrokers), TopicKind::kSystem);
  EXPECT_EQ(classifyTopic("RMQ_SYS_TRANS_HALF_TOPIC", kClusters, kBrokers), TopicKind::kSystem);
  EXPECT_EQ(classifyTopic("rmq_sys_wheel_timer", kClusters, kBrokers), TopicKind::kSystem);
  EXPECT_EQ(classifyTopic("SourceCluster_REPLY_TOPIC", kClusters, kBrokers), TopicKind::kSystem);
  EXPECT_EQ(classifyTopic("SourceCluster", kClusters, kBrokers), TopicKind::kCluster);
  EXPECT_EQ(classifyTopic("broker-a", kClusters, kBrokers), TopicKind::kBroker);
  // Only exact names count: a user topic that merely contains a broker name is normal.
  EXPECT_EQ(classifyTopic("broker-a-orders", kClusters, kBrokers), TopicKind::kNormal);
  EXPECT_EQ(classifyTopic("orders%RETRY%", kClusters, kBrokers), TopicKind::kNormal);
}

TEST(TopicKinds, NamesAndGroupTopics) {
  EXPECT_EQ(topicKindName(TopicKind::kNormal), "normal");
  EXPECT_EQ(topicKindName(TopicKind::kSystem), "system");
  EXPECT_EQ(topicKindName(TopicKind::kRetry), "retry");
  EXPECT_EQ(topicKindName(TopicKind::kDlq), "dlq");
  EXPECT_EQ(topicKindName(TopicKind::kLmq), "lmq");
  EXPECT_EQ(topicKindName(TopicKind::kCluster), "cluster");
  EXPECT_EQ(topicKindName(TopicKind::kBroker), "broker");
  EXPECT_EQ(retryTopicOf("G1"), "%RETRY%G1");
  EXPECT_EQ(dlqTopicOf("G1"), "%DLQ%G1");
  EXPECT_EQ(classifyTopic(retryTopicOf("G1"), kClusters, kBrokers), TopicKind::kRetry);
}

TEST(TopicKinds, ClusterInfoSuppliesTheNames) {
  auto info = codec::ClusterInfo::fromJson(
      R"({"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"127.0.0.1:10911"},"brokerName":"broker-a","cluster":"C1"}},)"
      R"("clusterAddrTable":{"C1":["broker-a"]}})");
  ASSERT_TRUE(info) << info.error().toString();
  EXPECT_EQ(classifyTopic("C1", *info), TopicKind::kCluster);
  EXPECT_EQ(classifyTopic("broker-a", *info), TopicKind::kBroker);
  EXPECT_EQ(classifyTopic("C2", *info), TopicKind::kNormal);
}

TEST(ListTopics, EveryTopicWithItsKindSorted) {
  FakeTransport t;
  Cluster cluster(specFor("test", {"127.0.0.1:9876"}), t);
  t.respond(RequestCode::kGetAllTopicListFromNameServer, ResponseCode::kSuccess,
            R"({"topicList":["orders","%RETRY%G1","C1","TBW102"]})");
  t.respond(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess,
            R"({"brokerAddrTable":{},"clusterAddrTable":{"C1":[]}})");
  auto topics = runSync(listTopics(cluster));
  ASSERT_TRUE(topics) << topics.error().toString();
  EXPECT_EQ(*topics, (std::vector<ClassifiedTopic>{{"%RETRY%G1", TopicKind::kRetry},
                                                   {"C1", TopicKind::kCluster},
                                                   {"TBW102", TopicKind::kSystem},
                                                   {"orders", TopicKind::kNormal}}));
}

TEST(ListTopics, UnreachableNameServerIsDescribed) {
  FakeTransport t;
  Cluster cluster(specFor("test", {"127.0.0.1:9876"}), t);
  t.fail(RequestCode::kGetAllTopicListFromNameServer, Errc::kConnectFailed,
         "cannot connect to 127.0.0.1:9876: Connection refused");
  auto topics = runSync(listTopics(cluster));
  ASSERT_FALSE(topics);
  EXPECT_EQ(topics.error().code, Errc::kConnectFailed);
  EXPECT_EQ(topics.error().message, "cannot reach NameServer 127.0.0.1:9876: connection refused");
}

}  // namespace
}  // namespace ferry::rocketmq
