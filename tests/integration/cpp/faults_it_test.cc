// A broker restart in the middle of use: the pending long-poll fails promptly with
// "connection closed" (not at its deadline), calls while the broker is down fail with a connect
// error naming the address, and once the broker is back the same client works again.
#include <future>
#include <thread>

#include <asio/co_spawn.hpp>
#include <asio/use_future.hpp>

#include "ferry/rpc/connection.h"
#include "it_fixture.h"

namespace ferry::testing {
namespace {

using FaultsIT = ClusterIT;

asio::awaitable<std::size_t> pendingCalls(rpc::Client* client, std::string addr) {
  auto connection = client->connection(addr);
  co_return connection ? connection->pendingCalls() : 0;
}

asio::awaitable<Result<rocketmq::SendResult>> sendOne(rocketmq::BrokerDataApi* broker,
                                                      std::string addr, MessageQueue queue) {
  codec::Message m;
  m.topic = queue.topic;
  m.body = "after restart";
  co_return co_await broker->sendMessage(addr, "ferry_it_producer", queue, std::move(m));
}

TEST_F(FaultsIT, BrokerRestartFailsPendingCallsPromptlyAndTheClientRecovers) {
  const std::string topic = uniqueName("it-restart");
  createTopic(topic, 1);
  const std::string broker_name = env_.brokers("source").begin()->first;
  MessageQueue queue{topic, broker_name, QueueId(0)};
  auto addr = io_.run(source_->masterAddr(topic, broker_name));
  ASSERT_TRUE(addr.has_value()) << addr.error().toString();

  // A long poll on the empty queue: the broker holds it for up to 20 s.
  rocketmq::PullRequest request;
  request.group = "ferry_it_reader";
  request.queue = queue;
  request.offset = QueueOffset(0);
  request.suspend = std::chrono::milliseconds(20000);
  auto pending =
      asio::co_spawn(io_.context(), source_->brokerData().pull(*addr, request), asio::use_future);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (io_.run(pendingCalls(client_.get(), *addr)) == 0
         && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(io_.run(pendingCalls(client_.get(), *addr)), 1U) << "the long poll is not pending";

  // Kill the broker (SIGKILL: no goodbye on the connection beyond the kernel's RST/FIN).
  auto killed = runCommand({repoPath("tools/sandbox"), "stop-process", broker_name, "--kill"});
  ASSERT_EQ(killed.exit_code, 0) << killed.stderr_text;

  // The pending call fails with kConnectionClosed, i.e. before its 25 s deadline would have made
  // it a kTimeout.
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  auto pulled = pending.get();
  ASSERT_FALSE(pulled.has_value()) << "the pull succeeded although the broker died";
  EXPECT_EQ(pulled.error().code, Errc::kConnectionClosed) << pulled.error().toString();
  EXPECT_NE(pulled.error().message.find(*addr), std::string::npos) << pulled.error().toString();

  // While the broker is down: a connect error that names the address.
  auto down = io_.run(source_->brokerData().maxOffset(*addr, queue));
  ASSERT_FALSE(down.has_value());
  EXPECT_EQ(down.error().code, Errc::kConnectFailed) << down.error().toString();
  EXPECT_NE(down.error().message.find(*addr), std::string::npos) << down.error().toString();

  auto started = runCommand({repoPath("tools/sandbox"), "start-process", broker_name});
  ASSERT_EQ(started.exit_code, 0) << started.stderr_text;

  // The same client recovers by itself (reconnect with backoff): poll until a call succeeds.
  std::optional<Error> last;
  bool recovered = false;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    auto max = io_.run(source_->brokerData().maxOffset(*addr, queue));
    if (max.has_value()) {
      recovered = true;
      break;
    }
    last = max.error();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(recovered) << "no recovery; last error: " << (last ? last->toString() : "");
  auto sent = io_.run(sendOne(&source_->brokerData(), *addr, queue));
  ASSERT_TRUE(sent.has_value()) << sent.error().toString();
  EXPECT_EQ(sent->queue_offset.value(), 0);
}

}  // namespace
}  // namespace ferry::testing
