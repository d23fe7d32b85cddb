// Composition for one-shot CLI commands: an io_context on its own thread, an rpc::Client for one
// cluster, a rocketmq::Cluster over it, one coroutine run to completion, then an orderly
// shutdown (the client's connections are closed and its coroutines drained before returning).
//
// Threading: the caller's thread blocks in runWithCluster(); the task runs on the io thread and
// must not touch the caller's data except through what it was given.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "ferry/base/error.h"
#include "ferry/rocketmq/cluster.h"
#include "ferry/rpc/transport.h"

namespace ferry::cli {

struct ConnectOptions {
  std::string cluster_name = "cluster";
  std::vector<std::string> name_servers;
  std::optional<rpc::Credentials> credentials;
  bool tls = false;
  std::chrono::milliseconds timeout{3000};
};

using ClusterTask = std::function<asio::awaitable<Result<void>>(rocketmq::Cluster&)>;

// Runs `task` against the cluster described by `options`. Errors from creating the client (bad
// TLS files) or from the task are returned.
Result<void> runWithCluster(const ConnectOptions& options, ClusterTask task);

}  // namespace ferry::cli
