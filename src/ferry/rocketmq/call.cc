#include "ferry/rocketmq/call.h"

#include <atomic>
#include <utility>

#include "ferry/rocketmq/errors.h"

namespace ferry::rocketmq::detail {
namespace {

std::atomic<std::uint64_t> formatted_count{0};

}  // namespace

void countFormattedDescription() {
  formatted_count.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t formattedDescriptions() {
  return formatted_count.load(std::memory_order_relaxed);
}

codec::RemotingCommand makeRequest(codec::RequestCode code, codec::ExtFields fields,
                                   std::string body) {
  codec::RemotingCommand request;
  request.code = codec::toInt(code);
  request.language = codec::LanguageCode::kJava;
  request.version = codec::kFerryVersion;
  request.ext_fields = std::move(fields);
  request.body = std::move(body);
  return request;
}

asio::awaitable<Result<codec::RemotingCommand>> invoke(rpc::Transport& transport, std::string addr,
                                                       codec::RemotingCommand request,
                                                       std::chrono::milliseconds timeout,
                                                       What what) {
  auto response = co_await transport.call(std::move(addr), std::move(request), timeout);
  if (!response) {
    co_return makeError(std::move(response.error()).withContext(what()));
  }
  co_return response;
}

asio::awaitable<Result<codec::RemotingCommand>> invokeOk(rpc::Transport& transport,
                                                         std::string addr,
                                                         codec::RemotingCommand request,
                                                         std::chrono::milliseconds timeout,
                                                         What what) {
  auto response = co_await invoke(transport, std::move(addr), std::move(request), timeout, what);
  if (!response) {
    co_return response;
  }
  if (response->code != codec::toInt(codec::ResponseCode::kSuccess)) {
    co_return makeError(responseError(*response, what()));
  }
  co_return response;
}

}  // namespace ferry::rocketmq::detail
