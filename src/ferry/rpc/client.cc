#include "ferry/rpc/client.h"

#include <exception>
#include <utility>

#include <fmt/format.h>
#include <openssl/ssl.h>

#include "ferry/base/log.h"
#include "ferry/codec/signing.h"

namespace ferry::rpc {
namespace {

const std::shared_ptr<spdlog::logger>& logger() {
  static const std::shared_ptr<spdlog::logger> kInstance = log::get(log::Module::kRpc);
  return kInstance;
}

Result<std::shared_ptr<asio::ssl::context>> makeTlsContext(const TlsOptions& tls) {
  try {
    auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    asio::error_code ec;
    if (tls.verify_peer) {
      context->set_verify_mode(asio::ssl::verify_peer, ec);
      if (!ec) {
        if (tls.ca_file.empty()) {
          context->set_default_verify_paths(ec);
        } else {
          context->load_verify_file(tls.ca_file, ec);
        }
      }
      if (ec) {
        return makeError(Errc::kInvalidArgument,
                         fmt::format("TLS CA file '{}': {}", tls.ca_file, ec.message()));
      }
    } else {
      context->set_verify_mode(asio::ssl::verify_none, ec);
    }
    if (!tls.cert_file.empty() || !tls.key_file.empty()) {
      context->use_certificate_chain_file(tls.cert_file, ec);
      if (ec) {
        return makeError(Errc::kInvalidArgument,
                         fmt::format("TLS certificate file '{}': {}", tls.cert_file, ec.message()));
      }
      context->use_private_key_file(tls.key_file, asio::ssl::context::pem, ec);
      if (ec) {
        return makeError(Errc::kInvalidArgument,
                         fmt::format("TLS key file '{}': {}", tls.key_file, ec.message()));
      }
    }
    return context;
  } catch (const std::exception& e) {  // asio::ssl::context's constructor throws
    return makeError(Errc::kTls, fmt::format("cannot create a TLS context: {}", e.what()));
  }
}

}  // namespace

Result<std::unique_ptr<Client>> Client::create(asio::any_io_executor executor,
                                               ClientOptions options) {
  if (options.default_timeout.count() <= 0 || options.connect_timeout.count() <= 0
      || options.handshake_timeout.count() <= 0) {
    return makeError(Errc::kInvalidArgument, "rpc client: timeouts must be positive");
  }
  if (options.backoff_initial.count() <= 0 || options.backoff_max < options.backoff_initial) {
    return makeError(Errc::kInvalidArgument,
                     "rpc client: backoff_initial must be positive and <= backoff_max");
  }
  if (options.max_frame_size < 16) {
    return makeError(Errc::kInvalidArgument, "rpc client: max_frame_size too small");
  }
  if (options.credentials
      && (options.credentials->access_key.empty() || options.credentials->secret_key.empty())) {
    return makeError(Errc::kInvalidArgument,
                     "rpc client: credentials need both an access key and a secret key");
  }
  std::shared_ptr<asio::ssl::context> tls;
  if (options.tls.enabled) {
    auto context = makeTlsContext(options.tls);
    if (!context) {
      return makeError(std::move(context.error()));
    }
    tls = std::move(*context);
  }
  return std::unique_ptr<Client>(
      new Client(std::move(executor), std::move(options), std::move(tls)));
}

Client::Client(asio::any_io_executor executor, ClientOptions options,
               std::shared_ptr<asio::ssl::context> tls)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      tls_(std::move(tls)),
      tasks_(executor_),
      backoff_(options_.backoff_initial, options_.backoff_max) {}

Client::~Client() {
  shut_down_ = true;
  auto endpoints = std::move(endpoints_);
  endpoints_.clear();
  for (auto& entry : endpoints) {
    if (entry.second.connection) {
      entry.second.connection->detach();
      entry.second.connection->close(Errc::kCancelled, "client destroyed");
    }
  }
  tasks_.cancel();
}

asio::awaitable<Result<codec::RemotingCommand>> Client::call(std::string addr,
                                                             codec::RemotingCommand request,
                                                             std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) {
    timeout = options_.default_timeout;
  }
  auto connection = connectionFor(addr);
  if (!connection) {
    co_return makeError(std::move(connection.error()));
  }
  if (auto prepared = prepareRequest(request, false); !prepared) {
    co_return makeError(std::move(prepared.error()));
  }
  // Holding the shared_ptr in this frame keeps the connection alive until the call completes.
  const std::shared_ptr<Connection> target = std::move(*connection);
  co_return co_await target->call(std::move(request), timeout);
}

asio::awaitable<Result<void>> Client::oneway(std::string addr, codec::RemotingCommand request) {
  auto connection = connectionFor(addr);
  if (!connection) {
    co_return makeError(std::move(connection.error()));
  }
  if (auto prepared = prepareRequest(request, true); !prepared) {
    co_return makeError(std::move(prepared.error()));
  }
  const std::shared_ptr<Connection> target = std::move(*connection);
  co_return co_await target->send(std::move(request), options_.default_timeout);
}

Result<void> Client::prepareRequest(codec::RemotingCommand& request, bool oneway) {
  request.opaque = static_cast<std::int32_t>(next_opaque_++);
  request.flag = oneway ? codec::kFlagOneway : 0;
  if (options_.credentials) {
    const Credentials& credentials = *options_.credentials;
    return codec::signRequest(request, {.access_key = credentials.access_key,
                                        .secret_key = credentials.secret_key,
                                        .security_token = credentials.security_token});
  }
  return {};
}

Result<std::shared_ptr<Connection>> Client::connectionFor(const std::string& addr) {
  if (shut_down_) {
    return makeError(Errc::kCancelled, fmt::format("rpc client is shut down (call to {})", addr));
  }
  Endpoint& endpoint = endpoints_[addr];
  if (endpoint.connection && endpoint.connection->state() != Connection::State::kClosed) {
    return endpoint.connection;
  }
  if (endpoint.failures > 0) {
    const auto now = std::chrono::steady_clock::now();
    if (now < endpoint.next_attempt) {
      // Fail fast rather than queue: the caller learns the peer is down and when we will try
      // again, and can go to another broker or NameServer meanwhile.
      const auto wait =
          std::chrono::ceil<std::chrono::milliseconds>(endpoint.next_attempt - now).count();
      return makeError(Errc::kConnectFailed,
                       fmt::format("not connecting to {} during reconnect backoff ({} failed "
                                   "attempt(s), last: {}); next attempt allowed in {} ms",
                                   addr, endpoint.failures, endpoint.last_error, wait));
    }
  }
  ConnectionOptions connection_options;
  connection_options.connect_timeout = options_.connect_timeout;
  connection_options.handshake_timeout = options_.handshake_timeout;
  connection_options.max_frame_size = options_.max_frame_size;
  connection_options.tls = tls_;
  connection_options.tls_server_name = options_.tls.server_name;
  connection_options.tls_verify_name = options_.tls.verify_peer;
  auto connection =
      Connection::create(executor_, addr, std::move(connection_options), tasks_, this);
  endpoint.connection = connection;
  logger()->info("connecting addr={} tls={} attempt={}", addr, tls_ != nullptr,
                 endpoint.failures + 1);
  connection->start();  // may fail synchronously (bad address) and reset endpoint.connection
  return connection;
}

void Client::onConnectionClosed(Connection& connection, bool established) {
  const auto it = endpoints_.find(connection.address());
  if (it == endpoints_.end() || it->second.connection.get() != &connection) {
    return;  // shut down, disconnected on purpose, or an older connection
  }
  Endpoint& endpoint = it->second;
  endpoint.connection.reset();
  if (established && connection.receivedFrames()) {
    // A working connection dropped (idle close, broker restart): reconnect on the next call.
    endpoints_.erase(it);
    return;
  }
  // Could not connect, or the peer closed before answering anything: back off.
  ++endpoint.failures;
  const auto delay = backoff_.delay(endpoint.failures, jitter_());
  endpoint.next_attempt = std::chrono::steady_clock::now() + delay;
  endpoint.last_error = connection.closeReason().message;
  logger()->info("reconnect_backoff addr={} failures={} next_attempt_in_ms={}",
                 connection.address(), endpoint.failures, delay.count());
}

const RequestHandler* Client::findRequestHandler(std::int32_t code) {
  const auto it = handlers_.find(code);
  return it == handlers_.end() ? nullptr : &it->second;
}

void Client::setRequestHandler(std::int32_t code, RequestHandler handler) {
  if (handler) {
    handlers_[code] = std::move(handler);
  } else {
    handlers_.erase(code);
  }
}

void Client::disconnect(const std::string& addr) {
  const auto it = endpoints_.find(addr);
  if (it == endpoints_.end()) {
    return;
  }
  std::shared_ptr<Connection> connection = std::move(it->second.connection);
  endpoints_.erase(it);  // an intentional close does not count as a failure
  if (connection) {
    connection->close(Errc::kConnectionClosed, "closed by the client");
  }
}

std::shared_ptr<const Connection> Client::connection(const std::string& addr) const {
  const auto it = endpoints_.find(addr);
  return it == endpoints_.end() ? nullptr : it->second.connection;
}

asio::awaitable<void> Client::shutdown() {
  if (!shut_down_) {
    shut_down_ = true;
    auto endpoints = std::move(endpoints_);
    endpoints_.clear();
    for (auto& entry : endpoints) {
      if (entry.second.connection) {
        entry.second.connection->close(Errc::kCancelled, "client shut down");
      }
    }
    tasks_.cancel();
    logger()->info("shutdown connections={} tasks={}", endpoints.size(), tasks_.size());
  }
  co_await tasks_.wait();
}

}  // namespace ferry::rpc
