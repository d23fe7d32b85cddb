// What integration tests know about the running sandbox (tools/sandbox writes
// $FERRY_SANDBOX_DIR/env) and the official Java client driver (tools/javadriver).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "process.h"

namespace ferry::testing {

struct SandboxEnv {
  std::map<std::string, std::string> vars;
  std::string get(const std::string& key) const;  // "" when absent
  std::string sourceNamesrv() const { return get("FERRY_SOURCE_NAMESRV"); }
  std::string destinationNamesrv() const { return get("FERRY_DESTINATION_NAMESRV"); }
  std::string sourceCluster() const { return get("FERRY_SOURCE_CLUSTER"); }
  // "name=addr" pairs of a cluster's brokers ("source" or "destination").
  std::map<std::string, std::string> brokers(const std::string& cluster) const;
  bool acl() const { return get("FERRY_ACL") == "1"; }
  std::string version() const { return get("FERRY_ROCKETMQ_VERSION"); }
};

// Loads $FERRY_SANDBOX_DIR/env; throws std::runtime_error naming the file when missing.
SandboxEnv loadSandboxEnv();
SandboxEnv loadSandboxEnv(const std::string& sandbox_dir);

// Path inside the repository ($FERRY_REPO, set by CTest).
std::string repoPath(const std::string& relative);

// A name unique to this test run: prefix-<pid>-<counter>-<ms>.
std::string uniqueName(const std::string& prefix);

struct DriverResult {
  int exit_code = -1;
  std::vector<nlohmann::json> events;  // one per stdout line
  std::string stderr_text;
  std::vector<nlohmann::json> byEvent(const std::string& event) const;
};

// Runs `tools/javadriver [--rocketmq-version V] <args>` to completion.
DriverResult javaDriver(const SandboxEnv& env, const std::vector<std::string>& args);

// argv for running the driver in the background (BackgroundProcess).
std::vector<std::string> javaDriverArgv(const SandboxEnv& env,
                                        const std::vector<std::string>& args);

}  // namespace ferry::testing
