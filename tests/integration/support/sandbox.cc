#include "sandbox.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ferry::testing {

std::string SandboxEnv::get(const std::string& key) const {
  auto it = vars.find(key);
  return it == vars.end() ? std::string() : it->second;
}

std::map<std::string, std::string> SandboxEnv::brokers(const std::string& cluster) const {
  std::string key = cluster == "source" ? "FERRY_SOURCE_BROKERS" : "FERRY_DESTINATION_BROKERS";
  std::map<std::string, std::string> out;
  std::istringstream in(get(key));
  std::string pair;
  while (in >> pair) {
    auto eq = pair.find('=');
    if (eq != std::string::npos) {
      out[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
  }
  return out;
}

SandboxEnv loadSandboxEnv(const std::string& sandbox_dir) {
  std::string path = sandbox_dir + "/env";
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("sandbox env file " + path + " not found; is the sandbox up?");
  }
  SandboxEnv env;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos) {
      continue;
    }
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    env.vars[line.substr(0, eq)] = value;
  }
  return env;
}

SandboxEnv loadSandboxEnv() {
  const char* dir = std::getenv("FERRY_SANDBOX_DIR");
  if (dir == nullptr) {
    throw std::runtime_error("FERRY_SANDBOX_DIR is not set (CTest sets it)");
  }
  return loadSandboxEnv(dir);
}

std::string repoPath(const std::string& relative) {
  const char* repo = std::getenv("FERRY_REPO");
  return std::string(repo != nullptr ? repo : ".") + "/" + relative;
}

std::string uniqueName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-"
         + std::to_string(ms % 100000000);
}

std::vector<nlohmann::json> DriverResult::byEvent(const std::string& event) const {
  std::vector<nlohmann::json> out;
  for (const auto& e : events) {
    if (e.value("event", "") == event) {
      out.push_back(e);
    }
  }
  return out;
}

std::vector<std::string> javaDriverArgv(const SandboxEnv& env,
                                        const std::vector<std::string>& args) {
  std::vector<std::string> argv{repoPath("tools/javadriver")};
  if (!env.version().empty()) {
    argv.emplace_back("--rocketmq-version");
    argv.push_back(env.version());
  }
  argv.insert(argv.end(), args.begin(), args.end());
  if (env.acl()) {
    argv.emplace_back("--access-key");
    argv.push_back(env.get("FERRY_ACCESS_KEY"));
    argv.emplace_back("--secret-key");
    argv.push_back(env.get("FERRY_SECRET_KEY"));
  }
  // The env file, not the caller's environment, says whether the sandbox speaks TLS (CTest
  // fixtures pass only the sandbox dir).
  if (env.get("FERRY_TLS") == "1") {
    argv.emplace_back("--tls");
  }
  return argv;
}

DriverResult javaDriver(const SandboxEnv& env, const std::vector<std::string>& args) {
  auto result = runCommand(javaDriverArgv(env, args));
  DriverResult out;
  out.exit_code = result.exit_code;
  out.stderr_text = std::move(result.stderr_text);
  for (const auto& line : result.stdout_lines) {
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    if (!parsed.is_discarded()) {
      out.events.push_back(std::move(parsed));
    }
  }
  return out;
}

}  // namespace ferry::testing
