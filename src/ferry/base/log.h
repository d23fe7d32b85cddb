// Logging: one named spdlog logger per module, all writing to stderr with one shared level.
//
// A module logs only through its own logger, named after it ("async", "rpc", "rocketmq",
// "replication", "control", "app", "cli"; codec and model are sans-I/O and log nothing):
//
//   log::get(log::Module::kRpc)->info("connecting addr={} tls={} attempt={}", addr, tls, n);
//
// which prints
//
//   2026-01-01T12:00:00.123 info rpc connecting addr=127.0.0.1:10911 tls=false attempt=1
//
// A line is an event name in snake_case followed by key=value pairs; a value that may contain
// spaces is quoted (error="..."). Files that log often keep a one-line `logger()` helper that
// returns their module's logger.
//
// Threading: get() and setLevel() may be called from any thread; the loggers are spdlog's
// thread-safe (_mt) ones. The default level is "warn" until setLevel() (ferry run: the config's
// log.level or --log-level; ferry inspect: --verbose).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

namespace ferry::log {

enum class Module { kAsync, kRpc, kRocketmq, kReplication, kControl, kApp, kCli };

// The logger's name: "async", "rpc", ...
std::string_view moduleName(Module module);

// The module's logger, created (stderr sink, the shared level) on first use; the reference stays
// valid for the life of the process.
const std::shared_ptr<spdlog::logger>& get(Module module);

// Sets the level of every Ferry logger ("trace", "debug", "info", "warn", "error", "off").
void setLevel(const std::string& level);

}  // namespace ferry::log
