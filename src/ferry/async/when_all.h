// Run several calls concurrently and wait for all of them (the fan-out behind per-broker
// queries: a consumer group lives on every master, so its state is the merge of all answers).
//
// Threading: the calls are spawned on the awaiting coroutine's executor (one io_context thread,
// no locks), each into a TaskGroup private to this whenAll().
//
// Cancellation and lifetime: cancelling the awaiting coroutine (e.g. its own TaskGroup being
// cancelled at shutdown) emits terminal cancellation to every call that is still running;
// whenAll() nevertheless returns only after every call has finished, so the calls may reference
// anything the caller keeps alive across the co_await. The awaiting coroutine stays cancelled.
//
// Results: one Result<T> per call, in the order of `calls`, whatever order they finished in. A
// call that throws (it should not: errors are values) is reported as Errc::kInternal naming the
// exception; one that throws because it was cancelled as Errc::kCancelled. Neither escapes.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/error.hpp>
#include <asio/this_coro.hpp>

#include "ferry/async/task_group.h"
#include "ferry/base/error.h"

namespace ferry::async {

namespace detail {

// The error for a call that threw instead of returning a Result (out of line, in when_all.cc).
Error callThrew(const std::exception_ptr& error);

template <class T>
using WhenAllResults = std::vector<std::optional<Result<T>>>;

// Result<T> has no default constructor, which co_spawn needs for a value-returning coroutine, so
// each call runs inside this void coroutine that stores its result (or what it threw).
template <class T>
asio::awaitable<void> runInto(asio::awaitable<Result<T>> call,
                              std::shared_ptr<WhenAllResults<T>> results, std::size_t index) {
  std::exception_ptr error;
  try {
    (*results)[index].emplace(co_await std::move(call));
  } catch (...) {
    error = std::current_exception();
  }
  if (error) {
    (*results)[index].emplace(makeError(callThrew(error)));
  }
}

}  // namespace detail

template <class T>
asio::awaitable<std::vector<Result<T>>> whenAll(std::vector<asio::awaitable<Result<T>>> calls) {
  auto executor = co_await asio::this_coro::executor;
  auto results = std::make_shared<detail::WhenAllResults<T>>(calls.size());
  TaskGroup children(executor);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    children.spawn(detail::runInto<T>(std::move(calls[i]), results, i));
  }
  co_await children.join();
  std::vector<Result<T>> out;
  out.reserve(results->size());
  for (auto& r : *results) {
    if (r) {
      out.push_back(std::move(*r));
    } else {  // unreachable: every child stores a result before it finishes
      out.push_back(makeError(Errc::kInternal, "whenAll: a call finished without a result"));
    }
  }
  co_return out;
}

}  // namespace ferry::async
