#include "ferry/async/sleep.h"

#include <asio/cancellation_state.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

namespace ferry::async {
namespace {

bool isCancelled(const asio::cancellation_state& state) {
  return state.cancelled() != asio::cancellation_type::none;
}

Error sleepCancelled(std::chrono::steady_clock::duration duration) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(duration);
  return Error{Errc::kCancelled, fmt::format("sleep of {} ms cancelled", ms.count()), 0, {}};
}

}  // namespace

asio::awaitable<Result<void>> sleepFor(std::chrono::steady_clock::duration duration) {
  asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
  if (isCancelled(state)) {
    co_return makeError(sleepCancelled(duration));
  }
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, duration);
  asio::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (ec || isCancelled(state)) {
    co_return makeError(sleepCancelled(duration));
  }
  co_return Result<void>{};
}

}  // namespace ferry::async
