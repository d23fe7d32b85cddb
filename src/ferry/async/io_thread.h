// Runs coroutines from blocking code: an io_context on a thread of its own (as in the daemon),
// and run() to start an awaitable there and block the calling thread until it has completed.
// The CLI's one-shot commands, the integration tests and runSync() (unit tests) all use it.
//
//   async::IoThread io;
//   Result<int> r = io.run(computeSomething());    // the caller blocks; the coroutine runs on io
//
// Lifecycle: the constructor starts the thread; the io_context has a work guard, so it runs until
// stop() or destruction. stop() (and the destructor) is orderly: it releases the work guard and
// lets the io_context run out of work on its own -- owners must have shut down what they started
// (e.g. rpc::Client::shutdown() inside a run()) -- and only if that does not happen within the
// drain limit stops it, destroying what is left unrun. Then it joins the thread.
//
// Threading: run(), stop() and destruction are for other threads (never the io thread: run()
// would wait for itself and throws std::logic_error instead; destruction there terminates). One
// caller at a time per IoThread is the intended use, but concurrent run()s are safe. Everything
// else reaches the io thread via context().
//
// Deadlines: an IoThread made with a run limit bounds every run(): when it expires, terminal
// cancellation is emitted to the coroutine, run() waits until the coroutine has finished (so
// nothing it references is freed under it), then throws std::runtime_error. A coroutine that
// ignores cancellation therefore keeps run() waiting; the rest of Ferry honours it.
#pragma once

#include <chrono>
#include <exception>
#include <future>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include <asio/awaitable.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

namespace ferry::async {

class IoThread {
 public:
  using Duration = std::chrono::steady_clock::duration;

  explicit IoThread(std::optional<Duration> run_limit = std::nullopt);
  ~IoThread();
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;
  IoThread(IoThread&&) = delete;
  IoThread& operator=(IoThread&&) = delete;

  asio::io_context& context() { return context_; }
  asio::any_io_executor executor() { return context_.get_executor(); }

  // Runs `task` on the io thread and blocks until it has completed: returns its value or rethrows
  // what it threw (Result errors are values and come back as such).
  template <class T>
  T run(asio::awaitable<T> task) {
    if constexpr (std::is_void_v<T>) {
      runToCompletion(std::move(task));
    } else {
      std::optional<T> out;
      runToCompletion(storeInto(std::move(task), &out));
      return std::move(*out);
    }
  }

  // Orderly shutdown (see above); true if the io_context ran out of work within `drain_limit`,
  // false if it had to be stopped. Idempotent: later calls return the first call's answer.
  bool stop(Duration drain_limit = std::chrono::seconds(10));

 private:
  // co_spawn needs a default-constructible value type, which Result<T> is not: run the task in
  // a void coroutine that stores the value in the blocked caller's frame.
  template <class T>
  static asio::awaitable<void> storeInto(asio::awaitable<T> task, std::optional<T>* out) {
    out->emplace(co_await std::move(task));
  }

  void runToCompletion(asio::awaitable<void> task);

  void threadMain();

  std::optional<Duration> run_limit_;
  asio::io_context context_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::promise<void> ran_out_;  // set when context_.run() has returned
  std::future<void> ran_out_future_;
  std::optional<bool> drained_;  // stop()'s answer, once it has run
  std::thread thread_;
};

// Runs `task` to completion on a fresh IoThread (unit tests, one-shot tools) and shuts it down.
template <class T>
T runSync(asio::awaitable<T> task) {
  IoThread io;
  return io.run(std::move(task));
}

}  // namespace ferry::async
