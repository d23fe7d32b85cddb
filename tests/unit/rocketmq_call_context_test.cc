// Error context of the typed API is formatted only when a call fails (rocketmq/call.h,
// detail::describe / detail::What): successful calls -- the replication hot path of pull, send and
// offsets -- format nothing, while failures still name the operation, the topic/group/queue and the
// address exactly as before (the messages below are the ones rocketmq_broker_api_test checks too).
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/rocketmq/broker_api.h"
#include "ferry/rocketmq/call.h"
#include "ferry/rocketmq/name_server_api.h"
#include "support/fake_transport.h"

namespace ferry::rocketmq {
namespace {

using codec::RequestCode;
using codec::ResponseCode;
using namespace std::chrono_literals;

constexpr const char* kBroker = "127.0.0.1:10911";

MessageQueue queue3() {
  return MessageQueue{"orders", "broker-a", QueueId(3)};
}

codec::ExtFields pullHeader() {
  return extFields({{"suggestWhichBrokerId", "0"},
                    {"nextBeginOffset", "6"},
                    {"minOffset", "0"},
                    {"maxOffset", "6"}});
}

codec::ExtFields sendHeader() {
  return extFields({{"msgId", "A"}, {"queueId", "3"}, {"queueOffset", "17"}});
}

TEST(CallContext, DescriptionFormatsOnlyWhenAskedAndCounts) {
  int described = 0;
  const auto what = detail::describe([&] {
    ++described;
    return std::string("max offset of orders@broker-a#3 at 127.0.0.1:10911");
  });
  const auto before = detail::formattedDescriptions();
  const detail::What ref(what);
  EXPECT_EQ(described, 0);
  EXPECT_EQ(ref(), "max offset of orders@broker-a#3 at 127.0.0.1:10911");
  EXPECT_EQ(what(), "max offset of orders@broker-a#3 at 127.0.0.1:10911");
  EXPECT_EQ(described, 2);
  EXPECT_EQ(detail::formattedDescriptions(), before + 2);  // through a What and directly
}

TEST(CallContext, InvokeFormatsOnFailureOnly) {
  FakeTransport t;
  t.respond(RequestCode::kGetMaxOffset, ResponseCode::kSuccess, {}, extFields({{"offset", "42"}}));
  t.respond(RequestCode::kGetMaxOffset, ResponseCode::kTopicNotExist, {}, {},
            "No topic route info");
  t.fail(RequestCode::kGetMaxOffset, Errc::kTimeout, "no answer within 3000 ms");
  int described = 0;
  const auto what = [&] {
    ++described;
    return std::string("max offset of orders@broker-a#3 at 127.0.0.1:10911");
  };
  auto ok = runSync(detail::invokeOk(
      t, kBroker, detail::makeRequest(RequestCode::kGetMaxOffset, {}), 3000ms, what));
  ASSERT_TRUE(ok) << ok.error().toString();
  EXPECT_EQ(described, 0);

  auto refused = runSync(detail::invokeOk(
      t, kBroker, detail::makeRequest(RequestCode::kGetMaxOffset, {}), 3000ms, what));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "max offset of orders@broker-a#3 at 127.0.0.1:10911: TOPIC_NOT_EXIST");
  EXPECT_EQ(described, 1);

  auto lost = runSync(detail::invokeOk(
      t, kBroker, detail::makeRequest(RequestCode::kGetMaxOffset, {}), 3000ms, what));
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, Errc::kTimeout);
  EXPECT_EQ(lost.error().message,
            "max offset of orders@broker-a#3 at 127.0.0.1:10911: no answer within 3000 ms");
  EXPECT_EQ(described, 2);
}

// Every data-plane call, and a few admin and NameServer calls, succeeding: nothing formatted.
TEST(CallContext, SuccessfulCallsFormatNothing) {
  FakeTransport t;
  t.respond(RequestCode::kPullMessage, ResponseCode::kSuccess, "RECORDS", pullHeader());
  t.respond(RequestCode::kPullMessage, ResponseCode::kPullNotFound, {}, pullHeader());
  t.respond(RequestCode::kSendMessageV2, ResponseCode::kSuccess, {}, sendHeader());
  t.respond(RequestCode::kSendBatchMessage, ResponseCode::kSuccess, {}, sendHeader());
  t.respond(RequestCode::kSendMessageV2, ResponseCode::kSuccess, {}, sendHeader());
  t.respond(RequestCode::kSendBatchMessage, ResponseCode::kSuccess, {}, sendHeader());
  t.respond(RequestCode::kQueryConsumerOffset, ResponseCode::kSuccess, {},
            extFields({{"offset", "5"}}));
  t.respond(RequestCode::kQueryConsumerOffset, ResponseCode::kQueryNotFound);
  t.respond(RequestCode::kUpdateConsumerOffset, ResponseCode::kSuccess);
  t.respond(RequestCode::kGetMinOffset, ResponseCode::kSuccess, {}, extFields({{"offset", "0"}}));
  t.respond(RequestCode::kGetMaxOffset, ResponseCode::kSuccess, {}, extFields({{"offset", "6"}}));
  t.respond(RequestCode::kSearchOffsetByTimestamp, ResponseCode::kSuccess, {},
            extFields({{"offset", "2"}}));
  t.respond(RequestCode::kGetConsumerListByGroup, ResponseCode::kSuccess,
            R"({"consumerIdList":["c1"]})");
  t.respond(RequestCode::kGetRouteInfoByTopic, ResponseCode::kSuccess,
            R"({"queueDatas":[],"brokerDatas":[]})");
  BrokerApi api{t};
  NameServerApi ns{t};

  PullRequest pull;
  pull.group = "G";
  pull.queue = queue3();
  pull.offset = QueueOffset(5);
  codec::SendMessageRequestHeaderV2 header;
  header.topic = "orders";
  header.queue_id = QueueId(3);
  codec::Message message;
  message.topic = "orders";
  message.body = "hello";
  std::vector<codec::Message> messages{message, message};

  const auto before = detail::formattedDescriptions();
  EXPECT_TRUE(runSync(api.pull(kBroker, pull)));
  EXPECT_TRUE(runSync(api.pull(kBroker, pull)));
  EXPECT_TRUE(runSync(api.send(kBroker, header, "body")));
  EXPECT_TRUE(runSync(api.sendBatch(kBroker, header, "batch")));
  EXPECT_TRUE(runSync(api.sendMessage(kBroker, "P", queue3(), message)));
  EXPECT_TRUE(runSync(api.sendMessages(kBroker, "P", queue3(), messages)));
  EXPECT_TRUE(runSync(api.queryConsumerOffset(kBroker, "G", queue3())));
  EXPECT_TRUE(runSync(api.queryConsumerOffset(kBroker, "G", queue3())));
  EXPECT_TRUE(runSync(api.updateConsumerOffset(kBroker, "G", queue3(), QueueOffset(6))));
  EXPECT_TRUE(runSync(api.minOffset(kBroker, queue3())));
  EXPECT_TRUE(runSync(api.maxOffset(kBroker, queue3())));
  EXPECT_TRUE(runSync(api.searchOffset(kBroker, queue3(), 1700000000000)));
  EXPECT_TRUE(runSync(api.consumerIds(kBroker, "G")));
  EXPECT_TRUE(runSync(ns.topicRoute("127.0.0.1:9876", "orders")));
  EXPECT_TRUE(t.unexpected().empty());
  EXPECT_EQ(t.pending(), 0U);
  EXPECT_EQ(detail::formattedDescriptions(), before);
}

// Failures: the same messages as before the context became lazy, one description each.
TEST(CallContext, FailuresStillNameOperationQueueAndAddress) {
  FakeTransport t;
  t.fail(RequestCode::kPullMessage, Errc::kConnectionClosed,
         "connection to 127.0.0.1:10911 closed");
  t.respond(RequestCode::kQueryConsumerOffset, ResponseCode::kSubscriptionGroupNotExist);
  t.respond(RequestCode::kUpdateConsumerOffset, ResponseCode::kTopicNotExist);
  t.respond(RequestCode::kSendMessageV2, ResponseCode::kSuccess, {}, extFields({{"msgId", "A"}}));
  t.respond(RequestCode::kSendBatchMessage, ResponseCode::kSystemBusy, {}, {}, "busy");
  t.respond(RequestCode::kGetMaxOffset, ResponseCode::kSuccess, {}, extFields({}));
  BrokerApi api{t};

  PullRequest pull;
  pull.group = "G";
  pull.queue = queue3();
  pull.offset = QueueOffset(5);
  codec::SendMessageRequestHeaderV2 header;
  header.topic = "orders";
  header.queue_id = QueueId(3);

  const auto before = detail::formattedDescriptions();
  auto pulled = runSync(api.pull(kBroker, pull));
  ASSERT_FALSE(pulled);
  EXPECT_EQ(pulled.error().code, Errc::kConnectionClosed);
  EXPECT_EQ(pulled.error().message,
            "pull orders@broker-a#3 from offset 5 for group 'G' at 127.0.0.1:10911: connection to "
            "127.0.0.1:10911 closed");
  auto committed = runSync(api.queryConsumerOffset(kBroker, "G", queue3()));
  ASSERT_FALSE(committed);
  EXPECT_EQ(committed.error().message,
            "committed offset of group 'G' on orders@broker-a#3 at 127.0.0.1:10911: "
            "SUBSCRIPTION_GROUP_NOT_EXIST");
  auto updated = runSync(api.updateConsumerOffset(kBroker, "G", queue3(), QueueOffset(9)));
  ASSERT_FALSE(updated);
  EXPECT_EQ(updated.error().message,
            "update committed offset of group 'G' on orders@broker-a#3 to 9 at 127.0.0.1:10911: "
            "TOPIC_NOT_EXIST");
  auto sent = runSync(api.send(kBroker, header, "body"));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, Errc::kMalformed);
  EXPECT_EQ(sent.error().message,
            "send to orders#3 at 127.0.0.1:10911: SendMessageResponseHeader: missing required "
            "field 'queueId'");
  auto batch = runSync(api.sendBatch(kBroker, header, "batch"));
  ASSERT_FALSE(batch);
  EXPECT_EQ(batch.error().code, Errc::kBusy);
  EXPECT_EQ(batch.error().message, "send batch to orders#3 at 127.0.0.1:10911: SYSTEM_BUSY");
  auto max = runSync(api.maxOffset(kBroker, queue3()));
  ASSERT_FALSE(max);
  EXPECT_EQ(max.error().message,
            "max offset of orders@broker-a#3 at 127.0.0.1:10911: OffsetResponseHeader: missing "
            "required field 'offset'");
  EXPECT_EQ(detail::formattedDescriptions(), before + 6);
}

}  // namespace
}  // namespace ferry::rocketmq
