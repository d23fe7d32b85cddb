// Shared plumbing of the typed API: building a request, sending it through the Transport, and
// turning transport failures and non-success answers into errors that name the operation.
// Internal to the rocketmq module.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <asio/awaitable.hpp>

#include "ferry/base/error.h"
#include "ferry/codec/headers.h"
#include "ferry/codec/remoting_command.h"
#include "ferry/rocketmq/api_options.h"
#include "ferry/rpc/transport.h"

namespace ferry::rocketmq::detail {

// What a call was doing, for its error messages ("min offset of orders@broker-a#3 at
// 127.0.0.1:10911"), formatted only when the call fails: a successful call pays for no
// fmt::format. Each call declares its description as a named local of the calling coroutine,
//
//   const auto what = detail::describe([&] { return fmt::format("min offset of {} at {}", ...); });
//   FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
//
// and calls what() on its own error paths or hands it down as a What: a non-owning reference that
// invoke()/invokeOk() and the body/header parsers call only on failure. Every evaluation of a
// Description is counted (formattedDescriptions()), so tests can prove that successful calls
// format none.
//
// Lifetime: the Description and everything its lambda captures live in the calling coroutine's
// frame, so a What may only be passed to a coroutine that the caller co_awaits at once (that frame
// outlives the callee). Never keep one in an awaitable that is awaited later or elsewhere
// (whenAll, co_spawn), and do not move from a captured variable before the call has finished
// (pass `addr`, not `std::move(addr)`). The lambda is created in its own statement, outside any
// co_await full-expression, as the GCC 12 rule requires (docs/api.md); a What is a non-aggregate
// class, which that rule allows as a temporary there. Binding a What to a temporary does not
// compile.
std::uint64_t formattedDescriptions();
void countFormattedDescription();

template <class F>
class Description {
 public:
  explicit Description(F format) : format_(std::move(format)) {}
  std::string operator()() const {
    countFormattedDescription();
    return format_();
  }

 private:
  F format_;
};

template <class F>
Description<F> describe(F format) {
  return Description<F>(std::move(format));
}

class What;

// An lvalue callable returning the description, other than a What itself.
template <class F>
concept Describes = requires(const std::remove_reference_t<F>& f) {
  { f() } -> std::convertible_to<std::string>;
};
template <class F>
concept NotWhat = !std::is_same_v<std::remove_cvref_t<F>, What>;
template <class F>
concept DescriptionRef = std::is_lvalue_reference_v<F> && NotWhat<F> && Describes<F>;

class What {
 public:
  template <DescriptionRef F>
  // Implicit: descriptions are passed as they are. DescriptionRef excludes What, so copies and
  // moves still use the implicit constructors.
  // NOLINTNEXTLINE(google-explicit-constructor, bugprone-forwarding-reference-overload)
  What(F&& description) noexcept
      : target_(std::addressof(description)), format_(&formatWith<std::remove_reference_t<F>>) {}

  std::string operator()() const { return format_(target_); }

 private:
  template <class F>
  static std::string formatWith(const void* target) {
    return (*static_cast<const F*>(target))();
  }

  const void* target_;
  std::string (*format_)(const void*);
};

codec::RemotingCommand makeRequest(codec::RequestCode code, codec::ExtFields fields,
                                   std::string body = {});

// Sends `request`; a transport failure comes back as its error with what() as context. Any
// response (success or not) is returned as is. `what` is formatted only on failure.
asio::awaitable<Result<codec::RemotingCommand>> invoke(rpc::Transport& transport, std::string addr,
                                                       codec::RemotingCommand request,
                                                       std::chrono::milliseconds timeout,
                                                       What what);

// Like invoke(), but a non-success response becomes responseError(response, what()).
asio::awaitable<Result<codec::RemotingCommand>> invokeOk(rpc::Transport& transport,
                                                         std::string addr,
                                                         codec::RemotingCommand request,
                                                         std::chrono::milliseconds timeout,
                                                         What what);

}  // namespace ferry::rocketmq::detail
