// Component tests of the rpc layer: a real rpc::Client talking over loopback sockets (TCP and
// TLS) to an in-process fake RocketMQ peer written here on top of the codec.
//
// Threading: one io_context thread runs the client and the fake server; the test body runs on the
// gtest thread and reaches into the io thread only through onIo() (post + wait) and spawn()
// (co_spawn + future), so no state is shared without synchronisation. Nothing sleeps a fixed
// time: conditions are polled with a deadline, and every wait on the io thread is bounded.
// TLS certificates are generated in memory with the OpenSSL API for each test that needs one.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ferry/async/io_thread.h"
#include "ferry/codec/remoting_command.h"
#include "ferry/rpc/client.h"

namespace ferry::rpc {
namespace {

using codec::RemotingCommand;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// Upper bound for any single wait in a test; only reached when something is broken.
constexpr auto kTestLimit = seconds(20);

// ---------------------------------------------------------------------------------------------
// io thread harness

// Every client and server must be gone by the end of a test: the io_context must run out of
// work on its own (that checks shutdown() left nothing behind). If it does not, fail and stop it.
class IoThread : public async::IoThread {
 public:
  IoThread() = default;
  ~IoThread() {
    if (!stop(seconds(10))) {
      ADD_FAILURE() << "io_context still had work 10 s after the test: something was not drained";
    }
  }
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;
};

template <class T>
T waitFor(std::future<T> future, const char* what) {
  if (future.wait_for(kTestLimit) != std::future_status::ready) {
    std::fprintf(stderr, "FATAL: %s did not complete within the test limit\n", what);
    std::abort();  // ctest runs each test in its own process; a hang must not block the suite
  }
  return future.get();
}

// ---------------------------------------------------------------------------------------------
// TLS material

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

std::string bioToString(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// A self-signed P-256 certificate for `alt_names` (127.0.0.1 by default) that is its own CA.
TestCert makeSelfSignedCert(const char* common_name, const char* alt_names = "IP:127.0.0.1") {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), static_cast<long>(std::rand() % 100000 + 1));
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ext_ctx;
  X509V3_set_ctx_nodb(&ext_ctx);
  X509V3_set_ctx(&ext_ctx, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_subject_alt_name, alt_names}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ext_ctx, nid, value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, key, EVP_sha256());

  TestCert out;
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, cert);
  out.cert_pem = bioToString(cert_bio);
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = bioToString(key_bio);
  BIO_free(key_bio);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

std::shared_ptr<asio::ssl::context> serverTlsContext(const TestCert& cert) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  context->use_certificate_chain(asio::buffer(cert.cert_pem));
  context->use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem);
  return context;
}

// A file removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    path_ = std::filesystem::temp_directory_path()
            / ("ferry_rpc_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++)
               + ".pem");
    std::ofstream(path_) << content;
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

// The signature a broker would expect, computed independently of codec/signing.cc.
std::string expectedSignature(const RemotingCommand& request, const std::string& secret) {
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [key, value] : request.ext_fields) {
    if (key != "Signature") {
      fields.emplace_back(key, value);
    }
  }
  std::sort(fields.begin(), fields.end());
  std::string content;
  for (const auto& field : fields) {
    content += field.second;
  }
  content += request.body;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), digest, &digest_len);
  unsigned char encoded[64] = {};
  const int n = EVP_EncodeBlock(encoded, digest, static_cast<int>(digest_len));
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

// ---------------------------------------------------------------------------------------------
// Fake RocketMQ peer

class FakeServer;

// One accepted connection. Decodes with codec::FrameDecoder (not the client's in-place decoder).
class Session : public std::enable_shared_from_this<Session> {
 public:
  using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

  Session(FakeServer* server, asio::ip::tcp::socket socket,
          const std::shared_ptr<asio::ssl::context>& tls)
      : server_(server),
        stream_(std::in_place_index<0>, std::move(socket)),
        wake_(stream_executor()) {
    if (tls) {
      auto plain = std::move(std::get<0>(stream_));
      stream_.emplace<1>(std::move(plain), *tls);
    }
    wake_.expires_at(asio::steady_timer::time_point::max());
  }

  void start(bool silent);
  FakeServer& server() { return *server_; }
  void send(const RemotingCommand& command) {
    if (closed_) {
      return;
    }
    EXPECT_TRUE(codec::encodeFrame(command, out_));
    wake_.cancel();
  }
  void sendRaw(const std::string& bytes) {
    out_ += bytes;
    wake_.cancel();
  }
  // Answers `request` with `response` (opaque and response flag filled in).
  void reply(const RemotingCommand& request, RemotingCommand response) {
    response.opaque = request.opaque;
    response.flag |= codec::kFlagResponse;
    send(response);
  }
  void close() {
    if (closed_) {
      return;
    }
    closed_ = true;
    asio::error_code ignored;
    lowest().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    lowest().close(ignored);
    wake_.cancel();
  }

 private:
  asio::any_io_executor stream_executor() {
    return std::visit([](auto& s) { return asio::any_io_executor(s.get_executor()); }, stream_);
  }
  asio::ip::tcp::socket& lowest() {
    if (auto* tls = std::get_if<1>(&stream_)) {
      return tls->next_layer();
    }
    return std::get<0>(stream_);
  }
  asio::awaitable<void> readLoop(std::shared_ptr<Session> self);
  asio::awaitable<void> writeLoop(std::shared_ptr<Session> self);

  FakeServer* server_;
  std::variant<asio::ip::tcp::socket, TlsStream> stream_;
  asio::steady_timer wake_;
  std::string out_;
  bool closed_ = false;
};

class FakeServer {
 public:
  // Called on the io thread for every frame a client sends (requests and responses).
  using Behavior = std::function<void(Session&, RemotingCommand)>;

  struct Options {
    std::shared_ptr<asio::ssl::context> tls;
    bool silent = false;  // accept, then never read or write (a peer that hangs)
    std::uint16_t port = 0;
  };

  FakeServer(asio::any_io_executor executor, Options options, Behavior behavior)
      : executor_(std::move(executor)),
        options_(std::move(options)),
        behavior_(std::move(behavior)),
        acceptor_(executor_) {}

  // Runs on the io thread. A restarted server listens on the port it had before.
  void start() {
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"),
                                     port_ != 0 ? port_ : options_.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(executor_, acceptLoop(), asio::detached);
  }
  void stop() {
    asio::error_code ignored;
    acceptor_.close(ignored);
    closeSessions();
  }
  void closeSessions() {
    for (auto& weak : sessions_) {
      if (auto session = weak.lock()) {
        session->close();
      }
    }
    sessions_.clear();
  }

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  void onFrame(Session& session, RemotingCommand command) {
    received.push_back(command);
    behavior_(session, std::move(command));
  }

  // Test-visible state; touch only on the io thread.
  struct Held {
    std::shared_ptr<Session> session;
    RemotingCommand request;
  };
  int accepted = 0;
  std::vector<RemotingCommand> received;  // every frame from clients, in arrival order
  std::vector<Held> held;                 // requests the behaviour chose not to answer yet
  std::vector<std::shared_ptr<Session>> silent_sessions;

 private:
  asio::awaitable<void> acceptLoop() {
    for (;;) {
      asio::error_code ec;
      asio::ip::tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        co_return;
      }
      ++accepted;
      auto session = std::make_shared<Session>(this, std::move(socket), options_.tls);
      sessions_.push_back(session);
      session->start(options_.silent);
    }
  }

  asio::any_io_executor executor_;
  Options options_;
  Behavior behavior_;
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::vector<std::weak_ptr<Session>> sessions_;
};

void Session::start(bool silent) {
  if (silent) {
    server_->silent_sessions.push_back(shared_from_this());  // keep the socket open, unread
    return;
  }
  asio::co_spawn(stream_executor(), readLoop(shared_from_this()), asio::detached);
}

asio::awaitable<void> Session::readLoop(std::shared_ptr<Session> self) {
  asio::error_code ec;
  if (auto* tls = std::get_if<1>(&stream_)) {
    co_await tls->async_handshake(asio::ssl::stream_base::server,
                                  asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      close();
      co_return;
    }
  }
  asio::co_spawn(stream_executor(), writeLoop(self), asio::detached);
  codec::FrameDecoder decoder;
  std::vector<std::byte> buffer(16 * 1024);
  while (!closed_) {
    const std::size_t n = co_await std::visit(
        [&](auto& stream) {
          return stream.async_read_some(asio::buffer(buffer),
                                        asio::redirect_error(asio::use_awaitable, ec));
        },
        stream_);
    if (ec) {
      break;
    }
    decoder.feed(std::span<const std::byte>(buffer.data(), n));
    for (;;) {
      auto next = decoder.next();
      if (!next) {
        ADD_FAILURE() << "fake server cannot decode a client frame: " << next.error().toString();
        close();
        co_return;
      }
      if (!next->has_value()) {
        break;
      }
      server_->onFrame(*this, std::move(**next));
      if (closed_) {
        co_return;
      }
    }
  }
  close();
}

asio::awaitable<void> Session::writeLoop([[maybe_unused]] std::shared_ptr<Session> self) {
  std::string inflight;
  while (!closed_) {
    if (out_.empty()) {
      asio::error_code ignored;
      co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    inflight.swap(out_);
    asio::error_code ec;
    co_await std::visit(
        [&](auto& stream) {
          return asio::async_write(stream, asio::buffer(inflight),
                                   asio::redirect_error(asio::use_awaitable, ec));
        },
        stream_);
    inflight.clear();
    if (ec) {
      close();
    }
  }
}

RemotingCommand request(int n, std::int32_t code = 14) {
  RemotingCommand command;
  command.code = code;
  command.ext_fields.set("n", std::to_string(n));
  command.body = "body-" + std::to_string(n);
  return command;
}

// The default fake-peer answer: code 0, echoing extField "n" and the body.
RemotingCommand echoOf(const RemotingCommand& request) {
  RemotingCommand response;
  response.code = 0;
  if (auto n = request.ext_fields.get("n")) {
    response.ext_fields.set("n", std::string(*n));
  }
  response.body = request.body;
  return response;
}

void echoBehavior(Session& session, RemotingCommand command) {
  if (!command.isResponse() && !command.isOneway()) {
    session.reply(command, echoOf(command));
  }
}

// ---------------------------------------------------------------------------------------------
// Fixture

class RpcClientTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& client : clients_) {
      waitFor(spawn(client->shutdown()), "client shutdown");
      onIo([&] { client.reset(); });
    }
    onIo([&] {
      for (auto& server : servers_) {
        server->stop();
        server->silent_sessions.clear();
        server->held.clear();
      }
      servers_.clear();
    });
  }

  // Runs `f` on the io thread and returns its result.
  template <class F>
  auto onIo(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto future = task.get_future();
    // Wrapped: asio treats a bare packaged_task as a completion token and takes its future.
    asio::post(io_.context(), [task = std::move(task)]() mutable { task(); });
    return waitFor(std::move(future), "io thread task");
  }

  template <class T>
  std::future<T> spawn(asio::awaitable<T> task) {
    return asio::co_spawn(io_.context(), std::move(task), asio::use_future);
  }

  // Polls `condition` on the io thread until it holds or the test limit passes.
  template <class F>
  bool eventually(F condition) {
    const auto deadline = Clock::now() + kTestLimit;
    while (Clock::now() < deadline) {
      if (onIo(condition)) {
        return true;
      }
      std::this_thread::sleep_for(milliseconds(2));  // poll interval, not a wait for an outcome
    }
    return false;
  }

  FakeServer* startServer(FakeServer::Behavior behavior = echoBehavior,
                          FakeServer::Options options = {}) {
    return onIo([&] {
      servers_.push_back(
          std::make_unique<FakeServer>(io_.executor(), std::move(options), std::move(behavior)));
      servers_.back()->start();
      return servers_.back().get();
    });
  }

  Client* makeClient(ClientOptions options = {}) {
    return onIo([&]() -> Client* {
      auto client = Client::create(io_.executor(), std::move(options));
      if (!client) {
        ADD_FAILURE() << client.error().toString();
        return nullptr;
      }
      clients_.push_back(std::move(*client));
      return clients_.back().get();
    });
  }

  Result<RemotingCommand> callSync(Client* client, const std::string& addr, RemotingCommand req,
                                   milliseconds timeout = milliseconds(5000)) {
    return waitFor(spawn(client->call(addr, std::move(req), timeout)), "call");
  }

  IoThread io_;
  std::vector<std::unique_ptr<FakeServer>> servers_;
  std::vector<std::unique_ptr<Client>> clients_;
};

// Keeps every request for the test to answer later (or never).
void holdBehavior(Session& session, RemotingCommand command) {
  if (!command.isResponse() && !command.isOneway()) {
    session.server().held.push_back({session.shared_from_this(), std::move(command)});
  }
}

// ---------------------------------------------------------------------------------------------
// Tests

TEST_F(RpcClientTest, CorrelatesConcurrentCallsAnsweredOutOfOrder) {
  constexpr int kCalls = 64;
  FakeServer* server = startServer(holdBehavior);
  Client* client = makeClient();
  std::vector<std::future<Result<RemotingCommand>>> calls;
  // Issue every call from one io-thread handler, so all frames queue before the writer runs.
  onIo([&] {
    for (int i = 0; i < kCalls; ++i) {
      calls.push_back(spawn(client->call(server->address(), request(i), seconds(10))));
    }
    return 0;
  });
  ASSERT_TRUE(eventually([&] { return server->held.size() == kCalls; }));
  onIo([&] {
    for (auto it = server->held.rbegin(); it != server->held.rend(); ++it) {
      it->session->reply(it->request, echoOf(it->request));
    }
    server->held.clear();
    return 0;
  });
  for (int i = 0; i < kCalls; ++i) {
    auto result = waitFor(std::move(calls[i]), "call");
    ASSERT_TRUE(result) << result.error().toString();
    EXPECT_EQ(result->ext_fields.get("n"), std::to_string(i));
    EXPECT_EQ(result->body, "body-" + std::to_string(i));
    EXPECT_TRUE(result->isResponse());
  }
  onIo([&] {
    auto connection = client->connection(server->address());
    EXPECT_TRUE(connection);
    if (connection) {
      // Coalescing: frames queued in one handler leave in fewer socket writes than frames.
      EXPECT_EQ(connection->framesWritten(), static_cast<std::uint64_t>(kCalls));
      EXPECT_LT(connection->writeCount(), connection->framesWritten());
    }
    EXPECT_EQ(server->accepted, 1);
    return 0;
  });
}

TEST_F(RpcClientTest, OpaquesAreDistinctAndRequestsAreNotFlaggedAsResponses) {
  FakeServer* server = startServer();
  Client* client = makeClient();
  for (int i = 0; i < 3; ++i) {
    RemotingCommand req = request(i);
    req.flag = codec::kFlagResponse;  // the client must reset caller-supplied flags
    ASSERT_TRUE(callSync(client, server->address(), req));
  }
  onIo([&] {
    EXPECT_EQ(server->received.size(), 3U);
    for (std::size_t i = 0; i < server->received.size(); ++i) {
      EXPECT_EQ(server->received[i].flag, 0);
      for (std::size_t j = 0; j < i; ++j) {
        EXPECT_NE(server->received[i].opaque, server->received[j].opaque);
      }
    }
    return 0;
  });
}

TEST_F(RpcClientTest, DeadlineGivesTimeoutAndLateResponseIsDropped) {
  FakeServer* server = startServer(holdBehavior);
  Client* client = makeClient();
  // A long call first: the peer answers it while the short one waits, so the connection is alive
  // when the short one times out and survives it.
  auto alive = spawn(client->call(server->address(), request(0), seconds(10)));
  ASSERT_TRUE(eventually([&] { return server->held.size() == 1; }));
  // Its deadline leaves the test ample time to answer the first call before it passes.
  auto late = spawn(client->call(server->address(), request(1), milliseconds(2000)));
  ASSERT_TRUE(eventually([&] { return server->held.size() == 2; }));
  onIo([&] {
    auto& first = server->held[0];
    first.session->reply(first.request, echoOf(first.request));
    return 0;
  });
  ASSERT_TRUE(waitFor(std::move(alive), "answered call"));
  auto timed_out = waitFor(std::move(late), "late call");
  ASSERT_FALSE(timed_out);
  EXPECT_EQ(timed_out.error().code, Errc::kTimeout) << timed_out.error().toString();
  EXPECT_NE(timed_out.error().message.find(server->address()), std::string::npos);

  // Answer the timed-out call now, then make a third call on the same connection: the late
  // response arrives first on the stream and must be dropped, not given to the third call.
  auto third = spawn(client->call(server->address(), request(2), seconds(10)));
  ASSERT_TRUE(eventually([&] { return server->held.size() == 3; }));
  onIo([&] {
    auto& second = server->held[1];
    second.session->reply(second.request, echoOf(second.request));
    auto& next = server->held[2];
    next.session->reply(next.request, echoOf(next.request));
    return 0;
  });
  auto result = waitFor(std::move(third), "third call");
  ASSERT_TRUE(result) << result.error().toString();
  EXPECT_EQ(result->ext_fields.get("n"), "2");
  onIo([&] {
    EXPECT_EQ(server->accepted, 1);  // the timeout did not cost the connection
    auto connection = client->connection(server->address());
    EXPECT_TRUE(connection && connection->pendingCalls() == 0);
    return 0;
  });
}

TEST_F(RpcClientTest, DefaultTimeoutAppliesWhenCallerPassesNone) {
  FakeServer* server = startServer(holdBehavior);
  ClientOptions options;
  options.default_timeout = milliseconds(100);
  Client* client = makeClient(options);
  auto result = callSync(client, server->address(), request(1), kDefaultTimeout);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kTimeout);
  EXPECT_NE(result.error().message.find("100 ms"), std::string::npos) << result.error().message;
}

TEST_F(RpcClientTest, OnewayIsWrittenWithFlagAndNeverAnswered) {
  FakeServer* server = startServer();  // echo answers requests, but never oneways
  Client* client = makeClient();
  RemotingCommand note = request(7, 40);
  auto sent = waitFor(spawn(client->oneway(server->address(), note)), "oneway");
  ASSERT_TRUE(sent) << sent.error().toString();
  ASSERT_TRUE(eventually([&] { return server->received.size() == 1; }));
  onIo([&] {
    EXPECT_EQ(server->received[0].code, 40);
    EXPECT_TRUE(server->received[0].isOneway());
    EXPECT_FALSE(server->received[0].isResponse());
    return 0;
  });
  // The connection stays usable.
  auto result = callSync(client, server->address(), request(8));
  ASSERT_TRUE(result) << result.error().toString();
  EXPECT_EQ(result->ext_fields.get("n"), "8");
}

// Answers requests whose extField n is "warmup"; holds all others.
void warmupThenHoldBehavior(Session& session, RemotingCommand command) {
  if (command.ext_fields.get("n") == "warmup") {
    session.reply(command, echoOf(command));
    return;
  }
  holdBehavior(session, std::move(command));
}

RemotingCommand warmup() {
  RemotingCommand command = request(0);
  command.ext_fields.set("n", "warmup");
  return command;
}

TEST_F(RpcClientTest, ServerClosingFailsAllPendingCallsBeforeTheirDeadline) {
  constexpr int kCalls = 20;
  FakeServer* server = startServer(warmupThenHoldBehavior);
  Client* client = makeClient();
  ASSERT_TRUE(callSync(client, server->address(), warmup()));
  const auto deadline = seconds(15);
  const auto started = Clock::now();
  std::vector<std::future<Result<RemotingCommand>>> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.push_back(spawn(client->call(server->address(), request(i), deadline)));
  }
  ASSERT_TRUE(eventually([&] { return server->held.size() == kCalls; }));
  onIo([&] {
    server->held.clear();
    server->closeSessions();
    return 0;
  });
  for (auto& call : calls) {
    // Must complete before its own deadline: the failure comes from the close, not the timer.
    ASSERT_EQ(call.wait_until(started + deadline), std::future_status::ready);
    auto result = call.get();
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, Errc::kConnectionClosed) << result.error().toString();
    EXPECT_NE(result.error().message.find(server->address()), std::string::npos);
    EXPECT_NE(result.error().message.find("peer closed"), std::string::npos)
        << result.error().message;
  }
  // The dropped connection had worked (it carried a response), so the next call reconnects at
  // once instead of backing off.
  ASSERT_TRUE(callSync(client, server->address(), warmup()));
  onIo([&] {
    EXPECT_EQ(server->accepted, 2);
    return 0;
  });
}

TEST_F(RpcClientTest, TimeoutWithNothingReceivedClosesTheConnectionAndTheNextCallReconnects) {
  // A peer that accepted and then went silent (a partition, a blackholing proxy, a hung broker):
  // the connection would time out forever. The first timeout with no frame from the peer since
  // its request closes it: other calls on it fail at once, and a later call connects again.
  FakeServer* server = startServer(warmupThenHoldBehavior);
  Client* client = makeClient();
  ASSERT_TRUE(callSync(client, server->address(), warmup()));
  auto other = spawn(client->call(server->address(), request(1), seconds(30)));
  ASSERT_TRUE(eventually([&] { return server->held.size() == 1; }));
  const auto started = Clock::now();
  auto timed_out = callSync(client, server->address(), request(2), milliseconds(200));
  ASSERT_FALSE(timed_out);
  EXPECT_EQ(timed_out.error().code, Errc::kTimeout) << timed_out.error().toString();
  // The other call fails with the close, long before its own 30 s deadline.
  ASSERT_EQ(other.wait_until(started + seconds(10)), std::future_status::ready);
  auto failed = other.get();
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, Errc::kConnectionClosed) << failed.error().toString();
  EXPECT_NE(failed.error().message.find("nothing received"), std::string::npos)
      << failed.error().message;
  // The closed connection had answered before (the warm-up), so the next call reconnects at once.
  ASSERT_TRUE(callSync(client, server->address(), warmup()));
  onIo([&] {
    EXPECT_EQ(server->accepted, 2);
    return 0;
  });
}

TEST_F(RpcClientTest, ConnectFailureNamesTheAddress) {
  // A port that was just free: nothing listens there.
  const std::uint16_t port = onIo([&] {
    asio::ip::tcp::acceptor probe(io_.context(),
                                  asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return probe.local_endpoint().port();
  });
  const std::string addr = "127.0.0.1:" + std::to_string(port);
  Client* client = makeClient();
  auto result = callSync(client, addr, request(1));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kConnectFailed) << result.error().toString();
  EXPECT_NE(result.error().message.find(addr), std::string::npos) << result.error().message;

  auto bad = callSync(client, "not-an-address", request(2));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kConnectFailed) << bad.error().toString();
}

TEST_F(RpcClientTest, ReconnectsAfterServerRestartHonoringBackoff) {
  FakeServer* server = startServer();
  ClientOptions options;
  // Long enough that the fail-fast checks below run inside the window even on a loaded machine.
  options.backoff_initial = milliseconds(2000);
  options.backoff_max = milliseconds(2000);
  Client* client = makeClient(options);
  const std::string addr = server->address();
  ASSERT_TRUE(callSync(client, addr, request(1)));

  // Server goes away; wait until the client has noticed the disconnect.
  onIo([&] {
    server->stop();
    return 0;
  });
  ASSERT_TRUE(eventually([&] { return client->connection(addr) == nullptr; }));

  // A working connection dropped: the next call tries at once, and is refused. The backoff
  // starts when the refusal is seen, which is after `before_refusal`.
  const auto before_refusal = Clock::now();
  auto refused = callSync(client, addr, request(2));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kConnectFailed) << refused.error().toString();

  // The server is back on the same port, but we are in backoff: calls fail fast without
  // touching the peer, naming the address and when the next attempt is allowed.
  onIo([&] {
    server->start();
    server->accepted = 0;
    return 0;
  });
  auto fast = callSync(client, addr, request(3));
  ASSERT_FALSE(fast);
  EXPECT_EQ(fast.error().code, Errc::kConnectFailed);
  EXPECT_NE(fast.error().message.find("backoff"), std::string::npos) << fast.error().message;
  EXPECT_NE(fast.error().message.find(addr), std::string::npos);
  EXPECT_NE(fast.error().message.find("next attempt allowed in"), std::string::npos);

  // Keep calling: the first success comes after the backoff, over exactly one new connection.
  Result<RemotingCommand> result = makeError(Errc::kInternal, "not called");
  const auto limit = Clock::now() + kTestLimit;
  int fast_failures = 0;
  while (Clock::now() < limit) {
    result = callSync(client, addr, request(4));
    if (result) {
      break;
    }
    EXPECT_EQ(result.error().code, Errc::kConnectFailed) << result.error().toString();
    ++fast_failures;
    std::this_thread::sleep_for(milliseconds(5));  // poll interval
  }
  ASSERT_TRUE(result) << result.error().toString();
  // Jitter keeps the delay within [initial/2, initial].
  EXPECT_GE(Clock::now() - before_refusal, milliseconds(1000));
  EXPECT_GT(fast_failures, 0);
  onIo([&] {
    EXPECT_EQ(server->accepted, 1);
    return 0;
  });
}

TEST_F(RpcClientTest, DisconnectClosesAndNextCallReconnectsImmediately) {
  FakeServer* server = startServer();
  Client* client = makeClient();
  ASSERT_TRUE(callSync(client, server->address(), request(1)));
  onIo([&] {
    client->disconnect(server->address());
    EXPECT_EQ(client->connection(server->address()), nullptr);
    return 0;
  });
  ASSERT_TRUE(callSync(client, server->address(), request(2)));
  onIo([&] {
    EXPECT_EQ(server->accepted, 2);
    return 0;
  });
}

// Handlers for requests the fake broker sends to the client.
asio::awaitable<std::optional<RemotingCommand>> runningInfoHandler(std::string addr,
                                                                   RemotingCommand request) {
  RemotingCommand response;
  response.code = 0;
  response.remark = "from " + addr;
  response.ext_fields.set("echo", std::string(request.ext_fields.get("x").value_or("")));
  co_return response;
}

asio::awaitable<std::optional<RemotingCommand>> silentHandler(std::string, RemotingCommand) {
  co_return std::nullopt;
}

asio::awaitable<std::optional<RemotingCommand>> throwingHandler(std::string, RemotingCommand) {
  throw std::runtime_error("handler exploded");
  co_return std::nullopt;
}

RemotingCommand serverRequest(std::int32_t code, std::int32_t opaque, bool oneway = false) {
  RemotingCommand command;
  command.code = code;
  command.opaque = opaque;
  command.flag = oneway ? codec::kFlagOneway : 0;
  command.ext_fields.set("x", "42");
  return command;
}

TEST_F(RpcClientTest, ServerInitiatedRequestsAreAnsweredThroughHandlers) {
  // On the client's first request, the fake broker calls back over the same connection.
  FakeServer* server = startServer([](Session& session, RemotingCommand command) {
    if (command.isResponse()) {
      return;
    }
    if (command.ext_fields.get("n") == "1") {
      session.send(serverRequest(307, 9001));          // handled
      session.send(serverRequest(12345, 9002));        // no handler: code 3
      session.send(serverRequest(40, 9003, true));     // oneway, handled: no answer
      session.send(serverRequest(12346, 9004, true));  // oneway, unknown: no answer either
      session.send(serverRequest(41, 9005));           // handler returns nullopt: no answer
      session.send(serverRequest(42, 9006));           // handler throws: code 1
    }
    session.reply(command, echoOf(command));
  });
  Client* client = makeClient();
  auto oneway_calls = std::make_shared<std::atomic<int>>(0);
  onIo([&] {
    client->setRequestHandler(307, runningInfoHandler);
    client->setRequestHandler(40, [oneway_calls](std::string addr, RemotingCommand req) {
      ++*oneway_calls;
      return silentHandler(std::move(addr), std::move(req));
    });
    client->setRequestHandler(41, silentHandler);
    client->setRequestHandler(42, throwingHandler);
    return 0;
  });
  ASSERT_TRUE(callSync(client, server->address(), request(1)));
  auto responses = [&] {
    std::vector<RemotingCommand> out;
    for (const auto& frame : server->received) {
      if (frame.isResponse()) {
        out.push_back(frame);
      }
    }
    return out;
  };
  ASSERT_TRUE(eventually([&] { return responses().size() == 3; }));
  ASSERT_TRUE(eventually([&] { return oneway_calls->load() == 1; }));
  // A later round trip flushes anything the client might still (wrongly) send.
  ASSERT_TRUE(callSync(client, server->address(), request(2)));
  const auto answered = onIo(responses);
  ASSERT_EQ(answered.size(), 3U);
  std::map<std::int32_t, RemotingCommand> by_opaque;
  for (const auto& response : answered) {
    EXPECT_EQ(response.flag, codec::kFlagResponse);
    by_opaque[response.opaque] = response;
  }
  ASSERT_TRUE(by_opaque.contains(9001));
  EXPECT_EQ(by_opaque[9001].code, 0);
  EXPECT_EQ(by_opaque[9001].ext_fields.get("echo"), "42");
  EXPECT_EQ(by_opaque[9001].remark, "from " + server->address());
  ASSERT_TRUE(by_opaque.contains(9002));
  EXPECT_EQ(by_opaque[9002].code, 3);
  EXPECT_EQ(by_opaque[9002].remark, " request type 12345 not supported");
  ASSERT_TRUE(by_opaque.contains(9006));
  EXPECT_EQ(by_opaque[9006].code, 1);
  EXPECT_EQ(by_opaque[9006].remark, "handler exploded");
}

TEST_F(RpcClientTest, SignsRequestsButNotResponses) {
  const std::string secret = "12345678";
  FakeServer* server = startServer([secret](Session& session, RemotingCommand command) {
    if (command.isResponse() || command.isOneway()) {
      return;
    }
    // Verify like a broker: AccessKey present, signature over everything else matches.
    RemotingCommand response = echoOf(command);
    const auto signature = command.ext_fields.get("Signature");
    const bool valid = command.ext_fields.get("AccessKey") == "RocketMQ"
                       && command.ext_fields.get("SecurityToken") == "sts" && signature
                       && *signature == expectedSignature(command, secret);
    response.code = valid ? 0 : 1;
    if (!valid) {
      response.remark = "signature mismatch";
    }
    session.send(serverRequest(307, 5000 + command.opaque));  // the answer must not be signed
    session.reply(command, std::move(response));
  });
  ClientOptions options;
  options.credentials = Credentials{"RocketMQ", secret, "sts"};
  Client* client = makeClient(options);
  onIo([&] {
    client->setRequestHandler(307, runningInfoHandler);
    return 0;
  });
  for (int i = 0; i < 3; ++i) {
    RemotingCommand req = request(i);
    req.ext_fields.set("topic", "TopicTest");
    auto result = callSync(client, server->address(), req);
    ASSERT_TRUE(result) << result.error().toString();
    EXPECT_EQ(result->code, 0) << result->remark.value_or("");
  }
  auto oneway = waitFor(spawn(client->oneway(server->address(), request(9, 40))), "oneway");
  ASSERT_TRUE(oneway);
  ASSERT_TRUE(eventually([&] {
    int responses = 0;
    bool oneway_signed = false;
    for (const auto& frame : server->received) {
      if (frame.isResponse()) {
        ++responses;
        EXPECT_FALSE(frame.ext_fields.contains("Signature"));
        EXPECT_FALSE(frame.ext_fields.contains("AccessKey"));
      } else if (frame.isOneway()) {
        oneway_signed = frame.ext_fields.get("Signature") == expectedSignature(frame, "12345678");
      }
    }
    return responses == 3 && oneway_signed;
  }));
}

TEST_F(RpcClientTest, OversizedFrameFromPeerClosesTheConnection) {
  FakeServer* server = startServer([](Session& session, RemotingCommand command) {
    RemotingCommand response = echoOf(command);
    response.body.assign(64 * 1024, 'x');
    session.reply(command, std::move(response));
  });
  ClientOptions options;
  options.max_frame_size = 4096;
  Client* client = makeClient(options);
  auto result = callSync(client, server->address(), request(1), seconds(10));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kConnectionClosed) << result.error().toString();
  EXPECT_NE(result.error().message.find("frame_too_large"), std::string::npos)
      << result.error().message;
}

TEST_F(RpcClientTest, UndecodableFrameFromPeerClosesTheConnection) {
  FakeServer* server = startServer([](Session& session, RemotingCommand) {
    // Length 8, header length 100: the header runs past the frame.
    session.sendRaw(std::string("\x00\x00\x00\x08\x00\x00\x00\x64garbage!", 16));
  });
  Client* client = makeClient();
  auto result = callSync(client, server->address(), request(1), seconds(10));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kConnectionClosed) << result.error().toString();
  EXPECT_NE(result.error().message.find("undecodable"), std::string::npos)
      << result.error().message;
}

TEST_F(RpcClientTest, OversizedRequestIsRefusedWithoutHarmingTheConnection) {
  FakeServer* server = startServer();
  ClientOptions options;
  options.max_frame_size = 4096;
  Client* client = makeClient(options);
  RemotingCommand big = request(1);
  big.body.assign(8192, 'y');
  auto refused = callSync(client, server->address(), big);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kFrameTooLarge) << refused.error().toString();
  auto ok = callSync(client, server->address(), request(2));
  ASSERT_TRUE(ok) << ok.error().toString();
  EXPECT_EQ(ok->ext_fields.get("n"), "2");
}

asio::awaitable<std::optional<RemotingCommand>> hangingHandler(std::string, RemotingCommand) {
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::hours(1));
  co_await timer.async_wait(asio::use_awaitable);
  co_return std::nullopt;
}

TEST_F(RpcClientTest, ShutdownCancelsPendingCallsAndHandlersAndDrains) {
  FakeServer* server = startServer([](Session& session, RemotingCommand command) {
    if (command.code == 14 && command.ext_fields.get("n") == "0") {
      session.send(serverRequest(307, 7001));  // the client's handler for it never finishes
    }
    holdBehavior(session, std::move(command));
  });
  Client* client = makeClient();
  onIo([&] {
    client->setRequestHandler(307, hangingHandler);
    return 0;
  });
  std::vector<std::future<Result<RemotingCommand>>> calls;
  for (int i = 0; i < 5; ++i) {
    calls.push_back(spawn(client->call(server->address(), request(i), seconds(15))));
  }
  ASSERT_TRUE(eventually([&] { return server->held.size() == 5; }));
  waitFor(spawn(client->shutdown()), "shutdown");
  for (auto& call : calls) {
    auto result = waitFor(std::move(call), "call");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, Errc::kCancelled) << result.error().toString();
  }
  auto after = callSync(client, server->address(), request(9));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, Errc::kCancelled);
  // TearDown shuts down again (idempotent) and IoThread checks that nothing is left running.
}

TEST_F(RpcClientTest, DestroyingWithoutShutdownFailsCallsAndLeavesNothingRunning) {
  FakeServer* server = startServer(holdBehavior);
  Client* client = makeClient();
  auto pending = spawn(client->call(server->address(), request(1), seconds(15)));
  ASSERT_TRUE(eventually([&] { return server->held.size() == 1; }));
  onIo([&] {
    clients_.clear();
    return 0;
  });
  auto result = waitFor(std::move(pending), "call");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kCancelled) << result.error().toString();
}

// --- TLS ---------------------------------------------------------------------------------------

class RpcTlsTest : public RpcClientTest {
 protected:
  TestCert cert_ = makeSelfSignedCert("ferry-test-broker");
};

TEST_F(RpcTlsTest, CallsOverTlsWithoutVerification) {
  FakeServer* server = startServer(echoBehavior, {.tls = serverTlsContext(cert_)});
  ClientOptions options;
  options.tls.enabled = true;
  Client* client = makeClient(options);
  for (int i = 0; i < 3; ++i) {
    auto result = callSync(client, server->address(), request(i));
    ASSERT_TRUE(result) << result.error().toString();
    EXPECT_EQ(result->ext_fields.get("n"), std::to_string(i));
  }
}

TEST_F(RpcTlsTest, VerifiesTheServerAgainstTheCaFile) {
  FakeServer* server = startServer(echoBehavior, {.tls = serverTlsContext(cert_)});
  TempFile ca(cert_.cert_pem);
  ClientOptions options;
  options.tls.enabled = true;
  options.tls.verify_peer = true;
  options.tls.ca_file = ca.path();
  Client* client = makeClient(options);
  auto result = callSync(client, server->address(), request(1));
  ASSERT_TRUE(result) << result.error().toString();
}

TEST_F(RpcTlsTest, RejectsAnUntrustedServerCertificate) {
  FakeServer* server = startServer(echoBehavior, {.tls = serverTlsContext(cert_)});
  TempFile other_ca(makeSelfSignedCert("someone-else").cert_pem);
  ClientOptions options;
  options.tls.enabled = true;
  options.tls.verify_peer = true;
  options.tls.ca_file = other_ca.path();
  Client* client = makeClient(options);
  auto result = callSync(client, server->address(), request(1));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kTls) << result.error().toString();
  EXPECT_NE(result.error().message.find("certificate verify failed"), std::string::npos)
      << result.error().message;
}

TEST_F(RpcTlsTest, VerifiesTheConfiguredServerName) {
  TestCert named = makeSelfSignedCert("ferry-test-broker", "DNS:broker.ferry.test");
  FakeServer* server = startServer(echoBehavior, {.tls = serverTlsContext(named)});
  TempFile ca(named.cert_pem);
  ClientOptions options;
  options.tls.enabled = true;
  options.tls.verify_peer = true;
  options.tls.ca_file = ca.path();
  options.tls.server_name = "broker.ferry.test";
  Client* client = makeClient(options);
  auto result = callSync(client, server->address(), request(1));
  ASSERT_TRUE(result) << result.error().toString();
}

TEST_F(RpcTlsTest, RejectsACertificateForAnotherName) {
  TestCert named = makeSelfSignedCert("ferry-test-broker", "DNS:broker.ferry.test");
  FakeServer* server = startServer(echoBehavior, {.tls = serverTlsContext(named)});
  TempFile ca(named.cert_pem);
  ClientOptions options;
  options.tls.enabled = true;
  options.tls.verify_peer = true;
  options.tls.ca_file = ca.path();
  options.tls.server_name = "other.ferry.test";
  Client* client = makeClient(options);
  auto result = callSync(client, server->address(), request(1));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kTls) << result.error().toString();
  EXPECT_NE(result.error().message.find("certificate verify failed"), std::string::npos)
      << result.error().message;
}

TEST_F(RpcTlsTest, WithoutServerNameTheCertificateMustNameTheDialledIp) {
  TestCert named = makeSelfSignedCert("ferry-test-broker", "DNS:broker.ferry.test");
  FakeServer* server = startServer(echoBehavior, {.tls = serverTlsContext(named)});
  TempFile ca(named.cert_pem);
  ClientOptions options;
  options.tls.enabled = true;
  options.tls.verify_peer = true;
  options.tls.ca_file = ca.path();
  Client* client = makeClient(options);
  auto result = callSync(client, server->address(), request(1));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kTls) << result.error().toString();
}

TEST_F(RpcTlsTest, HandshakeTimeoutAgainstASilentPeer) {
  FakeServer::Options silent;
  silent.silent = true;
  FakeServer* server = startServer(echoBehavior, silent);
  ClientOptions options;
  options.tls.enabled = true;
  options.handshake_timeout = milliseconds(200);
  Client* client = makeClient(options);
  auto result = callSync(client, server->address(), request(1), seconds(15));
  ASSERT_FALSE(result);
  // kTls (not kTimeout) proves the handshake deadline fired before the call's.
  EXPECT_EQ(result.error().code, Errc::kTls) << result.error().toString();
  EXPECT_NE(result.error().message.find("timed out after 200 ms"), std::string::npos)
      << result.error().message;
}

TEST_F(RpcTlsTest, MissingCaFileIsAnInvalidArgument) {
  ClientOptions options;
  options.tls.enabled = true;
  options.tls.verify_peer = true;
  options.tls.ca_file = "/nonexistent/ca.pem";
  auto client = onIo([&] { return Client::create(io_.executor(), options).has_value(); });
  EXPECT_FALSE(client);
}

}  // namespace
}  // namespace ferry::rpc
