// One RocketMQ remoting connection: a TCP (optionally TLS) stream to one "ip:port", the calls in
// flight on it, and the requests the peer sends us over it. See docs/rpc.md.
//
// Inside: a runner coroutine that connects (resolve, connect, TLS handshake, each bounded by a
// timeout) and then reads frames; a writer coroutine that writes everything queued since its last
// write in one gathered write; and a table opaque -> pending call. Frames with flag bit 0 set are
// responses and complete the pending call with their opaque (late or unknown ones are dropped);
// all other frames are requests from the peer, answered through the owner's RequestHandler for
// their code, or with REQUEST_CODE_NOT_SUPPORTED (3), never when flagged oneway.
//
// A call that reaches its deadline without any frame from the peer since it was queued closes
// the connection (the peer or the path is dead); a timeout while other frames arrive does not.
//
// Lifecycle: create() -> start() -> kConnecting -> kOpen -> kClosed. A connection is never
// reused after it closes; the owner creates a new one. close() is idempotent and, synchronously,
// fails every pending call and flush waiter with the close reason, so callers resume promptly.
// Calls may be issued while kConnecting: their frames wait in the write buffer.
//
// Threading and ownership: everything runs on the executor given to create() (the owner's single
// io_context thread); no method is thread-safe. The connection is held by shared_ptr: by its owner
// while usable, and by each of its own coroutines and each caller awaiting call()/send() while
// those run, so it outlives them all. The coroutines live in the owner's TaskGroup. The observer
// is a raw pointer the owner clears with detach() before it goes away.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>

#include "ferry/async/task_group.h"
#include "ferry/base/error.h"
#include "ferry/codec/remoting_command.h"
#include "ferry/rpc/transport.h"

namespace ferry::rpc {

// Response codes the transport itself produces when answering peer requests
// (RemotingSysResponseCode).
inline constexpr std::int32_t kSystemErrorCode = 1;
inline constexpr std::int32_t kRequestCodeNotSupportedCode = 3;

struct ConnectionOptions {
  std::chrono::milliseconds connect_timeout{3000};           // resolve + TCP connect
  std::chrono::milliseconds handshake_timeout{3000};         // TLS handshake, after connect
  std::size_t max_frame_size = codec::kDefaultMaxFrameSize;  // both directions, prefix included
  std::shared_ptr<asio::ssl::context> tls;  // shared by a client's connections; null: plain TCP
  // TLS only: the name sent as SNI (not for IP literals) and, when tls_verify_name, the name the
  // peer's certificate must carry. Empty: the host part of the connection's address.
  std::string tls_server_name;
  bool tls_verify_name = false;
};

class Connection;

// What a connection needs from its owner. Called on the connection's executor.
class ConnectionObserver {
 public:
  ConnectionObserver() = default;
  ConnectionObserver(const ConnectionObserver&) = delete;
  ConnectionObserver& operator=(const ConnectionObserver&) = delete;
  ConnectionObserver(ConnectionObserver&&) = delete;
  ConnectionObserver& operator=(ConnectionObserver&&) = delete;

  // The connection closed; its pending calls have already been failed. `established` says
  // whether connect (and TLS handshake) had completed. Must not destroy anything the connection
  // still uses (the connection keeps itself alive for the duration of the call).
  virtual void onConnectionClosed(Connection& connection, bool established) = 0;
  // The handler for a request code the peer sent, or nullptr when the code is not handled.
  virtual const RequestHandler* findRequestHandler(std::int32_t code) = 0;

 protected:
  ~ConnectionObserver() = default;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class State : std::uint8_t { kConnecting, kOpen, kClosed };

  // `addr` is "ip:port", "host:port" or "[ipv6]:port". `observer` may be null.
  static std::shared_ptr<Connection> create(asio::any_io_executor executor, std::string addr,
                                            ConnectionOptions options, async::TaskGroup group,
                                            ConnectionObserver* observer);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&&) = delete;
  Connection& operator=(Connection&&) = delete;

  // Starts connecting in the background (a task in the group).
  void start();

  // Queues `request` (opaque and flags already set by the caller; the opaque must not be in use
  // on this connection) and waits at most `timeout` for the response with the same opaque.
  // Errors: kTimeout, kConnectionClosed / kConnectFailed / kTls (the connection's close reason),
  // kCancelled (shutdown, or the awaiting coroutine was cancelled), codec errors when the request
  // cannot be encoded within the frame limit.
  asio::awaitable<Result<codec::RemotingCommand>> call(codec::RemotingCommand request,
                                                       std::chrono::milliseconds timeout);

  // Queues `request` (a oneway request or a response) and completes once the frame has been
  // written to the socket, or with an error as call() does.
  asio::awaitable<Result<void>> send(codec::RemotingCommand request,
                                     std::chrono::milliseconds timeout);

  // Closes the connection with `code` and a reason "connection to <addr> closed: <cause>".
  void close(Errc code, std::string_view cause);

  // Forgets the observer (the owner is going away); later events are not reported.
  void detach() { observer_ = nullptr; }

  const std::string& address() const { return addr_; }
  State state() const { return state_; }
  // Why the connection closed; meaningful once state() == kClosed.
  const Error& closeReason() const { return close_reason_; }
  // True once any frame was received: the peer speaks the protocol (used by the reconnect policy).
  bool receivedFrames() const { return received_frames_; }
  std::size_t pendingCalls() const { return pending_.size(); }
  // Number of socket writes so far and frames they carried (coalescing shows as frames > writes).
  std::uint64_t writeCount() const { return write_count_; }
  std::uint64_t framesWritten() const { return frames_written_; }

 private:
  struct PendingCall;
  struct FlushWaiter;
  using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

  Connection(asio::any_io_executor executor, std::string addr, ConnectionOptions options,
             async::TaskGroup group, ConnectionObserver* observer);

  asio::awaitable<void> run(std::shared_ptr<Connection> self);
  asio::awaitable<Result<void>> establish();
  asio::awaitable<void> readLoop();
  asio::awaitable<void> writeLoop(std::shared_ptr<Connection> self);
  asio::awaitable<void> serveRequest(std::shared_ptr<Connection> self,
                                     codec::RemotingCommand request);

  void dispatch(codec::RemotingCommand command);
  Result<void> enqueue(const codec::RemotingCommand& command);
  void completeFlushWaiters();
  void armSetupTimer(std::chrono::milliseconds timeout);
  void disarmSetupTimer();
  void closeWith(Error reason);
  asio::ip::tcp::socket& socket();

  asio::any_io_executor executor_;
  std::string addr_;
  ConnectionOptions options_;
  async::TaskGroup group_;
  ConnectionObserver* observer_;

  State state_ = State::kConnecting;
  Error close_reason_;
  bool received_frames_ = false;
  std::uint64_t frames_received_ = 0;  // a call that times out with no frame since closes us

  std::variant<asio::ip::tcp::socket, TlsStream> stream_;
  asio::ip::tcp::resolver resolver_;
  // Bounds connect and handshake: when it fires it closes the socket, which aborts the operation.
  asio::steady_timer setup_timer_;
  std::uint64_t setup_generation_ = 0;  // a firing timer acts only if still the current arming
  bool setup_timed_out_ = false;

  // Write side. Callers encode frames straight into out_; the writer swaps it with inflight_ and
  // writes the whole batch at once, so a burst of calls costs one syscall and no per-frame copy
  // beyond the encoding itself. Both buffers keep their capacity between batches.
  std::string out_;
  std::string inflight_;
  std::uint64_t frames_queued_ = 0;
  std::uint64_t frames_written_ = 0;
  std::uint64_t write_count_ = 0;
  asio::steady_timer writer_wake_;  // never expires; cancel() wakes the idle writer
  bool writer_idle_ = false;

  // Read side: frames are decoded in place from this buffer (grown for large frames).
  std::vector<std::byte> read_buffer_;

  std::unordered_map<std::int32_t, PendingCall*> pending_;  // entries live in callers' frames
  std::list<FlushWaiter*> flush_waiters_;                   // ordered by frame sequence
};

}  // namespace ferry::rpc
