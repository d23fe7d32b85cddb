// The request/response transport the typed RocketMQ API is written against.
//
// `Transport` is the seam between the `rocketmq` layer and the wire: rpc::Client implements it over
// TCP/TLS connections, and unit tests of the API and engines implement it in memory. All methods
// run on the executor the implementation was created with; callers co_await them from coroutines
// running on that same executor (no locks).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <asio/awaitable.hpp>

#include "ferry/base/error.h"
#include "ferry/codec/remoting_command.h"

namespace ferry::rpc {

// AccessKey/SecretKey of an ACL-enabled cluster. Requests to brokers are signed with them.
struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string security_token;  // optional STS token; empty when unused
};

// Pass as call()'s timeout to use the transport's configured default deadline.
inline constexpr std::chrono::milliseconds kDefaultTimeout{0};

class Transport {
 public:
  virtual ~Transport() = default;
  Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;
  Transport(Transport&&) = delete;
  Transport& operator=(Transport&&) = delete;

  // Sends `request` to `addr` ("ip:port") and waits for its response or the deadline
  // (`timeout` <= 0, e.g. kDefaultTimeout, means the implementation's default).
  // The transport assigns the opaque and signs the request when credentials are configured.
  // A response with a non-success code is still a successful call: mapping response codes to
  // errors is the typed API's job (it knows what each code means for each request).
  virtual asio::awaitable<Result<codec::RemotingCommand>> call(
      std::string addr, codec::RemotingCommand request, std::chrono::milliseconds timeout) = 0;

  // Sends `request` with the oneway flag; completes once written to the socket.
  virtual asio::awaitable<Result<void>> oneway(std::string addr,
                                               codec::RemotingCommand request) = 0;
};

// Answers a request that a broker sends to us over our own connection (server-initiated request).
// Returns the response to send back (its opaque and response flag are filled in by the
// transport), or std::nullopt to send nothing (oneway requests never get an answer anyway).
using RequestHandler = std::function<asio::awaitable<std::optional<codec::RemotingCommand>>(
    std::string addr, codec::RemotingCommand request)>;

}  // namespace ferry::rpc
