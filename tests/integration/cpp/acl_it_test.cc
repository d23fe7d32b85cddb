// ACL-enabled brokers (tools/sandbox up --acl): Ferry's signed requests are accepted, and a wrong
// secret or a missing signature is refused with an authentication error that says so.
#include "it_fixture.h"

namespace ferry::testing {
namespace {

using AclIT = ClusterIT;

asio::awaitable<Result<rocketmq::SendResult>> sendOne(rocketmq::Cluster* cluster,
                                                      std::string topic) {
  auto queues = co_await cluster->writeQueues(topic);
  if (!queues) {
    co_return makeError(queues.error());
  }
  const auto& qa = queues->front();
  codec::Message m;
  m.topic = topic;
  m.body = "signed hello";
  co_return co_await cluster->brokerData().sendMessage(qa.addr, "ferry_it_producer", qa.queue,
                                                       std::move(m));
}

TEST_F(AclIT, SignedRequestsWorkAndAWrongSecretIsRefusedClearly) {
  ASSERT_TRUE(env_.acl()) << "this suite needs a sandbox started with --acl";
  const std::string topic = uniqueName("it-acl");
  createTopic(topic, 2);

  // Signed with the right secret: send, then read the message back.
  auto sent = io_.run(sendOne(source_.get(), topic));
  ASSERT_TRUE(sent.has_value()) << sent.error().toString();
  auto observed = pullAll(topic);
  ASSERT_EQ(observed.size(), 1U);

  // A wrong secret: the broker refuses; Ferry reports an authentication failure.
  auto wrong_client =
      makeClient(rpc::Credentials{env_.get("FERRY_ACCESS_KEY"), "not-the-secret", ""});
  auto wrong_cluster = makeCluster("source", *wrong_client);
  auto refused = io_.run(sendOne(wrong_cluster.get(), topic));
  ASSERT_FALSE(refused.has_value()) << "a wrong secret was accepted";
  EXPECT_EQ(refused.error().code, Errc::kAuthFailed) << refused.error().toString();
  EXPECT_NE(refused.error().remote_code, 0) << refused.error().toString();

  // No credentials at all: refused as well.
  auto anonymous_client = makeClient(std::nullopt, /*anonymous=*/true);
  auto anonymous_cluster = makeCluster("source", *anonymous_client);
  auto unsigned_send = io_.run(sendOne(anonymous_cluster.get(), topic));
  ASSERT_FALSE(unsigned_send.has_value()) << "an unsigned request was accepted";
  EXPECT_TRUE(unsigned_send.error().code == Errc::kAuthFailed
              || unsigned_send.error().code == Errc::kNoPermission)
      << unsigned_send.error().toString();

  wrong_cluster.reset();
  anonymous_cluster.reset();
  shutdownClient(wrong_client);
  shutdownClient(anonymous_client);
}

}  // namespace
}  // namespace ferry::testing
