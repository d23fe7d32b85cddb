#include "ferry/rocketmq/cluster_client.h"

#include <utility>

namespace ferry::rocketmq {

Result<std::unique_ptr<ClusterClient>> ClusterClient::create(asio::any_io_executor executor,
                                                             ClusterSpec spec,
                                                             ClusterOptions options) {
  if (auto valid = validate(spec); !valid) {
    return makeError(std::move(valid.error()));
  }
  auto client = rpc::Client::create(std::move(executor), clientOptions(spec));
  if (!client) {
    Error error = std::move(client.error());
    error.message = "cluster '" + spec.name + "': " + error.message;
    return makeError(std::move(error));
  }
  options.api.timeout = spec.timeout;
  return std::unique_ptr<ClusterClient>(
      new ClusterClient(std::move(*client), std::move(spec), std::move(options)));
}

ClusterClient::ClusterClient(std::unique_ptr<rpc::Client> client, ClusterSpec spec,
                             ClusterOptions options)
    : client_(std::move(client)),
      cluster_(std::make_unique<Cluster>(std::move(spec), *client_, std::move(options))) {}

asio::awaitable<void> ClusterClient::shutdown() {
  co_await client_->shutdown();
}

}  // namespace ferry::rocketmq
