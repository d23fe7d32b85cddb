// app::Daemon (app/daemon.h) on loopback: a fake NameServer that answers every request with an
// empty cluster table, tasks supplied by the test (so the lifecycle is checked without the
// replication engine), and the real admin server, cluster clients and signal handling.
// Covers: status served over HTTP while running, stop and SIGTERM drain (tasks finish their
// work before the exit code is known), the drain timeout, a second signal, and the start-up
// failures with their exit codes (admin port taken, cluster unreachable, task refused).
#include <httplib.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ferry/app/daemon.h"
#include "ferry/codec/remoting_command.h"

namespace ferry::app {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

// ---- a NameServer that answers every request with an empty ClusterInfo ----------------------

asio::awaitable<void> serveNameServerConnection(asio::ip::tcp::socket socket) {
  for (;;) {
    std::array<std::byte, 4> prefix{};
    asio::error_code ec;
    co_await asio::async_read(socket, asio::buffer(prefix),
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return;
    }
    auto length = codec::decodeFrameLength(std::span<const std::byte, 4>(prefix));
    if (!length) {
      co_return;
    }
    std::vector<std::byte> payload(*length);
    co_await asio::async_read(socket, asio::buffer(payload),
                              asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return;
    }
    auto request = codec::decodeCommand(payload);
    if (!request) {
      co_return;
    }
    codec::RemotingCommand response;
    response.code = 0;
    response.opaque = request->opaque;
    response.flag = codec::kFlagResponse;
    response.body = R"({"brokerAddrTable":{},"clusterAddrTable":{}})";
    std::string frame;
    if (!codec::encodeFrame(response, frame)) {
      co_return;
    }
    co_await asio::async_write(socket, asio::buffer(frame),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return;
    }
  }
}

asio::awaitable<void> acceptNameServerConnections(asio::ip::tcp::acceptor* acceptor) {
  for (;;) {
    asio::error_code ec;
    asio::ip::tcp::socket socket =
        co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return;
    }
    asio::co_spawn(acceptor->get_executor(), serveNameServerConnection(std::move(socket)),
                   asio::detached);
  }
}

class FakeNameServer {
 public:
  FakeNameServer()
      : acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    asio::co_spawn(io_, acceptNameServerConnections(&acceptor_), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeNameServer() {
    io_.stop();
    thread_.join();
  }
  std::string address() const {
    return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

// A loopback port nobody listens on (bound, then released).
int closedPort() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io,
                                   asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

// ---- tasks driven by the daemon -------------------------------------------------------------

// What the test observes of its tasks; shared with the io thread, hence atomics.
struct TaskProbe {
  std::atomic<int> created{0};
  std::atomic<bool> running{false};
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> committed{false};  // "checkpoint committed" after the drain
  std::atomic<bool> cancelled{false};  // run() ended by cancellation
};

enum class Behaviour {
  kDrains,        // on requestStop: finishes a last "batch" (drain_work), commits, returns
  kIgnoresStop,   // never returns by itself; only cancellation ends run()
  kNeverReturns,  // ignores cancellation too
};

class ProbeTask final : public Task {
 public:
  ProbeTask(std::string name, asio::any_io_executor executor, Behaviour behaviour,
            milliseconds drain_work, TaskProbe* probe)
      : name_(std::move(name)),
        behaviour_(behaviour),
        drain_work_(drain_work),
        timer_(executor),
        probe_(probe) {}

  asio::awaitable<void> run() override {
    probe_->running = true;
    asio::error_code ec;
    while (!drainNow()) {
      timer_.expires_after(std::chrono::hours(1));
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec && !drainNow() && behaviour_ == Behaviour::kIgnoresStop) {
        probe_->cancelled = true;  // cancelled from outside, not woken by requestStop()
        co_return;
      }
    }
    // The batch in flight, then the checkpoint commit.
    timer_.expires_after(drain_work_);
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    probe_->committed = !ec;
    probe_->running = false;
  }

  bool drainNow() const { return stop_ && behaviour_ == Behaviour::kDrains; }

  void requestStop() override {
    stop_ = true;
    probe_->stop_requested = true;
    if (behaviour_ == Behaviour::kDrains) {
      timer_.cancel();
    }
  }

  control::TaskStatus status() const override {
    control::TaskStatus status;
    status.name = name_;
    status.source = "east";
    status.destination = "west";
    status.state = stop_ ? control::TaskState::kStopping : control::TaskState::kRunning;
    return status;
  }

 private:
  std::string name_;
  Behaviour behaviour_;
  milliseconds drain_work_;
  asio::steady_timer timer_;
  TaskProbe* probe_;
  bool stop_ = false;
};

TaskFactory probeFactory(TaskProbe* probe, Behaviour behaviour,
                         milliseconds drain_work = milliseconds(200)) {
  return
      [probe, behaviour, drain_work](const TaskContext& context) -> Result<std::unique_ptr<Task>> {
        ++probe->created;
        return std::unique_ptr<Task>(std::make_unique<ProbeTask>(
            context.config.name, context.executor, behaviour, drain_work, probe));
      };
}

control::Config configFor(const std::string& east, const std::string& west,
                          const std::string& admin_listen = "127.0.0.1:0") {
  control::Config config;
  rocketmq::ClusterSpec east_spec;
  east_spec.name = "east";
  east_spec.name_servers = {east};
  east_spec.timeout = milliseconds(1000);
  rocketmq::ClusterSpec west_spec = east_spec;
  west_spec.name = "west";
  west_spec.name_servers = {west};
  config.clusters.emplace("east", east_spec);
  config.clusters.emplace("west", west_spec);
  config.admin.listen = admin_listen;
  control::TaskConfig task;
  task.name = "east-west";
  task.source = "east";
  task.destination = "west";
  control::TopicMapping topic;
  topic.source = "orders";
  topic.destination = "orders";
  task.topics.push_back(topic);
  task.internal_group = "ferry-east-west";
  config.tasks.push_back(task);
  return config;
}

bool waitUntil(const std::function<bool()>& condition, milliseconds timeout = milliseconds(10000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  return condition();
}

class DaemonTest : public ::testing::Test {
 protected:
  DaemonOptions options(Behaviour behaviour, milliseconds drain_work = milliseconds(200)) {
    DaemonOptions options;
    options.version = "ferry test";
    options.status_interval = milliseconds(50);
    options.handle_signals = false;
    options.task_factory = probeFactory(&probe_, behaviour, drain_work);
    return options;
  }

  std::unique_ptr<Daemon> start(DaemonOptions daemon_options) {
    auto daemon =
        Daemon::start(configFor(east_.address(), west_.address()), std::move(daemon_options));
    if (!daemon) {
      ADD_FAILURE() << "start failed (exit " << daemon.error().exit_code
                    << "): " << daemon.error().error.toString();
      return nullptr;
    }
    return std::move(*daemon);
  }

  FakeNameServer east_;
  FakeNameServer west_;
  TaskProbe probe_;
};

TEST_F(DaemonTest, ServesTheTasksStatusOverHttpWhileRunning) {
  auto daemon = start(options(Behaviour::kDrains));
  ASSERT_NE(daemon, nullptr);
  ASSERT_TRUE(waitUntil([&] { return probe_.running.load(); }));

  httplib::Client client(daemon->adminAddress().host, daemon->adminAddress().port);
  nlohmann::json status;
  ASSERT_TRUE(waitUntil([&] {
    auto response = client.Get("/v1/status");
    if (!response || response->status != 200) {
      return false;
    }
    status = nlohmann::json::parse(response->body);
    return status["tasks"].size() == 1 && status["tasks"][0]["state"] == "running";
  })) << status.dump();
  EXPECT_EQ(status["version"], "ferry test");
  EXPECT_EQ(status["tasks"][0]["name"], "east-west");
  EXPECT_EQ(probe_.created.load(), 1);

  daemon->requestStop();
  EXPECT_EQ(daemon->wait(), kRunOk);
}

TEST_F(DaemonTest, StopWaitsForTheDrainAndTheCommit) {
  auto daemon = start(options(Behaviour::kDrains, milliseconds(300)));
  ASSERT_NE(daemon, nullptr);
  ASSERT_TRUE(waitUntil([&] { return probe_.running.load(); }));
  const auto admin = daemon->adminAddress();

  daemon->requestStop();
  EXPECT_EQ(daemon->wait(), kRunOk);
  // The exit code is known only after the task finished its batch and committed.
  EXPECT_TRUE(probe_.stop_requested);
  EXPECT_TRUE(probe_.committed);
  EXPECT_FALSE(probe_.cancelled);
  auto last = daemon->status().status();
  ASSERT_NE(last, nullptr);
  ASSERT_EQ(last->tasks.size(), 1U);
  // The admin server is closed once the daemon stopped.
  httplib::Client client(admin.host, admin.port);
  client.set_connection_timeout(std::chrono::seconds(1));
  EXPECT_FALSE(client.Get("/healthz"));
}

TEST_F(DaemonTest, SigtermDrainsAndExitsZero) {
  auto daemon_options = options(Behaviour::kDrains);
  daemon_options.handle_signals = true;
  auto daemon = start(std::move(daemon_options));
  ASSERT_NE(daemon, nullptr);
  ASSERT_TRUE(waitUntil([&] { return probe_.running.load(); }));

  ASSERT_EQ(std::raise(SIGTERM), 0);
  EXPECT_EQ(daemon->wait(), kRunOk);
  EXPECT_TRUE(probe_.committed);
}

TEST_F(DaemonTest, DrainTimeoutCancelsTasksThatDoNotStop) {
  auto daemon_options = options(Behaviour::kIgnoresStop);
  daemon_options.drain_timeout = milliseconds(300);
  auto daemon = start(std::move(daemon_options));
  ASSERT_NE(daemon, nullptr);
  ASSERT_TRUE(waitUntil([&] { return probe_.running.load(); }));

  const auto begin = std::chrono::steady_clock::now();
  daemon->requestStop();
  EXPECT_EQ(daemon->wait(), kRunDrainTimeout);
  EXPECT_GE(std::chrono::steady_clock::now() - begin, milliseconds(300));
  EXPECT_TRUE(probe_.stop_requested);
  EXPECT_TRUE(probe_.cancelled);
  EXPECT_FALSE(probe_.committed);
}

using DaemonDeathTest = DaemonTest;

TEST_F(DaemonDeathTest, SecondSignalExitsAtOnceWith128PlusSignal) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto daemon_options = options(Behaviour::kNeverReturns);
        daemon_options.handle_signals = true;
        daemon_options.drain_timeout = std::chrono::hours(1);
        auto daemon = start(std::move(daemon_options));
        if (daemon == nullptr || !waitUntil([&] { return probe_.running.load(); })) {
          std::_Exit(90);
        }
        std::raise(SIGTERM);
        if (!waitUntil([&] { return probe_.stop_requested.load(); })) {
          std::_Exit(91);
        }
        std::raise(SIGINT);
        std::this_thread::sleep_for(std::chrono::seconds(30));
        std::_Exit(92);
      },
      ::testing::ExitedWithCode(kRunSignalBase + SIGINT), "");
}

TEST_F(DaemonTest, RefusesToStartWhenTheAdminPortIsTaken) {
  auto first = start(options(Behaviour::kDrains));
  ASSERT_NE(first, nullptr);
  const std::string taken = first->adminAddress().toString();

  TaskProbe second_probe;
  auto daemon_options = options(Behaviour::kDrains);
  daemon_options.task_factory = probeFactory(&second_probe, Behaviour::kDrains);
  auto second =
      Daemon::start(configFor(east_.address(), west_.address(), taken), std::move(daemon_options));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().exit_code, kRunAdminListen);
  EXPECT_THAT(second.error().error.message, HasSubstr("admin.listen " + taken));
  EXPECT_THAT(second.error().error.message, HasSubstr("another process"));
  EXPECT_EQ(second_probe.created.load(), 0);

  first->requestStop();
  EXPECT_EQ(first->wait(), kRunOk);
}

TEST_F(DaemonTest, RefusesToStartWhenAClusterDoesNotAnswer) {
  const std::string nobody = "127.0.0.1:" + std::to_string(closedPort());
  auto daemon = Daemon::start(configFor(east_.address(), nobody), options(Behaviour::kDrains));
  ASSERT_FALSE(daemon);
  EXPECT_EQ(daemon.error().exit_code, kRunUnreachable);
  EXPECT_THAT(daemon.error().error.message, HasSubstr("cluster 'west'"));
  EXPECT_THAT(daemon.error().error.message, HasSubstr(nobody));
  EXPECT_EQ(probe_.created.load(), 0);
}

TEST_F(DaemonTest, ATaskTheFactoryRefusesFailsTheStartAsAConfigError) {
  auto daemon_options = options(Behaviour::kDrains);
  daemon_options.task_factory = [](const TaskContext&) -> Result<std::unique_ptr<Task>> {
    return makeError(Errc::kInvalidArgument, "tags: 'a ||' is not a tag expression");
  };
  auto daemon =
      Daemon::start(configFor(east_.address(), west_.address()), std::move(daemon_options));
  ASSERT_FALSE(daemon);
  EXPECT_EQ(daemon.error().exit_code, kRunConfig);
  EXPECT_THAT(daemon.error().error.message, HasSubstr("task 'east-west'"));
  EXPECT_THAT(daemon.error().error.message, HasSubstr("not a tag expression"));
}

}  // namespace
}  // namespace ferry::app
