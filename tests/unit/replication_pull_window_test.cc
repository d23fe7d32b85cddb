// Several pulls in flight per queue (QueuePipeline, options.pulls_in_flight; docs/replication.md,
// "Pulls in flight"): randomized runs against a source whose pulls answer late and in any order,
// short, with errors, and whose queue head expires (OFFSET_MOVED), while sends fail now and then.
// Whatever happens, each destination queue must receive the source offsets of each source queue in
// strictly increasing order with nothing missing (compared with a brute-force model of what the
// source held), and no committed checkpoint may pass a message the destination has not stored.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "ferry/replication/pipeline_rules.h"
#include "ferry/replication/task_engine.h"
#include "support/replication_fakes.h"

namespace ferry::replication {
namespace {

using testing::FakeBroker;
using testing::FakeNameServer;
using testing::Received;

const std::map<std::string, std::string> kSourceBroker{{"broker-a", "10.0.0.1:10911"}};
const std::map<std::string, std::string> kDestinationBroker{{"broker-b", "10.0.1.1:10911"}};
constexpr int kQueues = 2;

rocketmq::ClusterSpec clusterConfig(std::string name) {
  rocketmq::ClusterSpec c;
  c.name = std::move(name);
  c.name_servers = {"ns:9876"};
  return c;
}

MessageQueue srcQueue(int id) {
  return MessageQueue{"orders", "broker-a", QueueId(id)};
}

// The source's data API: every pull is delayed by a random 0-3 ms (so the answers of a window
// complete in any order), and some fail (timeout, before or after the broker handled them) or
// come back short (fewer messages than asked, as the broker's transfer limits do). Counts how
// many pulls of a queue are in flight at once, and whether a long poll ever ran beside another.
class ChaosSource final : public rocketmq::BrokerDataApi {
 public:
  ChaosSource(FakeBroker& inner, unsigned seed) : inner_(inner), rng_(seed) {}

  std::map<MessageQueue, int> in_flight;
  std::map<MessageQueue, int> max_in_flight;
  int long_poll_beside_others = 0;
  int failed = 0;
  int shortened = 0;
  std::map<MessageQueue, int> long_polls;
  bool chaos = true;  // false: no delays, failures or short answers
  std::int64_t hang_from =
      std::numeric_limits<std::int64_t>::max();  // pulls from this offset on wait until cancelled
  int hanging = 0;
  int cancelled = 0;

  asio::awaitable<Result<rocketmq::SendResult>> send(std::string addr,
                                                     codec::SendMessageRequestHeaderV2 header,
                                                     std::string body) override {
    co_return co_await inner_.send(std::move(addr), std::move(header), std::move(body));
  }
  asio::awaitable<Result<rocketmq::SendResult>> sendBatch(std::string addr,
                                                          codec::SendMessageRequestHeaderV2 header,
                                                          std::string body) override {
    co_return co_await inner_.sendBatch(std::move(addr), std::move(header), std::move(body));
  }
  asio::awaitable<Result<rocketmq::PullResult>> pull(std::string addr,
                                                     rocketmq::PullRequest request) override {
    const MessageQueue mq = request.queue;
    const bool long_poll = request.suspend.count() > 0;
    ++in_flight[mq];
    max_in_flight[mq] = std::max(max_in_flight[mq], in_flight[mq]);
    long_polls[mq] += long_poll ? 1 : 0;
    if (long_polls[mq] > 0 && in_flight[mq] > 1) {
      ++long_poll_beside_others;
    }
    auto out = co_await pullChaotically(std::move(addr), std::move(request));
    --in_flight[mq];
    long_polls[mq] -= long_poll ? 1 : 0;
    co_return out;
  }
  asio::awaitable<Result<std::optional<QueueOffset>>> queryConsumerOffset(
      std::string addr, std::string group, MessageQueue queue) override {
    co_return co_await inner_.queryConsumerOffset(std::move(addr), std::move(group), queue);
  }
  asio::awaitable<Result<void>> updateConsumerOffset(std::string addr, std::string group,
                                                     MessageQueue queue,
                                                     QueueOffset offset) override {
    co_return co_await inner_.updateConsumerOffset(std::move(addr), std::move(group), queue,
                                                   offset);
  }
  asio::awaitable<Result<QueueOffset>> minOffset(std::string addr, MessageQueue queue) override {
    co_return co_await inner_.minOffset(std::move(addr), queue);
  }
  asio::awaitable<Result<QueueOffset>> maxOffset(std::string addr, MessageQueue queue) override {
    co_return co_await inner_.maxOffset(std::move(addr), queue);
  }
  asio::awaitable<Result<QueueOffset>> searchOffset(
      std::string addr, MessageQueue queue, std::int64_t timestamp_ms,
      std::optional<codec::BoundaryType> boundary) override {
    co_return co_await inner_.searchOffset(std::move(addr), queue, timestamp_ms, boundary);
  }

 private:
  asio::awaitable<Result<rocketmq::PullResult>> pullChaotically(std::string addr,
                                                                rocketmq::PullRequest request) {
    if (request.offset.value() >= hang_from) {
      ++hanging;
      asio::steady_timer forever(co_await asio::this_coro::executor, std::chrono::hours(1));
      asio::error_code ec;
      co_await forever.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      ++cancelled;
      co_return makeError(Errc::kCancelled, "pull cancelled");
    }
    if (!chaos) {
      // Answered on the next turn of the loop, so that the pulls of a window overlap.
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
      co_return co_await inner_.pull(std::move(addr), std::move(request));
    }
    asio::steady_timer timer(co_await asio::this_coro::executor,
                             std::chrono::microseconds(pick(0, 3000)));
    asio::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return makeError(Errc::kCancelled, "pull cancelled");
    }
    const int roll = pick(0, 99);
    if (roll < 6) {
      ++failed;
      co_return makeError(Errc::kTimeout, "pull timed out");
    }
    if (roll < 20 && request.max_msg_nums > 1) {
      ++shortened;
      request.max_msg_nums = pick(1, request.max_msg_nums - 1);
    }
    auto out = co_await inner_.pull(std::move(addr), std::move(request));
    if (roll >= 97) {
      ++failed;
      co_return makeError(Errc::kTimeout, "pull answer lost");  // the broker did handle it
    }
    co_return out;
  }

  int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }

  FakeBroker& inner_;
  std::mt19937 rng_;
};

struct Outcome {
  int max_in_flight = 0;
  int long_poll_beside_others = 0;
  int failed_pulls = 0;
  int shortened_pulls = 0;
  int truncations = 0;
};

// One randomized run; failures are reported with `seed` in their message.
Outcome runOnce(unsigned seed, int pulls_in_flight) {
  SCOPED_TRACE(::testing::Message() << "seed " << seed << " pulls_in_flight " << pulls_in_flight);
  std::mt19937 rng(seed);
  auto pick = [&rng](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(rng);
  };

  rocketmq::FakeTransport transport;
  FakeNameServer src_ns{transport};
  FakeNameServer dst_ns{transport};
  FakeBroker src;
  FakeBroker dst;
  ChaosSource chaos(src, seed * 7919U + 1U);
  rocketmq::Cluster source{clusterConfig("east"), src_ns, chaos, src};
  rocketmq::Cluster destination{clusterConfig("west"), dst_ns, dst, dst};
  asio::io_context io;
  src_ns.setTopic("orders", kSourceBroker, kQueues);
  dst_ns.setTopic("orders", kDestinationBroker, kQueues);

  // The source, as the model sees it: the tag of every offset ever appended, and per queue the
  // lowest offset still stored (raised by expiry: OFFSET_MOVED).
  std::map<int, std::vector<std::string>> tags;
  auto append = [&](int q, int count) {
    for (int i = 0; i < count; ++i) {
      const std::string tag = pick(0, 9) < 8 ? "a" : "b";  // "b" is filtered out
      const auto offset = src.append(
          srcQueue(q),
          codec::Properties{{"TAGS", tag}, {"UNIQ_KEY", fmt::format("{}-{}", q, tags[q].size())}},
          std::string(static_cast<std::size_t>(pick(1, 300)), 'x'));
      EXPECT_EQ(offset, static_cast<std::int64_t>(tags[q].size()));
      tags[q].push_back(tag);
    }
  };
  for (int q = 0; q < kQueues; ++q) {
    append(q, pick(50, 400));
  }

  // What the destination stored of source queue q, in its order.
  auto receivedOf = [&](int q) {
    std::vector<std::int64_t> out;
    for (const auto& [mq, messages] : dst.received) {
      for (const Received& r : messages) {
        if (r.prop("FERRY_SRC_QID") == std::to_string(q)) {
          out.push_back(r.srcOffset());
        }
      }
    }
    return out;
  };
  // A committed checkpoint c is safe when every offset below it that had to be sent is stored in
  // the destination, or was expired from the source before it could be (a lost message the
  // queue's OFFSET_MOVED reported).
  int unsafe_commits = 0;
  src.on_commit = [&](const MessageQueue& mq, std::int64_t c) {
    const int q = mq.queue_id.value();
    const auto got = receivedOf(q);
    const std::set<std::int64_t> stored(got.begin(), got.end());
    const std::int64_t expired_below = src.min_offsets[mq];
    for (std::int64_t o = 0; o < c; ++o) {
      if (o >= expired_below && tags[q][static_cast<std::size_t>(o)] == "a"
          && !stored.contains(o)) {
        ADD_FAILURE() << "checkpoint " << c << " of queue " << q << " passes unsent offset " << o;
        ++unsafe_commits;
        return;
      }
    }
  };

  TaskSpec spec;
  spec.name = "t1";
  spec.source_cluster = "east";
  spec.destination_cluster = "west";
  spec.group = "ferry-t1";
  TopicSpec topic;
  topic.source = "orders";
  topic.destination = "orders";
  topic.tags = "a";
  spec.topics = {topic};
  spec.pipeline.pull_batch = pick(2, 12);
  spec.pipeline.pulls_in_flight = pulls_in_flight;
  spec.pipeline.pull_suspend = std::chrono::milliseconds(10);
  spec.pipeline.retry_initial = std::chrono::milliseconds(1);
  spec.pipeline.retry_max = std::chrono::milliseconds(3);
  spec.pipeline.blocked_retry = std::chrono::milliseconds(5);
  spec.pipeline.commit_interval = std::chrono::milliseconds(3);
  spec.pipeline.target_floor = static_cast<std::size_t>(pick(1000, 6000));
  spec.pipeline.limits.max_batch_bytes = 8000;
  spec.pipeline.max_pending_bytes = static_cast<std::size_t>(pick(2000, 40000));
  spec.pipeline.prefetch = pick(0, 3) != 0;
  dst.send_delay = std::chrono::milliseconds(pick(0, 2));

  TaskEngine engine(spec, source, destination, io.get_executor());
  bool finished = false;
  asio::co_spawn(io, engine.run(), [&finished](const std::exception_ptr&) { finished = true; });

  // Events while it runs: more messages, failed sends, and (sometimes) the head of queue 0 expiring
  // somewhere between what the destination has and the end of the queue.
  Outcome outcome;
  const int steps = pick(40, 120);
  const int expire_at = pick(0, 1) == 0 ? pick(1, steps) : -1;
  for (int step = 0; step < steps; ++step) {
    if (pick(0, 9) < 3) {
      append(pick(0, kQueues - 1), pick(1, 60));
    }
    if (pick(0, 9) == 0) {
      dst.send_failures.push_back(pick(0, 1) == 0 ? Error{Errc::kConnectionClosed, "dropped", 0, ""}
                                                  : Error{Errc::kTimeout, "no answer", 0, ""});
    }
    if (step == expire_at) {
      const MessageQueue mq = srcQueue(0);
      const auto got = receivedOf(0);
      const std::int64_t low = std::max(got.empty() ? 0 : got.back() + 1, src.min_offsets[mq]);
      const std::int64_t high = src.maxOf(mq);
      if (low < high) {
        const std::int64_t new_min = low + pick(0, static_cast<int>(high - low));
        auto& stored = src.queues[mq];
        stored.erase(stored.begin(), stored.begin() + (new_min - src.min_offsets[mq]));
        src.min_offsets[mq] = new_min;
        ++outcome.truncations;
      }
    }
    io.run_for(std::chrono::milliseconds(pick(1, 4)));
  }
  // Then until every message that has to arrive did and the checkpoints reached the ends of the
  // queues (or 10 s pass).
  auto committedOf = [&](int q) {
    const auto it = src.committed.find({"ferry-t1", srcQueue(q)});
    return it == src.committed.end() ? std::int64_t{-1} : it->second;
  };
  auto all_arrived = [&] {
    for (int q = 0; q < kQueues; ++q) {
      if (committedOf(q) != src.maxOf(srcQueue(q))) {
        return false;
      }
      const auto got = receivedOf(q);
      const auto& t = tags[q];
      std::int64_t last_a = -1;
      for (std::int64_t o = static_cast<std::int64_t>(t.size()) - 1; o >= 0; --o) {
        if (t[static_cast<std::size_t>(o)] == "a") {
          last_a = o;
          break;
        }
      }
      if (last_a >= src.min_offsets[srcQueue(q)] && (got.empty() || got.back() < last_a)) {
        return false;
      }
    }
    return true;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!all_arrived() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(2));
  }
  engine.requestStop();
  const auto stop_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!finished && std::chrono::steady_clock::now() < stop_deadline) {
    io.run_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(finished);

  // The brute-force model: of the "a" messages of each queue, the destination holds those below
  // the expiry point that were replicated before it (a prefix of them, in order), then every one
  // from the expiry point on, in order; nothing else, nothing twice.
  for (int q = 0; q < kQueues; ++q) {
    SCOPED_TRACE(::testing::Message() << "source queue " << q);
    const std::int64_t expired_below = src.min_offsets[srcQueue(q)];
    std::vector<std::int64_t> before;
    std::vector<std::int64_t> after;
    for (std::int64_t o = 0; o < static_cast<std::int64_t>(tags[q].size()); ++o) {
      if (tags[q][static_cast<std::size_t>(o)] == "a") {
        (o < expired_below ? before : after).push_back(o);
      }
    }
    const auto got = receivedOf(q);
    const auto split =
        std::find_if(got.begin(), got.end(), [&](std::int64_t o) { return o >= expired_below; });
    const std::vector<std::int64_t> got_before(got.begin(), split);
    const std::vector<std::int64_t> got_after(split, got.end());
    if (got_before.size() > before.size()) {
      ADD_FAILURE() << "more messages below the expiry point than the source had";
      continue;
    }
    EXPECT_EQ(got_before,
              std::vector<std::int64_t>(
                  before.begin(), before.begin() + static_cast<std::ptrdiff_t>(got_before.size())));
    EXPECT_EQ(got_after, after);
    EXPECT_TRUE(std::is_sorted(got.begin(), got.end())
                && std::adjacent_find(got.begin(), got.end()) == got.end())
        << "strictly increasing";
    if (expired_below == 0) {
      EXPECT_EQ(got_before.size(), 0U);
    }
    // Stopped after everything arrived: the checkpoint is the end of the queue.
    EXPECT_EQ(committedOf(q), src.maxOf(srcQueue(q)));
  }
  EXPECT_EQ(unsafe_commits, 0);
  for (const auto& [mq, n] : chaos.max_in_flight) {
    EXPECT_LE(n, pulls_in_flight) << mq.toString();
    outcome.max_in_flight = std::max(outcome.max_in_flight, n);
  }
  outcome.long_poll_beside_others = chaos.long_poll_beside_others;
  outcome.failed_pulls = chaos.failed;
  outcome.shortened_pulls = chaos.shortened;
  return outcome;
}

TEST(ReplicationPullWindow, RandomizedAnswerOrdersFailuresShortAnswersAndExpiryKeepOrder) {
  Outcome total;
  int windows_used = 0;
  for (unsigned seed = 1; seed <= 18; ++seed) {
    const int depth = 1 + static_cast<int>(seed % 6);
    const Outcome o = runOnce(seed, depth);
    if (::testing::Test::HasFailure()) {
      break;  // the first failing seed is enough to read
    }
    windows_used += o.max_in_flight > 1 ? 1 : 0;
    total.long_poll_beside_others += o.long_poll_beside_others;
    total.failed_pulls += o.failed_pulls;
    total.shortened_pulls += o.shortened_pulls;
    total.truncations += o.truncations;
  }
  std::cout << "seeds with overlapping pulls " << windows_used << ", failed pulls "
            << total.failed_pulls << ", short answers " << total.shortened_pulls << ", expiries "
            << total.truncations << "\n";
  // The chaos did happen, and pulls did overlap.
  EXPECT_GT(windows_used, 5);
  EXPECT_GT(total.failed_pulls, 0);
  EXPECT_GT(total.shortened_pulls, 0);
  EXPECT_GT(total.truncations, 0);
  EXPECT_EQ(total.long_poll_beside_others, 0) << "a long poll is always alone on its queue";
}

TEST(ReplicationPullWindow, StopCancelsEveryPullInFlightAndCommitsTheCheckpoint) {
  rocketmq::FakeTransport transport;
  FakeNameServer src_ns{transport};
  FakeNameServer dst_ns{transport};
  FakeBroker src;
  FakeBroker dst;
  ChaosSource source_api(src, 1);
  source_api.chaos = false;
  source_api.hang_from = 200;
  rocketmq::Cluster source{clusterConfig("east"), src_ns, source_api, src};
  rocketmq::Cluster destination{clusterConfig("west"), dst_ns, dst, dst};
  asio::io_context io;
  src_ns.setTopic("orders", kSourceBroker, 1);
  dst_ns.setTopic("orders", kDestinationBroker, 1);
  for (int i = 0; i < 400; ++i) {
    src.append(srcQueue(0), codec::Properties{{"UNIQ_KEY", fmt::format("id-{}", i)}}, "b");
  }
  TaskSpec spec;
  spec.name = "t1";
  spec.source_cluster = "east";
  spec.destination_cluster = "west";
  spec.group = "ferry-t1";
  TopicSpec topic;
  topic.source = "orders";
  topic.destination = "orders";
  spec.topics = {topic};
  spec.pipeline.pull_batch = 8;
  spec.pipeline.pulls_in_flight = 4;
  spec.pipeline.target_floor = 20000;  // room for several pulls ahead
  spec.pipeline.retry_initial = std::chrono::milliseconds(1);
  spec.pipeline.retry_max = std::chrono::milliseconds(3);
  TaskEngine engine(spec, source, destination, io.get_executor());
  bool finished = false;
  asio::co_spawn(io, engine.run(), [&finished](const std::exception_ptr&) { finished = true; });
  // Until the pipeline waits on pulls that never answer (and nothing else is in flight).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((source_api.hanging == 0 || source_api.in_flight[srcQueue(0)] != source_api.hanging)
         && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(2));
  }
  ASSERT_GE(source_api.hanging, 1);
  EXPECT_GE(source_api.max_in_flight[srcQueue(0)], 2) << "windows of pulls were used";
  EXPECT_GT(dst.receivedCount(), 0U);
  engine.requestStop();
  const auto stop_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!finished && std::chrono::steady_clock::now() < stop_deadline) {
    io.run_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(finished) << "run() returns although the pulls never answer";
  EXPECT_EQ(source_api.cancelled, source_api.hanging) << "every pull in flight was cancelled";
  // The checkpoint written on stop: everything below it acknowledged, nothing pulled behind it.
  const std::pair<std::string, MessageQueue> key{"ferry-t1", srcQueue(0)};
  EXPECT_EQ(src.committed[key], static_cast<std::int64_t>(dst.receivedCount()));
}

TEST(ReplicationPullWindow, PullsToIssue) {
  // Alone: a long poll, no known backlog, the last answer not full, depth 1.
  EXPECT_EQ(pullsToIssue(4, true, true, 1000, 32, 1 << 20, 1000), 1U);
  EXPECT_EQ(pullsToIssue(4, false, false, 1000, 32, 1 << 20, 1000), 1U);
  EXPECT_EQ(pullsToIssue(4, false, true, 32, 32, 1 << 20, 1000), 1U);
  EXPECT_EQ(pullsToIssue(1, false, true, 1000, 32, 1 << 20, 1000), 1U);
  // A backlog: up to the depth, the ranges below the max offset, and the room in bytes.
  EXPECT_EQ(pullsToIssue(4, false, true, 1000, 32, 1 << 20, 1000), 4U);
  EXPECT_EQ(pullsToIssue(4, false, true, 65, 32, 1 << 20, 1000), 3U);
  EXPECT_EQ(pullsToIssue(4, false, true, 1000, 32, 2500, 1000), 2U);
  EXPECT_EQ(pullsToIssue(4, false, true, 1000, 32, 10, 1000), 1U);
  EXPECT_EQ(pullsToIssue(4, false, true, 1000, 32, 0, 0), 4U);
}

}  // namespace
}  // namespace ferry::replication
