#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "ferry/codec/fastjson.h"
#include "ferry/codec/message.h"
#include "ferry/rocketmq/broker_api.h"
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

constexpr const char* kBroker = "127.0.0.1:10911";

MessageQueue queue(int q = 3) {
  return MessageQueue{"orders", "broker-a", QueueId(q)};
}

std::vector<std::pair<std::string, std::string>> fieldsOf(const FakeTransport::Call& call) {
  return {call.request.ext_fields.begin(), call.request.ext_fields.end()};
}
using Fields = std::vector<std::pair<std::string, std::string>>;

class BrokerApiTest : public ::testing::Test {
 protected:
  FakeTransport t;
  BrokerApi api{t};
};

// ---- topics and groups ----

TEST_F(BrokerApiTest, CreateTopic) {
  t.respond(RequestCode::kUpdateAndCreateTopic, ResponseCode::kSuccess);
  codec::TopicConfig config;
  config.topic_name = "orders";
  config.read_queue_nums = 8;
  config.write_queue_nums = 8;
  config.attributes["message.type"] = "NORMAL";
  auto ok = runSync(api.createTopic(kBroker, config));
  ASSERT_TRUE(ok) << ok.error().toString();
  EXPECT_EQ(fieldsOf(t.calls()[0]), (Fields{{"topic", "orders"},
                                            {"defaultTopic", "TBW102"},
                                            {"readQueueNums", "8"},
                                            {"writeQueueNums", "8"},
                                            {"perm", "6"},
                                            {"topicFilterType", "SINGLE_TAG"},
                                            {"topicSysFlag", "0"},
                                            {"order", "false"},
                                            {"attributes", "+message.type=NORMAL"},
                                            {"force", "false"}}));
}

TEST_F(BrokerApiTest, CreateTopicRefused) {
  t.respond(RequestCode::kUpdateAndCreateTopic, ResponseCode::kSystemError, {}, {},
            "The topic[TBW102] is conflict with system topic.");
  codec::TopicConfig config;
  config.topic_name = "TBW102";
  auto ok = runSync(api.createTopic(kBroker, config));
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().code, Errc::kRemote);
  EXPECT_EQ(ok.error().message, "create topic 'TBW102' at 127.0.0.1:10911: SYSTEM_ERROR");
}

TEST_F(BrokerApiTest, AllTopicConfigsAndGroups) {
  t.respond(RequestCode::kGetAllTopicConfig, ResponseCode::kSuccess,
            fixture("topic_config_wrapper.json"));
  t.respond(RequestCode::kGetAllSubscriptionGroupConfig, ResponseCode::kSuccess,
            fixture("subscription_group_wrapper.json"));
  auto topics = runSync(api.allTopicConfigs(kBroker));
  ASSERT_TRUE(topics);
  EXPECT_TRUE(topics->topic_config_table.contains("orders"));
  auto groups = runSync(api.allSubscriptionGroups(kBroker));
  ASSERT_TRUE(groups);
  EXPECT_TRUE(groups->subscription_group_table.contains("G1"));
}

TEST_F(BrokerApiTest, SubscriptionGroupBy352) {
  t.respond(RequestCode::kGetSubscriptionGroupConfig, ResponseCode::kSuccess,
            R"({"groupName":"G1","retryMaxTimes":3})");
  auto g = runSync(api.subscriptionGroup(kBroker, "G1"));
  ASSERT_TRUE(g) << g.error().toString();
  EXPECT_EQ(g->retry_max_times, 3);
  EXPECT_EQ(fieldsOf(t.calls()[0]), (Fields{{"group", "G1"}}));
}

TEST_F(BrokerApiTest, SubscriptionGroupMissing) {
  t.respond(RequestCode::kGetSubscriptionGroupConfig, ResponseCode::kSubscriptionGroupNotExist, {},
            {}, "No group in this broker");
  auto g = runSync(api.subscriptionGroup(kBroker, "nope"));
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().code, Errc::kGroupNotExist);
  EXPECT_EQ(g.error().message,
            "subscription group 'nope' at 127.0.0.1:10911: SUBSCRIPTION_GROUP_NOT_EXIST");
}

TEST_F(BrokerApiTest, SubscriptionGroupFallsBackOn49) {
  t.respond(RequestCode::kGetSubscriptionGroupConfig, ResponseCode::kRequestCodeNotSupported, {},
            {}, " request type 352 not supported");
  t.respond(RequestCode::kGetAllSubscriptionGroupConfig, ResponseCode::kSuccess,
            fixture("subscription_group_wrapper.json"));
  t.respond(RequestCode::kGetSubscriptionGroupConfig, ResponseCode::kRequestCodeNotSupported);
  t.respond(RequestCode::kGetAllSubscriptionGroupConfig, ResponseCode::kSuccess,
            fixture("subscription_group_wrapper.json"));
  auto g = runSync(api.subscriptionGroup(kBroker, "G1"));
  ASSERT_TRUE(g) << g.error().toString();
  EXPECT_EQ(g->group_name, "G1");
  auto missing = runSync(api.subscriptionGroup(kBroker, "nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kGroupNotExist);
  EXPECT_EQ(t.pending(), 0U);
}

TEST_F(BrokerApiTest, FindSubscriptionGroupIsReadOnly) {
  t.respondAlways(RequestCode::kGetAllSubscriptionGroupConfig, ResponseCode::kSuccess,
                  fixture("subscription_group_wrapper.json"));
  auto found = runSync(api.findSubscriptionGroup(kBroker, "G1"));
  ASSERT_TRUE(found);
  ASSERT_TRUE(*found);
  auto absent = runSync(api.findSubscriptionGroup(kBroker, "nope"));
  ASSERT_TRUE(absent);
  EXPECT_FALSE(*absent);
  EXPECT_TRUE(t.callsWith(RequestCode::kGetSubscriptionGroupConfig).empty());
}

TEST_F(BrokerApiTest, CreateOrUpdateSubscriptionGroupSendsBody) {
  t.respond(RequestCode::kUpdateAndCreateSubscriptionGroup, ResponseCode::kSuccess);
  codec::SubscriptionGroupConfig g;
  g.group_name = "G1";
  g.retry_max_times = 5;
  auto ok = runSync(api.createOrUpdateSubscriptionGroup(kBroker, g));
  ASSERT_TRUE(ok);
  const auto& call = t.calls()[0];
  EXPECT_TRUE(call.request.ext_fields.empty());
  auto body = codec::parseFastjson(call.request.body);
  ASSERT_TRUE(body);
  EXPECT_EQ((*body)["groupName"], "G1");
  EXPECT_EQ((*body)["retryMaxTimes"], 5);
}

// ---- send ----

TEST_F(BrokerApiTest, SendMessage) {
  t.respond(RequestCode::kSendMessageV2, ResponseCode::kSuccess, {},
            extFields({{"msgId", "7F00000100002A9F0000000000000C1D"},
                       {"queueId", "3"},
                       {"queueOffset", "17"},
                       {"transactionId", "AC11000100002A9F0000000000000C1D"},
                       {"MSG_REGION", "DefaultRegion"}}));
  codec::Message m;
  m.topic = "orders";
  m.body = "hello";
  m.properties.set(codec::property::kUniqKey, "AC11000100002A9F0000000000000C1D");
  auto r = runSync(api.sendMessage(kBroker, "FERRY_P", queue(), m));
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(r->queue, queue());
  EXPECT_EQ(r->queue_offset, QueueOffset(17));
  EXPECT_EQ(r->msg_id, "7F00000100002A9F0000000000000C1D");
  const auto& call = t.calls()[0];
  EXPECT_EQ(call.request.code, 310);
  EXPECT_EQ(call.request.body, "hello");
  const auto& f = call.request.ext_fields;
  EXPECT_EQ(f.get("a"), "FERRY_P");
  EXPECT_EQ(f.get("b"), "orders");
  EXPECT_EQ(f.get("c"), "TBW102");
  EXPECT_EQ(f.get("e"), "3");
  EXPECT_EQ(f.get("f"), "0");
  EXPECT_EQ(f.get("h"), "0");
  EXPECT_EQ(f.get("m"), "false");
  EXPECT_EQ(f.get("n"), "broker-a");
  ASSERT_TRUE(f.get("i"));
  EXPECT_NE(f.get("i")->find("UNIQ_KEY\x01"
                             "AC11000100002A9F0000000000000C1D"),
            std::string::npos);
  ASSERT_TRUE(f.get("g"));
  EXPECT_GT(std::stoll(std::string(*f.get("g"))), 1600000000000LL);
}

TEST_F(BrokerApiTest, SendErrorsMapToCodes) {
  struct Case {
    ResponseCode code;
    Errc errc;
  };
  for (auto c : {Case{ResponseCode::kFlushDiskTimeout, Errc::kStoredButNotFlushed},
                 Case{ResponseCode::kSlaveNotAvailable, Errc::kStoredButNotFlushed},
                 Case{ResponseCode::kMessageIllegal, Errc::kMessageIllegal},
                 Case{ResponseCode::kServiceNotAvailable, Errc::kServiceUnavailable},
                 Case{ResponseCode::kSystemBusy, Errc::kBusy},
                 Case{ResponseCode::kNoPermission, Errc::kNoPermission},
                 Case{ResponseCode::kTopicNotExist, Errc::kTopicNotExist}}) {
    FakeTransport fake;
    BrokerApi broker(fake);
    fake.respond(RequestCode::kSendMessageV2, c.code, {}, {}, "x");
    codec::SendMessageRequestHeaderV2 header;
    header.topic = "orders";
    header.queue_id = QueueId(1);
    auto r = runSync(broker.send(kBroker, header, "body"));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, c.errc) << codec::responseCodeName(codec::toInt(c.code));
    EXPECT_EQ(r.error().remote_code, codec::toInt(c.code));
    EXPECT_EQ(r.error().message.rfind("send to orders#1 at 127.0.0.1:10911: ", 0), 0U)
        << r.error().message;
  }
}

TEST_F(BrokerApiTest, SendBatchSetsBatchFlagAndEncodesBody) {
  t.respond(RequestCode::kSendBatchMessage, ResponseCode::kSuccess, {},
            extFields({{"msgId", "A,B"}, {"queueId", "3"}, {"queueOffset", "100"}}));
  std::vector<codec::Message> messages(2);
  messages[0].body = "one";
  messages[0].properties.set(codec::property::kUniqKey, "U1");
  messages[1].body = "two";
  messages[1].properties.set(codec::property::kUniqKey, "U2");
  auto r = runSync(api.sendMessages(kBroker, "FERRY_P", queue(), messages));
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(r->queue_offset, QueueOffset(100));
  EXPECT_EQ(r->msg_id, "A,B");
  const auto& call = t.calls()[0];
  EXPECT_EQ(call.request.code, 320);
  EXPECT_EQ(call.request.ext_fields.get("m"), "true");
  EXPECT_EQ(call.request.ext_fields.get("b"), "orders");
  EXPECT_EQ(call.request.ext_fields.get("i"), std::string("WAIT\x01true\x02", 10));
  auto decoded = codec::decodeBatchMessages(call.request.body);
  ASSERT_TRUE(decoded) << decoded.error().toString();
  ASSERT_EQ(decoded->size(), 2U);
  EXPECT_EQ((*decoded)[1].body, "two");
  EXPECT_EQ((*decoded)[1].properties.get(codec::property::kUniqKey), "U2");
}

TEST_F(BrokerApiTest, SendBatchPreEncodedForcesBatchFlag) {
  t.respond(RequestCode::kSendBatchMessage, ResponseCode::kSuccess, {},
            extFields({{"msgId", "A"}, {"queueId", "0"}, {"queueOffset", "1"}}));
  codec::SendMessageRequestHeaderV2 header;
  header.producer_group = "P";
  header.topic = "orders";
  auto r = runSync(api.sendBatch(kBroker, header, "raw-batch"));
  ASSERT_TRUE(r);
  EXPECT_EQ(t.calls()[0].request.ext_fields.get("m"), "true");
  EXPECT_EQ(t.calls()[0].request.body, "raw-batch");
}

TEST_F(BrokerApiTest, SendResponseWithoutRequiredHeaderIsMalformed) {
  t.respond(RequestCode::kSendMessageV2, ResponseCode::kSuccess, {}, extFields({{"msgId", "A"}}));
  codec::SendMessageRequestHeaderV2 header;
  header.topic = "orders";
  auto r = runSync(api.send(kBroker, header, "b"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kMalformed);
  EXPECT_EQ(r.error().message,
            "send to orders#0 at 127.0.0.1:10911: SendMessageResponseHeader: missing required "
            "field 'queueId'");
}

// ---- pull ----

TEST_F(BrokerApiTest, PullLongPollingRequest) {
  t.respond(RequestCode::kPullMessage, ResponseCode::kSuccess, "RECORDS",
            extFields({{"suggestWhichBrokerId", "0"},
                       {"nextBeginOffset", "132"},
                       {"minOffset", "0"},
                       {"maxOffset", "140"}}));
  PullRequest req;
  req.group = "FERRY_task1";
  req.queue = queue(2);
  req.offset = QueueOffset(100);
  req.sub_version = 1700000000000;
  auto r = runSync(api.pull(kBroker, req));
  ASSERT_TRUE(r) << r.error().toString();
  EXPECT_EQ(r->status, PullStatus::kFound);
  EXPECT_EQ(r->next_begin_offset, QueueOffset(132));
  EXPECT_EQ(r->max_offset, QueueOffset(140));
  EXPECT_EQ(r->body, "RECORDS");
  const auto& call = t.calls()[0];
  EXPECT_EQ(fieldsOf(call), (Fields{{"consumerGroup", "FERRY_task1"},
                                    {"topic", "orders"},
                                    {"queueId", "2"},
                                    {"queueOffset", "100"},
                                    {"maxMsgNums", "32"},
                                    {"sysFlag", "6"},
                                    {"commitOffset", "0"},
                                    {"suspendTimeoutMillis", "15000"},
                                    {"subscription", "*"},
                                    {"subVersion", "1700000000000"},
                                    {"expressionType", "TAG"}}));
  EXPECT_EQ(call.timeout, std::chrono::milliseconds(20000));  // > suspend
}

TEST_F(BrokerApiTest, PullWithCommitAndNoSuspend) {
  t.respond(RequestCode::kPullMessage, ResponseCode::kPullNotFound, {},
            extFields({{"suggestWhichBrokerId", "0"},
                       {"nextBeginOffset", "5"},
                       {"minOffset", "0"},
                       {"maxOffset", "5"}}),
            "OFFSET_OVERFLOW_ONE");
  PullRequest req;
  req.group = "G";
  req.queue = queue(0);
  req.offset = QueueOffset(5);
  req.suspend = std::chrono::milliseconds(0);
  req.commit_offset = QueueOffset(4);
  auto r = runSync(api.pull(kBroker, req));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, PullStatus::kNoNewMsg);
  EXPECT_TRUE(r->body.empty());
  const auto& f = t.calls()[0].request.ext_fields;
  EXPECT_EQ(f.get("sysFlag"), "5");  // subscription + commit
  EXPECT_EQ(f.get("commitOffset"), "4");
  EXPECT_EQ(f.get("suspendTimeoutMillis"), "0");
}

TEST_F(BrokerApiTest, PullStatuses) {
  auto header = extFields({{"suggestWhichBrokerId", "1"},
                           {"nextBeginOffset", "9"},
                           {"minOffset", "3"},
                           {"maxOffset", "9"}});
  t.respond(RequestCode::kPullMessage, ResponseCode::kPullRetryImmediately, {}, header);
  t.respond(RequestCode::kPullMessage, ResponseCode::kPullOffsetMoved, {}, header);
  t.respond(RequestCode::kPullMessage, ResponseCode::kSubscriptionGroupNotExist, {}, {},
            "subscription group not exist");
  PullRequest req;
  req.group = "G";
  req.queue = queue(0);
  auto retry = runSync(api.pull(kBroker, req));
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, PullStatus::kNoMatchedMsg);
  EXPECT_EQ(retry->suggest_which_broker_id, 1);
  auto moved = runSync(api.pull(kBroker, req));
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->status, PullStatus::kOffsetIllegal);
  EXPECT_EQ(moved->next_begin_offset, QueueOffset(9));
  EXPECT_EQ(moved->min_offset, QueueOffset(3));
  auto missing = runSync(api.pull(kBroker, req));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kGroupNotExist);
  EXPECT_EQ(missing.error().message,
            "pull orders@broker-a#0 from offset 0 for group 'G' at 127.0.0.1:10911: "
            "SUBSCRIPTION_GROUP_NOT_EXIST");
  EXPECT_EQ(pullStatusName(PullStatus::kOffsetIllegal), "OFFSET_ILLEGAL");
}

// ---- offsets ----

TEST_F(BrokerApiTest, QueryConsumerOffset) {
  t.respond(RequestCode::kQueryConsumerOffset, ResponseCode::kSuccess, {},
            extFields({{"offset", "77"}}));
  t.respond(RequestCode::kQueryConsumerOffset, ResponseCode::kQueryNotFound, {}, {},
            "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first");
  t.respond(RequestCode::kQueryConsumerOffset, ResponseCode::kSubscriptionGroupNotExist);
  auto found = runSync(api.queryConsumerOffset(kBroker, "G", queue()));
  ASSERT_TRUE(found) << found.error().toString();
  EXPECT_EQ(*found, QueueOffset(77));
  EXPECT_EQ(fieldsOf(t.calls()[0]), (Fields{{"consumerGroup", "G"},
                                            {"topic", "orders"},
                                            {"queueId", "3"},
                                            {"setZeroIfNotFound", "false"}}));
  auto none = runSync(api.queryConsumerOffset(kBroker, "G", queue()));
  ASSERT_TRUE(none) << "QUERY_NOT_FOUND is an answer, not an error";
  EXPECT_FALSE(*none);
  auto error = runSync(api.queryConsumerOffset(kBroker, "G", queue()));
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().code, Errc::kGroupNotExist);
  EXPECT_EQ(error.error().message,
            "committed offset of group 'G' on orders@broker-a#3 at 127.0.0.1:10911: "
            "SUBSCRIPTION_GROUP_NOT_EXIST");
}

TEST_F(BrokerApiTest, UpdateConsumerOffset) {
  t.respond(RequestCode::kUpdateConsumerOffset, ResponseCode::kSuccess);
  t.respond(RequestCode::kUpdateConsumerOffset, ResponseCode::kTopicNotExist);
  ASSERT_TRUE(runSync(api.updateConsumerOffset(kBroker, "G", queue(), QueueOffset(88))));
  EXPECT_EQ(
      fieldsOf(t.calls()[0]),
      (Fields{
          {"consumerGroup", "G"}, {"topic", "orders"}, {"queueId", "3"}, {"commitOffset", "88"}}));
  auto missing = runSync(api.updateConsumerOffset(kBroker, "G", queue(), QueueOffset(88)));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kTopicNotExist);
}

TEST_F(BrokerApiTest, MinMaxSearchEarliest) {
  t.respond(RequestCode::kGetMinOffset, ResponseCode::kSuccess, {}, extFields({{"offset", "4"}}));
  t.respond(RequestCode::kGetMaxOffset, ResponseCode::kSuccess, {}, extFields({{"offset", "40"}}));
  t.respond(RequestCode::kSearchOffsetByTimestamp, ResponseCode::kSuccess, {},
            extFields({{"offset", "12"}}));
  t.respond(RequestCode::kGetEarliestMsgStoretime, ResponseCode::kSuccess, {},
            extFields({{"timestamp", "1700000000000"}}));
  t.respond(RequestCode::kGetMaxOffset, ResponseCode::kSuccess, {}, extFields({}));
  auto min = runSync(api.minOffset(kBroker, queue()));
  ASSERT_TRUE(min);
  EXPECT_EQ(*min, QueueOffset(4));
  auto max = runSync(api.maxOffset(kBroker, queue()));
  ASSERT_TRUE(max);
  EXPECT_EQ(*max, QueueOffset(40));
  auto search =
      runSync(api.searchOffset(kBroker, queue(), 1700000000000, codec::BoundaryType::kLower));
  ASSERT_TRUE(search);
  EXPECT_EQ(*search, QueueOffset(12));
  auto earliest = runSync(api.earliestMsgStoreTime(kBroker, queue()));
  ASSERT_TRUE(earliest);
  EXPECT_EQ(*earliest, 1700000000000);
  EXPECT_EQ(fieldsOf(t.calls()[0]), (Fields{{"topic", "orders"}, {"queueId", "3"}}));
  EXPECT_EQ(fieldsOf(t.calls()[1]), (Fields{{"topic", "orders"}, {"queueId", "3"}}));
  EXPECT_EQ(fieldsOf(t.calls()[2]), (Fields{{"topic", "orders"},
                                            {"queueId", "3"},
                                            {"timestamp", "1700000000000"},
                                            {"boundaryType", "LOWER"}}));
  auto bad = runSync(api.maxOffset(kBroker, queue()));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kMalformed);
  EXPECT_EQ(bad.error().message,
            "max offset of orders@broker-a#3 at 127.0.0.1:10911: OffsetResponseHeader: missing "
            "required field 'offset'");
}

// ---- consumer groups ----

TEST_F(BrokerApiTest, ConsumerConnections) {
  t.respond(RequestCode::kGetConsumerConnectionList, ResponseCode::kSuccess,
            fixture("consumer_connection.json"));
  t.respond(RequestCode::kGetConsumerConnectionList, ResponseCode::kConsumerNotOnline, {}, {},
            "the consumer group[G1] not online");
  auto cc = runSync(api.consumerConnections(kBroker, "G1"));
  ASSERT_TRUE(cc);
  EXPECT_EQ(cc->connection_set.size(), 2U);
  EXPECT_EQ(fieldsOf(t.calls()[0]), (Fields{{"consumerGroup", "G1"}}));
  auto offline = runSync(api.consumerConnections(kBroker, "G1"));
  ASSERT_FALSE(offline);
  EXPECT_EQ(offline.error().code, Errc::kConsumerNotOnline);
}

TEST_F(BrokerApiTest, ConsumerIds) {
  t.respond(RequestCode::kGetConsumerListByGroup, ResponseCode::kSuccess,
            fixture("consumer_id_list.json"));
  t.respond(RequestCode::kGetConsumerListByGroup, ResponseCode::kSystemError, {}, {},
            "no consumer for this group, G1");
  auto ids = runSync(api.consumerIds(kBroker, "G1"));
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids->size(), 2U);
  auto none = runSync(api.consumerIds(kBroker, "G1"));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kConsumerNotOnline);
}

TEST_F(BrokerApiTest, ConsumeStatsWithAndWithoutTopic) {
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSuccess, fixture("consume_stats.json"));
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSuccess, fixture("consume_stats.json"));
  auto all = runSync(api.consumeStats(kBroker, "G1", std::nullopt));
  ASSERT_TRUE(all);
  EXPECT_EQ(all->offset_table.size(), 3U);
  auto one = runSync(api.consumeStats(kBroker, "G1", "orders"));
  ASSERT_TRUE(one);
  EXPECT_EQ(fieldsOf(t.calls()[0]), (Fields{{"consumerGroup", "G1"}}));
  EXPECT_EQ(fieldsOf(t.calls()[1]), (Fields{{"consumerGroup", "G1"}, {"topic", "orders"}}));
}

TEST_F(BrokerApiTest, TopicsByConsumer5x) {
  t.respond(RequestCode::kQueryTopicsByConsumer, ResponseCode::kSuccess,
            fixture("topics_by_consumer.json"));
  auto topics = runSync(api.topicsByConsumer(kBroker, "G1"));
  ASSERT_TRUE(topics);
  EXPECT_EQ(*topics, (std::vector<std::string>{"%RETRY%G1", "orders"}));
  EXPECT_EQ(fieldsOf(t.calls()[0]), (Fields{{"group", "G1"}}));
}

TEST_F(BrokerApiTest, TopicsByConsumerFallsBackOn49) {
  t.respond(RequestCode::kQueryTopicsByConsumer, ResponseCode::kRequestCodeNotSupported, {}, {},
            " request type 343 not supported");
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSuccess,
            fixture("consume_stats_49.json"));
  auto topics = runSync(api.topicsByConsumer(kBroker, "G1"));
  ASSERT_TRUE(topics) << topics.error().toString();
  EXPECT_EQ(*topics, std::vector<std::string>{"GoLang"});
  ASSERT_EQ(t.calls().size(), 2U);
  EXPECT_EQ(fieldsOf(t.calls()[1]), (Fields{{"consumerGroup", "G1"}}));  // no topic: all of them
}

TEST_F(BrokerApiTest, GroupsConsumingAndTopicStats) {
  t.respond(RequestCode::kQueryTopicConsumeByWho, ResponseCode::kSuccess,
            fixture("group_list.json"));
  t.respond(RequestCode::kGetTopicStatsInfo, ResponseCode::kSuccess, fixture("topic_stats.json"));
  t.respond(RequestCode::kGetTopicStatsInfo, ResponseCode::kTopicNotExist, {}, {},
            "topic[nope] not exist");
  auto groups = runSync(api.groupsConsuming(kBroker, "orders"));
  ASSERT_TRUE(groups);
  EXPECT_EQ(groups->groups, (std::vector<std::string>{"G1", "G2"}));
  auto stats = runSync(api.topicStats(kBroker, "orders"));
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->offset_table.size(), 2U);
  auto missing = runSync(api.topicStats(kBroker, "nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kTopicNotExist);
  EXPECT_EQ(missing.error().message, "stats of topic 'nope' at 127.0.0.1:10911: TOPIC_NOT_EXIST");
}

TEST_F(BrokerApiTest, ConsumerRunningInfoViaBroker) {
  t.respond(RequestCode::kGetConsumerRunningInfo, ResponseCode::kSuccess,
            fixture("consumer_running_info.json"));
  t.respond(RequestCode::kGetConsumerRunningInfo, ResponseCode::kSystemError, {}, {},
            "The Consumer <G1> <10.0.0.5@1> not online");
  t.respond(RequestCode::kGetConsumerRunningInfo, ResponseCode::kConsumeMsgTimeout, {}, {},
            "consumer <G1> Timeout");
  auto info = runSync(api.consumerRunningInfo(kBroker, "G1", "10.0.0.5@12345"));
  ASSERT_TRUE(info) << info.error().toString();
  EXPECT_EQ(info->mq_table.size(), 2U);
  EXPECT_EQ(
      fieldsOf(t.calls()[0]),
      (Fields{{"consumerGroup", "G1"}, {"clientId", "10.0.0.5@12345"}, {"jstackEnable", "false"}}));
  EXPECT_EQ(t.calls()[0].timeout, std::chrono::milliseconds(15000));
  auto gone = runSync(api.consumerRunningInfo(kBroker, "G1", "10.0.0.5@1"));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::kConsumerNotOnline);
  auto slow = runSync(api.consumerRunningInfo(kBroker, "G1", "10.0.0.5@1"));
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code, Errc::kRemote);
  EXPECT_EQ(slow.error().remote_code, 207);
}

// ---- reset ----

TEST_F(BrokerApiTest, ResetOffsetServerSide) {
  t.respond(RequestCode::kInvokeBrokerToResetOffset, ResponseCode::kSuccess,
            R"({"offsetTable":{{"brokerName":"broker-a","queueId":3,"topic":"orders"}:42}})");
  auto body = runSync(api.resetOffsetToOffset(kBroker, "G1", queue(), QueueOffset(42)));
  ASSERT_TRUE(body) << body.error().toString();
  EXPECT_EQ(body->offset_table.at(queue()), QueueOffset(42));
  const auto& call = t.calls()[0];
  EXPECT_EQ(call.request.language, codec::LanguageCode::kJava);
  EXPECT_EQ(fieldsOf(call), (Fields{{"topic", "orders"},
                                    {"group", "G1"},
                                    {"timestamp", "0"},
                                    {"isForce", "true"},
                                    {"queueId", "3"},
                                    {"offset", "42"}}));
}

TEST_F(BrokerApiTest, ResetOffsetByTimestamp) {
  t.respond(RequestCode::kInvokeBrokerToResetOffset, ResponseCode::kSuccess,
            fixture("reset_offset_java.json"));
  t.respond(RequestCode::kInvokeBrokerToResetOffset, ResponseCode::kConsumerNotOnline, {}, {},
            "Consumer not online, so can not reset offset, Group: G1 Topic: orders Timestamp: -1");
  t.respond(RequestCode::kInvokeBrokerToResetOffset, ResponseCode::kSystemError, {}, {},
            "THe consumer group <G1> not exist");
  auto body = runSync(api.resetOffsetByTimestamp(kBroker, "G1", "orders", -1, false));
  ASSERT_TRUE(body);
  EXPECT_EQ(body->offset_table.size(), 2U);
  EXPECT_EQ(
      fieldsOf(t.calls()[0]),
      (Fields{{"topic", "orders"}, {"group", "G1"}, {"timestamp", "-1"}, {"isForce", "false"}}));
  auto offline = runSync(api.resetOffsetByTimestamp(kBroker, "G1", "orders", -1, true));
  ASSERT_FALSE(offline);
  EXPECT_EQ(offline.error().code, Errc::kConsumerNotOnline);
  auto no_group = runSync(api.resetOffsetByTimestamp(kBroker, "G1", "orders", -1, true));
  ASSERT_FALSE(no_group);
  EXPECT_EQ(no_group.error().code, Errc::kGroupNotExist);
}

// ---- broker settings ----

TEST_F(BrokerApiTest, ConfigRuntimeAndFeatures) {
  t.response_version = 479;
  t.respond(RequestCode::kGetBrokerConfig, ResponseCode::kSuccess, fixture("broker_config.txt"));
  t.respond(RequestCode::kGetBrokerRuntimeInfo, ResponseCode::kSuccess, fixture("kv_table.json"));
  t.respond(RequestCode::kGetBrokerRuntimeInfo, ResponseCode::kSuccess, fixture("kv_table.json"));
  t.respond(RequestCode::kGetBrokerConfig, ResponseCode::kSuccess, fixture("broker_config.txt"));
  auto config = runSync(api.brokerConfig(kBroker));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->at("brokerName"), "broker-a");
  auto runtime = runSync(api.runtimeInfo(kBroker));
  ASSERT_TRUE(runtime);
  EXPECT_EQ(runtime->version, 479);
  EXPECT_EQ(runtime->versionDesc(), "V5_3_3");
  auto features = runSync(api.features(kBroker));
  ASSERT_TRUE(features);
  EXPECT_TRUE(features->server_side_reset);
  EXPECT_TRUE(features->query_topics_by_consumer);
  EXPECT_TRUE(features->update_offset_checks_group);
  EXPECT_EQ(features->version_desc, "V5_3_3");
}

TEST_F(BrokerApiTest, Features49) {
  t.response_version = 409;
  t.respond(RequestCode::kGetBrokerRuntimeInfo, ResponseCode::kSuccess,
            R"({"table":{"brokerVersion":"409"}})");
  t.respond(RequestCode::kGetBrokerConfig, ResponseCode::kSuccess, "brokerName=b\n");
  auto features = runSync(api.features(kBroker));
  ASSERT_TRUE(features);
  EXPECT_EQ(features->version_desc, "V4_9_8");
  EXPECT_FALSE(features->server_side_reset);
  EXPECT_FALSE(features->query_topics_by_consumer);
  EXPECT_FALSE(features->update_offset_checks_group);
}

TEST(BrokerVersion, Names) {
  EXPECT_EQ(versionName(479), "V5_3_3");
  EXPECT_EQ(versionName(409), "V4_9_8");
  EXPECT_EQ(versionName(401), "V4_9_4");
  EXPECT_EQ(versionName(413), "V5_0_0");
  EXPECT_EQ(versionName(213), "V4_0_0");
  EXPECT_EQ(versionName(400), "V4_9_4_SNAPSHOT");
  EXPECT_EQ(versionName(212), "V4_0_0_SNAPSHOT");
  EXPECT_EQ(versionName(28), "ordinal 28");
}

// ---- Ferry's own client ----

TEST_F(BrokerApiTest, HeartbeatAndUnregister) {
  t.respond(RequestCode::kHeartBeat, ResponseCode::kSuccess, {},
            extFields({{"IS_SUPPORT_HEART_BEAT_V2", "true"}}));
  t.respond(RequestCode::kUnregisterClient, ResponseCode::kSuccess);
  codec::HeartbeatData hb;
  hb.client_id = "10.0.0.9@ferry";
  codec::ConsumerData cd;
  cd.group_name = "FERRY_task1";
  cd.subscription_data_set.push_back(codec::SubscriptionData::build("orders", "*", 1));
  hb.consumer_data_set.push_back(cd);
  ASSERT_TRUE(runSync(api.heartbeat(kBroker, hb)));
  EXPECT_EQ(t.calls()[0].request.body, hb.toJson());
  EXPECT_TRUE(t.calls()[0].request.ext_fields.empty());
  ASSERT_TRUE(
      runSync(api.unregisterClient(kBroker, "10.0.0.9@ferry", std::nullopt, "FERRY_task1")));
  EXPECT_EQ(fieldsOf(t.calls()[1]),
            (Fields{{"clientID", "10.0.0.9@ferry"}, {"consumerGroup", "FERRY_task1"}}));
}

TEST_F(BrokerApiTest, AuthFailuresAreDistinct) {
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kNoPermission, {}, {},
            "check signature failed.");
  t.respond(RequestCode::kGetConsumeStats, ResponseCode::kSystemError, {}, {},
            "org.apache.rocketmq.acl.common.AclException: [10003:signature-failed] unable to "
            "calculate a request signature");
  auto v2 = runSync(api.consumeStats(kBroker, "G1", std::nullopt));
  ASSERT_FALSE(v2);
  EXPECT_EQ(v2.error().code, Errc::kAuthFailed);
  auto v1 = runSync(api.consumeStats(kBroker, "G1", std::nullopt));
  ASSERT_FALSE(v1);
  EXPECT_EQ(v1.error().code, Errc::kAuthFailed);
  EXPECT_EQ(v1.error().remote_code, 1);
}

}  // namespace
}  // namespace ferry::rocketmq
