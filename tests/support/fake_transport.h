// Test-only (library ferry_testing, linked by test executables only): an in-memory, scripted
// Transport for unit tests of the typed API and of the engines (no sockets, no sleeps): each
// expected request code (optionally for one address) gets a canned response or transport error;
// every call is recorded so tests can check the encoded request.
//
// Usage:
//   FakeTransport t;
//   t.respond(RequestCode::kGetMaxOffset, ResponseCode::kSuccess, {}, fields({{"offset", "42"}}));
//   auto r = runSync(api.maxOffset("127.0.0.1:10911", mq));
//   EXPECT_EQ(t.calls()[0].request.ext_fields.get("queueId"), "3");
//
// Matching: the first not-yet-used one-shot expectation whose code (and address, when given)
// matches wins; then "always" replies; anything else fails with Errc::kInternal and is listed in
// unexpected(). Threading: one thread at a time, like the real transport's executor (runSync()
// hands the fake to its io thread for the run and back, synchronised).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <asio/awaitable.hpp>
#include <fmt/format.h>

#include "ferry/async/io_thread.h"
#include "ferry/base/error.h"
#include "ferry/codec/headers.h"
#include "ferry/codec/remoting_command.h"
#include "ferry/rpc/transport.h"

namespace ferry::rocketmq {

inline codec::ExtFields extFields(
    std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  codec::ExtFields f;
  for (const auto& [k, v] : pairs) {
    f.set(k, std::string(v));
  }
  return f;
}

class FakeTransport final : public rpc::Transport {
 public:
  struct Call {
    std::string addr;
    codec::RemotingCommand request;
    std::chrono::milliseconds timeout{0};
    bool oneway = false;
  };

  struct Reply {
    std::optional<codec::RemotingCommand> response;
    std::optional<Error> error;
  };

  // Broker version ordinal put into every canned response (479 = V5_3_3).
  std::int32_t response_version = codec::kFerryVersion;

  FakeTransport& expect(codec::RequestCode code, Reply reply, std::string addr = {}) {
    script_.push_back(
        Expectation{codec::toInt(code), std::move(addr), std::move(reply), false, false});
    return *this;
  }
  FakeTransport& always(codec::RequestCode code, Reply reply, std::string addr = {}) {
    script_.push_back(
        Expectation{codec::toInt(code), std::move(addr), std::move(reply), true, false});
    return *this;
  }
  FakeTransport& respond(codec::RequestCode code, codec::ResponseCode response_code,
                         std::string body = {}, codec::ExtFields fields = {},
                         std::optional<std::string> remark = std::nullopt, std::string addr = {}) {
    return expect(
        code,
        Reply{makeResponse(response_code, std::move(body), std::move(fields), std::move(remark)),
              std::nullopt},
        std::move(addr));
  }
  FakeTransport& respondAlways(codec::RequestCode code, codec::ResponseCode response_code,
                               std::string body = {}, codec::ExtFields fields = {},
                               std::optional<std::string> remark = std::nullopt,
                               std::string addr = {}) {
    return always(
        code,
        Reply{makeResponse(response_code, std::move(body), std::move(fields), std::move(remark)),
              std::nullopt},
        std::move(addr));
  }
  FakeTransport& fail(codec::RequestCode code, Errc errc, std::string message,
                      std::string addr = {}) {
    return expect(code, Reply{std::nullopt, Error{errc, std::move(message), 0, {}}},
                  std::move(addr));
  }
  FakeTransport& failAlways(codec::RequestCode code, Errc errc, std::string message,
                            std::string addr = {}) {
    return always(code, Reply{std::nullopt, Error{errc, std::move(message), 0, {}}},
                  std::move(addr));
  }

  static codec::RemotingCommand makeResponse(codec::ResponseCode code, std::string body = {},
                                             codec::ExtFields fields = {},
                                             std::optional<std::string> remark = std::nullopt) {
    codec::RemotingCommand r;
    r.code = codec::toInt(code);
    r.flag = codec::kFlagResponse;
    r.body = std::move(body);
    r.ext_fields = std::move(fields);
    r.remark = std::move(remark);
    return r;
  }

  const std::vector<Call>& calls() const { return calls_; }
  // Calls with this request code, in order.
  std::vector<Call> callsWith(codec::RequestCode code) const {
    std::vector<Call> out;
    for (const auto& c : calls_) {
      if (c.request.code == codec::toInt(code)) {
        out.push_back(c);
      }
    }
    return out;
  }
  const std::vector<std::string>& unexpected() const { return unexpected_; }
  // One-shot expectations not used yet.
  std::size_t pending() const {
    std::size_t n = 0;
    for (const auto& e : script_) {
      n += (!e.sticky && !e.used) ? 1 : 0;
    }
    return n;
  }

  asio::awaitable<Result<codec::RemotingCommand>> call(std::string addr,
                                                       codec::RemotingCommand request,
                                                       std::chrono::milliseconds timeout) override {
    calls_.push_back(Call{addr, request, timeout, false});
    co_return answer(addr, request);
  }

  asio::awaitable<Result<void>> oneway(std::string addr, codec::RemotingCommand request) override {
    calls_.push_back(Call{addr, request, std::chrono::milliseconds(0), true});
    co_return Result<void>{};
  }

 private:
  struct Expectation {
    std::int32_t code;
    std::string addr;
    Reply reply;
    bool sticky;
    bool used;
  };

  Result<codec::RemotingCommand> answer(const std::string& addr,
                                        const codec::RemotingCommand& request) {
    Expectation* match = nullptr;
    for (auto& e : script_) {
      if (!e.sticky && !e.used && e.code == request.code && (e.addr.empty() || e.addr == addr)) {
        match = &e;
        break;
      }
    }
    if (match == nullptr) {
      for (auto& e : script_) {
        if (e.sticky && e.code == request.code && (e.addr.empty() || e.addr == addr)) {
          match = &e;
          break;
        }
      }
    }
    if (match == nullptr) {
      std::string what = fmt::format("unexpected request {} ({}) to {}",
                                     codec::requestCodeName(request.code), request.code, addr);
      unexpected_.push_back(what);
      return makeError(Errc::kInternal, std::move(what));
    }
    match->used = true;
    if (match->reply.error) {
      return makeError(*match->reply.error);
    }
    codec::RemotingCommand response = *match->reply.response;
    response.version = response_version;
    return response;
  }

  std::deque<Expectation> script_;
  std::vector<Call> calls_;
  std::vector<std::string> unexpected_;
};

// The typed-API tests call runSync() unqualified from namespace ferry::rocketmq.
using async::runSync;

}  // namespace ferry::rocketmq
