#include "ferry/rocketmq/topics.h"

#include <algorithm>
#include <array>
#include <utility>

#include "ferry/rocketmq/cluster.h"

namespace ferry::rocketmq {
namespace {

// Topics RocketMQ brokers create for their own use (TopicValidator.SYSTEM_TOPIC_SET and the
// well-known ones outside it).
constexpr std::array<std::string_view, 10> kSystemTopics{"TBW102",
                                                         "SCHEDULE_TOPIC_XXXX",
                                                         "BenchmarkTest",
                                                         "RMQ_SYS_TRANS_HALF_TOPIC",
                                                         "RMQ_SYS_TRACE_TOPIC",
                                                         "RMQ_SYS_TRANS_OP_HALF_TOPIC",
                                                         "TRANS_CHECK_MAX_TIME_TOPIC",
                                                         "SELF_TEST_TOPIC",
                                                         "OFFSET_MOVED_EVENT",
                                                         "CHECKPOINT_TOPIC"};

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::string_view topicKindName(TopicKind kind) {
  switch (kind) {
    case TopicKind::kNormal: return "normal";
    case TopicKind::kSystem: return "system";
    case TopicKind::kRetry: return "retry";
    case TopicKind::kDlq: return "dlq";
    case TopicKind::kLmq: return "lmq";
    case TopicKind::kCluster: return "cluster";
    case TopicKind::kBroker: return "broker";
  }
  return "normal";
}

TopicKind classifyTopic(std::string_view topic, const std::vector<std::string>& cluster_names,
                        const std::vector<std::string>& broker_names) {
  if (topic.starts_with(kRetryTopicPrefix)) {
    return TopicKind::kRetry;
  }
  if (topic.starts_with(kDlqTopicPrefix)) {
    return TopicKind::kDlq;
  }
  if (topic.starts_with("%LMQ%")) {
    return TopicKind::kLmq;
  }
  if (std::find(kSystemTopics.begin(), kSystemTopics.end(), topic) != kSystemTopics.end()
      || topic.starts_with("rmq_sys_")) {
    return TopicKind::kSystem;
  }
  if (topic.ends_with("_REPLY_TOPIC")) {  // <cluster>_REPLY_TOPIC of request-reply
    return TopicKind::kSystem;
  }
  if (contains(cluster_names, topic)) {
    return TopicKind::kCluster;
  }
  if (contains(broker_names, topic)) {
    return TopicKind::kBroker;
  }
  return TopicKind::kNormal;
}

TopicKind classifyTopic(std::string_view topic, const codec::ClusterInfo& info) {
  std::vector<std::string> cluster_names;
  std::vector<std::string> broker_names;
  for (const auto& [name, brokers] : info.cluster_addr_table) {
    cluster_names.push_back(name);
  }
  for (const auto& [name, data] : info.broker_addr_table) {
    broker_names.push_back(name);
  }
  return classifyTopic(topic, cluster_names, broker_names);
}

std::string retryTopicOf(std::string_view group) {
  return std::string(kRetryTopicPrefix) + std::string(group);
}

std::string dlqTopicOf(std::string_view group) {
  return std::string(kDlqTopicPrefix) + std::string(group);
}

namespace {

std::vector<ClassifiedTopic> classifyAll(const codec::TopicList& list,
                                         const codec::ClusterInfo& info) {
  std::vector<ClassifiedTopic> out;
  out.reserve(list.topics.size());
  for (const auto& topic : list.topics) {
    out.push_back(ClassifiedTopic{topic, classifyTopic(topic, info)});
  }
  std::sort(out.begin(), out.end(),
            [](const ClassifiedTopic& a, const ClassifiedTopic& b) { return a.name < b.name; });
  return out;
}

}  // namespace

asio::awaitable<Result<std::vector<ClassifiedTopic>>> listTopics(Cluster& cluster) {
  auto list = co_await cluster.allTopics();
  if (!list) {
    co_return makeError(nameServerFailure(cluster, std::move(list.error())));
  }
  auto info = co_await cluster.clusterInfo();
  if (!info) {
    co_return makeError(nameServerFailure(cluster, std::move(info.error())));
  }
  co_return classifyAll(*list, *info);
}

}  // namespace ferry::rocketmq
