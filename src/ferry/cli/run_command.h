// `ferry run --config FILE [--log-level L] [--drain-timeout-ms N]`: the daemon
// (app/run.h does the work; this file only maps the command line onto it).
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace ferry::cli {

// Adds `run` to `app`; the daemon's exit code goes to *exit_code.
void registerRun(CLI::App& app, const std::string& version, int* exit_code);

}  // namespace ferry::cli
