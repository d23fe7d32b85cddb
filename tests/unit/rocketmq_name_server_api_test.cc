#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "ferry/rocketmq/name_server_api.h"
#include "support/fake_transport.h"

namespace ferry::rocketmq {
namespace {

using codec::RequestCode;
using codec::ResponseCode;

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(FERRY_TESTDATA_DIR) + "/bodies/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr const char* kNs = "127.0.0.1:9876";

TEST(NameServerApi, TopicRouteAsksForStandardJson) {
  FakeTransport t;
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess,
            fixture("route_standard.json"));
  NameServerApi api(t);
  auto route = runSync(api.topicRoute(kNs, "orders"));
  ASSERT_TRUE(route) << route.error().toString();
  EXPECT_EQ(route->broker_datas.size(), 2U);
  ASSERT_EQ(t.calls().size(), 1U);
  const auto& call = t.calls()[0];
  EXPECT_EQ(call.addr, kNs);
  EXPECT_EQ(call.request.code, 105);
  EXPECT_EQ(call.request.ext_fields.get("topic"), "orders");
  EXPECT_EQ(call.request.ext_fields.get("acceptStandardJsonOnly"), "true");
  EXPECT_GE(call.request.version, 401);
  EXPECT_EQ(call.timeout, std::chrono::milliseconds(3000));
}

TEST(NameServerApi, TopicRouteStillParsesNonStandardForm) {
  FakeTransport t;
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess,
            fixture("route_nonstandard.json"));
  NameServerApi api(t);
  auto route = runSync(api.topicRoute(kNs, "orders"));
  ASSERT_TRUE(route) << route.error().toString();
  EXPECT_EQ(route->broker_datas[0].masterAddr(), "10.0.0.1:10911");
}

TEST(NameServerApi, UnknownTopic) {
  FakeTransport t;
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kTopicNotExist, {}, {},
            "No topic route info in name server for the topic: nope");
  NameServerApi api(t);
  auto route = runSync(api.topicRoute(kNs, "nope"));
  ASSERT_FALSE(route);
  EXPECT_EQ(route.error().code, Errc::kTopicNotExist);
  EXPECT_EQ(route.error().message,
            "route of topic 'nope' from NameServer 127.0.0.1:9876: TOPIC_NOT_EXIST");
  EXPECT_EQ(route.error().remote_code, 17);
}

TEST(NameServerApi, TransportErrorGetsContext) {
  FakeTransport t;
  t.fail(RequestCode::kGetBrokerClusterInfo, Errc::kConnectFailed,
         "connect 127.0.0.1:9876: connection refused");
  NameServerApi api(t);
  auto info = runSync(api.clusterInfo(kNs));
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, Errc::kConnectFailed);
  EXPECT_EQ(
      info.error().message,
      "cluster info from NameServer 127.0.0.1:9876: connect 127.0.0.1:9876: connection refused");
}

TEST(NameServerApi, BadBodyIsMalformedWithContext) {
  FakeTransport t;
  t.respond(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, "{\"brokerAddrTable\":");
  NameServerApi api(t);
  auto info = runSync(api.clusterInfo(kNs));
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, Errc::kTruncated);
  EXPECT_EQ(info.error().message,
            "cluster info from NameServer 127.0.0.1:9876: ClusterInfo: fastjson: unexpected end of "
            "input at byte 19");
}

TEST(NameServerApi, ClusterInfoAndTopicLists) {
  FakeTransport t;
  t.respond(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess,
            fixture("cluster_info.json"));
  t.respond(RequestCode::kGetAllTopicListFromNameServer, ResponseCode::kSuccess,
            fixture("topic_list.json"));
  t.respond(RequestCode::kGetTopicsByCluster, ResponseCode::kSuccess,
            R"({"topicList":["orders"]})");
  NameServerApi api(t);
  auto info = runSync(api.clusterInfo(kNs));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->broker_addr_table.size(), 2U);
  auto all = runSync(api.allTopics(kNs));
  ASSERT_TRUE(all);
  EXPECT_EQ(all->topics.size(), 10U);
  auto by_cluster = runSync(api.topicsByCluster(kNs, "DefaultCluster"));
  ASSERT_TRUE(by_cluster);
  EXPECT_EQ(by_cluster->topics, std::vector<std::string>{"orders"});
  EXPECT_EQ(t.calls()[0].request.code, 106);
  EXPECT_TRUE(t.calls()[0].request.ext_fields.empty());
  EXPECT_EQ(t.calls()[1].request.code, 206);
  EXPECT_EQ(t.calls()[2].request.code, 224);
  EXPECT_EQ(t.calls()[2].request.ext_fields.get("cluster"), "DefaultCluster");
}

TEST(NameServerApi, AllTopicsDisabled) {
  FakeTransport t;
  t.respond(RequestCode::kGetAllTopicListFromNameServer, ResponseCode::kSystemError, {}, {},
            "disable");
  NameServerApi api(t);
  auto all = runSync(api.allTopics(kNs));
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().code, Errc::kRemote);
  EXPECT_EQ(all.error().remote_remark, "disable");
}

}  // namespace
}  // namespace ferry::rocketmq
