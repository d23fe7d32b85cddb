#include "ferry/cli/run_command.h"

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "ferry/app/run.h"

namespace ferry::cli {

void registerRun(CLI::App& app, const std::string& version, int* exit_code) {
  auto options = std::make_shared<app::RunOptions>();
  options->version = version;
  auto log_level = std::make_shared<std::string>();
  auto drain_ms = std::make_shared<int>(static_cast<int>(options->drain_timeout.count()));
  CLI::App* run = app.add_subcommand(
      "run", "Run the daemon: replicate the config's tasks until SIGTERM/SIGINT");
  run->add_option("--config", options->config, "The YAML config (docs/config.md)")
      ->required()
      ->envname("FERRY_CONFIG");
  run->add_option("--log-level", *log_level, "Overrides log.level of the config")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  run->add_option("--drain-timeout-ms", *drain_ms,
                  "On SIGTERM/SIGINT, how long in-flight batches and checkpoint commits may take")
      ->check(CLI::Range(1, 3600000))
      ->capture_default_str();
  run->callback([options, log_level, drain_ms, exit_code] {
    if (!log_level->empty()) {
      options->log_level = *log_level;
    }
    options->drain_timeout = std::chrono::milliseconds(*drain_ms);
    *exit_code = app::runDaemon(*options, std::cerr);
  });
}

}  // namespace ferry::cli
