// Ferry's configuration: one YAML file that names the clusters and the replication tasks
// (docs/config.md is the reference for every key, its default and the error format;
// config/ferry.example.yaml is the commented example).
//
// loadConfig()/parseConfig() turn the text into a validated Config or into one Error that lists
// every problem found, each as `file:line:column: key.path: what is wrong`. Unknown keys, wrong
// types, out-of-range numbers, dangling cluster references, ambiguous topic mappings and bad start
// positions are all rejected here, so the daemon never starts on a half-understood file. yaml-cpp
// exceptions stay inside this module. `${NAME}` in a value is replaced by that environment
// variable (secrets stay out of the file); values that came from the environment and the secret
// keys are never copied into error messages.
//
// Pure functions, no shared state: call from any thread. parseConfig() does no file access;
// loadConfig() reads the file and checks the files the config names (TLS CA files).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/base/error.h"
#include "ferry/rocketmq/cluster_spec.h"

namespace ferry::control {

// ---- Defaults (docs/config.md and config/ferry.example.yaml show the same values) ----

inline constexpr std::string_view kDefaultAdminListen = "127.0.0.1:7780";
inline constexpr std::string_view kDefaultLogLevel = "info";
inline constexpr std::chrono::milliseconds kDefaultClusterTimeout{3000};
inline constexpr std::string_view kDefaultTags = "*";
// Prefix of the internal group derived from the task name: "ferry-" + name.
inline constexpr std::string_view kInternalGroupPrefix = "ferry-";
// The broker's default maxMessageSize (MessageStoreConfig): the whole body of a batch send must
// fit, so it is both the default and the cap of batching.max_bytes.
inline constexpr std::uint32_t kBrokerMaxMessageSize = 4U * 1024U * 1024U;

// How batches are formed on one source queue's pipeline.
struct BatchingConfig {
  std::uint32_t max_messages = 4096;                // messages per send batch
  std::uint32_t max_bytes = kBrokerMaxMessageSize;  // encoded body of one send batch
  std::uint32_t pull_batch = 32;        // maxMsgNums of one pull request (Java's default)
  std::chrono::milliseconds linger{0};  // wait for more messages before a partial batch
  // Pulls of consecutive ranges a queue keeps in flight while it has a backlog (1: one at a time).
  std::uint32_t pulls_in_flight = 4;
  bool prefetch = true;  // pull the messages behind a batch while it is in flight
  bool operator==(const BatchingConfig&) const = default;
};

// Where a task starts on a source queue for which its internal group has no checkpoint yet.
struct StartPosition {
  enum class Kind : std::uint8_t { kEarliest, kLatest, kTimestamp };
  Kind kind = Kind::kEarliest;
  // kTimestamp only: first message stored at or after this instant (milliseconds, like the
  // broker's store timestamps).
  std::chrono::sys_time<std::chrono::milliseconds> timestamp{};
  bool operator==(const StartPosition&) const = default;
};

// "earliest", "latest", or an RFC 3339 timestamp ("2026-12-01T00:00:00Z", "...T08:00:00+08:00",
// fractions of a second up to nanoseconds, truncated to milliseconds). nullopt for anything else.
std::optional<StartPosition> parseStartPosition(std::string_view text);
// "earliest", "latest", or UTC with milliseconds: "2026-12-01T00:00:00.000Z".
std::string formatStartPosition(const StartPosition& position);

struct TopicMapping {
  std::string source;
  std::string destination;         // the source's name unless configured
  std::string tags{kDefaultTags};  // RocketMQ tag expression: "*" or "a || b"
  bool operator==(const TopicMapping&) const = default;
};

struct TaskConfig {
  std::string name;
  std::string source;       // key of Config::clusters
  std::string destination;  // key of Config::clusters, never equal to source
  std::vector<TopicMapping> topics;
  StartPosition start;
  bool create_missing_topics = true;
  std::string internal_group;  // kInternalGroupPrefix + name unless configured
  BatchingConfig batching;
};

struct AdminConfig {
  std::string listen{kDefaultAdminListen};  // "host:port"
  std::string token;                        // bearer token; empty: none (loopback only)
};

struct LogConfig {
  std::string level{kDefaultLogLevel};  // trace, debug, info, warn, error, off
};

struct Config {
  std::map<std::string, rocketmq::ClusterSpec> clusters;  // by name; spec.name == key
  AdminConfig admin;
  LogConfig log;
  std::vector<TaskConfig> tasks;  // in file order, names unique

  const rocketmq::ClusterSpec& cluster(const std::string& name) const { return clusters.at(name); }
};

// Looks up an environment variable for `${NAME}`; nullopt when it is not set.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// The process environment (std::getenv).
std::optional<std::string> processEnv(const std::string& name);

struct ParseOptions {
  EnvLookup env = processEnv;
  // When set, relative file paths in the config (tls.ca_file) are resolved against this
  // directory and each named file must be readable. loadConfig() sets it to the file's directory.
  std::optional<std::filesystem::path> files_relative_to;
};

// Parses and validates a config. `source_name` is the file name used in messages ("ferry.yaml").
// On failure: Errc::kInvalidArgument, message = one problem per line (at most 20 and a count of
// the rest), each `source_name:line:column: key.path: problem`.
Result<Config> parseConfig(std::string_view text, std::string_view source_name,
                           const ParseOptions& options = {});

// Reads `path` and parses it with files_relative_to = the file's directory (unless the caller
// set it). Errc::kIo when the file cannot be read; messages name the path as given.
Result<Config> loadConfig(const std::filesystem::path& path, ParseOptions options = {});

}  // namespace ferry::control
