// GroupState: what a cluster knows about one consumer group -- where its subscription group
// config exists, which clients are online and what they subscribe to, and per queue the committed
// offset ("committed 0" told apart from "never committed"), the max offset and the lag.
// `ferry inspect group` renders it; the progress-sync engine reads the same answers.
//
// Read-only: existence is read with GET_ALL_SUBSCRIPTIONGROUP_CONFIG, never with
// GET_SUBSCRIPTIONGROUP_CONFIG (352), which creates the group on 5.x brokers.
//
// Structure: fetchGroupState() is a thin coroutine that asks the cluster and feeds each answer to
// the pure apply*() steps below, which hold every decision and are tested without a transport.
// Threading: as rocketmq::Cluster (one executor).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "ferry/base/error.h"
#include "ferry/base/identity.h"
#include "ferry/codec/bodies.h"
#include "ferry/rocketmq/cluster.h"

namespace ferry::rocketmq {

struct GroupQueueState {
  MessageQueue queue;
  std::optional<QueueOffset> committed;  // nullopt: the group never committed on this queue
  QueueOffset broker_max{0};             // the queue's max offset
  StoreTime last_consumed;               // store time of the last consumed message (0: unknown)

  // broker_max - committed (never negative); nullopt when nothing was committed.
  std::optional<std::int64_t> lag() const;
};

struct GroupState {
  std::string group;
  std::string name_server;                       // the NameServer that answered
  std::vector<std::string> config_on;            // brokers that have the group's config
  std::vector<std::string> config_missing_on;    // masters that answered without it
  std::vector<std::string> topics_with_offsets;  // topics with committed offsets on any master
  std::vector<codec::Connection> clients;        // online clients, sorted by client id
  std::string consume_type;                      // of the online clients ("" when offline)
  std::string message_model;
  std::string consume_from_where;
  std::map<std::string, std::string> subscriptions;  // topic -> expression of online clients
  std::vector<GroupQueueState> queues;               // sorted by queue
  double consume_tps = 0;
  // Partial failures: where ("broker-a", "broker-a (orders)", "topic orders") -> what failed.
  std::map<std::string, Error> errors;

  bool online() const { return !clients.empty(); }
  // Known anywhere: a config, committed offsets or online clients.
  bool exists() const;
  std::int64_t totalLag() const;  // sum of the queues' lag (queues without commits count 0)
};

// kGroupNotExist naming the group and the NameServer, for a state that does not exist().
Error groupNotFound(const GroupState& state);

// The first failure when every broker asked failed (then that failure is the answer: credentials
// refused everywhere should not look like an empty group), else nullopt.
template <class T>
std::optional<Error> allFailed(const FanOut<T>& fan_out) {
  if (fan_out.brokers == 0 || fan_out.failures.size() < fan_out.brokers) {
    return std::nullopt;
  }
  return fan_out.failures.begin()->second;
}

// ---- pure steps (in the order fetchGroupState applies them) ----

// Fills config_on/config_missing_on from the configs found on `masters`.
void applyGroupConfigs(GroupState& state, const std::vector<BrokerAddress>& masters,
                       FanOut<std::map<std::string, codec::SubscriptionGroupConfig>> configs);
// Fills clients, subscriptions and consume type/model/from-where.
void applyConnections(GroupState& state, FanOut<codec::ConsumerConnection> connections);
void applyTopicsWithOffsets(GroupState& state, FanOut<std::vector<std::string>> topics);
// `only_topic` when given, else the topics with offsets plus the subscribed ones; sorted.
std::vector<std::string> topicsToInspect(const GroupState& state,
                                         const std::optional<std::string>& only_topic);
// Adds the queues of one topic's consume stats (committed = consumer offset as reported).
void applyConsumeStats(GroupState& state, const std::string& topic,
                       Result<FanOut<codec::ConsumeStats>> stats);
void sortQueues(GroupState& state);
// Indices of queues whose committed offset GET_CONSUME_STATS reports as 0, which means either
// "committed 0" or "never committed": QUERY_CONSUMER_OFFSET must tell.
std::vector<std::size_t> queuesToQueryCommitted(const GroupState& state);
// Applies QUERY_CONSUMER_OFFSET's answer: a value, "not found" (never committed, also when the
// broker no longer knows the group or topic); other failures keep what consume stats said.
void applyCommittedOffset(GroupQueueState& queue, const Result<std::optional<QueueOffset>>& answer);

// Asks `cluster` about `group` (on `only_topic` when given). Errors: the NameServer cannot be
// reached (nameServerFailure()), `only_topic` does not exist (routeFailure()), or every master
// failed the same request. A group known nowhere is a state with exists() false and no queues.
asio::awaitable<Result<GroupState>> fetchGroupState(Cluster& cluster, std::string group,
                                                    std::optional<std::string> only_topic);

}  // namespace ferry::rocketmq
