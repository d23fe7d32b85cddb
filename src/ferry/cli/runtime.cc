#include "ferry/cli/runtime.h"

#include <exception>
#include <string>
#include <utility>

#include <asio/this_coro.hpp>

#include "ferry/async/io_thread.h"
#include "ferry/rocketmq/cluster_client.h"

namespace ferry::cli {
namespace {

asio::awaitable<Result<void>> runTask(rocketmq::ClusterSpec spec, ClusterTask task) {
  // No co_await inside an expression that builds temporaries: GCC 12 mis-destroys them.
  auto executor = co_await asio::this_coro::executor;
  auto client = rocketmq::ClusterClient::create(executor, std::move(spec));
  if (!client) {
    co_return makeError(std::move(client.error()));
  }
  Result<void> result = co_await task((*client)->cluster());
  co_await (*client)->shutdown();
  co_return result;
}

}  // namespace

Result<void> runWithCluster(const rocketmq::ClusterSpec& spec, ClusterTask task) {
  async::IoThread io;
  try {
    return io.run(runTask(spec, std::move(task)));
  } catch (const std::exception& e) {
    return makeError(Errc::kInternal, std::string("unexpected exception: ") + e.what());
  } catch (...) {
    return makeError(Errc::kInternal, "unexpected exception");
  }
}

}  // namespace ferry::cli
