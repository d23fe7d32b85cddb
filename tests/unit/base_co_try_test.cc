// FERRY_CO_TRY / FERRY_CO_TRY_VOID (base/co_try.h): values pass, errors return unchanged and stop
// the coroutine there, and every value is destroyed exactly once (the GCC 12 failure mode the
// macros are shaped to avoid is a double destruction; ASan builds turn one into a crash here).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <asio/awaitable.hpp>
#include <gtest/gtest.h>

#include "ferry/async/io_thread.h"
#include "ferry/base/co_try.h"

namespace ferry {
namespace {

using async::runSync;

// Counts live instances; a double destruction drives `live` below zero.
struct Tracked {
  static inline int live = 0;
  static inline int min_live = 0;
  std::string text;
  explicit Tracked(std::string t) : text(std::move(t)) { ++live; }
  Tracked(const Tracked& other) : text(other.text) { ++live; }
  Tracked(Tracked&& other) noexcept : text(std::move(other.text)) { ++live; }
  Tracked& operator=(const Tracked&) = default;
  Tracked& operator=(Tracked&&) = default;
  ~Tracked() {
    --live;
    if (live < min_live) {
      min_live = live;
    }
  }
};

asio::awaitable<Result<Tracked>> produce(bool ok, std::string text) {
  if (!ok) {
    co_return makeError(Error{Errc::kTopicNotExist, "route of 'T'", 17, "No topic route"});
  }
  co_return Tracked(std::move(text));
}

asio::awaitable<Result<void>> check(bool ok) {
  if (!ok) {
    co_return makeError(Errc::kTimeout, "wait for 127.0.0.1:1");
  }
  co_return Result<void>{};
}

// Two tries in one function (distinct hidden names), a value moved out, and a line after each
// try that records whether it ran.
asio::awaitable<Result<std::string>> twoSteps(bool first_ok, bool second_ok,
                                              std::vector<std::string>* trace) {
  FERRY_CO_TRY(a, co_await produce(first_ok, "a"));
  trace->push_back("after first");
  FERRY_CO_TRY(b, co_await produce(second_ok, "b"));
  trace->push_back("after second");
  co_return a.text + b.text;
}

asio::awaitable<Result<int>> voidThenValue(bool ok, int* reached) {
  FERRY_CO_TRY_VOID(co_await check(ok));
  ++*reached;
  co_return 7;
}

// FERRY_CO_TRY_VOID is one statement: it can be the unbraced body of an if.
asio::awaitable<Result<int>> conditional(bool check_it, bool ok) {
  if (check_it) {
    FERRY_CO_TRY_VOID(co_await check(ok));
  }
  co_return 1;
}

// Template arguments with commas need no extra parentheses; move-only values work.
asio::awaitable<Result<std::pair<int, std::unique_ptr<int>>>> pairOf(int v) {
  co_return std::pair<int, std::unique_ptr<int>>(v, std::make_unique<int>(v * 2));
}

asio::awaitable<Result<int>> sumPair(int v) {
  FERRY_CO_TRY(p, co_await pairOf(v));
  co_return p.first + *p.second;
}

TEST(CoTry, PassesValues) {
  std::vector<std::string> trace;
  auto r = runSync(twoSteps(true, true, &trace));
  ASSERT_TRUE(r.has_value()) << r.error().toString();
  EXPECT_EQ(*r, "ab");
  EXPECT_EQ(trace, (std::vector<std::string>{"after first", "after second"}));
  EXPECT_EQ(runSync(sumPair(5)).value(), 15);
}

TEST(CoTry, ReturnsTheErrorUnchangedAndStopsThere) {
  std::vector<std::string> trace;
  auto r = runSync(twoSteps(true, false, &trace));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kTopicNotExist);
  EXPECT_EQ(r.error().message, "route of 'T'");
  EXPECT_EQ(r.error().remote_code, 17);
  EXPECT_EQ(r.error().remote_remark, "No topic route");
  EXPECT_EQ(trace, (std::vector<std::string>{"after first"}));

  trace.clear();
  EXPECT_FALSE(runSync(twoSteps(false, true, &trace)).has_value());
  EXPECT_TRUE(trace.empty());
}

TEST(CoTry, VoidForm) {
  int reached = 0;
  EXPECT_EQ(runSync(voidThenValue(true, &reached)).value(), 7);
  EXPECT_EQ(reached, 1);
  auto r = runSync(voidThenValue(false, &reached));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kTimeout);
  EXPECT_EQ(r.error().message, "wait for 127.0.0.1:1");
  EXPECT_EQ(reached, 1);

  EXPECT_TRUE(runSync(conditional(false, false)).has_value());
  EXPECT_TRUE(runSync(conditional(true, true)).has_value());
  EXPECT_FALSE(runSync(conditional(true, false)).has_value());
}

TEST(CoTry, DestroysEveryValueExactlyOnce) {
  Tracked::live = 0;
  Tracked::min_live = 0;
  for (bool first : {true, false}) {
    for (bool second : {true, false}) {
      std::vector<std::string> trace;
      auto r = runSync(twoSteps(first, second, &trace));
      EXPECT_EQ(r.has_value(), first && second);
    }
  }
  EXPECT_EQ(Tracked::live, 0);
  EXPECT_EQ(Tracked::min_live, 0);
}

}  // namespace
}  // namespace ferry
