// `ferry`: the one binary. Each subcommand registers itself here (run, status, inspect), so main
// only parses and returns the command's exit code.
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "ferry/cli/inspect.h"
#include "ferry/cli/run_command.h"
#include "ferry/cli/status_command.h"

namespace {
constexpr const char* kVersion = "ferry 0.1.0";

int run(int argc, char** argv) {
  CLI::App app{
      "Ferry replicates Apache RocketMQ traffic between clusters and keeps consumer progress in "
      "sync.",
      "ferry"};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);
  app.fallthrough();

  int exit_code = ferry::cli::kExitOk;
  ferry::cli::registerRun(app, kVersion, &exit_code);
  ferry::cli::registerInspect(app, &exit_code);
  ferry::cli::registerStatus(app, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and usage hint
    return ferry::cli::kExitUsage;
  }
  return exit_code;
}
}  // namespace

int main(int argc, char** argv) {
  // Subcommands return errors as values; what still escapes (std::bad_alloc, a library's
  // exception) is reported instead of std::terminate's abort.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ferry: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "ferry: internal error (unknown exception)\n");
  }
  return ferry::cli::kExitError;
}
