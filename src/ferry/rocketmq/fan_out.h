// Run several calls concurrently and wait for all of them (the fan-out behind per-broker
// queries: a consumer group lives on every master, so its state is the merge of all answers).
//
// Threading: the calls are spawned on the awaiting coroutine's executor (one io_context thread,
// no locks). Lifetime: whenAll() returns only after every call has finished, so the calls may
// reference anything the caller keeps alive across the co_await. A call that throws (it should
// not: errors are values) is reported as Errc::kInternal instead of escaping.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "ferry/base/error.h"

namespace ferry::rocketmq {

namespace detail {

template <class T>
struct WhenAllState {
  WhenAllState(asio::any_io_executor executor, std::size_t n)
      : done(std::move(executor), std::chrono::steady_clock::time_point::max()), results(n),
        remaining(n) {}
  asio::steady_timer done;  // cancelled when the last call completes
  std::vector<std::optional<Result<T>>> results;
  std::size_t remaining;
};

// Result<T> has no default constructor, which co_spawn needs for a value-returning coroutine, so
// each call runs inside this void coroutine that stores its result.
template <class T>
asio::awaitable<void> runInto(asio::awaitable<Result<T>> call, std::shared_ptr<WhenAllState<T>> state,
                              std::size_t index) {
  state->results[index].emplace(co_await std::move(call));
}

}  // namespace detail

// Results in the order of `calls`.
template <class T>
asio::awaitable<std::vector<Result<T>>> whenAll(std::vector<asio::awaitable<Result<T>>> calls) {
  auto executor = co_await asio::this_coro::executor;
  auto state = std::make_shared<detail::WhenAllState<T>>(executor, calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    asio::co_spawn(executor, detail::runInto<T>(std::move(calls[i]), state, i),
                   [state, i](std::exception_ptr error) {
                     if (error && !state->results[i]) {
                       std::string what = "unknown exception";
                       try {
                         std::rethrow_exception(error);
                       } catch (const std::exception& e) {
                         what = e.what();
                       } catch (...) {
                       }
                       state->results[i].emplace(makeError(Errc::kInternal, "call threw: " + what));
                     }
                     if (--state->remaining == 0) state->done.cancel();
                   });
  }
  // Wait even if this coroutine is cancelled: the calls have their own deadlines, and returning
  // early would leave them referencing the caller's state.
  while (state->remaining > 0) {
    std::error_code ec;
    co_await state->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  std::vector<Result<T>> out;
  out.reserve(state->results.size());
  for (auto& r : state->results) out.push_back(std::move(*r));
  co_return out;
}

}  // namespace ferry::rocketmq
