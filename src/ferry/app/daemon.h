// The composition root of `ferry run` (docs/operations.md, "Running the daemon"): from a loaded
// config to running replication tasks, the admin API and an orderly stop.
//
//   start():  metrics registry and StatusBoard -> admin server (refused: exit kRunAdminListen)
//             -> io thread + SIGTERM/SIGINT handler -> one ClusterClient per cluster a task uses
//             -> each cluster's NameServers must answer once (else kRunUnreachable) -> one Task
//             per configured task, spawned into a TaskGroup -> status published every second.
//   stop:     the first SIGTERM/SIGINT (or requestStop()) asks every task to stop: pipelines
//             finish the batch in flight and commit their checkpoints. The drain is bounded by
//             drain_timeout; past it the tasks are cancelled (exit kRunDrainTimeout). Then the
//             cluster clients shut down and the admin server closes; exit kRunOk. A second
//             signal exits at once with 128 + the signal number.
//
// After start-up a cluster that stops answering is the tasks' business: they retry and show it
// in their status (last_error, state "retrying"), the daemon keeps running.
//
// Threads and ownership. Daemon owns one io_context and the thread that runs it; the cluster
// clients, the tasks, the signal set and the status timer live on that thread and are only
// touched there. The admin server runs its own threads and only reads the StatusBoard and the
// MetricsRegistry (both thread-safe). start(), requestStop(), wait() and the destructor may be
// called from any one controlling thread (the CLI's main thread; tests).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <tl/expected.hpp>

#include "ferry/base/error.h"
#include "ferry/control/admin_server.h"
#include "ferry/control/config.h"
#include "ferry/control/replication_metrics.h"
#include "ferry/control/status.h"
#include "ferry/rocketmq/cluster.h"

namespace ferry::app {

// Exit codes of `ferry run` (docs/operations.md). 1-3 mean what they mean for `ferry inspect`.
inline constexpr int kRunOk = 0;            // stopped by SIGTERM/SIGINT, everything drained
inline constexpr int kRunInternal = 1;      // an unexpected failure (a bug: see the log)
inline constexpr int kRunUsage = 2;         // bad command line (reported by the CLI)
inline constexpr int kRunUnreachable = 3;   // no NameServer of a cluster answered at start-up
inline constexpr int kRunConfig = 4;        // config file unreadable or invalid, or unusable
                                            // cluster settings (e.g. a TLS CA file)
inline constexpr int kRunAdminListen = 5;   // admin.listen cannot be bound (in use, no token)
inline constexpr int kRunDrainTimeout = 7;  // stopped, but tasks were cut off by drain_timeout
inline constexpr int kRunSignalBase = 128;  // second signal: 128 + signal number (143, 130)

// One configured task at run time, as the daemon drives it. The product's implementation is the
// replication engine (replication_task.h); the daemon's component tests give their own.
// Every method runs on the daemon's io thread.
class Task {
 public:
  virtual ~Task() = default;
  // Runs until requestStop(); returns once in-flight work is finished and checkpoints are
  // committed. Must also return when its pending operations are cancelled (the drain timeout).
  virtual asio::awaitable<void> run() = 0;
  // Idempotent; run() then winds down.
  virtual void requestStop() = 0;
  virtual control::TaskStatus status() const = 0;
};

// What a task is built from; the references outlive the task.
struct TaskContext {
  const control::TaskConfig& config;
  rocketmq::Cluster& source;
  rocketmq::Cluster& destination;
  asio::any_io_executor executor;
  const control::ReplicationMetrics& metrics;
};
// Called on the io thread once every cluster answered. An error fails the start (kRunConfig).
using TaskFactory = std::function<Result<std::unique_ptr<Task>>(const TaskContext& context)>;

struct DaemonOptions {
  std::string version = "ferry";
  // How long the first SIGTERM/SIGINT waits for tasks to finish their batches and commit.
  std::chrono::milliseconds drain_timeout{30000};
  // After the drain timeout, how long cancelled tasks get to return before the daemon gives up
  // on them (and leaves them unreleased, see wait()).
  std::chrono::milliseconds cancel_grace{5000};
  std::chrono::milliseconds status_interval{1000};
  bool handle_signals = true;  // install the SIGTERM/SIGINT handler (tests may drive stop)
  TaskFactory task_factory;    // required
};

// Why start() refused: the exit code to return and the error to print.
struct StartFailure {
  int exit_code = kRunInternal;
  Error error;
};

class Daemon {
 public:
  // Builds and starts everything (see the top of this file). Blocks until the tasks run or the
  // start failed; a failed start has released everything it started.
  static tl::expected<std::unique_ptr<Daemon>, StartFailure> start(control::Config config,
                                                                   DaemonOptions options);
  // requestStop() and wait().
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // The admin API's bound address (the port resolved when the config asked for port 0).
  const control::ListenAddress& adminAddress() const;
  const control::StatusSource& status() const;
  // Thread-safe; what the first SIGTERM does. Idempotent.
  void requestStop();
  // Blocks until the daemon stopped; its exit code (kRunOk or kRunDrainTimeout). Idempotent.
  int wait();

  struct Impl;

 private:
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ferry::app
