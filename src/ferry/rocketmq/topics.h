// Topic classification: which topics carry users' messages and which RocketMQ keeps for itself
// (system topics, per-group retry and dead-letter topics, LMQ, the topics named after clusters
// and brokers). The replication engine must skip the latter; the progress engine maps a group's
// retry topic along with the group. Pure functions plus one coroutine that lists a cluster's
// topics with their kinds.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "ferry/base/error.h"
#include "ferry/codec/bodies.h"

namespace ferry::rocketmq {

class Cluster;

enum class TopicKind {
  kNormal,   // users' messages
  kSystem,   // TBW102, SCHEDULE_TOPIC_XXXX, RMQ_SYS_*, rmq_sys_*, <cluster>_REPLY_TOPIC, ...
  kRetry,    // %RETRY%<group>
  kDlq,      // %DLQ%<group>
  kLmq,      // %LMQ%<queue> (light message queues)
  kCluster,  // a topic named after a cluster (auto-created per cluster)
  kBroker,   // a topic named after a broker (auto-created per broker)
};

// "normal", "system", "retry", "dlq", "lmq", "cluster", "broker".
std::string_view topicKindName(TopicKind kind);

// The kind of `topic`; `cluster_names` and `broker_names` come from ClusterInfo.
TopicKind classifyTopic(std::string_view topic, const std::vector<std::string>& cluster_names,
                        const std::vector<std::string>& broker_names);
// The same with the names taken from `info`.
TopicKind classifyTopic(std::string_view topic, const codec::ClusterInfo& info);

inline constexpr std::string_view kRetryTopicPrefix = "%RETRY%";
inline constexpr std::string_view kDlqTopicPrefix = "%DLQ%";

// "%RETRY%<group>" and "%DLQ%<group>".
std::string retryTopicOf(std::string_view group);
std::string dlqTopicOf(std::string_view group);

struct ClassifiedTopic {
  std::string name;
  TopicKind kind = TopicKind::kNormal;
  bool operator==(const ClassifiedTopic&) const = default;
};

// Every topic the NameServer knows, sorted by name, with its kind. NameServer failures are
// returned as nameServerFailure() describes them.
asio::awaitable<Result<std::vector<ClassifiedTopic>>> listTopics(Cluster& cluster);

}  // namespace ferry::rocketmq
