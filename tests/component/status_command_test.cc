// `ferry status` (cli/status_command.h) against a real admin server on loopback whose engine is a
// StatusBoard filled by the test: the table, --json, --task, and the exit codes for a daemon
// that is not running, wants a token, or is not a Ferry daemon at all.
#include "ferry/cli/status_command.h"

#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ferry/control/admin_server.h"

namespace ferry::cli {
namespace {

using control::AdminServer;
using control::AdminServerOptions;
using control::DaemonStatus;
using control::LastError;
using control::QueueState;
using control::QueueStatus;
using control::TaskState;
using control::TaskStatus;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1764650000000;  // 2025-12-02 04:33:20 UTC

DaemonStatus sampleStatus() {
  QueueStatus a;
  a.source = MessageQueue{"orders", "broker-a", QueueId(0)};
  a.destination = MessageQueue{"orders", "broker-b", QueueId(0)};
  a.state = QueueState::kRunning;
  a.checkpoint = 1200;
  a.source_max_offset = 1250;
  a.lag_messages = 50;
  a.lag_seconds = 0.75;
  a.rate_messages_per_second = 310.5;
  a.last_activity_ms = kT0;
  QueueStatus b;
  b.source = MessageQueue{"orders", "broker-a", QueueId(1)};
  b.destination = MessageQueue{"orders", "broker-b", QueueId(1)};
  b.state = QueueState::kBlocked;
  b.checkpoint = 77;
  b.source_max_offset = 80;
  b.lag_messages = 3;
  b.last_error = LastError{"message_illegal", "message too large at orders@broker-a#1:77", kT0};
  TaskStatus task;
  task.name = "east-west";
  task.source = "east";
  task.destination = "west";
  task.state = TaskState::kRunning;
  task.queues = {a, b};
  TaskStatus failed;
  failed.name = "west-east";
  failed.source = "west";
  failed.destination = "east";
  failed.state = TaskState::kFailed;
  failed.last_error = LastError{"auth_failed", "signature refused", kT0};
  DaemonStatus status;
  status.version = "ferry 0.1.0";
  status.started_at_ms = kT0 - 3 * 3600 * 1000 - 5 * 60 * 1000;
  status.snapshot_at_ms = kT0 - 500;
  status.tasks = {task, failed};
  return status;
}

struct Daemon {
  explicit Daemon(std::string token = "") {
    board.publish(sampleStatus());
    AdminServerOptions options;
    options.listen = "127.0.0.1:0";
    options.token = std::move(token);
    server = AdminServer::start(options, board, registry).value();
  }
  std::string address() const { return server->address().toString(); }

  control::StatusBoard board;
  control::MetricsRegistry registry;
  std::unique_ptr<AdminServer> server;
};

struct CommandRun {
  int code = -1;
  std::string out;
  std::string err;
};

CommandRun run(const StatusCommandOptions& options) {
  std::ostringstream out;
  std::ostringstream err;
  CommandRun r;
  r.code = runStatus(options, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

TEST(StatusRender, TableShowsEveryQueueAndTheTaskErrors) {
  EXPECT_EQ(renderStatusText(sampleStatus(), kT0),
            "ferry 0.1.0, up 3h05m, snapshot 0.5 s old\n"
            "\n"
            "TASK east-west  east -> west  running  lag 53 msgs  310.5 msg/s\n"
            "SOURCE QUEUE       DESTINATION QUEUE  STATE    CHECKPOINT   MAX  LAG  LAG(s)  RATE/s"
            "  LAST ACTIVITY        LAST ERROR\n"
            "orders@broker-a#0  orders@broker-b#0  running        1200  1250   50     0.8   310.5"
            "  2025-12-02 04:33:20  -\n"
            "orders@broker-a#1  orders@broker-b#1  blocked          77    80    3       -     0.0"
            "  -                    message_illegal at 2025-12-02 04:33:20: message too large at "
            "orders@broker-a#1:77\n"
            "\n"
            "TASK west-east  west -> east  failed  lag 0 msgs  0.0 msg/s\n"
            "last error: auth_failed at 2025-12-02 04:33:20: signature refused\n"
            "no queues\n");
}

TEST(StatusRender, NoTasks) {
  DaemonStatus empty;
  empty.version = "ferry 0.1.0";
  empty.started_at_ms = kT0 - 1000;
  empty.snapshot_at_ms = kT0;
  EXPECT_EQ(renderStatusText(empty, kT0),
            "ferry 0.1.0, up 1.0 s, snapshot 0.0 s old\n\nno tasks\n");
}

// A daemon config whose admin section points at `listen` with `token_line` (may be empty).
std::filesystem::path writeConfig(const std::string& listen, const std::string& token_line) {
  const auto path = std::filesystem::temp_directory_path()
                    / ("ferry-status-config-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream file(path);
  file << "clusters:\n"
          "  east: { namesrv: \"127.0.0.1:19876\" }\n"
          "  west:\n"
          "    namesrv: \"127.0.0.1:29876\"\n"
          "    access_key: ${FERRY_STATUS_TEST_UNSET_AK}\n"
          "    secret_key: ${FERRY_STATUS_TEST_UNSET_SK}\n"
          "admin:\n"
          "  listen: \""
       << listen << "\"\n"
       << token_line
       << "tasks:\n"
          "  - { name: east-west, source: east, destination: west, topics: [ orders ] }\n";
  return path;
}

TEST(StatusCommand, ConfigGivesTheAddressAndTokenEvenWithOtherVariablesUnset) {
  ::unsetenv("FERRY_STATUS_TEST_UNSET_AK");
  ::unsetenv("FERRY_STATUS_TEST_UNSET_SK");
  Daemon daemon("s3cret-token");
  const auto config = writeConfig(daemon.address(), "  token: s3cret-token\n");
  StatusCommandOptions options;
  options.admin = "127.0.0.1:1";  // the default the config replaces
  options.config = config.string();
  const CommandRun r = run(options);
  std::filesystem::remove(config);
  EXPECT_EQ(r.code, kStatusOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("TASK east-west  east -> west  running"));
}

TEST(StatusCommand, ExplicitAdminAndTokenWinOverTheConfig) {
  Daemon daemon("right-token");
  const auto config = writeConfig("127.0.0.1:1", "  token: wrong-token\n");
  StatusCommandOptions options;
  options.admin = daemon.address();
  options.admin_explicit = true;
  options.token = "right-token";
  options.token_explicit = true;
  options.config = config.string();
  const CommandRun r = run(options);
  std::filesystem::remove(config);
  EXPECT_EQ(r.code, kStatusOk) << r.err;
}

TEST(StatusCommand, ConfigWhoseTokenVariableIsUnsetIsAUsageError) {
  ::unsetenv("FERRY_STATUS_TEST_UNSET_TOKEN");
  const auto config = writeConfig("127.0.0.1:7780", "  token: ${FERRY_STATUS_TEST_UNSET_TOKEN}\n");
  StatusCommandOptions options;
  options.config = config.string();
  const CommandRun r = run(options);
  std::filesystem::remove(config);
  EXPECT_EQ(r.code, kStatusUsage);
  EXPECT_THAT(r.err, HasSubstr("admin.token comes from ${FERRY_STATUS_TEST_UNSET_TOKEN}"));
  EXPECT_EQ(r.out, "");
}

TEST(StatusCommand, UnreadableConfigIsAUsageErrorNamingTheFile) {
  StatusCommandOptions options;
  options.config = "/nonexistent/ferry.yaml";
  const CommandRun r = run(options);
  EXPECT_EQ(r.code, kStatusUsage);
  EXPECT_THAT(r.err, HasSubstr("ferry status: --config: "));
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/ferry.yaml"));
}

TEST(StatusCommand, PrintsTheTableFromARunningDaemon) {
  Daemon daemon;
  StatusCommandOptions options;
  options.admin = daemon.address();
  const CommandRun r = run(options);
  EXPECT_EQ(r.code, kStatusOk) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr("TASK east-west  east -> west  running  lag 53 msgs"));
  EXPECT_THAT(r.out, HasSubstr("orders@broker-a#1  orders@broker-b#1  blocked"));
  EXPECT_THAT(r.out, HasSubstr("last error: auth_failed"));
}

TEST(StatusCommand, JsonIsTheDaemonsDocument) {
  Daemon daemon;
  StatusCommandOptions options;
  options.admin = daemon.address();
  options.json = true;
  const CommandRun r = run(options);
  ASSERT_EQ(r.code, kStatusOk) << r.err;
  auto parsed = control::daemonStatusFromJson(json::parse(r.out));
  ASSERT_TRUE(parsed) << parsed.error().toString();
  EXPECT_EQ(*parsed, sampleStatus());
}

TEST(StatusCommand, OneTaskAndAnUnknownTask) {
  Daemon daemon;
  StatusCommandOptions options;
  options.admin = daemon.address();
  options.task = "west-east";
  CommandRun r = run(options);
  ASSERT_EQ(r.code, kStatusOk) << r.err;
  EXPECT_THAT(r.out, ::testing::StartsWith("TASK west-east  west -> east  failed"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("east-west")));

  options.json = true;
  r = run(options);
  ASSERT_EQ(r.code, kStatusOk) << r.err;
  EXPECT_EQ(json::parse(r.out).at("name"), "west-east");

  options.task = "no such/task";
  r = run(options);
  EXPECT_EQ(r.code, kStatusTaskNotFound);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "ferry status: no task named 'no such/task'\n");
}

TEST(StatusCommand, NoDaemonIsExitCode3WithAHint) {
  int port = 0;
  {
    Daemon gone;  // a port that was free a moment ago and is closed now
    port = gone.server->address().port;
  }
  StatusCommandOptions options;
  options.admin = "127.0.0.1:" + std::to_string(port);
  const CommandRun r = run(options);
  EXPECT_EQ(r.code, kStatusUnreachable);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("no answer from a Ferry daemon at " + options.admin));
  EXPECT_THAT(r.err, HasSubstr("connection refused"));
  EXPECT_THAT(r.err, HasSubstr("hint: is `ferry run` running"));
}

TEST(StatusCommand, TokenMissingOrWrongIsExitCode6) {
  Daemon daemon("right");
  StatusCommandOptions options;
  options.admin = daemon.address();
  CommandRun r = run(options);
  EXPECT_EQ(r.code, kStatusAuth);
  EXPECT_THAT(r.err, HasSubstr("pass --token or set FERRY_ADMIN_TOKEN"));
  options.token = "wrong";
  r = run(options);
  EXPECT_EQ(r.code, kStatusAuth);
  EXPECT_THAT(r.err, HasSubstr("does not match"));
  options.token = "right";
  r = run(options);
  EXPECT_EQ(r.code, kStatusOk) << r.err;
}

TEST(StatusCommand, BadAdminAddressIsAUsageError) {
  StatusCommandOptions options;
  options.admin = "localhost";
  const CommandRun r = run(options);
  EXPECT_EQ(r.code, kStatusUsage);
  EXPECT_THAT(r.err, HasSubstr("--admin"));
}

// Something else listens on the port: an HTTP server that is not Ferry's.
TEST(StatusCommand, AnswerThatIsNotFerrysIsExitCode1) {
  httplib::Server other;
  other.Get("/v1/status", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"tasks\": 3}", "application/json");
  });
  const int port = other.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread thread([&other] { other.listen_after_bind(); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!other.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(other.is_running());

  StatusCommandOptions options;
  options.admin = "127.0.0.1:" + std::to_string(port);
  const CommandRun r = run(options);
  other.stop();
  thread.join();
  EXPECT_EQ(r.code, kStatusError);
  EXPECT_THAT(r.err, HasSubstr("unexpected answer from"));
  EXPECT_THAT(r.err, HasSubstr("version: missing"));
}

}  // namespace
}  // namespace ferry::cli
