// A sleep that ends early, with Errc::kCancelled, when the sleeping coroutine is cancelled: the
// wait between two attempts of a retry loop, so that a daemon's shutdown (its TaskGroup's
// cancel()) reaches a loop that is backing off at once rather than after the delay.
//
//   for (int failures = 1;; ++failures) {
//     auto r = co_await attempt();
//     if (r || !retryable(r.error())) co_return r;
//     auto slept = co_await async::sleepFor(backoff.delay(failures, jitter()));
//     if (!slept) co_return makeError(std::move(slept.error()));   // cancelled: stop retrying
//   }
//
// Threading: runs on the awaiting coroutine's executor. A coroutine cancelled before it calls
// sleepFor() gets kCancelled at once, without waiting (asio would otherwise wait the full delay,
// the cancellation having been emitted before the wait began).
#pragma once

#include <chrono>

#include <asio/awaitable.hpp>

#include "ferry/base/error.h"

namespace ferry::async {

asio::awaitable<Result<void>> sleepFor(std::chrono::steady_clock::duration duration);

}  // namespace ferry::async
