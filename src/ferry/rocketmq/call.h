// Shared plumbing of the typed API: building a request, sending it through the Transport, and
// turning transport failures and non-success answers into errors that name the operation.
// Internal to the rocketmq module.
#pragma once

#include <chrono>
#include <string>

#include <asio/awaitable.hpp>

#include "ferry/base/error.h"
#include "ferry/codec/headers.h"
#include "ferry/codec/remoting_command.h"
#include "ferry/rocketmq/api_options.h"
#include "ferry/rpc/transport.h"

namespace ferry::rocketmq {

namespace detail {

codec::RemotingCommand makeRequest(codec::RequestCode code, codec::ExtFields fields,
                                   std::string body = {});

// Sends `request`; a transport failure comes back as its error with `what` as context. Any
// response (success or not) is returned as is.
asio::awaitable<Result<codec::RemotingCommand>> invoke(rpc::Transport& transport, std::string addr,
                                                       codec::RemotingCommand request,
                                                       std::chrono::milliseconds timeout,
                                                       std::string what);

// Like invoke(), but a non-success response becomes responseError(response, what).
asio::awaitable<Result<codec::RemotingCommand>> invokeOk(rpc::Transport& transport, std::string addr,
                                                         codec::RemotingCommand request,
                                                         std::chrono::milliseconds timeout,
                                                         std::string what);

}  // namespace detail
}  // namespace ferry::rocketmq
