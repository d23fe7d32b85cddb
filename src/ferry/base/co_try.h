// Error propagation in coroutines that return asio::awaitable<Result<T>>: the short form of
//
//   auto response = co_await api.call(...);
//   if (!response) co_return makeError(std::move(response.error()));
//
// Usage (inside a coroutine whose return type is asio::awaitable<Result<U>>, any U):
//
//   FERRY_CO_TRY(response, co_await callOk(addr, request, what));  // declares `response` (a T)
//   FERRY_CO_TRY_VOID(co_await api.updateConsumerOffset(addr, group, queue, offset));
//
// The error is passed on unchanged (code, message, remote code and remark). Where the error
// needs rewriting or context on the way up, write the two lines by hand.
//
// Why a statement macro and not an expression: the usual "try" expression is a GCC statement
// expression, `({ auto r = co_await f(); if (!r) co_return ...; *r; })`, and GCC 12 does not
// support co_await (nor co_return) inside a statement expression. So both macros expand to plain
// statements, and the awaited expression is the whole initializer of a named local:
//
//   auto ferry_co_try_N = <expr>;                     // <expr> is its own full-expression
//   if (!ferry_co_try_N) co_return ::ferry::makeError(std::move(ferry_co_try_N.error()));
//   auto var = std::move(*ferry_co_try_N);            // FERRY_CO_TRY only
//
// GCC 12 rules (docs/api.md) that stay the caller's job, because they concern <expr>:
//  - no braced aggregate temporary (`MessageQueue{...}`, `PullRequest{...}`) and no lambda
//    anywhere in <expr>: name them first, then pass the name;
//  - the macros never put co_await into a condition; keep it that way in code around them
//    (`if (!(co_await f()))` is not a pattern to copy, nor a compound condition over members
//    evaluated inside the coroutine: see Cluster::route).
// Consequences of the statement form: FERRY_CO_TRY declares a variable, so it cannot be the
// unbraced body of an if/for; FERRY_CO_TRY_VOID is one statement (do/while) and can. The value is
// moved out of the Result into `var` (declared `auto`); use the long form when a reference into
// the Result is wanted instead.
#pragma once

#include <utility>

#include "ferry/base/error.h"

#define FERRY_CO_TRY_CONCAT_INNER_(a, b) a##b
#define FERRY_CO_TRY_CONCAT_(a, b) FERRY_CO_TRY_CONCAT_INNER_(a, b)

#define FERRY_CO_TRY_IMPL_(tmp, var, ...)                 \
  auto tmp = __VA_ARGS__;                                 \
  if (!tmp)                                               \
    co_return ::ferry::makeError(std::move(tmp.error())); \
  auto var = std::move(*tmp)

// Awaits nothing itself: `...` is the expression (usually `co_await call(...)`) whose Result<T>
// is checked; on error the enclosing coroutine returns it, else `var` holds the T.
#define FERRY_CO_TRY(var, ...) \
  FERRY_CO_TRY_IMPL_(FERRY_CO_TRY_CONCAT_(ferry_co_try_, __COUNTER__), var, __VA_ARGS__)

// For Result<void> (or when the value is not needed): returns the error, else goes on.
#define FERRY_CO_TRY_VOID(...)                                             \
  do {                                                                     \
    auto ferry_co_try_void_ = __VA_ARGS__;                                 \
    if (!ferry_co_try_void_) {                                             \
      co_return ::ferry::makeError(std::move(ferry_co_try_void_.error())); \
    }                                                                      \
  } while (false)
