#include "ferry/app/run.h"

#include <ostream>
#include <utility>

#include "ferry/app/daemon.h"
#include "ferry/app/replication_task.h"
#include "ferry/base/log.h"
#include "ferry/control/config.h"

namespace ferry::app {
namespace {

const char* hintFor(int exit_code) {
  switch (exit_code) {
    case kRunUnreachable:
      return "hint: check the cluster's namesrv addresses in the config and that its NameServers "
             "run (`ferry inspect --namesrv ADDR clusters` tries one)";
    case kRunAdminListen:
      return "hint: is another `ferry run` using this admin.listen? Choose another port or stop it";
    default: return nullptr;
  }
}

}  // namespace

int runDaemon(const RunOptions& options, std::ostream& err) {
  auto config = control::loadConfig(options.config);
  if (!config) {
    err << "ferry run: " << config.error().message << '\n';
    return kRunConfig;
  }
  log::setLevel(options.log_level.value_or(config->log.level));

  DaemonOptions daemon_options;
  daemon_options.version = options.version;
  daemon_options.drain_timeout = options.drain_timeout;
  daemon_options.task_factory = makeReplicationTask;
  auto daemon = Daemon::start(std::move(*config), std::move(daemon_options));
  if (!daemon) {
    const StartFailure& failure = daemon.error();
    err << "ferry run: " << failure.error.message << '\n';
    if (const char* hint = hintFor(failure.exit_code)) {
      err << hint << '\n';
    }
    return failure.exit_code;
  }
  return (*daemon)->wait();
}

}  // namespace ferry::app
