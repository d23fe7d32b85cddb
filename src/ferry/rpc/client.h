// rpc::Client: the Transport over real TCP/TLS connections to NameServers and brokers.
// See docs/rpc.md for the design (connections, deadlines, reconnect policy, signing, TLS).
//
// Lifecycle: create() on an executor -> call()/oneway() from coroutines on that executor ->
// co_await shutdown() -> destroy. shutdown() closes every connection (pending calls fail with
// kCancelled), cancels every coroutine the client spawned and waits until all have finished; later
// calls fail with kCancelled. Destroying a client that was not shut down closes its connections
// without waiting; the client must then not be destroyed from inside one of its own handlers.
//
// Threading: one executor (an io_context run by one thread) owns the client, its connections and
// every coroutine they run; no locks, no method is thread-safe. Other threads enter through
// asio::post / asio::co_spawn on that executor.
//
// Ownership: the client owns one Connection per address ("ip:port"), created on demand by the
// first call to that address and replaced after it closes. Each caller awaiting a call shares
// ownership of the connection it waits on, so closing never leaves a caller dangling.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ssl/context.hpp>

#include "ferry/async/backoff.h"
#include "ferry/async/task_group.h"
#include "ferry/base/error.h"
#include "ferry/codec/remoting_command.h"
#include "ferry/rpc/connection.h"
#include "ferry/rpc/transport.h"

namespace ferry::rpc {

struct TlsOptions {
  bool enabled = false;
  // Off by default, like Java clients (tls.client.authServer=false): sandbox and test-mode
  // brokers use self-signed certificates. When on, the chain must verify against ca_file (or the
  // system store when ca_file is empty) and the certificate must name server_name (or, when that
  // is empty, the host of the dialled address: brokers are dialled at the IPs the NameServer
  // publishes, so their certificates need those IPs as subjectAltName, or set server_name).
  bool verify_peer = false;
  std::string ca_file;      // PEM trust anchors
  std::string server_name;  // SNI (when not an IP literal) and the name checked by verify_peer
  std::string cert_file;    // PEM client certificate chain, for brokers that require client auth
  std::string key_file;     // PEM private key of cert_file
};

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{3000};    // resolve + TCP connect (Java: 3 s)
  std::chrono::milliseconds handshake_timeout{3000};  // TLS handshake after connect
  std::chrono::milliseconds default_timeout{3000};    // calls given kDefaultTimeout, and oneways
  // Reconnect backoff after failed attempts (async::Backoff): initial * 2^(failures-1), capped at
  // max, each delay drawn uniformly from [delay/2, delay] so that many clients do not retry in
  // lockstep.
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{10000};
  std::size_t max_frame_size = codec::kDefaultMaxFrameSize;
  std::optional<Credentials> credentials;  // sign every request when set
  TlsOptions tls;
};

class Client final : public Transport, private ConnectionObserver {
 public:
  // Validates the options (TLS files are loaded here) and creates an idle client: no connection
  // is opened before the first call.
  static Result<std::unique_ptr<Client>> create(asio::any_io_executor executor,
                                                ClientOptions options);
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&&) = delete;
  Client& operator=(Client&&) = delete;

  // Transport. `timeout` <= 0 (kDefaultTimeout) means options.default_timeout. The request's
  // opaque is assigned here and its flag reset to a plain (or oneway) request; it is signed when
  // credentials are configured. Errors (Errc): kConnectFailed (cannot connect, or in reconnect
  // backoff: the message names the address and when the next attempt is allowed), kTls,
  // kConnectionClosed (dropped while pending), kTimeout, kCancelled (shutdown), codec errors for
  // requests that cannot be encoded. A response with a non-success code is a success here.
  asio::awaitable<Result<codec::RemotingCommand>> call(std::string addr,
                                                       codec::RemotingCommand request,
                                                       std::chrono::milliseconds timeout) override;
  // Completes once the frame was written to the socket (bounded by options.default_timeout).
  asio::awaitable<Result<void>> oneway(std::string addr, codec::RemotingCommand request) override;

  // Handles requests with `code` that peers send over our connections (an empty handler removes
  // it). Codes without a handler are answered with REQUEST_CODE_NOT_SUPPORTED (3) unless oneway.
  void setRequestHandler(std::int32_t code, RequestHandler handler);

  // Closes the connection to `addr`, if any (its pending calls fail with kConnectionClosed). The
  // next call reconnects at once: an intentional close is not a failure.
  void disconnect(const std::string& addr);

  // Cancels everything and waits for every coroutine the client started. Idempotent. Must not be
  // awaited from a request handler (it would wait for itself).
  asio::awaitable<void> shutdown();

  const asio::any_io_executor& executor() const { return executor_; }
  // The open or opening connection to `addr`, or null. For diagnostics and tests.
  std::shared_ptr<const Connection> connection(const std::string& addr) const;

 private:
  struct Endpoint {
    std::shared_ptr<Connection> connection;
    int failures = 0;  // consecutive failed attempts
    std::chrono::steady_clock::time_point next_attempt{};
    std::string last_error;
  };

  Client(asio::any_io_executor executor, ClientOptions options,
         std::shared_ptr<asio::ssl::context> tls);

  Result<std::shared_ptr<Connection>> connectionFor(const std::string& addr);
  Result<void> prepareRequest(codec::RemotingCommand& request, bool oneway);

  void onConnectionClosed(Connection& connection, bool established) override;
  const RequestHandler* findRequestHandler(std::int32_t code) override;

  asio::any_io_executor executor_;
  ClientOptions options_;
  std::shared_ptr<asio::ssl::context> tls_;
  async::TaskGroup tasks_;
  async::Backoff backoff_;
  std::unordered_map<std::string, Endpoint> endpoints_;
  std::unordered_map<std::int32_t, RequestHandler> handlers_;
  std::uint32_t next_opaque_ = 0;  // wraps; uniqueness only matters among calls in flight
  async::JitterSource jitter_;
  bool shut_down_ = false;
};

}  // namespace ferry::rpc
