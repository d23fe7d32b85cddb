#include "ferry/app/daemon.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <future>
#include <map>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "ferry/async/task_group.h"
#include "ferry/base/log.h"
#include "ferry/rocketmq/cluster_client.h"

namespace ferry::app {
namespace {

const std::shared_ptr<spdlog::logger>& logger() {
  static const std::shared_ptr<spdlog::logger> kInstance = log::get(log::Module::kApp);
  return kInstance;
}

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const char* signalName(int signal_number) {
  switch (signal_number) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    default: return "signal";
  }
}

Error internalError(std::string message) {
  return makeError(Errc::kInternal, std::move(message)).value();
}

StartFailure failure(int exit_code, Error error) {
  return StartFailure{exit_code, std::move(error)};
}

// Completes `done` and wakes `timer` once `group` has no running task.
asio::awaitable<void> noteWhenDrained(async::TaskGroup group,
                                      std::shared_ptr<asio::steady_timer> timer,
                                      std::shared_ptr<bool> done) {
  co_await group.wait();
  *done = true;
  timer->cancel();
}

// True when every task of `group` returned within `timeout`.
asio::awaitable<bool> waitForGroup(async::TaskGroup group, std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor, timeout);
  auto done = std::make_shared<bool>(false);
  asio::co_spawn(executor, noteWhenDrained(group, timer, done), asio::detached);
  // No suspension between this check and the wait: the waiter cannot cancel an unstarted wait.
  if (!*done) {
    asio::error_code ignored;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  co_return *done;
}

// Names of the clusters some task uses, in name order (an unused cluster is not dialled).
std::set<std::string> usedClusters(const control::Config& config) {
  std::set<std::string> names;
  for (const auto& task : config.tasks) {
    names.insert(task.source);
    names.insert(task.destination);
  }
  return names;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += ';';
    }
    out += item;
  }
  return out;
}

}  // namespace

struct Daemon::Impl {
  enum class Phase { kStarting, kRunning, kStopping, kStopped };

  Impl(control::Config config_in, DaemonOptions options_in)
      : config(std::move(config_in)),
        options(std::move(options_in)),
        started_at_ms(nowMs()),
        io(std::make_unique<asio::io_context>(1)),
        work(asio::make_work_guard(*io)) {}

  ~Impl() {
    stopAdmin();
    if (abandoned) {
      // Tasks that ignored the drain timeout and their cancellation still have coroutines
      // suspended on the io_context; destroying it would resume their destructors against freed
      // engines. The process is about to exit: leave them to it.
      for (auto& task : tasks) {
        static_cast<void>(task.release());
      }
      for (auto& [name, client] : clients) {
        static_cast<void>(client.release());
      }
      static_cast<void>(signals.release());
      static_cast<void>(status_timer.release());
      static_cast<void>(io.release());
    }
  }

  // ---- controlling thread ----

  void startThread() {
    thread = std::thread([this] {
      try {
        io->run();
      } catch (const std::exception& e) {
        logger()->critical("io_thread_exception what=\"{}\"", e.what());
        std::fflush(nullptr);
        std::_Exit(kRunInternal);
      }
    });
  }

  // Ends the io thread (after finish(), io.run() returns once the last handler ran).
  void joinThread() {
    if (!thread.joinable()) {
      return;
    }
    work.reset();
    if (abandoned) {
      io->stop();
    }
    thread.join();
  }

  void stopAdmin() {
    if (admin) {
      admin->stop();
    }
  }

  // ---- io thread ----

  control::DaemonStatus snapshot() const {
    control::DaemonStatus status;
    status.version = options.version;
    status.started_at_ms = started_at_ms;
    status.snapshot_at_ms = nowMs();
    if (tasks.empty()) {
      // Start-up: the configured tasks, not built yet.
      for (const auto& task : config.tasks) {
        control::TaskStatus entry;
        entry.name = task.name;
        entry.source = task.source;
        entry.destination = task.destination;
        entry.state =
            phase == Phase::kStopped ? control::TaskState::kStopped : control::TaskState::kStarting;
        status.tasks.push_back(std::move(entry));
      }
      return status;
    }
    for (const auto& task : tasks) {
      status.tasks.push_back(task->status());
    }
    return status;
  }

  void publish() { board.publish(snapshot()); }

  void armSignals() {
    if (!signals) {
      return;
    }
    signals->async_wait([this](const asio::error_code& ec, int signal_number) {
      if (ec) {
        return;  // cancelled: the daemon stopped
      }
      onSignal(signal_number);
    });
  }

  void onSignal(int signal_number) {
    ++signals_seen;
    if (signals_seen > 1) {
      logger()->warn("signal_received signal={} action=exit_now exit_code={}",
                     signalName(signal_number), kRunSignalBase + signal_number);
      logger()->flush();
      std::fflush(nullptr);
      std::_Exit(kRunSignalBase + signal_number);
    }
    logger()->info("signal_received signal={} action=drain drain_timeout_ms={}",
                   signalName(signal_number), options.drain_timeout.count());
    armSignals();
    beginStop();
  }

  void beginStop() {
    if (phase == Phase::kStarting) {
      stop_requested = true;  // startUp() stops once it is done
      return;
    }
    if (phase != Phase::kRunning) {
      return;
    }
    phase = Phase::kStopping;
    asio::co_spawn(*io, shutdown(), asio::detached);
  }

  // Every cluster a task uses must answer once: a wrong address or a cluster that is down is a
  // start-up error, not a daemon that silently retries forever.
  asio::awaitable<std::optional<StartFailure>> probeClusters() {
    for (auto& [name, client] : clients) {
      const auto& spec = config.cluster(name);
      auto info = co_await client->cluster().clusterInfo();
      if (!info) {
        Error error = std::move(info.error());
        error.message = fmt::format("cluster '{}': no NameServer answered ({}): {}", name,
                                    joined(spec.name_servers), error.message);
        co_return failure(kRunUnreachable, std::move(error));
      }
      logger()->info("cluster_reachable cluster={} namesrv={} brokers={}", name,
                     client->cluster().currentNameServer(), info->broker_addr_table.size());
    }
    co_return std::nullopt;
  }

  asio::awaitable<std::optional<StartFailure>> startUp() {
    auto probed = co_await probeClusters();
    if (probed) {
      co_return probed;
    }
    auto executor = co_await asio::this_coro::executor;
    for (const auto& task_config : config.tasks) {
      TaskContext context{task_config, clients.at(task_config.source)->cluster(),
                          clients.at(task_config.destination)->cluster(), executor, *metrics};
      auto task = options.task_factory(context);
      if (!task) {
        tasks.clear();
        co_return failure(kRunConfig,
                          std::move(task.error()).withContext("task '" + task_config.name + "'"));
      }
      tasks.push_back(std::move(*task));
    }
    running.emplace(executor);
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      running->spawn(runTask(i));
    }
    phase = Phase::kRunning;
    publish();
    asio::co_spawn(executor, publishLoop(), asio::detached);
    logger()->info("daemon_running tasks={} admin={}", tasks.size(), admin->address().toString());
    if (stop_requested) {
      beginStop();
    }
    co_return std::nullopt;
  }

  asio::awaitable<void> runTask(std::size_t index) {
    Task& task = *tasks[index];
    const std::string& name = config.tasks[index].name;
    logger()->info("task_started task={}", name);
    co_await task.run();
    logger()->info("task_stopped task={}", name);
  }

  asio::awaitable<void> publishLoop() {
    while (phase == Phase::kRunning || phase == Phase::kStopping) {
      status_timer->expires_after(options.status_interval);
      asio::error_code ec;
      co_await status_timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (phase == Phase::kStopped) {
        break;
      }
      publish();
    }
  }

  asio::awaitable<void> shutdown() {
    const auto begin = std::chrono::steady_clock::now();
    for (auto& task : tasks) {
      task->requestStop();
    }
    publish();
    bool drained = co_await waitForGroup(*running, options.drain_timeout);
    int exit_code = kRunOk;
    if (!drained) {
      exit_code = kRunDrainTimeout;
      logger()->error("drain_timeout drain_timeout_ms={} tasks_running={} action=cancel",
                      options.drain_timeout.count(), running->size());
      running->cancel();
    }
    // Fails what is still pending (cancelled tasks' requests) and closes every connection.
    for (auto& [name, client] : clients) {
      co_await client->shutdown();
    }
    if (!drained) {
      drained = co_await waitForGroup(*running, options.cancel_grace);
      if (!drained) {
        logger()->error("tasks_abandoned tasks_running={} after_ms={}", running->size(),
                        options.cancel_grace.count());
        abandoned = true;
      }
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - begin);
    logger()->info("daemon_stopped exit_code={} drain_ms={}", exit_code, elapsed.count());
    finish(exit_code);
  }

  // start() failed: no task was spawned; close the clients and disarm what is armed.
  asio::awaitable<void> closeAfterFailedStart() {
    for (auto& [name, client] : clients) {
      co_await client->shutdown();
    }
    status_timer->cancel();
    if (signals) {
      asio::error_code ignored;
      signals->cancel(ignored);
    }
  }

  // Last step on the io thread: nothing of ours stays armed, the controlling thread is told.
  void finish(int exit_code) {
    phase = Phase::kStopped;
    publish();
    status_timer->cancel();
    if (signals) {
      asio::error_code ignored;
      signals->cancel(ignored);
    }
    stopped.set_value(exit_code);
  }

  control::Config config;
  DaemonOptions options;
  std::int64_t started_at_ms = 0;

  // Read by the admin server's threads: declared before it, so destroyed after it.
  control::MetricsRegistry registry;
  std::optional<control::ReplicationMetrics> metrics;
  control::StatusBoard board;
  std::unique_ptr<control::AdminServer> admin;

  // The io thread's world. Members below `io` are destroyed before it.
  std::unique_ptr<asio::io_context> io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::map<std::string, std::unique_ptr<rocketmq::ClusterClient>> clients;
  std::vector<std::unique_ptr<Task>> tasks;  // in config order
  std::optional<async::TaskGroup> running;   // every task's run()
  std::unique_ptr<asio::signal_set> signals;
  std::unique_ptr<asio::steady_timer> status_timer;

  // io thread only.
  Phase phase = Phase::kStarting;
  bool stop_requested = false;
  int signals_seen = 0;
  bool abandoned = false;

  std::promise<int> stopped;
  std::shared_future<int> stopped_future = stopped.get_future().share();
  std::optional<int> result;  // wait()'s exit code, once known
};

tl::expected<std::unique_ptr<Daemon>, StartFailure> Daemon::start(control::Config config,
                                                                  DaemonOptions options) {
  if (!options.task_factory) {
    return tl::unexpected(failure(kRunInternal, internalError("daemon: no task factory")));
  }
  auto impl = std::make_unique<Impl>(std::move(config), std::move(options));
  logger()->info("daemon_starting version=\"{}\" tasks={} clusters={}", impl->options.version,
                 impl->config.tasks.size(), usedClusters(impl->config).size());

  auto metrics = control::ReplicationMetrics::create(impl->registry);
  if (!metrics) {
    return tl::unexpected(failure(kRunInternal, std::move(metrics.error())));
  }
  impl->metrics = *metrics;
  impl->publish();

  // The admin port first: a second daemon on the same config fails here, before it connects
  // to anything.
  control::AdminServerOptions admin_options;
  admin_options.listen = impl->config.admin.listen;
  admin_options.token = impl->config.admin.token;
  admin_options.version = impl->options.version;
  auto admin = control::AdminServer::start(admin_options, impl->board, impl->registry);
  if (!admin) {
    Error error = std::move(admin.error());
    error.message = "admin.listen " + impl->config.admin.listen + ": " + error.message;
    return tl::unexpected(failure(kRunAdminListen, std::move(error)));
  }
  impl->admin = std::move(*admin);

  for (const auto& name : usedClusters(impl->config)) {
    auto client =
        rocketmq::ClusterClient::create(impl->io->get_executor(), impl->config.cluster(name));
    if (!client) {
      return tl::unexpected(failure(kRunConfig, std::move(client.error())));
    }
    impl->clients.emplace(name, std::move(*client));
  }
  impl->status_timer = std::make_unique<asio::steady_timer>(*impl->io);
  if (impl->options.handle_signals) {
    impl->signals = std::make_unique<asio::signal_set>(*impl->io, SIGTERM, SIGINT);
    impl->armSignals();
  }
  impl->startThread();

  auto started = std::make_shared<std::promise<std::optional<StartFailure>>>();
  auto started_future = started->get_future();
  asio::co_spawn(*impl->io, impl->startUp(),
                 [started](const std::exception_ptr& error, std::optional<StartFailure> result) {
                   if (error) {
                     std::string what = "unexpected exception during start-up";
                     try {
                       std::rethrow_exception(error);
                     } catch (const std::exception& e) {
                       what += std::string(": ") + e.what();
                     } catch (...) {
                     }
                     result = failure(kRunInternal, internalError(what));
                   }
                   started->set_value(std::move(result));
                 });
  std::optional<StartFailure> start_failure = started_future.get();
  if (start_failure) {
    // Nothing runs yet but the clients: close them on the io thread, then end it.
    Impl* raw = impl.get();
    auto closed = std::make_shared<std::promise<void>>();
    asio::co_spawn(*impl->io, raw->closeAfterFailedStart(),
                   [closed](const std::exception_ptr&) { closed->set_value(); });
    closed->get_future().wait();
    impl->joinThread();
    impl->stopAdmin();
    return tl::unexpected(std::move(*start_failure));
  }
  return std::unique_ptr<Daemon>(new Daemon(std::move(impl)));
}

Daemon::Daemon(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Daemon::~Daemon() {
  requestStop();
  static_cast<void>(wait());
}

const control::ListenAddress& Daemon::adminAddress() const {
  return impl_->admin->address();
}

const control::StatusSource& Daemon::status() const {
  return impl_->board;
}

void Daemon::requestStop() {
  if (impl_->result) {
    return;
  }
  Impl* raw = impl_.get();
  asio::post(*impl_->io, [raw] { raw->beginStop(); });
}

int Daemon::wait() {
  if (!impl_->result) {
    impl_->result = impl_->stopped_future.get();
    impl_->joinThread();
    impl_->stopAdmin();
  }
  return *impl_->result;
}

}  // namespace ferry::app
