// `ferry inspect`: read-only views of a RocketMQ cluster for operators (docs/inspect.md).
//
//   ferry inspect --namesrv 127.0.0.1:9876 clusters
//   ferry inspect --namesrv 127.0.0.1:9876 topic orders
//   ferry inspect --namesrv 127.0.0.1:9876 group G1 [--topic orders]
//   ferry inspect --namesrv 127.0.0.1:9876 topics [--all]
//
// Structure: collect*() coroutines ask the cluster (through rocketmq::Cluster and the rocketmq
// layer's answers -- rocketmq::fetchGroupState, rocketmq::listTopics -- so unit tests run them
// against a scripted transport) and fill a report struct; render*() turn a report into an aligned
// text table or one JSON document. What a group or topic *is* is decided in the rocketmq layer;
// this file parses argv and renders. Nothing here writes to a cluster.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "ferry/base/error.h"
#include "ferry/rocketmq/cluster.h"
#include "ferry/rocketmq/group_state.h"

namespace CLI {
class App;
}

namespace ferry::cli {

// Exit codes of `ferry inspect` (docs/inspect.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;        // anything else (bad answer, broker error, ...)
inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitUnreachable = 3;  // no NameServer/broker could be reached
inline constexpr int kExitTopicNotFound = 4;
inline constexpr int kExitGroupNotFound = 5;
inline constexpr int kExitAuth = 6;  // credentials refused or permission denied

int exitCodeFor(const Error& error);

// ---- reports -------------------------------------------------------------------------------

struct BrokerRow {
  std::string cluster;
  std::string broker_name;
  std::int64_t broker_id = 0;
  std::string addr;
  std::string version;                    // from runtime info; empty when the broker did not answer
  std::optional<std::int64_t> put_today;  // msgPutTotalTodayNow
  std::optional<std::int64_t> get_today;  // msgGetTotalTodayNow
  std::string error;                      // why runtime info is missing
};

struct ClustersReport {
  std::string name_server;
  std::vector<BrokerRow> brokers;  // sorted by cluster, broker, id
};

struct TopicBrokerRow {
  std::string broker_name;
  std::string addr;  // master; empty when none
  std::int32_t perm = 0;
  std::int32_t read_queues = 0;
  std::int32_t write_queues = 0;
};

struct TopicQueueRow {
  std::string broker_name;
  QueueId queue_id;
  QueueOffset min_offset;
  QueueOffset max_offset;
  StoreTime last_update;  // store time of the queue's last message; 0 when empty

  std::int64_t messages() const { return max_offset.distanceFrom(min_offset); }
};

struct TopicReport {
  std::string topic;
  std::string name_server;
  std::vector<TopicBrokerRow> brokers;
  std::vector<TopicQueueRow> queues;          // sorted by broker, queue
  std::map<std::string, std::string> errors;  // broker -> why its queues are missing
};

struct GroupQueueRow {
  std::string topic;
  std::string broker_name;
  QueueId queue_id;
  std::optional<QueueOffset> committed;  // nullopt: no committed offset
  QueueOffset broker_max;
  StoreTime last_consumed;  // store time of the last consumed message
  std::optional<std::int64_t> lag() const {
    if (!committed) {
      return std::nullopt;
    }
    return broker_max > *committed ? broker_max.distanceFrom(*committed) : 0;
  }
};

struct GroupClientRow {
  std::string client_id;
  std::string addr;
  std::string language;
  std::string version;
};

struct GroupReport {
  std::string group;
  std::optional<std::string> topic;  // --topic filter
  std::string name_server;
  std::vector<std::string> config_on;          // brokers that have the group's config
  std::vector<std::string> config_missing_on;  // masters that do not
  bool online = false;
  std::string consume_type;
  std::string message_model;
  std::string consume_from_where;
  std::vector<GroupClientRow> clients;
  std::map<std::string, std::string> subscriptions;  // topic -> expression
  std::vector<GroupQueueRow> queues;                 // sorted by topic, broker, queue
  double consume_tps = 0;
  std::map<std::string, std::string> errors;  // broker -> problem (partial answers)

  std::int64_t totalLag() const;
};

struct TopicEntry {
  std::string name;
  std::string kind;  // normal, system, retry, dlq, lmq, cluster, broker
};

struct TopicsReport {
  std::string name_server;
  bool all = false;
  std::vector<TopicEntry> topics;  // sorted
  std::size_t hidden = 0;          // non-normal topics left out without --all
};

// "system", "retry", ... for a topic name (rocketmq::classifyTopic's kind, as text); cluster and
// broker names come from ClusterInfo.
std::string topicKind(const std::string& topic, const std::vector<std::string>& cluster_names,
                      const std::vector<std::string>& broker_names);

// "RW", "R-", "-W", "--" (+ "P" for priority) from perm bits.
std::string permText(std::int32_t perm);

// The report of a group state fetched by rocketmq::fetchGroupState (`topic`: the --topic filter).
GroupReport groupReport(const rocketmq::GroupState& state, std::optional<std::string> topic);

// ---- collection ----------------------------------------------------------------------------

asio::awaitable<Result<ClustersReport>> collectClusters(rocketmq::Cluster& cluster);
asio::awaitable<Result<TopicReport>> collectTopic(rocketmq::Cluster& cluster, std::string topic);
asio::awaitable<Result<GroupReport>> collectGroup(rocketmq::Cluster& cluster, std::string group,
                                                  std::optional<std::string> topic);
asio::awaitable<Result<TopicsReport>> collectTopics(rocketmq::Cluster& cluster, bool all);

// ---- rendering -----------------------------------------------------------------------------

std::string renderText(const ClustersReport& report);
std::string renderText(const TopicReport& report);
std::string renderText(const GroupReport& report);
std::string renderText(const TopicsReport& report);
nlohmann::json toJson(const ClustersReport& report);
nlohmann::json toJson(const TopicReport& report);
nlohmann::json toJson(const GroupReport& report);
nlohmann::json toJson(const TopicsReport& report);

// The one-line message printed for a failed inspect (plus a hint for auth failures).
std::string describeFailure(const Error& error, bool have_credentials);

// Adds `inspect` and its subcommands to `app`; the chosen command's exit code goes to *exit_code.
void registerInspect(CLI::App& app, int* exit_code);

}  // namespace ferry::cli
