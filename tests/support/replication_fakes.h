// In-memory RocketMQ for engine tests: a NameServer with settable routes and a broker that keeps
// queues of stored messages (pull, offsets, group configs) and records what it is sent. One
// FakeBroker serves every address of its cluster. Single-threaded (the test's io_context).
// FakeBroker implements the broker interfaces directly (rocketmq/broker_data_api.h for the
// pipelines, and of rocketmq/broker_admin_api.h only the topic and group calls the task engine's
// set-up makes; the rest refuse), so it needs no transport.
// Long polls wait in 2 ms steps for a message to arrive and end early, with kCancelled, when the
// awaiting coroutine is cancelled -- as rpc::Client's pending calls do.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "ferry/codec/message.h"
#include "ferry/rocketmq/broker_admin_api.h"
#include "ferry/rocketmq/broker_data_api.h"
#include "ferry/rocketmq/cluster.h"
#include "ferry/rocketmq/name_server_api.h"
#include "support/broker_fakes.h"
#include "support/fake_transport.h"

namespace ferry::replication::testing {

class FakeNameServer final : public rocketmq::NameServerApi {
 public:
  explicit FakeNameServer(rpc::Transport& transport) : NameServerApi(transport) {}

  // Sets `topic` to `queues` read and write queues on each of `brokers` ("name" -> "addr").
  void setTopic(const std::string& topic, const std::map<std::string, std::string>& brokers,
                std::int32_t queues) {
    codec::TopicRouteData route;
    for (const auto& [name, addr] : brokers) {
      codec::QueueData qd;
      qd.broker_name = name;
      qd.read_queue_nums = queues;
      qd.write_queue_nums = queues;
      qd.perm = codec::kPermRead | codec::kPermWrite;
      route.queue_datas.push_back(qd);
      codec::BrokerData bd;
      bd.cluster = "C";
      bd.broker_name = name;
      bd.broker_addrs[0] = addr;
      route.broker_datas.push_back(bd);
      brokers_[name] = addr;
    }
    routes[topic] = route;
  }
  void addBroker(const std::string& name, const std::string& addr) { brokers_[name] = addr; }

  asio::awaitable<Result<codec::TopicRouteData>> topicRoute(std::string addr,
                                                            std::string topic) override {
    ++route_calls;
    const auto it = routes.find(topic);
    if (it == routes.end()) {
      co_return makeError(Errc::kTopicNotExist,
                          fmt::format("route of topic '{}' from {}: TOPIC_NOT_EXIST", topic, addr));
    }
    co_return it->second;
  }
  asio::awaitable<Result<codec::ClusterInfo>> clusterInfo(std::string /*addr*/) override {
    codec::ClusterInfo info;
    for (const auto& [name, addr] : brokers_) {
      codec::BrokerData bd;
      bd.cluster = "C";
      bd.broker_name = name;
      bd.broker_addrs[0] = addr;
      info.broker_addr_table[name] = bd;
      info.cluster_addr_table["C"].push_back(name);
    }
    co_return info;
  }

  std::map<std::string, codec::TopicRouteData> routes;
  int route_calls = 0;

 private:
  std::map<std::string, std::string> brokers_;
};

// A message as the destination stored it.
struct Received {
  codec::Message message;
  std::int32_t sys_flag = 0;
  bool batch = false;
  std::string prop(std::string_view name) const {
    return std::string(message.properties.get(name).value_or(""));
  }
  std::int64_t srcOffset() const { return std::stoll(prop("FERRY_SRC_OFFSET")); }
};

class FakeBroker final : public rocketmq::BrokerDataApi,
                         public rocketmq::testing::UnsupportedBrokerAdmin {
 public:
  // ---- source side ----
  // Appends a message to `mq`; returns its offset.
  std::int64_t append(const MessageQueue& mq, codec::Properties properties, std::string body,
                      std::int32_t sys_flag = 0, std::int64_t store_ms = 1'700'000'000'000) {
    auto& q = queues[mq];
    codec::StoredMessage m;
    m.topic = mq.topic;
    m.queue_id = mq.queue_id;
    m.queue_offset = QueueOffset(min_offsets[mq]).plus(static_cast<std::int64_t>(q.size()));
    m.commit_log_offset = 1000 + m.queue_offset.value();
    m.sys_flag = sys_flag;
    m.born_timestamp = StoreTime::fromMillis(store_ms - 1);
    m.store_timestamp = StoreTime::fromMillis(store_ms);
    m.born_host = codec::HostAddress::ipv4({10, 0, 0, 1}, 5555);
    m.store_host = codec::HostAddress::ipv4({10, 0, 0, 2}, 10911);
    m.properties = std::move(properties);
    m.body = std::move(body);
    q.push_back(m);
    return m.queue_offset.value();
  }
  std::int64_t maxOf(const MessageQueue& mq) {
    return min_offsets[mq] + static_cast<std::int64_t>(queues[mq].size());
  }

  std::map<MessageQueue, std::vector<codec::StoredMessage>> queues;
  std::map<MessageQueue, std::int64_t> min_offsets;  // offset of queues[mq][0]
  std::map<std::pair<std::string, MessageQueue>, std::int64_t> committed;
  std::set<std::string> groups;          // subscription group configs
  bool require_group_for_commit = true;  // 5.3: UPDATE_CONSUMER_OFFSET needs the group config
  // Called with every committed value (pull flag or UPDATE_CONSUMER_OFFSET).
  std::function<void(const MessageQueue&, std::int64_t)> on_commit;
  std::vector<std::pair<MessageQueue, std::int64_t>> explicit_commits;
  int pulls = 0;

  // ---- destination side ----
  std::map<MessageQueue, std::vector<Received>> received;
  std::deque<Error> send_failures;    // the next sends fail with these, in order
  std::set<std::string> reject_uniq;  // MESSAGE_ILLEGAL for a send carrying one of these ids
  std::vector<codec::TopicConfig> created_topics;
  std::function<void(const codec::TopicConfig&)> on_create_topic;
  int single_sends = 0;
  int batch_sends = 0;
  // Each send waits this long before it is stored (0: answered at once).
  std::chrono::milliseconds send_delay{0};
  int sends_in_flight = 0;
  int max_sends_in_flight = 0;
  int pulls_while_sending = 0;         // pulls that arrived while a send of `sender` was in flight
  const FakeBroker* sender = nullptr;  // the destination broker whose sends count (default: this)

  std::size_t receivedCount() const {
    std::size_t n = 0;
    for (const auto& [mq, v] : received) {
      n += v.size();
    }
    return n;
  }

  asio::awaitable<Result<void>> createTopic(std::string /*addr*/,
                                            codec::TopicConfig config) override {
    created_topics.push_back(config);
    if (on_create_topic) {
      on_create_topic(config);
    }
    co_return Result<void>{};
  }
  asio::awaitable<Result<codec::SubscriptionGroupWrapper>> allSubscriptionGroups(
      std::string /*addr*/) override {
    codec::SubscriptionGroupWrapper out;
    for (const auto& group : groups) {
      codec::SubscriptionGroupConfig config;
      config.group_name = group;
      out.subscription_group_table.emplace(group, std::move(config));
    }
    co_return out;
  }
  asio::awaitable<Result<void>> createOrUpdateSubscriptionGroup(
      std::string /*addr*/, codec::SubscriptionGroupConfig config) override {
    groups.insert(config.group_name);
    co_return Result<void>{};
  }

  asio::awaitable<Result<rocketmq::SendResult>> send(std::string addr,
                                                     codec::SendMessageRequestHeaderV2 header,
                                                     std::string body) override {
    ++single_sends;
    if (auto delayed = co_await delaySend(); !delayed) {
      co_return makeError(std::move(delayed.error()));
    }
    codec::Message m;
    m.topic = header.topic;
    m.flag = header.flag;
    m.properties = codec::Properties::parse(header.properties.value_or(""));
    m.body = std::move(body);
    std::vector<codec::Message> one{std::move(m)};
    co_return store(addr, header, std::move(one), false);
  }
  asio::awaitable<Result<rocketmq::SendResult>> sendBatch(std::string addr,
                                                          codec::SendMessageRequestHeaderV2 header,
                                                          std::string batch_body) override {
    ++batch_sends;
    if (auto delayed = co_await delaySend(); !delayed) {
      co_return makeError(std::move(delayed.error()));
    }
    auto messages = codec::decodeBatchMessages(batch_body);
    if (!messages) {
      co_return makeError(std::move(messages.error()));
    }
    for (auto& m : *messages) {
      m.topic = header.topic;
    }
    co_return store(addr, header, std::move(*messages), true);
  }

  asio::awaitable<Result<rocketmq::PullResult>> pull(std::string /*addr*/,
                                                     rocketmq::PullRequest request) override {
    ++pulls;
    if ((sender != nullptr ? sender : this)->sends_in_flight > 0) {
      ++pulls_while_sending;
    }
    const MessageQueue mq = request.queue;
    if (request.commit_offset) {
      commit(request.group, mq, request.commit_offset->value());
    }
    rocketmq::PullResult out;
    const auto deadline = std::chrono::steady_clock::now() + request.suspend;
    while (true) {
      const std::int64_t min = min_offsets[mq];
      const std::int64_t max = maxOf(mq);
      const std::int64_t offset = request.offset.value();
      out.min_offset = QueueOffset(min);
      out.max_offset = QueueOffset(max);
      if (offset < min || offset > max) {
        out.status = rocketmq::PullStatus::kOffsetIllegal;
        out.next_begin_offset = QueueOffset(offset < min ? min : max);
        co_return out;
      }
      if (offset < max) {
        const std::int64_t end = std::min<std::int64_t>(max, offset + request.max_msg_nums);
        for (std::int64_t o = offset; o < end; ++o) {
          auto ok =
              codec::appendStoredMessage(queues[mq][static_cast<std::size_t>(o - min)], out.body);
          if (!ok) {
            co_return makeError(std::move(ok.error()));
          }
        }
        out.status = rocketmq::PullStatus::kFound;
        out.next_begin_offset = QueueOffset(end);
        co_return out;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        out.status = rocketmq::PullStatus::kNoNewMsg;
        out.next_begin_offset = QueueOffset(offset);
        co_return out;
      }
      asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::milliseconds(2));
      asio::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        co_return makeError(Errc::kCancelled, "pull cancelled");
      }
    }
  }

  asio::awaitable<Result<std::optional<QueueOffset>>> queryConsumerOffset(
      std::string /*addr*/, std::string group, MessageQueue queue) override {
    std::optional<QueueOffset> out;
    const auto it = committed.find({group, queue});
    if (it != committed.end()) {
      out = QueueOffset(it->second);
    }
    co_return out;
  }
  asio::awaitable<Result<void>> updateConsumerOffset(std::string addr, std::string group,
                                                     MessageQueue queue,
                                                     QueueOffset offset) override {
    if (require_group_for_commit && !groups.contains(group)) {
      co_return makeError(
          Errc::kGroupNotExist,
          fmt::format("update offset of '{}' at {}: SUBSCRIPTION_GROUP_NOT_EXIST", group, addr));
    }
    explicit_commits.emplace_back(queue, offset.value());
    commit(group, queue, offset.value());
    co_return Result<void>{};
  }
  asio::awaitable<Result<QueueOffset>> minOffset(std::string /*addr*/,
                                                 MessageQueue queue) override {
    co_return QueueOffset(min_offsets[queue]);
  }
  asio::awaitable<Result<QueueOffset>> maxOffset(std::string /*addr*/,
                                                 MessageQueue queue) override {
    co_return QueueOffset(maxOf(queue));
  }
  asio::awaitable<Result<QueueOffset>> searchOffset(std::string /*addr*/, MessageQueue queue,
                                                    std::int64_t timestamp_ms,
                                                    std::optional<codec::BoundaryType>) override {
    for (const auto& m : queues[queue]) {
      if (m.store_timestamp >= StoreTime::fromMillis(timestamp_ms)) {
        co_return m.queue_offset;
      }
    }
    co_return QueueOffset(maxOf(queue));
  }

 private:
  // Counts the send as in flight for send_delay (a timer, so pulls can run meanwhile).
  asio::awaitable<Result<void>> delaySend() {
    if (send_delay.count() == 0) {
      co_return Result<void>{};
    }
    ++sends_in_flight;
    max_sends_in_flight = std::max(max_sends_in_flight, sends_in_flight);
    asio::steady_timer timer(co_await asio::this_coro::executor, send_delay);
    asio::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    --sends_in_flight;
    if (ec) {
      co_return makeError(Errc::kCancelled, "send cancelled");
    }
    co_return Result<void>{};
  }

  void commit(const std::string& group, const MessageQueue& mq, std::int64_t offset) {
    committed[{group, mq}] = offset;
    if (on_commit) {
      on_commit(mq, offset);
    }
  }

  Result<rocketmq::SendResult> store(const std::string& addr,
                                     const codec::SendMessageRequestHeaderV2& header,
                                     std::vector<codec::Message> messages, bool batch) {
    if (!send_failures.empty()) {
      Error e = send_failures.front();
      send_failures.pop_front();
      return makeError(std::move(e));
    }
    for (const auto& m : messages) {
      const auto id = m.properties.get(codec::property::kUniqKey);
      if (id && reject_uniq.contains(std::string(*id))) {
        Error e;
        e.code = Errc::kMessageIllegal;
        e.message = fmt::format("send to {} at {}: MESSAGE_ILLEGAL", header.topic, addr);
        e.remote_code = 13;
        return makeError(std::move(e));
      }
    }
    MessageQueue mq{header.topic, header.broker_name.value_or(""), header.queue_id};
    auto& q = received[mq];
    rocketmq::SendResult result;
    result.queue = mq;
    result.queue_offset = QueueOffset(static_cast<std::int64_t>(q.size()));
    for (auto& m : messages) {
      Received r;
      r.message = std::move(m);
      r.sys_flag = header.sys_flag;
      r.batch = batch;
      q.push_back(std::move(r));
    }
    return result;
  }
};

}  // namespace ferry::replication::testing
