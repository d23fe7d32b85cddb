// Ferry's request headers against the official Java client's, call by call.
//
// tests/testdata/codec/golden/*_req.json are the decoded requests the 5.3.3 Java client and
// mqadmin sent to a real broker or NameServer (tools/capture-golden). For each call Ferry makes
// the same request (same inputs, taken from the capture) through BrokerApi / NameServerApi over a
// FakeTransport, and its request code, extField names and values must equal Java's. The few
// differences that are deliberate are listed next to each test with the reason; anything else,
// a missing field or a different value, fails.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ferry/codec/message.h"
#include "ferry/rocketmq/broker_api.h"
#include "ferry/rocketmq/name_server_api.h"
#include "support/fake_transport.h"

namespace ferry::rocketmq {
namespace {

namespace fs = std::filesystem;
using codec::RequestCode;
using codec::ResponseCode;
using FieldMap = std::map<std::string, std::string>;

constexpr const char* kBroker = "127.0.0.1:10911";

// Sent by the 5.3.3 Java client on consumer-side calls and never by Ferry: `bname` addresses a
// static topic's logical queue (not supported, docs/api.md), `ReqT` marks the client's "stream"
// request mode. Brokers answer normal topics the same without them (docs/testing-tools.md).
const std::set<std::string> kJavaRoutingFields = {"bname", "ReqT"};

struct JavaRequest {
  int code = -1;
  FieldMap fields;
};

JavaRequest javaRequest(const std::string& name) {
  const fs::path path = fs::path(FERRY_TESTDATA_DIR) / "codec" / "golden" / (name + ".json");
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "missing capture " << path;
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << path << " is not valid JSON";
  JavaRequest out;
  if (j.is_discarded()) {
    return out;
  }
  EXPECT_FALSE(j.value("isResponse", true)) << path << " is not a request";
  out.code = j.value("code", -1);
  if (j.contains("extFields") && j.at("extFields").is_object()) {
    for (const auto& [key, value] : j.at("extFields").items()) {
      out.fields[key] = value.get<std::string>();
    }
  }
  return out;
}

FieldMap without(FieldMap fields, const std::set<std::string>& keys) {
  for (const auto& key : keys) {
    fields.erase(key);
  }
  return fields;
}

FieldMap fieldsOf(const codec::RemotingCommand& request) {
  return {request.ext_fields.begin(), request.ext_fields.end()};
}

// The field a capture must have: the test takes Ferry's inputs from it.
std::string javaField(const JavaRequest& java, const std::string& key) {
  const auto it = java.fields.find(key);
  if (it == java.fields.end()) {
    ADD_FAILURE() << "the Java request has no field '" << key << "'";
    return {};
  }
  return it->second;
}

class BrokerApiJavaRequests : public ::testing::Test {
 protected:
  // Ferry's only request so far, checked against the capture: same code, same fields once the
  // listed Java-only and Ferry-only fields are set aside.
  void expectSameAsJava(const std::string& capture, const std::set<std::string>& java_only = {},
                        const std::set<std::string>& ferry_only = {}) {
    SCOPED_TRACE(capture);
    const JavaRequest java = javaRequest(capture);
    ASSERT_EQ(t.calls().size(), 1U) << "expected exactly one request from Ferry";
    const codec::RemotingCommand& ferry = t.calls().back().request;
    EXPECT_EQ(ferry.code, java.code);
    std::set<std::string> skip_java = kJavaRoutingFields;
    skip_java.insert(java_only.begin(), java_only.end());
    for (const auto& key : java_only) {
      EXPECT_TRUE(java.fields.contains(key)) << "stale exception: Java no longer sends " << key;
    }
    for (const auto& key : ferry_only) {
      EXPECT_TRUE(ferry.ext_fields.get(key).has_value())
          << "stale exception: Ferry no longer sends " << key;
    }
    EXPECT_EQ(without(fieldsOf(ferry), ferry_only), without(java.fields, skip_java));
  }

  static MessageQueue queueOf(const JavaRequest& java) {
    return MessageQueue{javaField(java, "topic"), javaField(java, "bname"),
                        QueueId(std::stoi(javaField(java, "queueId")))};
  }

  FakeTransport t;
  BrokerApi api{t};
};

TEST_F(BrokerApiJavaRequests, CreateTopicAsMqadminUpdateTopic) {
  const JavaRequest java = javaRequest("broker_update_topic_req");
  t.respondAlways(RequestCode::kUpdateAndCreateTopic, ResponseCode::kSuccess);
  codec::TopicConfig config;
  config.topic_name = javaField(java, "topic");
  config.read_queue_nums = std::stoi(javaField(java, "readQueueNums"));
  config.write_queue_nums = std::stoi(javaField(java, "writeQueueNums"));
  config.perm = std::stoi(javaField(java, "perm"));
  config.topic_sys_flag = std::stoi(javaField(java, "topicSysFlag"));
  EXPECT_TRUE(runSync(api.createTopic(kBroker, config)));
  // `attributes`: mqadmin sends "" for "no attributes"; Ferry leaves the field out (5.x brokers
  // parse both as no attributes, 4.9 brokers know no such field).
  expectSameAsJava("broker_update_topic_req", {"attributes"});
}

TEST_F(BrokerApiJavaRequests, CreateOrUpdateSubscriptionGroupHasNoHeader) {
  t.respondAlways(RequestCode::kUpdateAndCreateSubscriptionGroup, ResponseCode::kSuccess);
  codec::SubscriptionGroupConfig config;
  config.group_name = "FerryGoldenGroup";
  EXPECT_TRUE(runSync(api.createOrUpdateSubscriptionGroup(kBroker, config)));
  expectSameAsJava("broker_update_subgroup_req");
}

TEST_F(BrokerApiJavaRequests, BrokerConfigHasNoHeader) {
  t.respondAlways(RequestCode::kGetBrokerConfig, ResponseCode::kSuccess, "brokerName=b\n");
  (void)runSync(api.brokerConfig(kBroker));
  expectSameAsJava("broker_get_config_req");
}

TEST_F(BrokerApiJavaRequests, RuntimeInfoHasNoHeader) {
  t.respondAlways(RequestCode::kGetBrokerRuntimeInfo, ResponseCode::kSuccess);
  (void)runSync(api.runtimeInfo(kBroker));
  expectSameAsJava("broker_runtime_info_req");
}

TEST_F(BrokerApiJavaRequests, ConsumerConnections) {
  const JavaRequest java = javaRequest("broker_consumer_connection_req");
  t.respondAlways(RequestCode::kGetConsumerConnectionList, ResponseCode::kConsumerNotOnline);
  (void)runSync(api.consumerConnections(kBroker, javaField(java, "consumerGroup")));
  expectSameAsJava("broker_consumer_connection_req");
}

TEST_F(BrokerApiJavaRequests, ConsumerIds) {
  const JavaRequest java = javaRequest("broker_consumer_list_req");
  t.respondAlways(RequestCode::kGetConsumerListByGroup, ResponseCode::kSuccess,
                  R"({"consumerIdList":[]})");
  (void)runSync(api.consumerIds(kBroker, javaField(java, "consumerGroup")));
  expectSameAsJava("broker_consumer_list_req");
}

TEST_F(BrokerApiJavaRequests, EarliestMsgStoreTime) {
  const JavaRequest java = javaRequest("broker_earliest_msg_store_time_req");
  t.respondAlways(RequestCode::kGetEarliestMsgStoretime, ResponseCode::kSuccess, {},
                  extFields({{"timestamp", "1"}}));
  (void)runSync(api.earliestMsgStoreTime(kBroker, queueOf(java)));
  expectSameAsJava("broker_earliest_msg_store_time_req");
}

TEST_F(BrokerApiJavaRequests, MinOffset) {
  const JavaRequest java = javaRequest("broker_get_min_offset_req");
  t.respondAlways(RequestCode::kGetMinOffset, ResponseCode::kSuccess, {},
                  extFields({{"offset", "0"}}));
  (void)runSync(api.minOffset(kBroker, queueOf(java)));
  expectSameAsJava("broker_get_min_offset_req");
}

TEST_F(BrokerApiJavaRequests, MaxOffset) {
  const JavaRequest java = javaRequest("broker_get_max_offset_req");
  ASSERT_EQ(javaField(java, "committed"), "true");
  t.respondAlways(RequestCode::kGetMaxOffset, ResponseCode::kSuccess, {},
                  extFields({{"offset", "0"}}));
  (void)runSync(api.maxOffset(kBroker, queueOf(java)));
  // `committed`: 5.x only, and "true" is the broker's default when it is absent.
  expectSameAsJava("broker_get_max_offset_req", {"committed"});
}

TEST_F(BrokerApiJavaRequests, SearchOffsetByTimestamp) {
  const JavaRequest java = javaRequest("broker_search_offset_req");
  ASSERT_EQ(javaField(java, "boundaryType"), "LOWER");
  t.respondAlways(RequestCode::kSearchOffsetByTimestamp, ResponseCode::kSuccess, {},
                  extFields({{"offset", "0"}}));
  (void)runSync(api.searchOffset(kBroker, queueOf(java), std::stoll(javaField(java, "timestamp")),
                                 codec::BoundaryType::kLower));
  expectSameAsJava("broker_search_offset_req");
}

TEST_F(BrokerApiJavaRequests, QueryConsumerOffset) {
  const JavaRequest java = javaRequest("broker_query_consumer_offset_req");
  t.respondAlways(RequestCode::kQueryConsumerOffset, ResponseCode::kSuccess, {},
                  extFields({{"offset", "0"}}));
  (void)runSync(api.queryConsumerOffset(kBroker, javaField(java, "consumerGroup"), queueOf(java)));
  // `setZeroIfNotFound=false`: Ferry asks for QUERY_NOT_FOUND instead of a made-up 0, to tell
  // "never committed" from "committed 0"; the Java consumer relies on the default (true).
  expectSameAsJava("broker_query_consumer_offset_req", {}, {"setZeroIfNotFound"});
}

TEST_F(BrokerApiJavaRequests, UpdateConsumerOffset) {
  const JavaRequest java = javaRequest("broker_update_consumer_offset_req");
  t.respondAlways(RequestCode::kUpdateConsumerOffset, ResponseCode::kSuccess);
  EXPECT_TRUE(
      runSync(api.updateConsumerOffset(kBroker, javaField(java, "consumerGroup"), queueOf(java),
                                       QueueOffset(std::stoll(javaField(java, "commitOffset"))))));
  expectSameAsJava("broker_update_consumer_offset_req");
}

TEST_F(BrokerApiJavaRequests, Pull) {
  const JavaRequest java = javaRequest("broker_pull_java_req");
  ASSERT_EQ(javaField(java, "sysFlag"), "4") << "the capture is a non-suspending pull";
  t.respondAlways(RequestCode::kPullMessage, ResponseCode::kPullNotFound, {},
                  extFields({{"suggestWhichBrokerId", "0"},
                             {"nextBeginOffset", "0"},
                             {"minOffset", "0"},
                             {"maxOffset", "0"}}));
  PullRequest request;
  request.group = javaField(java, "consumerGroup");
  request.queue = queueOf(java);
  request.offset = QueueOffset(std::stoll(javaField(java, "queueOffset")));
  request.max_msg_nums = std::stoi(javaField(java, "maxMsgNums"));
  request.suspend = std::chrono::milliseconds(0);
  request.subscription = javaField(java, "subscription");
  request.expression_type = javaField(java, "expressionType");
  request.sub_version = std::stoll(javaField(java, "subVersion"));
  request.max_msg_bytes = std::stoi(javaField(java, "maxMsgBytes"));
  (void)runSync(api.pull(kBroker, request));
  // `suspendTimeoutMillis`: the Java pull consumer sends its configured 20000 even with the
  // suspend flag off (sysFlag 4), where the broker never reads it; Ferry sends the 0 it means.
  ASSERT_EQ(t.calls().size(), 1U);
  EXPECT_EQ(t.calls()[0].request.ext_fields.get("suspendTimeoutMillis"), "0");
  expectSameAsJava("broker_pull_java_req", {"suspendTimeoutMillis"}, {"suspendTimeoutMillis"});
}

// The message Java sent, as Ferry is given it: topic, flag, properties in the captured order.
codec::Message messageOf(const JavaRequest& java) {
  codec::Message m;
  m.topic = javaField(java, "b");
  m.flag = std::stoi(javaField(java, "h"));
  m.properties = codec::Properties::parse(javaField(java, "i"));
  m.body = "body";
  return m;
}

TEST_F(BrokerApiJavaRequests, SendMessageV2) {
  const JavaRequest java = javaRequest("broker_send_v2_req");
  t.respondAlways(RequestCode::kSendMessageV2, ResponseCode::kSuccess, {},
                  extFields({{"msgId", "7F00000100002A9F0000000000000000"},
                             {"queueId", javaField(java, "e")},
                             {"queueOffset", "0"}}));
  const MessageQueue queue{javaField(java, "b"), javaField(java, "n"),
                           QueueId(std::stoi(javaField(java, "e")))};
  (void)runSync(api.sendMessage(kBroker, javaField(java, "a"), queue, messageOf(java)));
  ASSERT_EQ(t.calls().size(), 1U);
  // `g` is the born timestamp: the time of each send, Java's then and Ferry's now.
  const auto born = t.calls()[0].request.ext_fields.get("g");
  ASSERT_TRUE(born.has_value());
  EXPECT_GT(std::stoll(std::string(*born)), std::stoll(javaField(java, "g")));
  EXPECT_EQ(t.calls()[0].request.code, java.code);
  EXPECT_EQ(without(fieldsOf(t.calls()[0].request), {"g"}), without(java.fields, {"g"}));
}

TEST_F(BrokerApiJavaRequests, SendBatch) {
  const JavaRequest java = javaRequest("broker_send_batch_req");
  t.respondAlways(
      RequestCode::kSendBatchMessage, ResponseCode::kSuccess, {},
      extFields({{"msgId", "A"}, {"queueId", javaField(java, "e")}, {"queueOffset", "0"}}));
  const MessageQueue queue{javaField(java, "b"), javaField(java, "n"),
                           QueueId(std::stoi(javaField(java, "e")))};
  std::vector<codec::Message> messages(2);
  for (auto& m : messages) {
    m.topic = queue.topic;
    m.body = "body";
    m.properties.set(codec::property::kUniqKey, "C00002026AFD60E53B937E850E930007");
  }
  (void)runSync(api.sendMessages(kBroker, javaField(java, "a"), queue, messages));
  ASSERT_EQ(t.calls().size(), 1U);
  const auto& ferry = t.calls()[0].request;
  EXPECT_EQ(ferry.code, java.code);
  // `g`: the born timestamp (see SendMessageV2). `i`: Java also stamps a UNIQ_KEY on the batch
  // envelope, which brokers do not use (each record carries its own); otherwise the same.
  EXPECT_EQ(without(fieldsOf(ferry), {"g", "i"}), without(java.fields, {"g", "i"}));
  codec::Properties java_envelope = codec::Properties::parse(javaField(java, "i"));
  EXPECT_TRUE(java_envelope.erase(codec::property::kUniqKey));
  auto expected_envelope = codec::encodeProperties(java_envelope);
  ASSERT_TRUE(expected_envelope.has_value());
  EXPECT_EQ(ferry.ext_fields.get("i"), *expected_envelope);
}

TEST(NameServerApiJavaRequests, TopicRouteAndClusterInfo) {
  FakeTransport t;
  NameServerApi api(t);
  const JavaRequest route = javaRequest("ns_topic_route_req");
  t.respondAlways(RequestCode::kGetRouteInfoByTopic, ResponseCode::kTopicNotExist);
  (void)runSync(api.topicRoute("127.0.0.1:9876", javaField(route, "topic")));
  ASSERT_EQ(t.calls().size(), 1U);
  EXPECT_EQ(t.calls()[0].request.code, route.code);
  // `acceptStandardJsonOnly`: Ferry asks 5.x NameServers for standard JSON (4.9 ignores it).
  EXPECT_EQ(without(fieldsOf(t.calls()[0].request), {"acceptStandardJsonOnly"}), route.fields);

  const JavaRequest cluster = javaRequest("ns_cluster_info_req");
  t.respondAlways(RequestCode::kGetBrokerClusterInfo, ResponseCode::kSuccess, "{}");
  (void)runSync(api.clusterInfo("127.0.0.1:9876"));
  ASSERT_EQ(t.calls().size(), 2U);
  EXPECT_EQ(t.calls()[1].request.code, cluster.code);
  EXPECT_EQ(fieldsOf(t.calls()[1].request), cluster.fields);
}

}  // namespace
}  // namespace ferry::rocketmq
