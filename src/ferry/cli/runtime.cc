#include "ferry/cli/runtime.h"

#include <future>
#include <memory>
#include <thread>
#include <utility>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/this_coro.hpp>

#include "ferry/rpc/client.h"

namespace ferry::cli {
namespace {

asio::awaitable<void> runTask(ConnectOptions options, ClusterTask task,
                              std::shared_ptr<std::promise<Result<void>>> done) {
  rpc::ClientOptions client_options;
  client_options.connect_timeout = options.timeout;
  client_options.default_timeout = options.timeout;
  client_options.credentials = options.credentials;
  client_options.tls.enabled = options.tls;
  // No co_await inside an expression that builds temporaries: GCC 12 mis-destroys them.
  auto executor = co_await asio::this_coro::executor;
  auto client = rpc::Client::create(executor, std::move(client_options));
  if (!client) {
    done->set_value(makeError(std::move(client.error())));
    co_return;
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
  done->set_value(std::move(result));
}

}  // namespace

Result<void> runWithCluster(const ConnectOptions& options, ClusterTask task) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread io_thread([&io] { io.run(); });
  auto done = std::make_shared<std::promise<Result<void>>>();
  auto future = done->get_future();
  asio::co_spawn(io, runTask(options, std::move(task), done), [done](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      done->set_value(makeError(Errc::kInternal, std::string("unexpected exception: ") + e.what()));
    } catch (...) {
      done->set_value(makeError(Errc::kInternal, "unexpected exception"));
    }
  });
  Result<void> result = future.get();
  work.reset();
  io.stop();
  io_thread.join();
  return result;
}

}  // namespace ferry::cli
