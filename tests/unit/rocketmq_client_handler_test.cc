#include <gtest/gtest.h>

#include "ferry/rocketmq/client_handler.h"
#include "support/fake_transport.h"

namespace ferry::rocketmq {
namespace {

using codec::RequestCode;

codec::RemotingCommand request(RequestCode code, codec::ExtFields fields, std::string body = {},
                               bool oneway = false) {
  codec::RemotingCommand r;
  r.code = codec::toInt(code);
  r.ext_fields = std::move(fields);
  r.body = std::move(body);
  r.flag = oneway ? codec::kFlagOneway : 0;
  return r;
}

TEST(ClientRequestHandler, AnswersRunningInfoForOwnGroup) {
  ClientRequestHandler::Callbacks callbacks;
  callbacks.running_info =
      [](const std::string& group) -> std::optional<codec::ConsumerRunningInfo> {
    if (group != "FERRY_task1") {
      return std::nullopt;
    }
    auto info = ferryRunningInfo("127.0.0.1:9876", 1700000000000);
    codec::ProcessQueueInfo pq;
    pq.commit_offset = QueueOffset(12);
    pq.last_pull_timestamp = 1700000005000;
    info.mq_table[MessageQueue{"orders", "broker-a", QueueId(0)}] = pq;
    info.subscription_set.push_back(codec::SubscriptionData::build("orders", "*", 1));
    return info;
  };
  ClientRequestHandler handler(callbacks);
  auto fn = handler.handler();
  auto response = runSync(fn("127.0.0.1:10911", request(RequestCode::kGetConsumerRunningInfo,
                                                        extFields({{"consumerGroup", "FERRY_task1"},
                                                                   {"clientId", "10.0.0.9@ferry"},
                                                                   {"jstackEnable", "false"}}))));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->code, 0);
  EXPECT_TRUE(response->isResponse());
  auto info = codec::ConsumerRunningInfo::fromJson(response->body);
  ASSERT_TRUE(info) << info.error().toString() << "\n" << response->body;
  EXPECT_EQ(info->properties.at("PROP_CONSUME_TYPE"), "CONSUME_ACTIVELY");
  EXPECT_EQ(info->properties.at("PROP_CLIENT_VERSION"), "V5_3_3");
  EXPECT_EQ(info->properties.at("PROP_NAMESERVER_ADDR"), "127.0.0.1:9876");
  EXPECT_EQ(info->mq_table.at(MessageQueue{"orders", "broker-a", QueueId(0)}).last_pull_timestamp,
            1700000005000);
  // mqTable is written with MessageQueue object keys, the form Java tools read.
  EXPECT_NE(
      response->body.find(R"("mqTable":{{"brokerName":"broker-a","queueId":0,"topic":"orders"}:)"),
      std::string::npos);
  EXPECT_EQ(handler.runningInfoCount(), 1U);
}

TEST(ClientRequestHandler, RunningInfoForForeignGroupLikeJava) {
  ClientRequestHandler handler({});
  auto response = runSync(
      handler.handle("b", request(RequestCode::kGetConsumerRunningInfo,
                                  extFields({{"consumerGroup", "other"}, {"clientId", "c"}}))));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->code, 1);
  EXPECT_EQ(response->remark, "The Consumer Group <other> not exist in this consumer");
  auto bad = runSync(handler.handle("b", request(RequestCode::kGetConsumerRunningInfo, {})));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->code, 1);
}

TEST(ClientRequestHandler, RecordsIdsChangedWithoutAnswering) {
  std::vector<std::string> seen;
  ClientRequestHandler::Callbacks callbacks;
  callbacks.on_ids_changed = [&](const std::string& addr, const std::string& group) {
    seen.push_back(addr + " " + group);
  };
  ClientRequestHandler handler(callbacks);
  auto response = runSync(handler.handle(
      "127.0.0.1:10911", request(RequestCode::kNotifyConsumerIdsChanged,
                                 extFields({{"consumerGroup", "FERRY_task1"}}), {}, true)));
  EXPECT_FALSE(response);
  EXPECT_EQ(handler.idsChangedCount(), 1U);
  EXPECT_EQ(seen, std::vector<std::string>{"127.0.0.1:10911 FERRY_task1"});
}

TEST(ClientRequestHandler, RecordsResetOffsetPushes) {
  std::vector<ResetOffsetNotice> notices;
  ClientRequestHandler::Callbacks callbacks;
  callbacks.on_reset_offset = [&](const ResetOffsetNotice& n) {
    notices.push_back(n);
  };
  ClientRequestHandler handler(callbacks);
  auto response = runSync(handler.handle(
      "127.0.0.1:10911",
      request(RequestCode::kResetConsumerClientOffset,
              extFields({{"topic", "orders"},
                         {"group", "FERRY_task1"},
                         {"timestamp", "1700000000000"},
                         {"isForce", "false"},
                         {"queueId", "-1"}}),
              R"({"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"orders"}:42}})",
              true)));
  EXPECT_FALSE(response);
  ASSERT_EQ(notices.size(), 1U);
  EXPECT_EQ(notices[0].header.group, "FERRY_task1");
  EXPECT_EQ(notices[0].body.offset_table.at(MessageQueue{"orders", "broker-a", QueueId(0)}),
            QueueOffset(42));
  ASSERT_EQ(handler.resetNotices().size(), 1U);

  // The C++ list form, and a garbled body, are still recorded.
  (void)runSync(handler.handle(
      "b",
      request(
          RequestCode::kResetConsumerClientOffset,
          extFields({{"topic", "orders"}, {"group", "G"}, {"timestamp", "0"}, {"isForce", "true"}}),
          R"({"offsetTable":[{"brokerName":"b","offset":7,"queueId":1,"topic":"orders"}]})",
          true)));
  (void)runSync(handler.handle(
      "b",
      request(
          RequestCode::kResetConsumerClientOffset,
          extFields({{"topic", "orders"}, {"group", "G"}, {"timestamp", "0"}, {"isForce", "true"}}),
          "{{{", true)));
  ASSERT_EQ(handler.resetNotices().size(), 3U);
  EXPECT_EQ(handler.resetNotices()[1].body.offset_table.size(), 1U);
  EXPECT_TRUE(handler.resetNotices()[2].body.offset_table.empty());
  // A header without the required fields is dropped.
  (void)runSync(
      handler.handle("b", request(RequestCode::kResetConsumerClientOffset, {}, {}, true)));
  EXPECT_EQ(handler.resetNotices().size(), 3U);
}

TEST(ClientRequestHandler, UnknownCodesLikeJava) {
  ClientRequestHandler handler({});
  auto response = runSync(handler.handle("b", request(RequestCode::kConsumeMessageDirectly, {})));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->code, 3);
  EXPECT_EQ(response->remark, " request type 309 not supported");
  auto oneway =
      runSync(handler.handle("b", request(RequestCode::kCheckTransactionState, {}, {}, true)));
  EXPECT_FALSE(oneway);
}

}  // namespace
}  // namespace ferry::rocketmq
