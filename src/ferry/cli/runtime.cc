#include "ferry/cli/runtime.h"

#include <exception>
#include <string>
#include <utility>

#include <asio/this_coro.hpp>

#include "ferry/async/io_thread.h"
#include "ferry/rpc/client.h"

namespace ferry::cli {
namespace {

asio::awaitable<Result<void>> runTask(ConnectOptions options, ClusterTask task) {
  rpc::ClientOptions client_options;
  client_options.connect_timeout = options.timeout;
  client_options.default_timeout = options.timeout;
  client_options.credentials = options.credentials;
  client_options.tls.enabled = options.tls;
  // No co_await inside an expression that builds temporaries: GCC 12 mis-destroys them.
  auto executor = co_await asio::this_coro::executor;
  auto client = rpc::Client::create(executor, std::move(client_options));
  if (!client) {
    co_return makeError(std::move(client.error()));
  }
  rocketmq::ClusterOptions cluster_options;
  cluster_options.api.timeout = options.timeout;
  Result<void> result;
  {
    rocketmq::Cluster cluster(
        rocketmq::ClusterConfig{options.cluster_name, options.name_servers, options.credentials, options.tls},
        **client, cluster_options);
    result = co_await task(cluster);
  }
  co_await (*client)->shutdown();
  co_return result;
}

}  // namespace

Result<void> runWithCluster(const ConnectOptions& options, ClusterTask task) {
  async::IoThread io;
  try {
    return io.run(runTask(options, std::move(task)));
  } catch (const std::exception& e) {
    return makeError(Errc::kInternal, std::string("unexpected exception: ") + e.what());
  } catch (...) {
    return makeError(Errc::kInternal, "unexpected exception");
  }
}

}  // namespace ferry::cli
