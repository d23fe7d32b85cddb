// Request signing against vectors computed independently with the OpenSSL CLI, e.g.
//   printf '%s' 'RocketMQG10TopicTesthello' | openssl dgst -sha1 -hmac '12345678' -binary | base64
#include "ferry/codec/signing.h"

#include <gtest/gtest.h>

namespace ferry::codec {
namespace {

SigningKey key(std::string_view access, std::string_view secret, std::string_view token = {}) {
  return SigningKey{access, secret, token};
}

RemotingCommand pullLikeRequest() {
  RemotingCommand request;
  request.code = 11;
  request.ext_fields.set("topic", "TopicTest");
  request.ext_fields.set("queueId", "0");
  request.ext_fields.set("consumerGroup", "G1");
  return request;
}

TEST(SigningTest, SignsSortedValuesAndBody) {
  RemotingCommand request = pullLikeRequest();
  request.body = "hello";
  ASSERT_TRUE(signRequest(request, key("RocketMQ", "12345678")));
  // Content: AccessKey, consumerGroup, queueId, topic values + body = "RocketMQG10TopicTesthello".
  EXPECT_EQ(request.ext_fields.get("Signature"), "//YULXTp6dBX3WcWzIbiq7MG+uw=");
  EXPECT_EQ(request.ext_fields.get("AccessKey"), "RocketMQ");
  EXPECT_FALSE(request.ext_fields.contains("SecurityToken"));
  EXPECT_EQ(request.ext_fields.size(), 5U);
  EXPECT_EQ(request.body, "hello");
}

TEST(SigningTest, ProtocolDocExample) {
  // docs/rpc.md "Signing": {consumerGroup:G, queueId:0, topic:T} + AccessKey ak -> "akG0T".
  RemotingCommand request;
  request.ext_fields.set("consumerGroup", "G");
  request.ext_fields.set("queueId", "0");
  request.ext_fields.set("topic", "T");
  ASSERT_TRUE(signRequest(request, key("ak", "sk")));
  EXPECT_EQ(request.ext_fields.get("Signature"), "4XzaOS+/pNWkhPjcP/obAxSJwHE=");
}

TEST(SigningTest, SecurityTokenIsSignedAndSortsBeforeLowercaseKeys) {
  RemotingCommand request = pullLikeRequest();
  ASSERT_TRUE(signRequest(request, key("RocketMQ", "12345678", "stsToken")));
  // Uppercase keys sort first: AccessKey, SecurityToken, consumerGroup, queueId, topic.
  EXPECT_EQ(request.ext_fields.get("SecurityToken"), "stsToken");
  EXPECT_EQ(request.ext_fields.get("Signature"), "bOWncXdASvg7cwvdovA2HTOpW7Q=");
}

TEST(SigningTest, ResigningReplacesPreviousSignatureFields) {
  RemotingCommand request = pullLikeRequest();
  request.body = "hello";
  ASSERT_TRUE(signRequest(request, key("old", "other", "stale")));
  ASSERT_TRUE(signRequest(request, key("RocketMQ", "12345678")));
  // The stale Signature is excluded from the content and the stale token is gone.
  EXPECT_EQ(request.ext_fields.get("Signature"), "//YULXTp6dBX3WcWzIbiq7MG+uw=");
  EXPECT_FALSE(request.ext_fields.contains("SecurityToken"));
  EXPECT_EQ(request.ext_fields.size(), 5U);
}

TEST(SigningTest, InsertionOrderDoesNotMatter) {
  RemotingCommand a = pullLikeRequest();
  RemotingCommand b;
  b.ext_fields.set("consumerGroup", "G1");
  b.ext_fields.set("topic", "TopicTest");
  b.ext_fields.set("queueId", "0");
  ASSERT_TRUE(signRequest(a, key("RocketMQ", "12345678")));
  ASSERT_TRUE(signRequest(b, key("RocketMQ", "12345678")));
  EXPECT_EQ(a.ext_fields.get("Signature"), b.ext_fields.get("Signature"));
}

TEST(SigningTest, DuplicateKeysCountOnceWithTheLastValue) {
  ExtFields fields;
  fields.append("AccessKey", "ak");
  fields.append("topic", "ignored");
  fields.append("queueId", "0");
  fields.append("consumerGroup", "G");
  fields.append("topic", "T");
  auto signature = computeSignature("sk", fields, "");
  ASSERT_TRUE(signature);
  EXPECT_EQ(*signature, "4XzaOS+/pNWkhPjcP/obAxSJwHE=");  // same content "akG0T" as above
}

TEST(SigningTest, RejectsMissingKeys) {
  RemotingCommand request = pullLikeRequest();
  auto result = signRequest(request, key("", "x"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kInvalidArgument);
  EXPECT_FALSE(request.ext_fields.contains("Signature"));
}

}  // namespace
}  // namespace ferry::codec
