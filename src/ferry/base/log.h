// One named spdlog logger per module ("codec", "rpc", "rocketmq", "cli", ...). Log lines are
// key=value: `FERRY_LOG(rpc, info, "connected addr={} after_ms={}", addr, ms)`.
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace ferry::log {

// Returns the module's logger, creating it (stderr sink, shared level) on first use.
std::shared_ptr<spdlog::logger> get(const std::string& module);

// Sets the level of every Ferry logger ("trace", "debug", "info", "warn", "error", "off").
void setLevel(const std::string& level);

}  // namespace ferry::log
