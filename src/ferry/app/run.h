// `ferry run`: the daemon as users start it (docs/operations.md, "Running the daemon"). Loads
// and validates the config, sets the log level, starts app::Daemon with the replication engine
// and blocks until it stops. Called on the CLI's main thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

namespace ferry::app {

struct RunOptions {
  std::filesystem::path config;
  std::optional<std::string> log_level;  // overrides log.level of the config
  std::chrono::milliseconds drain_timeout{30000};
  std::string version = "ferry";
};

// The daemon's exit code (daemon.h, kRun*). A start-up failure is reported on `err` as one line
// "ferry run: <what and where>" (a config error: one line per problem), plus a hint line when
// there is an obvious next step.
int runDaemon(const RunOptions& options, std::ostream& err);

}  // namespace ferry::app
