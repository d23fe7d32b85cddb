// TaskGroup: spawn, cancel, wait and join, on an io_context run by the test itself (no threads,
// no sockets). Waits that only end through cancellation are an hour long, and every run is
// bounded (run_for), so a broken cancellation fails the test instead of hanging it.
#include <chrono>
#include <string>
#include <vector>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "ferry/async/task_group.h"

namespace ferry::async {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr auto kRunLimit = seconds(10);  // only reached when cancellation is broken

// Waits an hour unless cancelled, then takes one more turn of the event loop (cleanup that
// itself awaits) before recording how the wait ended.
asio::awaitable<void> waitAnHour(std::string name, std::vector<std::string>* log) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, hours(1));
  asio::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_await asio::this_coro::throw_if_cancelled(false);
  co_await asio::post(executor, asio::use_awaitable);
  log->push_back(name + (ec == asio::error::operation_aborted ? " aborted" : " expired"));
}

asio::awaitable<void> record(std::string name, std::vector<std::string>* log) {
  auto executor = co_await asio::this_coro::executor;
  co_await asio::post(executor, asio::use_awaitable);
  log->push_back(name);
}

asio::awaitable<void> waitThenRecord(TaskGroup group, std::vector<std::string>* log) {
  co_await group.wait();
  log->push_back("wait returned");
}

asio::awaitable<void> joinThenRecord(TaskGroup group, std::vector<std::string>* log) {
  co_await group.join();
  log->push_back("join returned");
  // join() leaves the awaiting coroutine cancelled: its next co_await reports it.
  try {
    auto executor = co_await asio::this_coro::executor;
    co_await asio::post(executor, asio::use_awaitable);
    log->push_back("not cancelled any more");
  } catch (const std::system_error& e) {
    log->push_back(e.code() == asio::error::operation_aborted ? "still cancelled" : e.what());
  }
}

TEST(TaskGroup, WaitCompletesOnceEveryTaskHasFinished) {
  std::vector<std::string> log;
  asio::io_context io;
  TaskGroup group(io.get_executor());
  ASSERT_TRUE(group.spawn(record("a", &log)));
  ASSERT_TRUE(group.spawn(record("b", &log)));
  EXPECT_EQ(group.size(), 2U);
  asio::co_spawn(io, waitThenRecord(group, &log), asio::detached);
  io.run_for(kRunLimit);
  EXPECT_EQ(log, (std::vector<std::string>{"a", "b", "wait returned"}));
  EXPECT_EQ(group.size(), 0U);
  EXPECT_FALSE(group.cancelled());
}

TEST(TaskGroup, CancelReachesRunningTasksAndRefusesNewOnes) {
  std::vector<std::string> log;
  asio::io_context io;
  TaskGroup group(io.get_executor());
  ASSERT_TRUE(group.spawn(waitAnHour("t1", &log)));
  ASSERT_TRUE(group.spawn(waitAnHour("t2", &log)));
  io.poll();  // both are now waiting on their timers
  ASSERT_EQ(group.size(), 2U);
  group.cancel();
  EXPECT_TRUE(group.cancelled());
  EXPECT_FALSE(group.spawn(record("late", &log)));
  io.run_for(kRunLimit);
  EXPECT_EQ(log, (std::vector<std::string>{"t1 aborted", "t2 aborted"}));
  EXPECT_EQ(group.size(), 0U);
}

TEST(TaskGroup, WaitReturnsEarlyWhenTheWaiterIsCancelled) {
  std::vector<std::string> log;
  asio::cancellation_signal waiter;
  asio::io_context io;
  TaskGroup group(io.get_executor());
  ASSERT_TRUE(group.spawn(waitAnHour("task", &log)));
  asio::co_spawn(io, waitThenRecord(group, &log),
                 asio::bind_cancellation_slot(waiter.slot(), asio::detached));
  io.poll();
  waiter.emit(asio::cancellation_type::terminal);
  io.poll();
  EXPECT_EQ(log, (std::vector<std::string>{"wait returned"}));
  EXPECT_EQ(group.size(), 1U);  // wait() does not cancel the tasks
  EXPECT_FALSE(group.cancelled());
  group.cancel();
  io.run_for(kRunLimit);
  EXPECT_EQ(log, (std::vector<std::string>{"wait returned", "task aborted"}));
}

TEST(TaskGroup, JoinForwardsTheWaitersCancellationAndWaitsForEveryTask) {
  std::vector<std::string> log;
  asio::cancellation_signal waiter;
  asio::io_context io;
  TaskGroup group(io.get_executor());
  ASSERT_TRUE(group.spawn(waitAnHour("t1", &log)));
  ASSERT_TRUE(group.spawn(waitAnHour("t2", &log)));
  asio::co_spawn(io, joinThenRecord(group, &log),
                 asio::bind_cancellation_slot(waiter.slot(), asio::detached));
  io.poll();
  ASSERT_TRUE(log.empty());
  waiter.emit(asio::cancellation_type::terminal);
  io.run_for(kRunLimit);
  EXPECT_EQ(log, (std::vector<std::string>{"t1 aborted", "t2 aborted", "join returned",
                                           "still cancelled"}));
  EXPECT_TRUE(group.cancelled());
  EXPECT_EQ(group.size(), 0U);
}

TEST(TaskGroup, JoinWithoutCancellationJustWaits) {
  std::vector<std::string> log;
  asio::io_context io;
  TaskGroup group(io.get_executor());
  ASSERT_TRUE(group.spawn(record("a", &log)));
  asio::co_spawn(io, joinThenRecord(group, &log), asio::detached);
  io.run_for(kRunLimit);
  EXPECT_EQ(log, (std::vector<std::string>{"a", "join returned", "not cancelled any more"}));
  EXPECT_FALSE(group.cancelled());
}

}  // namespace
}  // namespace ferry::async
