// Component tests of the admin HTTP server (control/admin_server.h) on real loopback sockets:
// cpp-httplib's client for well-formed requests, raw POSIX sockets for malformed bytes.
//
// The server reads a StatusBoard (the engine's side is played by the test thread) and a
// MetricsRegistry. Nothing sleeps a fixed time; every socket read has a deadline.
#include "ferry/control/admin_server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ferry::control {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::int64_t nowMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

DaemonStatus sampleStatus() {
  QueueStatus q;
  q.source = MessageQueue{"orders", "broker-a", QueueId(0)};
  q.destination = MessageQueue{"orders", "broker-b", QueueId(0)};
  q.state = QueueState::kRunning;
  q.checkpoint = 10;
  q.source_max_offset = 15;
  q.lag_messages = 5;
  q.lag_seconds = 0.5;
  q.rate_messages_per_second = 20;
  q.last_activity_ms = nowMs();
  TaskStatus task;
  task.name = "east-west";
  task.source = "east";
  task.destination = "west";
  task.state = TaskState::kRunning;
  task.queues = {q};
  TaskStatus spaced = task;
  spaced.name = "with space";
  DaemonStatus status;
  status.version = "ferry test";
  status.started_at_ms = nowMs() - 5000;
  status.snapshot_at_ms = nowMs();
  status.tasks = {task, spaced};
  return status;
}

// A started server with its board and registry; stopped by the destructor.
struct Fixture {
  explicit Fixture(AdminServerOptions options = {}, bool publish = true) {
    options.listen = options.listen == AdminServerOptions{}.listen ? "127.0.0.1:0" : options.listen;
    options.io_timeout = milliseconds(500);
    auto family = registry.counter("ferry_test_requests_total", "Test counter", {"task"});
    counter = family.value()->withLabels({"east-west"});
    counter->inc(7);
    if (publish) {
      board.publish(sampleStatus());
    }
    auto started = AdminServer::start(options, board, registry);
    EXPECT_TRUE(started) << (started ? "" : started.error().toString());
    if (started) {
      server = std::move(*started);
    }
  }

  int port() const { return server->address().port; }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port());
    c.set_connection_timeout(std::chrono::seconds(5));
    c.set_read_timeout(std::chrono::seconds(5));
    return c;
  }

  StatusBoard board;
  MetricsRegistry registry;
  std::shared_ptr<Counter> counter;
  std::unique_ptr<AdminServer> server;
};

json errorOf(const httplib::Result& res) {
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  return json::parse(res->body).at("error");
}

// The Content-Length of a response head, or 0.
std::size_t contentLength(const std::string& head) {
  static const std::string kName = "content-length:";
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::size_t at = lower.find(kName);
  return at == std::string::npos ? 0 : std::stoul(head.substr(at + kName.size()));
}

// Sends raw bytes and reads one response: until its Content-Length is complete, the server
// closes, or 5 s pass. (No half-close: httplib drops a request whose sender already shut down.)
std::string rawExchange(int port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      break;  // the server may close early (e.g. after 413); what it answered is still read
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char buffer[4096];
  for (;;) {
    const std::size_t head_end = answer.find("\r\n\r\n");
    if (head_end != std::string::npos
        && answer.size() >= head_end + 4 + contentLength(answer.substr(0, head_end))) {
      break;
    }
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      break;
    }
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}

// ---- endpoints -------------------------------------------------------------------------------

TEST(AdminServer, StatusReturnsThePublishedSnapshot) {
  Fixture f;
  auto res = f.client().Get("/v1/status");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  auto status = daemonStatusFromJson(json::parse(res->body));
  ASSERT_TRUE(status) << status.error().toString();
  EXPECT_EQ(*status, *f.board.status());

  // A newer publication is what the next request sees.
  DaemonStatus next = *f.board.status();
  next.tasks.pop_back();
  f.board.publish(next);
  res = f.client().Get("/v1/status");
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body).at("tasks").size(), 1u);
}

TEST(AdminServer, TaskByNameAndUnknownTask) {
  Fixture f;
  auto res = f.client().Get("/v1/tasks/east-west");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto task = taskStatusFromJson(json::parse(res->body));
  ASSERT_TRUE(task) << task.error().toString();
  EXPECT_EQ(*task, f.board.status()->tasks[0]);

  res = f.client().Get("/v1/tasks/with%20space");  // percent-decoded before matching
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body).at("name"), "with space");

  res = f.client().Get("/v1/tasks/nope");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  const json error = errorOf(res);
  EXPECT_EQ(error.at("code"), "not_found");
  EXPECT_EQ(error.at("message"), "no task named 'nope'");

  res = f.client().Get("/v1/tasks/");  // no name
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  res = f.client().Get("/v1/tasks/east-west/extra");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST(AdminServer, MetricsInTheTextFormat) {
  Fixture f;
  auto res = f.client().Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(res->body, HasSubstr("# TYPE ferry_test_requests_total counter\n"
                                   "ferry_test_requests_total{task=\"east-west\"} 7\n"));
  f.counter->inc();
  res = f.client().Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_THAT(res->body, HasSubstr("ferry_test_requests_total{task=\"east-west\"} 8\n"));
}

TEST(AdminServer, HealthzFollowsTheSnapshotsAge) {
  AdminServerOptions options;
  options.stale_after = milliseconds(60000);
  options.version = "ferry 9.9";
  Fixture f(options, /*publish=*/false);

  auto res = f.client().Get("/healthz");  // nothing published yet
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(json::parse(res->body).at("status"), "starting");
  res = f.client().Get("/v1/status");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(errorOf(res).at("code"), "unavailable");

  f.board.publish(sampleStatus());
  res = f.client().Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  json body = json::parse(res->body);
  EXPECT_EQ(body.at("status"), "ok");
  EXPECT_EQ(body.at("version"), "ferry 9.9");

  DaemonStatus old = sampleStatus();
  old.snapshot_at_ms = nowMs() - 120000;  // the io thread stopped publishing two minutes ago
  f.board.publish(old);
  res = f.client().Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  body = json::parse(res->body);
  EXPECT_EQ(body.at("status"), "stale");
  EXPECT_GE(body.at("snapshot_age_ms").get<std::int64_t>(), 120000);
}

TEST(AdminServer, UnknownPathIs404AndOtherMethodsAre405) {
  Fixture f;
  auto cli = f.client();
  auto res = cli.Get("/v2/status");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(errorOf(res).at("code"), "not_found");

  res = cli.Post("/v1/status", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
  EXPECT_EQ(errorOf(res).at("code"), "method_not_allowed");

  res = cli.Delete("/v1/tasks/east-west");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  res = cli.Put("/metrics", "x", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  res = cli.Post("/nowhere", "", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);

  // HEAD answers like GET, without a body.
  res = cli.Head("/v1/status");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(res->body.empty());

  // Methods httplib has no route table for still get the JSON 405.
  const std::string trace = rawExchange(f.port(),
                                        "TRACE /v1/status HTTP/1.1\r\nHost: x\r\n"
                                        "Connection: close\r\n\r\n");
  EXPECT_THAT(trace, StartsWith("HTTP/1.1 405"));
  EXPECT_THAT(trace, HasSubstr("\"method_not_allowed\""));
}

// ---- token -----------------------------------------------------------------------------------

TEST(AdminServer, NonLoopbackWithoutTokenRefusesToStart) {
  StatusBoard board;
  MetricsRegistry registry;
  for (const char* listen : {"0.0.0.0:0", "[::]:0", "192.0.2.1:7780", "ferry.example:7780"}) {
    AdminServerOptions options;
    options.listen = listen;
    auto started = AdminServer::start(options, board, registry);
    ASSERT_FALSE(started) << listen;
    EXPECT_EQ(started.error().code, Errc::kInvalidArgument);
    EXPECT_THAT(started.error().message, HasSubstr("needs a token"));
  }
}

TEST(AdminServer, TokenIsRequiredOnEveryEndpoint) {
  AdminServerOptions options;
  options.listen = "0.0.0.0:0";  // beyond loopback: allowed with a token
  options.token = "s3cret-token";
  Fixture f(options);
  ASSERT_NE(f.server, nullptr);

  for (const char* path : {"/v1/status", "/v1/tasks/east-west", "/metrics", "/healthz", "/nope"}) {
    auto cli = f.client();
    auto res = cli.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 401) << path;
    EXPECT_THAT(res->get_header_value("WWW-Authenticate"), StartsWith("Bearer"));
    EXPECT_EQ(errorOf(res).at("code"), "unauthorized");

    cli.set_bearer_token_auth("s3cret-tokeN");
    res = cli.Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << path;

    cli.set_bearer_token_auth("s3cret-token");
    res = cli.Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, std::string(path) == "/nope" ? 404 : 200) << path;
  }

  // Scheme case-insensitive; other schemes refused.
  auto cli = f.client();
  httplib::Headers lower = {{"Authorization", "bearer s3cret-token"}};
  auto res = cli.Get("/v1/status", lower);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  httplib::Headers basic = {{"Authorization", "Basic czNjcmV0LXRva2Vu"}};
  res = cli.Get("/v1/status", basic);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  httplib::Headers empty = {{"Authorization", "Bearer "}};
  res = cli.Get("/v1/status", empty);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
}

TEST(AdminServer, TokenOnLoopbackIsEnforcedToo) {
  AdminServerOptions options;
  options.token = "t";
  Fixture f(options);
  auto res = f.client().Get("/v1/status");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
}

// ---- robustness ------------------------------------------------------------------------------

TEST(AdminServer, GarbageRequestsGetAnErrorAndTheServerKeepsServing) {
  Fixture f;
  using namespace std::string_literals;
  const std::vector<std::string> garbage = {
      "\x00\x01\x02\xff\xfe garbage \r\n\r\n"s,  // the s literal keeps the NUL bytes
      "GET\r\n\r\n",
      "GET / HTTP/1.1\r\nno colon header\r\n\r\n",
      "GET /v1/status HTTP/9.9\r\n\r\n",
      "BREW /pot HTCPCP/1.0\r\n\r\n",
      "GET /v1/tasks/\xc3\x28\xff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /v1/status HTTP/1.1\r\nHost: x\r\n" + std::string(9000, 'X') + ": y\r\n\r\n",
      "POST /v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"
          + std::string(100000, 'b'),
      "POST /v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
      "POST /v1/status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET /v1/status HTTP/1.1\r\nHost: x\r\n",  // ends before the blank line
      "",
  };
  for (const std::string& request : garbage) {
    const std::string answer = rawExchange(f.port(), request);
    // Either an HTTP error with a JSON body, or the connection simply closed: never a 2xx for
    // nonsense, never a crash.
    if (!answer.empty()) {
      EXPECT_THAT(answer, ::testing::MatchesRegex("HTTP/1\\.[01] [45][0-9][0-9] (.|\n|\r)*"))
          << "request: " << request.substr(0, 80);
      const std::size_t body_at = answer.find("\r\n\r\n");
      ASSERT_NE(body_at, std::string::npos);
      EXPECT_TRUE(json::accept(answer.substr(body_at + 4))) << answer.substr(0, 300);
    }
  }
  // The unparseable-but-complete requests did get an answer.
  EXPECT_THAT(rawExchange(f.port(), "GET\r\n\r\n"), StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(rawExchange(f.port(),
                          "POST /v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: "
                          "10000000\r\n\r\n"),
              StartsWith("HTTP/1.1 413"));

  auto res = f.client().Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST(AdminServer, ConcurrentScrapesWhileTheEnginePublishes) {
  AdminServerOptions options;
  options.worker_threads = 4;
  Fixture f(options);
  std::atomic<bool> stop{false};
  // The "engine": publishes snapshots and bumps metrics as fast as it can.
  std::thread engine([&] {
    std::int64_t i = 0;
    while (!stop) {
      DaemonStatus s = sampleStatus();
      s.tasks[0].queues[0].checkpoint = ++i;
      f.board.publish(std::move(s));
      f.counter->inc();
    }
  });
  constexpr int kClients = 6;
  constexpr int kRequestsEach = 40;
  std::vector<std::future<int>> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.push_back(std::async(std::launch::async, [&f, c] {
      int ok = 0;
      auto cli = f.client();
      for (int i = 0; i < kRequestsEach; ++i) {
        const char* path = (i + c) % 2 == 0 ? "/metrics" : "/v1/status";
        auto res = cli.Get(path);
        if (!res || res->status != 200) {
          continue;
        }
        if (path[1] == 'v') {
          ok += daemonStatusFromJson(json::parse(res->body)).has_value() ? 1 : 0;
        } else {
          ok +=
              res->body.find("ferry_test_requests_total{task=\"east-west\"} ") != std::string::npos
                  ? 1
                  : 0;
        }
      }
      return ok;
    }));
  }
  int total = 0;
  for (auto& c : clients) {
    total += c.get();
  }
  stop = true;
  engine.join();
  EXPECT_EQ(total, kClients * kRequestsEach);
}

TEST(AdminServer, StopReturnsWithClientsConnected) {
  auto f = std::make_unique<Fixture>();
  // One idle keep-alive connection and one that sent half a request.
  auto keep_alive = f->client();
  keep_alive.set_keep_alive(true);
  auto res = keep_alive.Get("/healthz");
  ASSERT_TRUE(res);
  const int half = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(f->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(half, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string partial = "GET /v1/status HTTP/1.1\r\nHo";
  ASSERT_EQ(::send(half, partial.data(), partial.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(partial.size()));

  // Bounded by io_timeout (500 ms here) for the half request; 20 s means it hangs.
  auto stopped = std::async(std::launch::async, [&f] { f->server->stop(); });
  ASSERT_EQ(stopped.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  f->server->stop();  // idempotent
  ::close(half);
  // Nothing listens any more.
  httplib::Client after("127.0.0.1", f->port());
  after.set_connection_timeout(std::chrono::seconds(2));
  EXPECT_FALSE(after.Get("/healthz"));
}

TEST(AdminServer, PortInUseIsAnIoErrorNamingTheAddress) {
  Fixture first;
  StatusBoard board;
  MetricsRegistry registry;
  AdminServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string(first.port());
  auto second = AdminServer::start(options, board, registry);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::kIo);
  EXPECT_THAT(second.error().message, HasSubstr(options.listen));
}

}  // namespace
}  // namespace ferry::control
