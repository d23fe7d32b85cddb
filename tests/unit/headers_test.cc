#include "ferry/codec/headers.h"

#include <set>
#include <unordered_set>

#include <gtest/gtest.h>

namespace ferry::codec {
namespace {

ExtFields fields(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  ExtFields f;
  for (const auto& [k, v] : pairs) {
    f.set(k, std::string(v));
  }
  return f;
}

std::vector<std::pair<std::string, std::string>> entries(const ExtFields& f) {
  return {f.begin(), f.end()};
}

using Entries = std::vector<std::pair<std::string, std::string>>;

TEST(Headers, CodesHaveJavaNames) {
  EXPECT_EQ(toInt(RequestCode::kPullMessage), 11);
  EXPECT_EQ(toInt(RequestCode::kGetSubscriptionGroupConfig), 352);
  EXPECT_EQ(requestCodeName(310), "SEND_MESSAGE_V2");
  EXPECT_EQ(requestCodeName(222), "INVOKE_BROKER_TO_RESET_OFFSET");
  EXPECT_EQ(requestCodeName(99999), "UNKNOWN");
  EXPECT_EQ(responseCodeName(17), "TOPIC_NOT_EXIST");
  EXPECT_EQ(responseCodeName(206), "CONSUMER_NOT_ONLINE");
  EXPECT_EQ(responseCodeName(1500), "GO_AWAY");
  EXPECT_EQ(responseCodeName(-1), "UNKNOWN");
}

TEST(Headers, MessageQueueOrderingHashAndFormat) {
  MessageQueue a{"T", "broker-a", QueueId(1)};
  MessageQueue b{"T", "broker-a", QueueId(2)};
  MessageQueue c{"T", "broker-b", QueueId(0)};
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_EQ(a, (MessageQueue{"T", "broker-a", QueueId(1)}));
  std::unordered_set<MessageQueue> set{a, b, c, a};
  EXPECT_EQ(set.size(), 3U);
  EXPECT_EQ(fmt::format("{}", c), "T@broker-b#0");
}

TEST(Headers, RouteInfoRequest) {
  GetRouteInfoRequestHeader h{"orders", true};
  EXPECT_EQ(entries(h.toExtFields()),
            (Entries{{"topic", "orders"}, {"acceptStandardJsonOnly", "true"}}));
  GetRouteInfoRequestHeader plain{"orders", std::nullopt};
  EXPECT_EQ(entries(plain.toExtFields()), (Entries{{"topic", "orders"}}));
  auto back = GetRouteInfoRequestHeader::fromExtFields(h.toExtFields());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->topic, "orders");
  EXPECT_EQ(back->accept_standard_json_only, true);
}

TEST(Headers, CreateTopicRequestUsesJavaNames) {
  CreateTopicRequestHeader h;
  h.topic = "T";
  h.read_queue_nums = 4;
  h.write_queue_nums = 8;
  h.attributes = "+message.type=NORMAL";
  EXPECT_EQ(entries(h.toExtFields()), (Entries{{"topic", "T"},
                                               {"defaultTopic", "TBW102"},
                                               {"readQueueNums", "4"},
                                               {"writeQueueNums", "8"},
                                               {"perm", "6"},
                                               {"topicFilterType", "SINGLE_TAG"},
                                               {"order", "false"},
                                               {"attributes", "+message.type=NORMAL"},
                                               {"force", "false"}}));
  auto back = CreateTopicRequestHeader::fromExtFields(h.toExtFields());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->write_queue_nums, 8);
  EXPECT_EQ(back->attributes, "+message.type=NORMAL");
  EXPECT_FALSE(back->topic_sys_flag);
}

TEST(Headers, SendV2UsesOneLetterKeys) {
  SendMessageRequestHeaderV2 h;
  h.producer_group = "P";
  h.topic = "T";
  h.queue_id = QueueId(3);
  h.born_timestamp = 1700000000000;
  h.properties = std::string(
      "UNIQ_KEY\x01"
      "abc\x02",
      13);
  h.batch = true;
  h.broker_name = "broker-a";
  const Entries expected{{"a", "P"},
                         {"b", "T"},
                         {"c", "TBW102"},
                         {"d", "4"},
                         {"e", "3"},
                         {"f", "0"},
                         {"g", "1700000000000"},
                         {"h", "0"},
                         {"i", std::string("UNIQ_KEY\x01"
                                           "abc\x02",
                                           13)},
                         {"m", "true"},
                         {"n", "broker-a"}};
  EXPECT_EQ(entries(h.toExtFields()), expected);
  auto back = SendMessageRequestHeaderV2::fromExtFields(h.toExtFields());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->queue_id, QueueId(3));
  EXPECT_EQ(back->batch, true);
  EXPECT_EQ(back->born_timestamp, 1700000000000);
}

TEST(Headers, SendResponseFromBroker) {
  // As a 5.3.3 broker answers (extra MSG_REGION/TRACE_ON fields are ignored).
  auto h = SendMessageResponseHeader::fromExtFields(
      fields({{"msgId", "7F00000100002A9F0000000000000000"},
              {"queueId", "2"},
              {"queueOffset", "41"},
              {"transactionId", "AC1100017A6A18B4AAC2"},
              {"MSG_REGION", "DefaultRegion"},
              {"TRACE_ON", "true"}}));
  ASSERT_TRUE(h) << h.error().toString();
  EXPECT_EQ(h->queue_id, QueueId(2));
  EXPECT_EQ(h->queue_offset, QueueOffset(41));
  EXPECT_EQ(h->transaction_id, "AC1100017A6A18B4AAC2");
  EXPECT_FALSE(h->batch_uniq_id);
}

TEST(Headers, PullRequestDefaultsAreLongPollingWithSubscription) {
  PullMessageRequestHeader h;
  h.consumer_group = "G";
  h.topic = "T";
  h.queue_id = QueueId(1);
  h.queue_offset = QueueOffset(100);
  h.sub_version = 1700000000000;
  EXPECT_EQ(entries(h.toExtFields()), (Entries{{"consumerGroup", "G"},
                                               {"topic", "T"},
                                               {"queueId", "1"},
                                               {"queueOffset", "100"},
                                               {"maxMsgNums", "32"},
                                               {"sysFlag", "6"},
                                               {"commitOffset", "0"},
                                               {"suspendTimeoutMillis", "15000"},
                                               {"subscription", "*"},
                                               {"subVersion", "1700000000000"},
                                               {"expressionType", "TAG"}}));
  auto back = PullMessageRequestHeader::fromExtFields(h.toExtFields());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->queue_offset, QueueOffset(100));
}

TEST(Headers, PullResponseRequiredFields) {
  auto ok = PullMessageResponseHeader::fromExtFields(fields({{"suggestWhichBrokerId", "0"},
                                                             {"nextBeginOffset", "132"},
                                                             {"minOffset", "0"},
                                                             {"maxOffset", "132"},
                                                             {"topicSysFlag", "0"},
                                                             {"groupSysFlag", "0"}}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->next_begin_offset, QueueOffset(132));
  EXPECT_EQ(ok->topic_sys_flag, 0);
  EXPECT_FALSE(ok->offset_delta);

  auto missing = PullMessageResponseHeader::fromExtFields(
      fields({{"suggestWhichBrokerId", "0"}, {"minOffset", "0"}, {"maxOffset", "1"}}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kMalformed);
  EXPECT_EQ(missing.error().message,
            "PullMessageResponseHeader: missing required field 'nextBeginOffset'");
}

TEST(Headers, NumbersMustBeDecimal) {
  for (std::string_view bad : {"", "12x", " 1", "0x10", "1.5", "+-1", "99999999999999999999"}) {
    auto h = OffsetResponseHeader::fromExtFields(fields({{"offset", bad}}));
    ASSERT_FALSE(h) << bad;
    EXPECT_EQ(
        h.error().message,
        fmt::format("OffsetResponseHeader: field 'offset' is not a decimal integer: '{}'", bad));
  }
  auto plus = OffsetResponseHeader::fromExtFields(fields({{"offset", "+7"}}));
  ASSERT_TRUE(plus);
  EXPECT_EQ(plus->offset, QueueOffset(7));
  auto negative = OffsetResponseHeader::fromExtFields(fields({{"offset", "-1"}}));
  ASSERT_TRUE(negative);
  EXPECT_EQ(negative->offset, QueueOffset(-1));
  // int32 fields reject values beyond int32.
  auto big =
      TopicQueueRequestHeader::fromExtFields(fields({{"topic", "T"}, {"queueId", "2147483648"}}));
  EXPECT_FALSE(big);
}

TEST(Headers, BooleansParseLikeJava) {
  for (auto [text, expected] : std::vector<std::pair<std::string_view, bool>>{{"true", true},
                                                                              {"TRUE", true},
                                                                              {"True", true},
                                                                              {"false", false},
                                                                              {"1", false},
                                                                              {"yes", false},
                                                                              {"", false}}) {
    auto h = ResetOffsetRequestHeader::fromExtFields(
        fields({{"topic", "T"}, {"group", "G"}, {"timestamp", "-1"}, {"isForce", text}}));
    ASSERT_TRUE(h) << text;
    EXPECT_EQ(h->is_force, expected) << text;
  }
}

TEST(Headers, QueryAndUpdateOffset) {
  QueryConsumerOffsetRequestHeader q{"G", "T", QueueId(2), false};
  EXPECT_EQ(entries(q.toExtFields()), (Entries{{"consumerGroup", "G"},
                                               {"topic", "T"},
                                               {"queueId", "2"},
                                               {"setZeroIfNotFound", "false"}}));
  UpdateConsumerOffsetRequestHeader u{"G", "T", QueueId(2), QueueOffset(77)};
  EXPECT_EQ(
      entries(u.toExtFields()),
      (Entries{{"consumerGroup", "G"}, {"topic", "T"}, {"queueId", "2"}, {"commitOffset", "77"}}));
  auto back = UpdateConsumerOffsetRequestHeader::fromExtFields(u.toExtFields());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->commit_offset, QueueOffset(77));
}

TEST(Headers, MaxMinSearchOffset) {
  GetMaxOffsetRequestHeader max{"T", QueueId(0), std::nullopt};
  EXPECT_EQ(entries(max.toExtFields()), (Entries{{"topic", "T"}, {"queueId", "0"}}));
  SearchOffsetRequestHeader search{"T", QueueId(1), 1700000000000, BoundaryType::kUpper};
  EXPECT_EQ(entries(search.toExtFields()), (Entries{{"topic", "T"},
                                                    {"queueId", "1"},
                                                    {"timestamp", "1700000000000"},
                                                    {"boundaryType", "UPPER"}}));
  auto back = SearchOffsetRequestHeader::fromExtFields(
      fields({{"topic", "T"}, {"queueId", "1"}, {"timestamp", "5"}, {"boundaryType", "upper"}}));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->boundary_type, BoundaryType::kUpper);
  auto earliest =
      GetEarliestMsgStoretimeResponseHeader::fromExtFields(fields({{"timestamp", "9"}}));
  ASSERT_TRUE(earliest);
  EXPECT_EQ(earliest->timestamp, 9);
}

TEST(Headers, ResetOffsetKeyIsLiterallyIsForce) {
  ResetOffsetRequestHeader server_side{"T", "G", 0, true, QueueId(3), QueueOffset(42)};
  EXPECT_EQ(entries(server_side.toExtFields()), (Entries{{"topic", "T"},
                                                         {"group", "G"},
                                                         {"timestamp", "0"},
                                                         {"isForce", "true"},
                                                         {"queueId", "3"},
                                                         {"offset", "42"}}));
  ResetOffsetRequestHeader by_time{"T", "G", 1700000000000, false, std::nullopt, std::nullopt};
  EXPECT_EQ(
      entries(by_time.toExtFields()),
      (Entries{
          {"topic", "T"}, {"group", "G"}, {"timestamp", "1700000000000"}, {"isForce", "false"}}));
  // What a 5.x broker pushes to clients (RESET_CONSUMER_CLIENT_OFFSET).
  auto pushed = ResetOffsetRequestHeader::fromExtFields(fields({{"topic", "T"},
                                                                {"group", "G"},
                                                                {"timestamp", "1700000000000"},
                                                                {"isForce", "false"},
                                                                {"queueId", "-1"}}));
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->queue_id, QueueId(-1));
  EXPECT_FALSE(pushed->offset);
  auto missing = ResetOffsetRequestHeader::fromExtFields(fields({{"topic", "T"}, {"group", "G"}}));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "ResetOffsetRequestHeader: missing required field 'timestamp'");
}

TEST(Headers, GroupHeaders) {
  EXPECT_EQ(entries(ConsumerGroupRequestHeader{"G"}.toExtFields()),
            (Entries{{"consumerGroup", "G"}}));
  EXPECT_EQ(entries(GetConsumeStatsRequestHeader{"G", std::nullopt}.toExtFields()),
            (Entries{{"consumerGroup", "G"}}));
  EXPECT_EQ(entries(GetConsumeStatsRequestHeader{"G", "T"}.toExtFields()),
            (Entries{{"consumerGroup", "G"}, {"topic", "T"}}));
  EXPECT_EQ(entries(QueryTopicsByConsumerRequestHeader{"G"}.toExtFields()),
            (Entries{{"group", "G"}}));
  EXPECT_EQ(entries(GetSubscriptionGroupConfigRequestHeader{"G"}.toExtFields()),
            (Entries{{"group", "G"}}));
  EXPECT_EQ(
      entries(GetConsumerRunningInfoRequestHeader{"G", "10.0.0.1@1", false}.toExtFields()),
      (Entries{{"consumerGroup", "G"}, {"clientId", "10.0.0.1@1"}, {"jstackEnable", "false"}}));
  EXPECT_EQ(entries(UnregisterClientRequestHeader{"c1", std::nullopt, "G"}.toExtFields()),
            (Entries{{"clientID", "c1"}, {"consumerGroup", "G"}}));
  EXPECT_EQ(entries(GetTopicsByClusterRequestHeader{"C"}.toExtFields()),
            (Entries{{"cluster", "C"}}));
  EXPECT_EQ(entries(GetTopicStatsInfoRequestHeader{"T"}.toExtFields()), (Entries{{"topic", "T"}}));
  EXPECT_EQ(entries(QueryTopicConsumeByWhoRequestHeader{"T"}.toExtFields()),
            (Entries{{"topic", "T"}}));

  auto running = GetConsumerRunningInfoRequestHeader::fromExtFields(
      fields({{"consumerGroup", "G"}, {"clientId", "c"}}));
  ASSERT_TRUE(running);
  EXPECT_FALSE(running->jstack_enable);
  auto no_client =
      GetConsumerRunningInfoRequestHeader::fromExtFields(fields({{"consumerGroup", "G"}}));
  ASSERT_FALSE(no_client);
  EXPECT_EQ(no_client.error().message,
            "GetConsumerRunningInfoRequestHeader: missing required field 'clientId'");
  auto unregister = UnregisterClientRequestHeader::fromExtFields(fields({{"clientId", "c"}}));
  EXPECT_FALSE(unregister);  // the key is clientID
}

}  // namespace
}  // namespace ferry::codec
