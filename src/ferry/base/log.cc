#include "ferry/base/log.h"

#include <array>
#include <cstddef>
#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace ferry::log {
namespace {

constexpr std::array<Module, 7> kModules = {
    Module::kAsync,   Module::kRpc, Module::kRocketmq, Module::kReplication,
    Module::kControl, Module::kApp, Module::kCli};

std::mutex g_mutex;
spdlog::level::level_enum g_level = spdlog::level::warn;

std::shared_ptr<spdlog::logger> create(Module module) {
  const std::string name(moduleName(module));
  std::lock_guard lock(g_mutex);
  auto logger = spdlog::get(name);  // a test may have registered its own
  if (!logger) {
    logger = spdlog::stderr_color_mt(name);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n %v");
  }
  logger->set_level(g_level);
  return logger;
}

}  // namespace

std::string_view moduleName(Module module) {
  switch (module) {
    case Module::kAsync: return "async";
    case Module::kRpc: return "rpc";
    case Module::kRocketmq: return "rocketmq";
    case Module::kReplication: return "replication";
    case Module::kControl: return "control";
    case Module::kApp: return "app";
    case Module::kCli: return "cli";
  }
  return "ferry";
}

const std::shared_ptr<spdlog::logger>& get(Module module) {
  // Created on first use, all at once (thread-safe static initialisation); never destroyed
  // before the process ends, so the returned references stay valid.
  static const std::array<std::shared_ptr<spdlog::logger>, kModules.size()> kLoggers = [] {
    std::array<std::shared_ptr<spdlog::logger>, kModules.size()> all;
    for (std::size_t i = 0; i < kModules.size(); ++i) {
      all[i] = create(kModules[i]);
    }
    return all;
  }();
  return kLoggers[static_cast<std::size_t>(module)];
}

void setLevel(const std::string& level) {
  std::lock_guard lock(g_mutex);
  g_level = spdlog::level::from_str(level);
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->set_level(g_level); });
}

}  // namespace ferry::log
