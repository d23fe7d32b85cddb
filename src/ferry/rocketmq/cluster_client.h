// ClusterClient: the one factory from a ClusterSpec to a usable rocketmq::Cluster. It owns the
// rpc::Client (TCP/TLS connections, signing) configured from the spec and the Cluster built over
// it, so the CLI and the daemon connect to a cluster the same way.
//
// Lifecycle: create() on an executor (validates the spec, loads TLS files; opens no connection --
// the first request connects) -> use cluster() from coroutines on that executor -> co_await
// shutdown() (closes connections, fails pending calls with kCancelled, waits for the client's
// coroutines) -> destroy. Threading: everything on the one executor, as rpc::Client.
#pragma once

#include <memory>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "ferry/base/error.h"
#include "ferry/rocketmq/cluster.h"
#include "ferry/rocketmq/cluster_spec.h"
#include "ferry/rpc/client.h"

namespace ferry::rocketmq {

class ClusterClient {
 public:
  // kInvalidArgument when the spec does not validate() or a TLS file cannot be loaded.
  static Result<std::unique_ptr<ClusterClient>> create(asio::any_io_executor executor,
                                                       ClusterSpec spec,
                                                       ClusterOptions options = {});
  ClusterClient(const ClusterClient&) = delete;
  ClusterClient& operator=(const ClusterClient&) = delete;

  Cluster& cluster() { return *cluster_; }
  const ClusterSpec& spec() const { return cluster_->spec(); }
  rpc::Client& transport() { return *client_; }

  // Closes every connection and waits for the client's coroutines. Idempotent.
  asio::awaitable<void> shutdown();

 private:
  ClusterClient(std::unique_ptr<rpc::Client> client, ClusterSpec spec, ClusterOptions options);

  std::unique_ptr<rpc::Client> client_;
  std::unique_ptr<Cluster> cluster_;  // over *client_, destroyed first
};

}  // namespace ferry::rocketmq
