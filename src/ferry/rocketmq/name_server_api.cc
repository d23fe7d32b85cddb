#include "ferry/rocketmq/name_server_api.h"

#include <utility>

#include <fmt/format.h>

#include "ferry/base/co_try.h"
#include "ferry/rocketmq/call.h"

namespace ferry::rocketmq {
namespace {

template <class Body>
Result<Body> parseBody(const codec::RemotingCommand& response, detail::What what) {
  auto body = Body::fromJson(response.body);
  if (!body) {
    return makeError(std::move(body.error()).withContext(what()));
  }
  return body;
}

}  // namespace

asio::awaitable<Result<codec::TopicRouteData>> NameServerApi::topicRoute(std::string addr,
                                                                         std::string topic) {
  const auto what = detail::describe(
      [&] { return fmt::format("route of topic '{}' from NameServer {}", topic, addr); });
  codec::GetRouteInfoRequestHeader header{topic, true};
  auto command =
      detail::makeRequest(codec::RequestCode::kGetRouteInfoByTopic, header.toExtFields());
  FERRY_CO_TRY(response, co_await detail::invokeOk(transport_, addr, std::move(command),
                                                   options_.timeout, what));
  co_return parseBody<codec::TopicRouteData>(response, what);
}

asio::awaitable<Result<codec::ClusterInfo>> NameServerApi::clusterInfo(std::string addr) {
  const auto what =
      detail::describe([&] { return fmt::format("cluster info from NameServer {}", addr); });
  auto command = detail::makeRequest(codec::RequestCode::kGetBrokerClusterInfo, {});
  FERRY_CO_TRY(response, co_await detail::invokeOk(transport_, addr, std::move(command),
                                                   options_.timeout, what));
  co_return parseBody<codec::ClusterInfo>(response, what);
}

asio::awaitable<Result<codec::TopicList>> NameServerApi::allTopics(std::string addr) {
  const auto what =
      detail::describe([&] { return fmt::format("topic list from NameServer {}", addr); });
  auto command = detail::makeRequest(codec::RequestCode::kGetAllTopicListFromNameServer, {});
  FERRY_CO_TRY(response, co_await detail::invokeOk(transport_, addr, std::move(command),
                                                   options_.timeout, what));
  co_return parseBody<codec::TopicList>(response, what);
}

asio::awaitable<Result<codec::TopicList>> NameServerApi::topicsByCluster(std::string addr,
                                                                         std::string cluster) {
  const auto what = detail::describe(
      [&] { return fmt::format("topics of cluster '{}' from NameServer {}", cluster, addr); });
  codec::GetTopicsByClusterRequestHeader header{cluster};
  auto command = detail::makeRequest(codec::RequestCode::kGetTopicsByCluster, header.toExtFields());
  FERRY_CO_TRY(response, co_await detail::invokeOk(transport_, addr, std::move(command),
                                                   options_.timeout, what));
  co_return parseBody<codec::TopicList>(response, what);
}

}  // namespace ferry::rocketmq
