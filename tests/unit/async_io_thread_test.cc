// IoThread / runSync (blocking callers running coroutines on an io thread) and sleepFor().
// The sleep tests run their io_context in the test thread; waits that only end through
// cancellation are an hour long and every run is bounded, so a broken cancellation fails.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "ferry/async/io_thread.h"
#include "ferry/async/sleep.h"

namespace ferry::async {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto kRunLimit = seconds(10);  // only reached when cancellation is broken

asio::awaitable<Result<std::thread::id>> answerWithThreadId() {
  auto executor = co_await asio::this_coro::executor;
  co_await asio::post(executor, asio::use_awaitable);
  co_return std::this_thread::get_id();
}

asio::awaitable<Result<int>> failWith(Errc code) {
  co_return makeError(code, "refused by the test");
}

asio::awaitable<int> throwRuntimeError() {
  auto executor = co_await asio::this_coro::executor;
  co_await asio::post(executor, asio::use_awaitable);
  throw std::runtime_error("thrown by the test");
}

asio::awaitable<void> setFlag(bool* flag) {
  *flag = true;
  co_return;
}

// Sleeps for the test's run limit unless cancelled, and records how the sleep ended.
asio::awaitable<void> sleepLong(std::optional<Result<void>>* out) {
  out->emplace(co_await sleepFor(kRunLimit));
}

asio::awaitable<void> sleepInto(std::chrono::steady_clock::duration duration,
                                std::optional<Result<void>>* out) {
  out->emplace(co_await sleepFor(duration));
}

// Is cancelled while waiting on something else and carries on (throw_if_cancelled(false)), as
// cleanup code does; a later sleep must not wait out its full delay.
asio::awaitable<void> sleepAfterCancellation(std::optional<Result<void>>* out) {
  co_await asio::this_coro::throw_if_cancelled(false);
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, hours(1));
  asio::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  out->emplace(co_await sleepFor(hours(1)));
}

TEST(RunSync, ReturnsTheValueComputedOnAnotherThread) {
  auto id = runSync(answerWithThreadId());
  ASSERT_TRUE(id.has_value());
  EXPECT_NE(*id, std::this_thread::get_id());
}

TEST(RunSync, ReturnsErrorsAsValuesAndRethrowsExceptions) {
  auto refused = runSync(failWith(Errc::kBusy));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, Errc::kBusy);
  EXPECT_EQ(refused.error().message, "refused by the test");
  try {
    (void)runSync(throwRuntimeError());
    ADD_FAILURE() << "runSync did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "thrown by the test");
  }
}

TEST(IoThread, RunsVoidCoroutinesAndManyRunsOnOneThread) {
  IoThread io;
  bool flag = false;
  io.run(setFlag(&flag));
  EXPECT_TRUE(flag);
  auto first = io.run(answerWithThreadId());
  auto second = io.run(answerWithThreadId());
  ASSERT_TRUE(first && second);
  EXPECT_EQ(*first, *second);
  EXPECT_TRUE(io.stop());
}

TEST(IoThread, RunLimitCancelsTheCoroutineAndWaitsForItToFinish) {
  IoThread io(milliseconds(20));
  std::optional<Result<void>> slept;
  EXPECT_THROW(io.run(sleepLong(&slept)), std::runtime_error);
  // run() returned only after the coroutine had finished, and it ended by cancellation (not by
  // sleeping out its delay).
  ASSERT_TRUE(slept);
  ASSERT_FALSE(slept->has_value());
  EXPECT_EQ(slept->error().code, Errc::kCancelled);
  EXPECT_TRUE(io.stop());
}

TEST(IoThread, StopReportsWorkThatWasLeftBehind) {
  IoThread io;
  asio::steady_timer forgotten(io.context(), hours(1));
  asio::post(io.context(), [&forgotten] { forgotten.async_wait([](const asio::error_code&) {}); });
  EXPECT_FALSE(io.stop(milliseconds(20)));
  EXPECT_FALSE(io.stop());  // idempotent
}

TEST(SleepFor, CompletesAfterTheDelay) {
  std::optional<Result<void>> slept;
  asio::io_context io;
  asio::co_spawn(io, sleepInto(milliseconds(1), &slept), asio::detached);
  io.run_for(kRunLimit);
  ASSERT_TRUE(slept);
  EXPECT_TRUE(slept->has_value());
}

TEST(SleepFor, ReturnsCancelledPromptlyWhenTheSleeperIsCancelled) {
  std::optional<Result<void>> slept;
  asio::cancellation_signal signal;
  asio::io_context io;
  asio::co_spawn(io, sleepInto(hours(1), &slept),
                 asio::bind_cancellation_slot(signal.slot(), asio::detached));
  io.poll();
  ASSERT_FALSE(slept);
  signal.emit(asio::cancellation_type::terminal);
  io.run_for(kRunLimit);
  ASSERT_TRUE(slept);
  ASSERT_FALSE(slept->has_value());
  EXPECT_EQ(slept->error().code, Errc::kCancelled);
  EXPECT_EQ(slept->error().message, "sleep of 3600000 ms cancelled");
}

TEST(SleepFor, ReturnsAtOnceInACoroutineThatIsAlreadyCancelled) {
  std::optional<Result<void>> slept;
  asio::cancellation_signal signal;
  asio::io_context io;
  asio::co_spawn(io, sleepAfterCancellation(&slept),
                 asio::bind_cancellation_slot(signal.slot(), asio::detached));
  io.poll();
  signal.emit(asio::cancellation_type::terminal);
  io.run_for(kRunLimit);
  ASSERT_TRUE(slept);
  ASSERT_FALSE(slept->has_value());
  EXPECT_EQ(slept->error().code, Errc::kCancelled);
}

}  // namespace
}  // namespace ferry::async
