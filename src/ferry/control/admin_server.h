// The daemon's admin HTTP API: JSON status and Prometheus metrics (docs/operations.md).
//
//   GET /v1/status         DaemonStatus (every task with its queues)
//   GET /v1/tasks/{name}   one TaskStatus; 404 when no task has that name
//   GET /metrics           MetricsRegistry::render(), text format 0.0.4
//   GET /healthz           200 {"status":"ok"} while the engine publishes fresh snapshots,
//                          503 when none was published yet or the latest is older than
//                          `stale_after` (the io thread is stuck)
// Every other path is 404 and every other method on a known path 405 (with `Allow`), as a JSON
// error `{"error":{"code":"...","message":"..."}}`; so are requests the HTTP parser rejects (400).
// HEAD is answered like GET without a body.
//
// Security. The default listen address is loopback. On any other address a bearer token is
// required: start() refuses to run without one. When a token is set (on any address), every
// request, /healthz and /metrics included, must carry `Authorization: Bearer <token>`; the token
// is compared in constant time (digests compared with CRYPTO_memcmp), and a refusal is 401 with
// `WWW-Authenticate: Bearer`. Request bodies are limited to 64 KiB (no endpoint takes one).
//
// Threads and lifecycle. cpp-httplib (Debian's libcpp-httplib, blocking sockets) runs its accept
// loop on a thread owned by AdminServer and handles connections on a pool of `worker_threads`.
// Handlers only call StatusSource::status() and MetricsRegistry::render(), both thread-safe and
// non-blocking for the engines (see status.h and metrics.h), so the server never touches engine
// state and never waits for the io thread. start() returns once the socket listens; stop() (and
// the destructor) closes the listening socket and joins every thread: a connection that is
// mid-request is given at most `io_timeout` to finish, idle keep-alive connections notice within
// ~10 ms.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "ferry/base/error.h"
#include "ferry/control/metrics.h"
#include "ferry/control/status.h"

namespace ferry::control {

struct ListenAddress {
  std::string host;              // IPv4 literal, IPv6 literal without brackets, or a host name
  int port = 0;                  // 0: any free port (tests)
  std::string toString() const;  // "127.0.0.1:7780", "[::1]:7780"
};

// "host:port" or "[v6]:port"; kInvalidArgument naming what is wrong.
Result<ListenAddress> parseListenAddress(std::string_view text);
// 127.0.0.0/8, ::1 and "localhost": addresses only this machine can reach.
bool isLoopbackHost(std::string_view host);

// Constant-time comparison of a presented token with the expected one (also for unequal lengths).
bool tokenMatches(std::string_view presented, std::string_view expected);

struct AdminServerOptions {
  std::string listen = "127.0.0.1:7780";
  std::string token;  // empty: no token (allowed on loopback only)
  int worker_threads = 2;
  std::chrono::milliseconds io_timeout{2000};    // read/write timeout per request
  std::chrono::milliseconds stale_after{30000};  // /healthz: a snapshot older than this is stale
  std::string version = "ferry";                 // reported by /healthz
};

class AdminServer {
 public:
  // Binds and starts serving; kInvalidArgument for a bad address, a non-loopback address without
  // a token or a non-positive thread count, kIo when the address cannot be bound. `source` and
  // `metrics` must outlive the server.
  static Result<std::unique_ptr<AdminServer>> start(AdminServerOptions options,
                                                    const StatusSource& source,
                                                    const MetricsRegistry& metrics);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // The address actually bound (port resolved when 0 was asked for).
  const ListenAddress& address() const;
  // Idempotent; returns when every server thread has ended.
  void stop();

 private:
  struct Impl;
  explicit AdminServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::control
