#include "ferry/rpc/connection.h"

#include <charconv>
#include <cstring>
#include <exception>
#include <optional>
#include <utility>

#include <asio/redirect_error.hpp>
#include <asio/ssl/host_name_verification.hpp>
#include <asio/system_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include "ferry/base/log.h"

namespace ferry::rpc {
namespace {

const std::shared_ptr<spdlog::logger>& logger() {
  static const std::shared_ptr<spdlog::logger> kInstance = log::get(log::Module::kRpc);
  return kInstance;
}

// Typical responses fit in one read; the buffer is compacted below kMinReadSpace free space.
constexpr std::size_t kReadBufferSize = std::size_t{64} * 1024;
constexpr std::size_t kMinReadSpace = std::size_t{4} * 1024;
// Buffers grown for a large frame or a burst are given back above this size once drained.
constexpr std::size_t kMaxRetainedBuffer = std::size_t{1024} * 1024;

struct HostPort {
  std::string host;
  std::string port;
  std::uint16_t port_number = 0;
};

// "host:port" or "[v6addr]:port".
std::optional<HostPort> splitAddress(std::string_view addr) {
  HostPort out;
  std::string_view host;
  std::string_view port;
  if (!addr.empty() && addr.front() == '[') {
    const auto close = addr.find(']');
    if (close == std::string_view::npos || close + 1 >= addr.size() || addr[close + 1] != ':') {
      return std::nullopt;
    }
    host = addr.substr(1, close - 1);
    port = addr.substr(close + 2);
  } else {
    const auto colon = addr.rfind(':');
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    host = addr.substr(0, colon);
    port = addr.substr(colon + 1);
  }
  if (host.empty() || port.empty()) {
    return std::nullopt;
  }
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port_number);
  if (ec != std::errc() || end != port.data() + port.size() || out.port_number == 0) {
    return std::nullopt;
  }
  out.host = std::string(host);
  out.port = std::string(port);
  return out;
}

codec::RemotingCommand makeResponse(std::int32_t code, std::string remark) {
  codec::RemotingCommand response;
  response.code = code;
  response.flag = codec::kFlagResponse;
  response.remark = std::move(remark);
  return response;
}

// Sets SNI (host names only: RFC 6066 forbids IP literals) and, when `verify`, the check that
// the peer's certificate names `name` (a DNS name, or an IP address matched against IP SANs).
Result<void> nameTlsPeer(asio::ssl::stream<asio::ip::tcp::socket>& stream, const std::string& name,
                         bool verify) {
  asio::error_code ec;
  asio::ip::make_address(name, ec);
  const bool is_ip = !ec;
  ec.clear();
  if (!is_ip && SSL_set_tlsext_host_name(stream.native_handle(), name.c_str()) != 1) {
    return makeError(Errc::kTls, fmt::format("cannot set TLS server name '{}'", name));
  }
  if (verify) {
    stream.set_verify_callback(asio::ssl::host_name_verification(name), ec);
    if (ec) {
      return makeError(Errc::kTls,
                       fmt::format("cannot check TLS server name '{}': {}", name, ec.message()));
    }
  }
  return {};
}

}  // namespace

// A caller of call() waiting for its response. Lives in the caller's coroutine frame; the table
// entry is removed by whoever completes it (reader, close) or by the caller itself on timeout,
// cancellation or destruction of its frame.
struct Connection::PendingCall {
  PendingCall(Connection& owner, std::int32_t op, std::chrono::milliseconds timeout)
      : connection(owner), opaque(op), timer(owner.executor_) {
    timer.expires_after(timeout);
  }
  ~PendingCall() { unregister(); }
  PendingCall(const PendingCall&) = delete;
  PendingCall& operator=(const PendingCall&) = delete;
  PendingCall(PendingCall&&) = delete;
  PendingCall& operator=(PendingCall&&) = delete;

  void unregister() {
    if (registered) {
      connection.pending_.erase(opaque);
      registered = false;
    }
  }
  void complete(Result<codec::RemotingCommand> value) {
    registered = false;
    result.emplace(std::move(value));
    timer.cancel();  // the timer doubles as the wake-up: the caller resumes with operation_aborted
  }

  Connection& connection;
  std::int32_t opaque;
  asio::steady_timer timer;  // expires at the call's deadline
  bool registered = false;
  std::optional<Result<codec::RemotingCommand>> result;
};

// A caller of send() waiting for its frame to be written.
struct Connection::FlushWaiter {
  FlushWaiter(Connection& owner, std::uint64_t frame_number, std::chrono::milliseconds timeout)
      : connection(owner), frame(frame_number), timer(owner.executor_) {
    timer.expires_after(timeout);
  }
  ~FlushWaiter() { unregister(); }
  FlushWaiter(const FlushWaiter&) = delete;
  FlushWaiter& operator=(const FlushWaiter&) = delete;
  FlushWaiter(FlushWaiter&&) = delete;
  FlushWaiter& operator=(FlushWaiter&&) = delete;

  void unregister() {
    if (registered) {
      connection.flush_waiters_.erase(position);
      registered = false;
    }
  }
  void complete(Result<void> value) {
    registered = false;
    result.emplace(std::move(value));
    timer.cancel();
  }

  Connection& connection;
  std::uint64_t frame;  // done once frames_written_ reaches this
  asio::steady_timer timer;
  bool registered = false;
  std::list<FlushWaiter*>::iterator position;
  std::optional<Result<void>> result;
};

std::shared_ptr<Connection> Connection::create(asio::any_io_executor executor, std::string addr,
                                               ConnectionOptions options, async::TaskGroup group,
                                               ConnectionObserver* observer) {
  return std::shared_ptr<Connection>(new Connection(
      std::move(executor), std::move(addr), std::move(options), std::move(group), observer));
}

Connection::Connection(asio::any_io_executor executor, std::string addr, ConnectionOptions options,
                       async::TaskGroup group, ConnectionObserver* observer)
    : executor_(std::move(executor)),
      addr_(std::move(addr)),
      options_(std::move(options)),
      group_(std::move(group)),
      observer_(observer),
      stream_(std::in_place_index<0>, executor_),
      resolver_(executor_),
      setup_timer_(executor_),
      writer_wake_(executor_) {
  if (options_.tls) {
    stream_.emplace<1>(executor_, *options_.tls);
  }
  writer_wake_.expires_at(asio::steady_timer::time_point::max());
}

Connection::~Connection() = default;

asio::ip::tcp::socket& Connection::socket() {
  if (auto* tls = std::get_if<TlsStream>(&stream_)) {
    return tls->next_layer();
  }
  return std::get<asio::ip::tcp::socket>(stream_);
}

void Connection::start() {
  if (!group_.spawn(run(shared_from_this()))) {
    close(Errc::kCancelled, "shutting down");
  }
}

void Connection::close(Errc code, std::string_view cause) {
  closeWith(Error{code, fmt::format("connection to {} closed: {}", addr_, cause), 0, {}});
}

void Connection::closeWith(Error reason) {
  if (state_ == State::kClosed) {
    return;
  }
  // The observer usually drops its reference; stay alive until this returns.
  const std::shared_ptr<Connection> self = shared_from_this();
  const bool established = state_ == State::kOpen;
  state_ = State::kClosed;
  close_reason_ = std::move(reason);

  disarmSetupTimer();
  resolver_.cancel();
  asio::error_code ignored;
  socket().close(ignored);  // aborts the reader's and the writer's pending operations
  writer_wake_.cancel();

  // Fail everything that waits on this connection now, not at its deadline.
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& entry : pending) {
    entry.second->complete(makeError(close_reason_));
  }
  auto waiters = std::move(flush_waiters_);
  flush_waiters_.clear();
  for (auto* waiter : waiters) {
    waiter->complete(makeError(close_reason_));
  }
  std::string().swap(out_);  // inflight_ may still be referenced by an aborting write

  if (established) {
    logger()->info("disconnected addr={} code={} reason=\"{}\" failed_calls={}", addr_,
                   errcName(close_reason_.code), close_reason_.message, pending.size());
  } else {
    logger()->warn("connect_failed addr={} code={} reason=\"{}\" failed_calls={}", addr_,
                   errcName(close_reason_.code), close_reason_.message, pending.size());
  }
  if (observer_ != nullptr) {
    observer_->onConnectionClosed(*this, established);
  }
}

void Connection::armSetupTimer(std::chrono::milliseconds timeout) {
  const std::uint64_t generation = ++setup_generation_;
  setup_timed_out_ = false;
  setup_timer_.expires_after(timeout);
  setup_timer_.async_wait([weak = weak_from_this(), generation](const asio::error_code& ec) {
    auto self = weak.lock();
    if (ec || !self || self->setup_generation_ != generation
        || self->state_ != State::kConnecting) {
      return;
    }
    self->setup_timed_out_ = true;
    self->resolver_.cancel();
    asio::error_code ignored;
    self->socket().close(ignored);
  });
}

void Connection::disarmSetupTimer() {
  ++setup_generation_;  // a timer that already fired but whose handler is queued does nothing
  setup_timer_.cancel();
}

asio::awaitable<void> Connection::run(std::shared_ptr<Connection> self) {
  try {
    const auto started = std::chrono::steady_clock::now();
    auto established = co_await establish();
    if (!established) {
      closeWith(std::move(established.error()));
      co_return;
    }
    if (state_ != State::kConnecting) {
      co_return;  // closed while connecting
    }
    state_ = State::kOpen;
    asio::error_code ignored;
    const auto local = socket().local_endpoint(ignored);
    logger()->info("connected addr={} tls={} local={}:{} setup_ms={}", addr_,
                   options_.tls != nullptr, local.address().to_string(), local.port(),
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count());
    if (!group_.spawn(writeLoop(self))) {
      close(Errc::kCancelled, "shutting down");
      co_return;
    }
    co_await readLoop();
  } catch (const std::exception& e) {
    close(Errc::kConnectionClosed, fmt::format("connection task stopped: {}", e.what()));
  }
}

asio::awaitable<Result<void>> Connection::establish() {
  const auto target = splitAddress(addr_);
  if (!target) {
    co_return makeError(Errc::kConnectFailed,
                        fmt::format("cannot connect to '{}': not a host:port address", addr_));
  }
  auto fail = [this](Errc code, std::string_view what, const asio::error_code& ec,
                     std::chrono::milliseconds timeout) {
    const std::string cause =
        setup_timed_out_ ? fmt::format("timed out after {} ms", timeout.count()) : ec.message();
    return makeError(code, fmt::format("{} {}: {}", what, addr_, cause));
  };

  armSetupTimer(options_.connect_timeout);
  std::vector<asio::ip::tcp::endpoint> endpoints;
  asio::error_code ec;
  const auto ip = asio::ip::make_address(target->host, ec);
  if (!ec) {
    endpoints.emplace_back(ip, target->port_number);
  } else {
    ec.clear();
    auto results = co_await resolver_.async_resolve(target->host, target->port,
                                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec || state_ != State::kConnecting) {
      disarmSetupTimer();
      co_return fail(Errc::kConnectFailed, "cannot resolve", ec, options_.connect_timeout);
    }
    for (const auto& entry : results) {
      endpoints.push_back(entry.endpoint());
    }
  }
  ec = asio::error::host_not_found;
  for (const auto& endpoint : endpoints) {
    if (setup_timed_out_ || state_ != State::kConnecting) {
      break;
    }
    asio::error_code ignored;
    socket().close(ignored);
    co_await socket().async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) {
      break;
    }
  }
  disarmSetupTimer();
  if (ec || setup_timed_out_ || state_ != State::kConnecting) {
    co_return fail(Errc::kConnectFailed, "cannot connect to", ec, options_.connect_timeout);
  }
  asio::error_code ignored;
  socket().set_option(asio::ip::tcp::no_delay(true), ignored);  // we coalesce writes ourselves

  if (auto* tls = std::get_if<TlsStream>(&stream_)) {
    const std::string& name =
        options_.tls_server_name.empty() ? target->host : options_.tls_server_name;
    if (auto named = nameTlsPeer(*tls, name, options_.tls_verify_name); !named) {
      co_return makeError(std::move(named.error()));
    }
    armSetupTimer(options_.handshake_timeout);
    co_await tls->async_handshake(asio::ssl::stream_base::client,
                                  asio::redirect_error(asio::use_awaitable, ec));
    disarmSetupTimer();
    if (ec || setup_timed_out_ || state_ != State::kConnecting) {
      co_return fail(Errc::kTls, "TLS handshake failed with", ec, options_.handshake_timeout);
    }
  }
  co_return Result<void>{};
}

asio::awaitable<void> Connection::readLoop() {
  read_buffer_.resize(kReadBufferSize);
  std::size_t begin = 0;  // first unconsumed byte
  std::size_t end = 0;    // one past the last received byte
  while (state_ == State::kOpen) {
    // Decode every complete frame in place.
    while (end - begin >= 4) {
      const auto length = codec::decodeFrameLength(
          std::span<const std::byte, 4>(read_buffer_.data() + begin, 4), options_.max_frame_size);
      if (!length) {
        close(Errc::kConnectionClosed,
              fmt::format("bad frame from peer: {}", length.error().toString()));
        co_return;
      }
      const std::size_t total = 4 + static_cast<std::size_t>(*length);
      if (end - begin < total) {
        if (read_buffer_.size() - begin < total) {  // make room for the whole frame
          std::memmove(read_buffer_.data(), read_buffer_.data() + begin, end - begin);
          end -= begin;
          begin = 0;
          if (read_buffer_.size() < total) {
            read_buffer_.resize(total);
          }
        }
        break;
      }
      auto command = codec::decodeCommand(
          std::span<const std::byte>(read_buffer_.data() + begin + 4, *length));
      begin += total;
      if (!command) {
        close(Errc::kConnectionClosed,
              fmt::format("undecodable frame from peer: {}", command.error().toString()));
        co_return;
      }
      dispatch(std::move(*command));
      if (state_ != State::kOpen) {
        co_return;  // a handler run inline closed us
      }
    }
    if (begin == end) {
      begin = end = 0;
      if (read_buffer_.size() > kMaxRetainedBuffer) {
        read_buffer_.resize(kReadBufferSize);
        read_buffer_.shrink_to_fit();
      }
    } else if (read_buffer_.size() - end < kMinReadSpace) {
      std::memmove(read_buffer_.data(), read_buffer_.data() + begin, end - begin);
      end -= begin;
      begin = 0;
    }

    asio::error_code ec;
    const auto space = asio::buffer(read_buffer_.data() + end, read_buffer_.size() - end);
    const std::size_t n = co_await std::visit(
        [&](auto& stream) {
          return stream.async_read_some(space, asio::redirect_error(asio::use_awaitable, ec));
        },
        stream_);
    if (ec) {
      if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
        close(Errc::kConnectionClosed, "peer closed the connection");
      } else {
        close(Errc::kConnectionClosed, fmt::format("read failed: {}", ec.message()));
      }
      co_return;
    }
    end += n;
  }
}

// `self` keeps the connection alive while the writer runs.
asio::awaitable<void> Connection::writeLoop([[maybe_unused]] std::shared_ptr<Connection> self) {
  try {
    while (state_ == State::kOpen) {
      if (out_.empty()) {
        writer_idle_ = true;
        asio::error_code ec;
        co_await writer_wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        writer_idle_ = false;
        continue;
      }
      inflight_.swap(out_);
      const std::uint64_t batch_end = frames_queued_;
      asio::error_code ec;
      co_await std::visit(
          [&](auto& stream) {
            return asio::async_write(stream, asio::buffer(inflight_),
                                     asio::redirect_error(asio::use_awaitable, ec));
          },
          stream_);
      if (ec) {
        close(Errc::kConnectionClosed, fmt::format("write failed: {}", ec.message()));
        co_return;
      }
      ++write_count_;
      frames_written_ = batch_end;
      inflight_.clear();
      if (inflight_.capacity() > kMaxRetainedBuffer) {
        std::string().swap(inflight_);
      }
      completeFlushWaiters();
    }
  } catch (const std::exception& e) {
    close(Errc::kConnectionClosed, fmt::format("writer stopped: {}", e.what()));
  }
}

Result<void> Connection::enqueue(const codec::RemotingCommand& command) {
  const std::size_t before = out_.size();
  auto encoded = codec::encodeFrame(command, out_, options_.max_frame_size);
  if (!encoded) {
    out_.resize(before);  // drop a partly appended frame
    return makeError(std::move(encoded.error())
                         .withContext(fmt::format("encoding code={} opaque={} for {}", command.code,
                                                  command.opaque, addr_)));
  }
  ++frames_queued_;
  if (writer_idle_) {
    writer_idle_ = false;
    writer_wake_.cancel();
  }
  return {};
}

void Connection::completeFlushWaiters() {
  while (!flush_waiters_.empty() && flush_waiters_.front()->frame <= frames_written_) {
    FlushWaiter* waiter = flush_waiters_.front();
    flush_waiters_.pop_front();
    waiter->complete({});
  }
}

void Connection::dispatch(codec::RemotingCommand command) {
  received_frames_ = true;
  ++frames_received_;
  if (command.isResponse()) {
    const auto it = pending_.find(command.opaque);
    if (it == pending_.end()) {
      // Its call timed out or was cancelled (or the peer is confused): Java drops these too.
      logger()->debug("dropped_response addr={} opaque={} code={} reason=no_pending_call", addr_,
                      command.opaque, command.code);
      return;
    }
    PendingCall* call = it->second;
    pending_.erase(it);
    call->complete(std::move(command));
    return;
  }
  if (!group_.spawn(serveRequest(shared_from_this(), std::move(command)))) {
    logger()->debug("dropped_request addr={} reason=shutting_down", addr_);
  }
}

asio::awaitable<void> Connection::serveRequest([[maybe_unused]] std::shared_ptr<Connection> self,
                                               codec::RemotingCommand request) {
  const std::int32_t code = request.code;
  const std::int32_t opaque = request.opaque;
  const bool oneway = request.isOneway();
  std::optional<codec::RemotingCommand> response;
  const RequestHandler* found =
      observer_ != nullptr ? observer_->findRequestHandler(code) : nullptr;
  if (found == nullptr || !*found) {
    // Same answer and remark as Java's NettyRemotingAbstract.processRequestCommand.
    logger()->warn("unsupported_request addr={} code={} opaque={} oneway={}", addr_, code, opaque,
                   oneway);
    response = makeResponse(kRequestCodeNotSupportedCode,
                            fmt::format(" request type {} not supported", code));
  } else {
    const RequestHandler handler = *found;  // a copy: the owner may replace it while we wait
    try {
      response = co_await handler(addr_, std::move(request));
    } catch (const asio::system_error& e) {
      if (e.code() == asio::error::operation_aborted
          && (group_.cancelled() || state_ != State::kOpen)) {
        // Cancelled by shutdown: nobody is left to answer.
        logger()->debug("request_handler_cancelled addr={} code={} opaque={}", addr_, code, opaque);
        co_return;
      }
      logger()->error("request_handler_failed addr={} code={} opaque={} what=\"{}\"", addr_, code,
                      opaque, e.what());
      response = makeResponse(kSystemErrorCode, e.what());
    } catch (const std::exception& e) {
      logger()->error("request_handler_failed addr={} code={} opaque={} what=\"{}\"", addr_, code,
                      opaque, e.what());
      response = makeResponse(kSystemErrorCode, e.what());
    } catch (...) {
      logger()->error("request_handler_failed addr={} code={} opaque={} what=unknown", addr_, code,
                      opaque);
      response = makeResponse(kSystemErrorCode, "unknown exception in request handler");
    }
  }
  if (oneway || !response || state_ != State::kOpen) {
    co_return;
  }
  response->opaque = opaque;
  response->flag = (response->flag | codec::kFlagResponse) & ~codec::kFlagOneway;
  if (auto queued = enqueue(*response); !queued) {
    logger()->error("response_not_sent addr={} code={} opaque={} error=\"{}\"", addr_, code, opaque,
                    queued.error().toString());
    auto fallback = makeResponse(kSystemErrorCode, "response could not be encoded");
    fallback.opaque = opaque;
    (void)enqueue(fallback);
  }
}

asio::awaitable<Result<codec::RemotingCommand>> Connection::call(
    codec::RemotingCommand request, std::chrono::milliseconds timeout) {
  const std::shared_ptr<Connection> self = shared_from_this();
  const std::int32_t opaque = request.opaque;
  const std::int32_t code = request.code;
  if (state_ == State::kClosed) {
    co_return makeError(
        Error(close_reason_).withContext(fmt::format("request code={} opaque={}", code, opaque)));
  }
  if (pending_.contains(opaque)) {
    co_return makeError(
        Errc::kInternal,
        fmt::format("opaque {} already in use on the connection to {}", opaque, addr_));
  }
  if (auto queued = enqueue(request); !queued) {
    co_return makeError(std::move(queued.error()));
  }
  PendingCall pending(*this, opaque, timeout);
  pending_.emplace(opaque, &pending);
  pending.registered = true;
  const std::uint64_t received_before = frames_received_;

  asio::error_code ec;
  try {
    co_await pending.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  } catch (const std::exception&) {
    ec = asio::error::operation_aborted;  // the awaiting coroutine had already been cancelled
  }
  if (pending.result) {
    auto result = std::move(*pending.result);
    if (!result) {
      co_return makeError(std::move(result.error())
                              .withContext(fmt::format("request code={} opaque={}", code, opaque)));
    }
    co_return result;
  }
  pending.unregister();  // a response arriving from now on is dropped as late
  if (!ec) {
    auto timed_out =
        makeError(Errc::kTimeout, fmt::format("no response from {} to request code={} opaque={} "
                                              "within {} ms",
                                              addr_, code, opaque, timeout.count()));
    if (frames_received_ == received_before && state_ != State::kClosed) {
      // Not a frame from the peer for the whole deadline: the peer or the path is dead (a
      // silently dropped NAT entry, a partition, a hung broker). Waiting on this connection would
      // time out forever; closing it fails the other calls now and the next call reconnects.
      // (Java closes the channel on every sync timeout, clientCloseSocketIfTimeout.)
      close(Errc::kConnectionClosed,
            fmt::format("nothing received for {} ms (request code={} opaque={} timed out)",
                        timeout.count(), code, opaque));
    }
    co_return timed_out;
  }
  co_return makeError(Errc::kCancelled, fmt::format("request code={} opaque={} to {} cancelled",
                                                    code, opaque, addr_));
}

asio::awaitable<Result<void>> Connection::send(codec::RemotingCommand request,
                                               std::chrono::milliseconds timeout) {
  const std::shared_ptr<Connection> self = shared_from_this();
  const std::int32_t opaque = request.opaque;
  const std::int32_t code = request.code;
  if (state_ == State::kClosed) {
    co_return makeError(
        Error(close_reason_).withContext(fmt::format("request code={} opaque={}", code, opaque)));
  }
  if (auto queued = enqueue(request); !queued) {
    co_return makeError(std::move(queued.error()));
  }
  FlushWaiter waiter(*this, frames_queued_, timeout);
  waiter.position = flush_waiters_.insert(flush_waiters_.end(), &waiter);
  waiter.registered = true;

  asio::error_code ec;
  try {
    co_await waiter.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  } catch (const std::exception&) {
    ec = asio::error::operation_aborted;
  }
  if (waiter.result) {
    auto result = std::move(*waiter.result);
    if (!result) {
      co_return makeError(std::move(result.error())
                              .withContext(fmt::format("request code={} opaque={}", code, opaque)));
    }
    co_return result;
  }
  waiter.unregister();
  if (!ec) {
    co_return makeError(Errc::kTimeout,
                        fmt::format("request code={} opaque={} not written to {} within {} ms",
                                    code, opaque, addr_, timeout.count()));
  }
  co_return makeError(Errc::kCancelled, fmt::format("request code={} opaque={} to {} cancelled",
                                                    code, opaque, addr_));
}

}  // namespace ferry::rpc
