// Composition for one-shot CLI commands: an io_context on its own thread, a
// rocketmq::ClusterClient built from one ClusterSpec, one coroutine run to completion against its
// Cluster, then an orderly shutdown (the client's connections are closed and its coroutines
// drained before returning).
//
// Threading: the caller's thread blocks in runWithCluster(); the task runs on the io thread and
// must not touch the caller's data except through what it was given.
#pragma once

#include <functional>

#include <asio/awaitable.hpp>

#include "ferry/base/error.h"
#include "ferry/rocketmq/cluster.h"
#include "ferry/rocketmq/cluster_spec.h"

namespace ferry::cli {

using ClusterTask = std::function<asio::awaitable<Result<void>>(rocketmq::Cluster&)>;

// Runs `task` against the cluster described by `spec`. Errors from creating the client (invalid
// spec, bad TLS files) or from the task are returned.
Result<void> runWithCluster(const rocketmq::ClusterSpec& spec, ClusterTask task);

}  // namespace ferry::cli
