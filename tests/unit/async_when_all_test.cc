// whenAll(): result order, exceptions as errors, and cancellation reaching every call while
// whenAll still waits for all of them. The io_context is run by the test (no threads).
#include <chrono>
#include <optional>
#include <stdexcept>
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

#include "ferry/async/when_all.h"

namespace ferry::async {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

constexpr auto kRunLimit = seconds(10);  // only reached when cancellation is broken

using Results = std::optional<std::vector<Result<int>>>;

// Yields `turns` times before answering, so calls finish in an order of the test's choosing.
asio::awaitable<Result<int>> answerAfter(int turns, int value, std::vector<int>* finished) {
  auto executor = co_await asio::this_coro::executor;
  for (int i = 0; i < turns; ++i) {
    co_await asio::post(executor, asio::use_awaitable);
  }
  finished->push_back(value);
  co_return value;
}

asio::awaitable<Result<int>> throwAfterATurn(std::string what) {
  auto executor = co_await asio::this_coro::executor;
  co_await asio::post(executor, asio::use_awaitable);
  throw std::runtime_error(what);
}

// Waits an hour unless cancelled; then cleans up (one more turn of the event loop) and records it.
asio::awaitable<Result<int>> waitAnHour(int id, std::vector<std::string>* log) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, hours(1));
  asio::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_await asio::this_coro::throw_if_cancelled(false);
  co_await asio::post(executor, asio::use_awaitable);
  log->push_back("call " + std::to_string(id) + " finished");
  if (ec == asio::error::operation_aborted) {
    co_return makeError(Errc::kCancelled, "call " + std::to_string(id) + " cancelled");
  }
  co_return id;
}

// The usual style without redirect_error: cancellation surfaces as an exception.
asio::awaitable<Result<int>> waitAnHourThrowing() {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, hours(1));
  co_await timer.async_wait(asio::use_awaitable);
  co_return 0;
}

asio::awaitable<void> collect(std::vector<asio::awaitable<Result<int>>> calls, Results* out,
                              std::vector<std::string>* log) {
  auto results = co_await whenAll<int>(std::move(calls));
  log->push_back("whenAll returned");
  out->emplace(std::move(results));
}

TEST(WhenAll, ResultsComeInCallOrderWhateverOrderCallsFinish) {
  std::vector<int> finished;
  std::vector<std::string> log;
  Results results;
  asio::io_context io;
  std::vector<asio::awaitable<Result<int>>> calls;
  calls.push_back(answerAfter(3, 10, &finished));
  calls.push_back(answerAfter(2, 20, &finished));
  calls.push_back(answerAfter(1, 30, &finished));
  asio::co_spawn(io, collect(std::move(calls), &results, &log), asio::detached);
  io.run_for(kRunLimit);
  EXPECT_EQ(finished, (std::vector<int>{30, 20, 10}));
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE((*results)[i].has_value()) << (*results)[i].error().toString();
    EXPECT_EQ(*(*results)[i], static_cast<int>(10 * (i + 1)));
  }
}

TEST(WhenAll, NoCallsGivesNoResults) {
  std::vector<std::string> log;
  Results results;
  asio::io_context io;
  asio::co_spawn(io, collect({}, &results, &log), asio::detached);
  io.run_for(kRunLimit);
  ASSERT_TRUE(results);
  EXPECT_TRUE(results->empty());
}

TEST(WhenAll, CallThatThrowsBecomesAnInternalErrorAndTheOthersStillAnswer) {
  std::vector<int> finished;
  std::vector<std::string> log;
  Results results;
  asio::io_context io;
  std::vector<asio::awaitable<Result<int>>> calls;
  calls.push_back(answerAfter(2, 1, &finished));
  calls.push_back(throwAfterATurn("boom at broker-b"));
  calls.push_back(answerAfter(2, 3, &finished));
  asio::co_spawn(io, collect(std::move(calls), &results, &log), asio::detached);
  io.run_for(kRunLimit);
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 3U);
  EXPECT_EQ((*results)[0].value_or(-1), 1);
  ASSERT_FALSE((*results)[1].has_value());
  EXPECT_EQ((*results)[1].error().code, Errc::kInternal);
  EXPECT_NE((*results)[1].error().message.find("boom at broker-b"), std::string::npos)
      << (*results)[1].error().message;
  EXPECT_EQ((*results)[2].value_or(-1), 3);
}

TEST(WhenAll, CancellingTheAwaiterCancelsEveryCallAndWaitsForThemAll) {
  std::vector<std::string> log;
  Results results;
  asio::cancellation_signal awaiter;
  asio::io_context io;
  std::vector<asio::awaitable<Result<int>>> calls;
  calls.push_back(waitAnHour(0, &log));
  calls.push_back(waitAnHour(1, &log));
  calls.push_back(waitAnHourThrowing());
  asio::co_spawn(io, collect(std::move(calls), &results, &log),
                 asio::bind_cancellation_slot(awaiter.slot(), asio::detached));
  io.poll();  // both calls are waiting
  ASSERT_TRUE(log.empty());
  awaiter.emit(asio::cancellation_type::terminal);
  io.run_for(kRunLimit);
  // Both calls saw the cancellation and finished their cleanup before whenAll returned.
  EXPECT_EQ(log,
            (std::vector<std::string>{"call 0 finished", "call 1 finished", "whenAll returned"}));
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 3U);
  for (const auto& r : *results) {
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, Errc::kCancelled) << r.error().toString();
  }
  EXPECT_EQ((*results)[2].error().message, "whenAll: call cancelled");
}

}  // namespace
}  // namespace ferry::async
