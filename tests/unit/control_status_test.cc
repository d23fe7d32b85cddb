// Unit tests of the status snapshots (control/status.h): JSON both ways, the strict reader's
// error paths, and the StatusBoard hand-over between threads.
#include <atomic>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ferry/control/status.h"

namespace ferry::control {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

DaemonStatus sampleStatus() {
  QueueStatus running;
  running.source = MessageQueue{"orders", "broker-a", QueueId(0)};
  running.destination = MessageQueue{"orders", "broker-b", QueueId(0)};
  running.state = QueueState::kRunning;
  running.checkpoint = 1200;
  running.source_max_offset = 1250;
  running.lag_messages = 50;
  running.lag_seconds = 0.75;
  running.rate_messages_per_second = 310.5;
  running.last_activity_ms = 1764650000123;

  QueueStatus blocked;
  blocked.source = MessageQueue{"orders", "broker-a", QueueId(1)};
  blocked.destination = MessageQueue{"orders-copy", "broker-b", QueueId(1)};
  blocked.state = QueueState::kBlocked;
  blocked.checkpoint = 77;
  blocked.source_max_offset = 80;
  blocked.lag_messages = 3;
  blocked.last_error =
      LastError{"message_illegal", "send to broker-b: message too large at orders@broker-a#1:77",
                1764650000000};

  QueueStatus starting;  // nothing known yet: every optional is null
  starting.source = MessageQueue{"audit", "broker-a", QueueId(0)};
  starting.destination = MessageQueue{"audit", "broker-b", QueueId(0)};

  TaskStatus task;
  task.name = "east-west";
  task.source = "east";
  task.destination = "west";
  task.state = TaskState::kRunning;
  task.queues = {running, blocked, starting};

  TaskStatus failed;
  failed.name = "west-east";
  failed.source = "west";
  failed.destination = "east";
  failed.state = TaskState::kFailed;
  failed.last_error = LastError{"auth_failed", "route of topic 'x': signature refused", 5};

  DaemonStatus status;
  status.version = "ferry 0.1.0";
  status.started_at_ms = 1764649000000;
  status.snapshot_at_ms = 1764650000500;
  status.tasks = {task, failed};
  return status;
}

TEST(StatusJson, RoundTripsEveryField) {
  const DaemonStatus status = sampleStatus();
  const json written = toJson(status);
  auto read = daemonStatusFromJson(json::parse(written.dump()));
  ASSERT_TRUE(read) << read.error().toString();
  EXPECT_EQ(*read, status);
}

TEST(StatusJson, ShapeIsWhatTheDocsShow) {
  const json j = toJson(sampleStatus());
  const json& task = j.at("tasks").at(0);
  EXPECT_EQ(task.at("name"), "east-west");
  EXPECT_EQ(task.at("state"), "running");
  EXPECT_EQ(task.at("lag_messages"), 53);
  EXPECT_DOUBLE_EQ(task.at("rate_messages_per_second").get<double>(), 310.5);
  const json& q = task.at("queues").at(0);
  EXPECT_EQ(q.at("source"), json({{"topic", "orders"}, {"broker", "broker-a"}, {"queue_id", 0}}));
  EXPECT_EQ(q.at("checkpoint"), 1200);
  EXPECT_EQ(q.at("last_error"), nullptr);
  const json& fresh = task.at("queues").at(2);
  EXPECT_EQ(fresh.at("state"), "starting");
  EXPECT_EQ(fresh.at("checkpoint"), nullptr);
  EXPECT_EQ(fresh.at("lag_seconds"), nullptr);
  EXPECT_EQ(task.at("queues").at(1).at("last_error").at("code"), "message_illegal");
}

TEST(StatusJson, TaskAloneRoundTrips) {
  const TaskStatus task = sampleStatus().tasks[0];
  auto read = taskStatusFromJson(toJson(task));
  ASSERT_TRUE(read) << read.error().toString();
  EXPECT_EQ(*read, task);
}

TEST(StatusJson, UnknownFieldsAreIgnored) {
  json j = toJson(sampleStatus());
  j["added_later"] = 1;
  j["tasks"][0]["queues"][0]["new_field"] = "x";
  EXPECT_TRUE(daemonStatusFromJson(j));
}

TEST(StatusJson, ErrorsNameThePath) {
  auto expectError = [](json j, const std::string& needle) {
    auto read = daemonStatusFromJson(j);
    ASSERT_FALSE(read) << needle;
    EXPECT_EQ(read.error().code, Errc::kMalformed);
    EXPECT_THAT(read.error().message, HasSubstr(needle));
  };
  const json good = toJson(sampleStatus());

  expectError(json::array(), "status: expected an object");
  json j = good;
  j.erase("tasks");
  expectError(j, "tasks: missing");
  j = good;
  j["tasks"][0]["queues"][1]["checkpoint"] = "77";
  expectError(j, "tasks[0].queues[1].checkpoint: expected an integer or null");
  j = good;
  j["tasks"][1]["state"] = "dancing";
  expectError(j, "tasks[1].state: unknown task state 'dancing'");
  j = good;
  j["tasks"][0]["queues"][0]["source"]["queue_id"] = -1;
  expectError(j, "tasks[0].queues[0].source.queue_id: out of range");
  j = good;
  j["tasks"][1]["last_error"]["time_ms"] = 1.5;
  expectError(j, "tasks[1].last_error.time_ms: expected an integer");
  j = good;
  j["tasks"][0]["queues"] = json::object();
  expectError(j, "tasks[0].queues: expected an array");
}

TEST(StatusStates, NamesParseBack) {
  for (TaskState s : {TaskState::kStarting, TaskState::kRunning, TaskState::kStopping,
                      TaskState::kStopped, TaskState::kFailed}) {
    EXPECT_EQ(parseTaskState(taskStateName(s)).value(), s);
  }
  for (QueueState s : {QueueState::kStarting, QueueState::kRunning, QueueState::kRetrying,
                       QueueState::kBlocked, QueueState::kDraining, QueueState::kStopped}) {
    EXPECT_EQ(parseQueueState(queueStateName(s)).value(), s);
  }
  EXPECT_FALSE(parseQueueState("Running"));
}

TEST(StatusBoard, EmptyUntilPublishedThenLatestWins) {
  StatusBoard board;
  EXPECT_EQ(board.status(), nullptr);
  DaemonStatus a = sampleStatus();
  board.publish(a);
  auto first = board.status();
  ASSERT_NE(first, nullptr);
  DaemonStatus b = a;
  b.snapshot_at_ms += 1000;
  board.publish(b);
  EXPECT_EQ(board.status()->snapshot_at_ms, b.snapshot_at_ms);
  // A reader's snapshot is immutable and outlives newer publications.
  EXPECT_EQ(first->snapshot_at_ms, a.snapshot_at_ms);
}

TEST(StatusBoard, ReadersOnOtherThreadsSeeWholeSnapshots) {
  StatusBoard board;
  std::atomic<bool> done{false};
  std::thread publisher([&] {
    for (int i = 1; i <= 2000; ++i) {
      DaemonStatus s;
      s.snapshot_at_ms = i;
      s.tasks.resize(static_cast<std::size_t>(i % 7));
      for (auto& t : s.tasks) {
        t.name = std::to_string(i);
      }
      board.publish(std::move(s));
    }
    done = true;
  });
  std::int64_t last_seen = 0;
  while (!done) {
    auto s = board.status();
    if (!s) {
      continue;
    }
    ASSERT_GE(s->snapshot_at_ms, last_seen);  // never goes back
    last_seen = s->snapshot_at_ms;
    ASSERT_EQ(s->tasks.size(), static_cast<std::size_t>(s->snapshot_at_ms % 7));
    for (const auto& t : s->tasks) {
      ASSERT_EQ(t.name, std::to_string(s->snapshot_at_ms));
    }
  }
  publisher.join();
  EXPECT_EQ(board.status()->snapshot_at_ms, 2000);
}

}  // namespace
}  // namespace ferry::control
