#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ferry/codec/headers.h"
#include "ferry/rocketmq/errors.h"

namespace ferry::rocketmq {
namespace {

TEST(RocketmqErrors, ResponseCodeMapping) {
  struct Case {
    int code;
    const char* remark;
    Errc expected;
  };
  const Case cases[] = {
      {17, "No topic route info in name server for the topic: T", Errc::kTopicNotExist},
      {26, "subscription group [G] does not exist", Errc::kGroupNotExist},
      {16, "the topic[T] sending message is forbidden", Errc::kNoPermission},
      {16, "User:alice has no permission to access Topic:T from 127.0.0.1, DENY",
       Errc::kNoPermission},
      {16, "check signature failed.", Errc::kAuthFailed},
      {16, "User:bob is not found.", Errc::kAuthFailed},
      {16, "User:bob is disabled.", Errc::kAuthFailed},
      {16, "Authentication failed. Please verify the credentials and try again.",
       Errc::kAuthFailed},
      {16, "authentication header is incorrect.", Errc::kAuthFailed},
      {16, "username cannot be null.", Errc::kAuthFailed},
      {1,
       "org.apache.rocketmq.acl.common.AclException: No acl config for ak, "
       "org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:"
       "461)",
       Errc::kAuthFailed},
      {1, "no consumer for this group, G", Errc::kConsumerNotOnline},
      {1, "The Consumer <G> <10.0.0.1@1> not online", Errc::kConsumerNotOnline},
      {1, "THe consumer group <G> not exist", Errc::kGroupNotExist},
      {1, "java.lang.NullPointerException", Errc::kRemote},
      {2, "[REJECTREQUEST]system busy, start flow control for a while", Errc::kBusy},
      {215, "", Errc::kBusy},
      {14, "service not available now", Errc::kServiceUnavailable},
      {1500, "please go away", Errc::kServiceUnavailable},
      {3, " request type 343 not supported", Errc::kNotSupportedByPeer},
      {206, "the consumer group[G] not online", Errc::kConsumerNotOnline},
      {22, "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first", Errc::kQueryNotFound},
      {13, "the message body size over max value", Errc::kMessageIllegal},
      {10, "", Errc::kStoredButNotFlushed},
      {11, "", Errc::kStoredButNotFlushed},
      {12, "", Errc::kStoredButNotFlushed},
      {24, "", Errc::kRemote},
      {29, "", Errc::kRemote},
      {12345, "", Errc::kRemote},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(errcForResponse(c.code, c.remark), c.expected) << c.code << " " << c.remark;
  }
}

TEST(RocketmqErrors, ResponseErrorKeepsCodeAndRemark) {
  codec::RemotingCommand response;
  response.code = 17;
  response.remark = "No topic route info in name server for the topic: orders";
  Error e = responseError(response, "route of topic 'orders' from NameServer 127.0.0.1:9876");
  EXPECT_EQ(e.code, Errc::kTopicNotExist);
  EXPECT_EQ(e.remote_code, 17);
  EXPECT_EQ(e.remote_remark, "No topic route info in name server for the topic: orders");
  EXPECT_EQ(e.message, "route of topic 'orders' from NameServer 127.0.0.1:9876: TOPIC_NOT_EXIST");
  EXPECT_EQ(
      e.toString(),
      "topic_not_exist: route of topic 'orders' from NameServer 127.0.0.1:9876: TOPIC_NOT_EXIST "
      "[remote code 17: No topic route info in name server for the topic: orders]");

  codec::RemotingCommand odd;
  odd.code = 777;
  Error u = responseError(odd, "x");
  EXPECT_EQ(u.code, Errc::kRemote);
  EXPECT_EQ(u.message, "x: response code 777");
  EXPECT_EQ(u.remote_remark, "");
}

// Error answers captured from a real 5.3.3 sandbox (tests/testdata/bodies/real-5.3.3/*.meta.json).
TEST(RocketmqErrors, RealBrokerAnswers) {
  struct Case {
    const char* meta;
    Errc expected;
  };
  for (const auto& c : {Case{"real_route_unknown_topic", Errc::kTopicNotExist},
                        Case{"real_topic_stats_unknown", Errc::kTopicNotExist},
                        Case{"real_consumer_connection_offline", Errc::kConsumerNotOnline},
                        Case{"real_consumer_id_list_offline", Errc::kConsumerNotOnline},
                        Case{"real_consumer_running_info_offline", Errc::kConsumerNotOnline},
                        Case{"real_query_offset_none", Errc::kQueryNotFound},
                        Case{"real_unknown_code", Errc::kNotSupportedByPeer},
                        Case{"acl_unsigned_topic_stats", Errc::kAuthFailed}}) {
    std::ifstream in(std::string(FERRY_TESTDATA_DIR) + "/bodies/real-5.3.3/" + c.meta
                     + ".meta.json");
    ASSERT_TRUE(in.good()) << c.meta;
    const auto meta = nlohmann::json::parse(in);
    codec::RemotingCommand response;
    response.code = meta.at("code").get<int>();
    response.remark = meta.at("remark").get<std::string>();
    Error e = responseError(response, c.meta);
    EXPECT_EQ(e.code, c.expected) << c.meta << ": " << *response.remark;
    EXPECT_EQ(e.remote_remark, *response.remark);
  }
}
}  // namespace
}  // namespace ferry::rocketmq
