#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include "ferry/rocketmq/cluster_client.h"

namespace ferry::rocketmq {
namespace {

ClusterSpec spec() {
  ClusterSpec s;
  s.name = "west";
  s.name_servers = {"127.0.0.1:29876"};
  s.broker_address_map = {{"10.0.0.1:10911", "127.0.0.1:20911"}};
  s.timeout = std::chrono::milliseconds(700);
  return s;
}

// A coroutine with parameters, not a capturing lambda: the frame must not refer to a temporary.
asio::awaitable<void> shutDown(ClusterClient* client, bool* done) {
  co_await client->shutdown();
  *done = true;
}

TEST(ClusterClient, BuildsTheClusterFromTheSpecAndShutsDown) {
  asio::io_context io;
  auto client = ClusterClient::create(io.get_executor(), spec());
  ASSERT_TRUE(client) << client.error().toString();
  EXPECT_EQ((*client)->cluster().spec().name, "west");
  EXPECT_EQ((*client)->cluster().dialAddress("10.0.0.1:10911"), "127.0.0.1:20911");
  EXPECT_EQ((*client)->spec().timeout.count(), 700);
  bool done = false;
  asio::co_spawn(io, shutDown(client->get(), &done), asio::detached);
  io.run();
  EXPECT_TRUE(done);
}

TEST(ClusterClient, RejectsAnInvalidSpec) {
  asio::io_context io;
  ClusterSpec bad = spec();
  bad.name_servers = {"127.0.0.1"};
  auto client = ClusterClient::create(io.get_executor(), bad);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(client.error().message, "cluster 'west': name_servers[0] '127.0.0.1' is not host:port");
}

TEST(ClusterClient, MissingCaFileNamesClusterAndFile) {
  asio::io_context io;
  ClusterSpec tls = spec();
  tls.tls = TlsSpec{true, "/nonexistent/ferry-ca.pem", true, ""};
  auto client = ClusterClient::create(io.get_executor(), tls);
  ASSERT_FALSE(client);
  EXPECT_EQ(client.error().code, Errc::kInvalidArgument);
  EXPECT_NE(client.error().message.find("cluster 'west': TLS CA file '/nonexistent/ferry-ca.pem'"),
            std::string::npos)
      << client.error().message;
}

}  // namespace
}  // namespace ferry::rocketmq
