// Shared fixture of the C++ integration tests: a real sandbox cluster (tools/sandbox), Ferry's
// rpc::Client + rocketmq::Cluster on an io thread, and helpers to compare what Ferry sees with what
// the official Java client (tools/javadriver) reports.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../support/sandbox.h"
#include "ferry/async/io_thread.h"
#include "ferry/rocketmq/broker_data_api.h"
#include "ferry/rocketmq/cluster.h"
#include "ferry/rpc/client.h"

namespace ferry::testing {

// One message as Ferry decoded it from a pull.
struct ObservedMessage {
  MessageQueue queue;
  std::int64_t queue_offset = 0;
  std::string msg_id;
  std::string offset_msg_id;
  std::map<std::string, std::string> properties;
  std::int64_t born_timestamp = 0;
  std::int64_t store_timestamp = 0;
  std::int32_t flag = 0;
  bool compressed = false;
  std::size_t body_length = 0;  // uncompressed
  std::string body_sha256;
};

std::string sha256Hex(std::string_view data);

class ClusterIT : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A client with the given credentials; without them, with the sandbox's (if ACL is on) unless
  // `anonymous`.
  std::unique_ptr<rpc::Client> makeClient(std::optional<rpc::Credentials> credentials,
                                          bool anonymous = false);
  std::unique_ptr<rocketmq::Cluster> makeCluster(const std::string& which, rpc::Client& client);

  // Creates `topic` in the source cluster through the Java driver (every master, `queues` each).
  void createTopic(const std::string& topic, int queues);
  // Pulls every message of `topic` from every read queue of the source, from offset 0 to max.
  std::vector<ObservedMessage> pullAll(const std::string& topic);
  void shutdownClient(std::unique_ptr<rpc::Client>& client);

  SandboxEnv env_;
  // Every run() is bounded: a coroutine still running after 120 s is cancelled and the test fails.
  async::IoThread io_{std::chrono::seconds(120)};
  std::unique_ptr<rpc::Client> client_;
  std::unique_ptr<rocketmq::Cluster> source_;
};

// Fails the test (with the error text) unless `result` holds a value; returns the value.
#define FERRY_ASSERT_OK_AND_ASSIGN(lhs, expr)                               \
  auto lhs##_result = (expr);                                               \
  ASSERT_TRUE(lhs##_result.has_value()) << lhs##_result.error().toString(); \
  auto lhs = std::move(*lhs##_result)

}  // namespace ferry::testing
