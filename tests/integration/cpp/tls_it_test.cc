// TLS brokers (tools/sandbox up --tls): Ferry's rpc client verifies the servers' certificate chain
// against the sandbox's own CA (FERRY_TLS_CA_FILE) and then routes, sends and pulls for real; a
// client trusting a different CA refuses both the NameServer and the broker with Errc::kTls.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "it_fixture.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;

class TlsIT : public ClusterIT {
 protected:
  // A client that verifies the server chain against `ca_file` (never the permissive default).
  std::unique_ptr<rpc::Client> verifyingClient(const std::string& ca_file) {
    rpc::ClientOptions options;
    options.tls.enabled = true;
    options.tls.verify_peer = true;
    options.tls.ca_file = ca_file;
    auto client = rpc::Client::create(io_.context().get_executor(), options);
    if (!client) {
      ADD_FAILURE() << "creating a verifying client with CA " << ca_file << ": "
                    << client.error().toString();
      return nullptr;
    }
    return std::move(*client);
  }
};

// A self-signed CA of our own, which signed none of the sandbox's certificates.
std::string makeUnrelatedCa(const fs::path& dir) {
  fs::create_directories(dir);
  const std::string ca = (dir / "other-ca.pem").string();
  auto made = runCommand({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                          "-subj", "/CN=Not the Ferry sandbox CA", "-keyout",
                          (dir / "other-ca.key").string(), "-out", ca});
  if (made.exit_code != 0) {
    ADD_FAILURE() << "openssl could not create a CA: " << made.stderr_text;
  }
  return ca;
}

asio::awaitable<Result<rocketmq::SendResult>> sendOne(rocketmq::Cluster* cluster,
                                                      std::string topic) {
  auto queues = co_await cluster->writeQueues(topic);
  if (!queues) {
    co_return makeError(queues.error());
  }
  const auto& qa = queues->front();
  codec::Message m;
  m.topic = topic;
  m.body = "hello over verified TLS";
  m.properties.set("KEYS", "tls-1");
  co_return co_await cluster->brokerData().sendMessage(qa.addr, "ferry_it_producer", qa.queue,
                                                       std::move(m));
}

asio::awaitable<Result<QueueOffset>> maxOffsetOf(rocketmq::BrokerDataApi* broker, std::string addr,
                                                 MessageQueue queue) {
  co_return co_await broker->maxOffset(addr, queue);
}

TEST_F(TlsIT, VerifiedAgainstTheSandboxCaCallsWorkAndAnotherCaIsRefused) {
  ASSERT_EQ(env_.get("FERRY_TLS"), "1") << "this suite needs a sandbox started with --tls";
  const std::string ca_file = env_.get("FERRY_TLS_CA_FILE");
  ASSERT_FALSE(ca_file.empty()) << "the sandbox env file names no FERRY_TLS_CA_FILE";
  ASSERT_TRUE(fs::exists(ca_file)) << ca_file;
  const std::string topic = uniqueName("it-tls");
  ASSERT_NO_FATAL_FAILURE(createTopic(topic, 2));

  // From here on every call of the fixture (route, send, pull) goes through the verifying client.
  source_.reset();
  shutdownClient(client_);
  client_ = verifyingClient(ca_file);
  ASSERT_NE(client_, nullptr);
  source_ = makeCluster("source", *client_);

  auto route = io_.run(source_->readQueues(topic));
  ASSERT_TRUE(route.has_value()) << route.error().toString();
  ASSERT_EQ(route->size(), 2U);
  auto sent = io_.run(sendOne(source_.get(), topic));
  ASSERT_TRUE(sent.has_value()) << sent.error().toString();
  // The broker acknowledges a send before its consume queue shows the message (the dispatch is
  // asynchronous): pullAll() reads the max offset first, so read until the message is there.
  std::vector<ObservedMessage> observed;
  for (int attempt = 0; attempt < 50 && observed.empty(); ++attempt) {
    observed = pullAll(topic);
    if (observed.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  ASSERT_EQ(observed.size(), 1U);
  EXPECT_EQ(observed.front().body_sha256, sha256Hex("hello over verified TLS"));
  EXPECT_EQ(observed.front().properties["KEYS"], "tls-1");
  EXPECT_EQ(observed.front().queue_offset, sent->queue_offset.value());

  // A client trusting another CA: the NameServer (route) and the broker (direct call) both fail
  // the certificate check.
  const fs::path work = fs::temp_directory_path() / ("ferry-tls-it-" + std::to_string(::getpid()));
  const std::string other_ca = makeUnrelatedCa(work);
  auto wrong_client = verifyingClient(other_ca);
  ASSERT_NE(wrong_client, nullptr);
  auto wrong_cluster = makeCluster("source", *wrong_client);
  auto refused_route = io_.run(wrong_cluster->readQueues(topic));
  ASSERT_FALSE(refused_route.has_value()) << "a NameServer certificate from another CA was trusted";
  EXPECT_EQ(refused_route.error().code, Errc::kTls) << refused_route.error().toString();
  const auto& qa = route->front();
  auto refused_broker = io_.run(maxOffsetOf(&wrong_cluster->brokerData(), qa.addr, qa.queue));
  ASSERT_FALSE(refused_broker.has_value()) << "a broker certificate from another CA was trusted";
  EXPECT_EQ(refused_broker.error().code, Errc::kTls) << refused_broker.error().toString();

  wrong_cluster.reset();
  shutdownClient(wrong_client);
  std::error_code ignored;
  fs::remove_all(work, ignored);
}

}  // namespace
}  // namespace ferry::testing
