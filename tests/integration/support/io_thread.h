// Runs Ferry's coroutines for integration tests: one io_context on its own thread (as in the
// daemon), with run() to co_await a coroutine from the test thread and wait for its result.
#pragma once

#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include <asio/co_spawn.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

namespace ferry::testing {

class IoThread {
 public:
  IoThread() : guard_(asio::make_work_guard(context_)), thread_([this] { context_.run(); }) {}
  ~IoThread() {
    guard_.reset();
    context_.stop();
    thread_.join();
  }
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;
  IoThread(IoThread&&) = delete;
  IoThread& operator=(IoThread&&) = delete;

  asio::io_context& context() { return context_; }

  template <class T>
  T run(asio::awaitable<T> awaitable, std::chrono::seconds timeout = std::chrono::seconds(120)) {
    auto future = asio::co_spawn(context_, std::move(awaitable), asio::use_future);
    if (future.wait_for(timeout) != std::future_status::ready) {
      throw std::runtime_error("coroutine did not finish within the test's deadline");
    }
    return future.get();
  }

 private:
  asio::io_context context_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

}  // namespace ferry::testing
