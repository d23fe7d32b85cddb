#include "ferry/control/admin_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ferry/base/log.h"

namespace ferry::control {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxRequestBody = std::size_t{64} * 1024;
constexpr std::string_view kTasksPrefix = "/v1/tasks/";
constexpr const char* kJsonType = "application/json";

const std::shared_ptr<spdlog::logger>& logger() {
  static const std::shared_ptr<spdlog::logger> kInstance = log::get(log::Module::kControl);
  return kInstance;
}

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Dumps without throwing: bytes from a request (a garbage path) may not be valid UTF-8.
std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string_view errorCodeFor(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 408: return "request_timeout";
    case 413: return "payload_too_large";
    case 414: return "uri_too_long";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal" : "bad_request";
  }
}

void sendError(httplib::Response& res, int status, std::string message) {
  res.status = status;
  json body = {{"error", {{"code", errorCodeFor(status)}, {"message", std::move(message)}}}};
  res.set_content(dump(body), kJsonType);
}

void sendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(dump(body), kJsonType);
}

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view text) {
  Digest digest{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    // Cannot happen with the default provider; an all-zero digest for one side only would still
    // make a wrong token compare unequal, but be explicit: fill with a pattern no hash yields.
    digest.fill(0xff);
  }
  return digest;
}

// The token after "Bearer " (scheme case-insensitive, RFC 7235), or nullopt.
std::optional<std::string_view> bearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "bearer";
  if (header.size() <= kScheme.size() || header[kScheme.size()] != ' ') {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) {
      return std::nullopt;
    }
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
    token.remove_prefix(1);
  }
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
    token.remove_suffix(1);
  }
  return token;
}

}  // namespace

// ---- addresses and tokens --------------------------------------------------------------------

std::string ListenAddress::toString() const {
  if (host.find(':') != std::string::npos) {
    return fmt::format("[{}]:{}", host, port);
  }
  return fmt::format("{}:{}", host, port);
}

Result<ListenAddress> parseListenAddress(std::string_view text) {
  ListenAddress address;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("listen address '{}': expected [ipv6]:port", text));
    }
    address.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("listen address '{}': expected host:port", text));
    }
    address.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (address.host.find(':') != std::string::npos) {
      return makeError(
          Errc::kInvalidArgument,
          fmt::format("listen address '{}': write IPv6 addresses as [addr]:port", text));
    }
  }
  if (address.host.empty()) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("listen address '{}': the host is empty (use 0.0.0.0 for every "
                                 "interface)",
                                 text));
  }
  int port = -1;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size()
      || port < 0 || port > 65535) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("listen address '{}': port '{}' is not a number from 0 to 65535",
                                 text, port_text));
  }
  address.port = port;
  return address;
}

bool isLoopbackHost(std::string_view host) {
  if (host == "localhost") {
    return true;
  }
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
  }
  return false;
}

bool tokenMatches(std::string_view presented, std::string_view expected) {
  // Comparing fixed-size digests hides both the content and the length of the expected token.
  const Digest a = sha256(presented);
  const Digest b = sha256(expected);
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// ---- server ----------------------------------------------------------------------------------

struct AdminServer::Impl {
  Impl(AdminServerOptions options_in, const StatusSource& source_in,
       const MetricsRegistry& metrics_in)
      : options(std::move(options_in)), source(source_in), metrics(metrics_in) {}

  void configure();
  void dispatch(const httplib::Request& req, httplib::Response& res) const;
  bool authorized(const httplib::Request& req) const;
  void serveStatus(httplib::Response& res) const;
  void serveTask(std::string_view name, httplib::Response& res) const;
  void serveMetrics(httplib::Response& res) const;
  void serveHealth(httplib::Response& res) const;

  AdminServerOptions options;
  const StatusSource& source;
  const MetricsRegistry& metrics;
  ListenAddress bound;
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> listen_returned{false};
};

void AdminServer::Impl::configure() {
  const int workers = options.worker_threads;
  server.new_task_queue = [workers] {
    return new httplib::ThreadPool(static_cast<std::size_t>(workers));
  };
  server.set_read_timeout(options.io_timeout);
  server.set_write_timeout(options.io_timeout);
  server.set_keep_alive_timeout(std::max<time_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(options.io_timeout).count()));
  server.set_payload_max_length(kMaxRequestBody);
  // httplib's default also sets SO_REUSEPORT, which lets a second daemon bind the same port and
  // silently share the traffic; only SO_REUSEADDR (restart while old connections linger).
  server.set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });

  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    dispatch(req, res);
  };
  // Methods with a route table in httplib: the body (if any) is read before the handler runs,
  // so keep-alive stays in sync. The others (CONNECT, TRACE, PRI) would be a bare 400: answer
  // them in pre-routing so they get the same 401/404/405 as everything else.
  server.Get(".*", handler);
  server.Post(".*", handler);
  server.Put(".*", handler);
  server.Patch(".*", handler);
  server.Delete(".*", handler);
  server.Options(".*", handler);
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    static constexpr std::array<std::string_view, 7> kRouted = {"GET",   "HEAD",   "POST",   "PUT",
                                                                "PATCH", "DELETE", "OPTIONS"};
    if (std::find(kRouted.begin(), kRouted.end(), req.method) != kRouted.end()) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    dispatch(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  // What httplib rejects itself (unparseable request line 400, 413, 414, ...) gets a JSON body.
  httplib::Server::HandlerWithResponse on_error = [](const httplib::Request&,
                                                     httplib::Response& res) {
    if (!res.body.empty()) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    sendError(res, res.status, fmt::format("the request was refused (HTTP {})", res.status));
    return httplib::Server::HandlerResponse::Handled;
  };
  server.set_error_handler(std::move(on_error));
  server.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, const std::exception_ptr& error) {
        std::string what = "unknown exception";
        try {
          if (error) {
            std::rethrow_exception(error);
          }
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        logger()->error(R"(admin_handler_failed method={} path="{}" what="{}")", req.method,
                        req.path, what);
        sendError(res, 500, "internal error while answering; see the daemon's log");
      });
  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    if (res.status == 401) {
      logger()->warn("admin_unauthorized method={} path=\"{}\" remote={}:{}", req.method, req.path,
                     req.remote_addr, req.remote_port);
    } else {
      logger()->debug("admin_request method={} path=\"{}\" status={} remote={}:{}", req.method,
                      req.path, res.status, req.remote_addr, req.remote_port);
    }
  });
}

bool AdminServer::Impl::authorized(const httplib::Request& req) const {
  if (options.token.empty()) {
    return true;
  }
  const std::string header = req.get_header_value("Authorization");
  const std::optional<std::string_view> token = bearerToken(header);
  return token.has_value() && tokenMatches(*token, options.token);
}

void AdminServer::Impl::dispatch(const httplib::Request& req, httplib::Response& res) const {
  if (!authorized(req)) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"ferry\"");
    sendError(res, 401, "missing or wrong bearer token (Authorization: Bearer <token>)");
    return;
  }
  const std::string& path = req.path;
  std::string_view task_name;
  // The name is everything after the prefix: httplib has already percent-decoded the path, so
  // a task name with an encoded '/' arrives with a real one.
  const bool is_task = path.size() > kTasksPrefix.size() && path.starts_with(kTasksPrefix);
  if (is_task) {
    task_name = std::string_view{path}.substr(kTasksPrefix.size());
  }
  const bool known = is_task || path == "/v1/status" || path == "/metrics" || path == "/healthz";
  if (!known) {
    sendError(
        res, 404,
        fmt::format("no endpoint {}; try /v1/status, /v1/tasks/<name>, /metrics, /healthz", path));
    return;
  }
  if (req.method != "GET" && req.method != "HEAD") {
    res.set_header("Allow", "GET, HEAD");
    sendError(res, 405, fmt::format("{} only answers GET and HEAD, not {}", path, req.method));
    return;
  }
  if (is_task) {
    serveTask(task_name, res);
  } else if (path == "/v1/status") {
    serveStatus(res);
  } else if (path == "/metrics") {
    serveMetrics(res);
  } else {
    serveHealth(res);
  }
}

void AdminServer::Impl::serveStatus(httplib::Response& res) const {
  const std::shared_ptr<const DaemonStatus> status = source.status();
  if (!status) {
    sendError(res, 503, "the daemon has not published a status yet (starting)");
    return;
  }
  sendJson(res, 200, toJson(*status));
}

void AdminServer::Impl::serveTask(std::string_view name, httplib::Response& res) const {
  const std::shared_ptr<const DaemonStatus> status = source.status();
  if (!status) {
    sendError(res, 503, "the daemon has not published a status yet (starting)");
    return;
  }
  const TaskStatus* task = status->findTask(name);
  if (task == nullptr) {
    sendError(res, 404, fmt::format("no task named '{}'", name));
    return;
  }
  sendJson(res, 200, toJson(*task));
}

void AdminServer::Impl::serveMetrics(httplib::Response& res) const {
  res.status = 200;
  res.set_content(metrics.render(), std::string(MetricsRegistry::kContentType));
}

void AdminServer::Impl::serveHealth(httplib::Response& res) const {
  const std::shared_ptr<const DaemonStatus> status = source.status();
  json body = {{"version", options.version}};
  if (!status) {
    body["status"] = "starting";
    body["snapshot_age_ms"] = nullptr;
    body["message"] = "no status published yet";
    sendJson(res, 503, body);
    return;
  }
  const std::int64_t age_ms = std::max<std::int64_t>(0, nowMs() - status->snapshot_at_ms);
  body["snapshot_age_ms"] = age_ms;
  if (age_ms > options.stale_after.count()) {
    body["status"] = "stale";
    body["message"] = fmt::format(
        "the latest status is {} ms old (limit {} ms): the engine's io "
        "thread does not publish",
        age_ms, options.stale_after.count());
    sendJson(res, 503, body);
    return;
  }
  body["status"] = "ok";
  sendJson(res, 200, body);
}

Result<std::unique_ptr<AdminServer>> AdminServer::start(AdminServerOptions options,
                                                        const StatusSource& source,
                                                        const MetricsRegistry& metrics) {
  auto address = parseListenAddress(options.listen);
  if (!address) {
    return makeError(std::move(address.error()).withContext("admin server"));
  }
  if (options.token.empty() && !isLoopbackHost(address->host)) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("admin server: listening on {} (not loopback) needs a token; set "
                                 "admin.token or listen on 127.0.0.1",
                                 options.listen));
  }
  if (options.worker_threads < 1 || options.io_timeout.count() < 1) {
    return makeError(Errc::kInvalidArgument,
                     "admin server: worker_threads and io_timeout must be positive");
  }

  auto impl = std::make_unique<Impl>(std::move(options), source, metrics);
  impl->configure();
  impl->bound = *address;
  errno = 0;
  if (address->port == 0) {
    const int port = impl->server.bind_to_any_port(address->host);
    impl->bound.port = port;
    if (port <= 0) {
      const int err = errno;
      return makeError(Errc::kIo,
                       fmt::format("admin server: cannot listen on {} ({})", address->toString(),
                                   err != 0 ? std::strerror(err) : "bind failed"));
    }
  } else if (!impl->server.bind_to_port(address->host, address->port)) {
    const int err = errno;
    return makeError(
        Errc::kIo, fmt::format("admin server: cannot listen on {} ({}); is another process "
                               "using the port?",
                               address->toString(), err != 0 ? std::strerror(err) : "bind failed"));
  }

  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->listen_returned = true;
  });
  // stop() only closes the socket once the accept loop runs, so wait for it before returning.
  while (!raw->server.is_running() && !raw->listen_returned) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!raw->server.is_running()) {
    raw->thread.join();
    return makeError(Errc::kIo, fmt::format("admin server: the accept loop on {} ended at once",
                                            raw->bound.toString()));
  }
  logger()->info("admin_listening addr={} token={}", raw->bound.toString(),
                 raw->options.token.empty() ? "none" : "required");
  return std::unique_ptr<AdminServer>(new AdminServer(std::move(impl)));
}

AdminServer::AdminServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

AdminServer::~AdminServer() {
  stop();
}

const ListenAddress& AdminServer::address() const {
  return impl_->bound;
}

void AdminServer::stop() {
  if (!impl_->thread.joinable()) {
    return;
  }
  impl_->server.stop();
  impl_->thread.join();
  logger()->info("admin_stopped addr={}", impl_->bound.toString());
}

}  // namespace ferry::control
