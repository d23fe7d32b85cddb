#include "ferry/async/io_thread.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <fmt/format.h>

#include "ferry/base/log.h"

namespace ferry::async {
namespace {

// What the blocked caller of run() and the io thread share about one run.
struct Completion {
  // Io thread only.
  asio::cancellation_signal signal;  // bound to the coroutine; emitted when the run limit expires
  bool finished = false;             // the coroutine has completed: emitting is pointless
  // Guarded by mutex.
  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;
  std::exception_ptr error;
};

// Completion handler of the coroutine. co_spawn may still be unwinding when it runs, and the
// signal it was bound to must outlive that, so the caller is only woken in a posted step (the
// caller may then release the signal).
struct RunDone {
  std::shared_ptr<Completion> completion;
  asio::any_io_executor executor;

  void operator()(const std::exception_ptr& error) const {
    completion->finished = true;
    asio::post(executor, [completion = completion, error] {
      const std::lock_guard lock(completion->mutex);
      completion->done = true;
      completion->error = error;
      completion->cv.notify_all();
    });
  }
};

}  // namespace

IoThread::IoThread(std::optional<Duration> run_limit)
    : run_limit_(run_limit),
      guard_(asio::make_work_guard(context_)),
      ran_out_future_(ran_out_.get_future()),
      thread_([this] { threadMain(); }) {}

IoThread::~IoThread() {
  if (drained_) {
    return;
  }
  try {
    stop();
  } catch (...) {
    // Only reached when destroyed on its own io thread, which cannot join itself: a bug in the
    // owner that no cleanup here could make safe.
    std::terminate();
  }
}

void IoThread::threadMain() {
  for (;;) {
    try {
      context_.run();
      break;
    } catch (const std::exception& e) {
      // A handler let an exception escape (coroutines are written to catch theirs): report it
      // and keep serving the others.
      log::get(log::Module::kAsync)->error("io_thread_handler_exception what=\"{}\"", e.what());
    } catch (...) {
      log::get(log::Module::kAsync)->error("io_thread_handler_exception what=unknown");
    }
  }
  ran_out_.set_value();
}

bool IoThread::stop(Duration drain_limit) {
  if (drained_) {
    return *drained_;
  }
  if (std::this_thread::get_id() == thread_.get_id()) {
    throw std::logic_error("IoThread::stop() called on its own io thread (it would join itself)");
  }
  guard_.reset();
  const bool drained = ran_out_future_.wait_for(drain_limit) == std::future_status::ready;
  if (!drained) {
    log::get(log::Module::kAsync)
        ->warn("io_thread_not_drained drain_limit_ms={} (stopping with work left)",
               std::chrono::duration_cast<std::chrono::milliseconds>(drain_limit).count());
    context_.stop();
  }
  thread_.join();
  drained_ = drained;
  return drained;
}

void IoThread::runToCompletion(asio::awaitable<void> task) {
  if (std::this_thread::get_id() == thread_.get_id()) {
    throw std::logic_error(
        "IoThread::run() called on its own io thread (it would wait for itself)");
  }
  if (drained_) {
    throw std::logic_error("IoThread::run() after stop()");
  }
  auto completion = std::make_shared<Completion>();
  asio::any_io_executor executor = context_.get_executor();
  // Spawned from the io thread, so that the signal is only ever touched there.
  asio::post(context_, [completion, executor, task = std::move(task)]() mutable {
    asio::co_spawn(
        executor, std::move(task),
        asio::bind_cancellation_slot(completion->signal.slot(), RunDone{completion, executor}));
  });

  std::unique_lock lock(completion->mutex);
  bool expired = false;
  if (run_limit_) {
    expired = !completion->cv.wait_for(lock, *run_limit_, [&] { return completion->done; });
    if (expired) {
      asio::post(context_, [completion] {
        if (!completion->finished) {
          completion->signal.emit(asio::cancellation_type::terminal);
        }
      });
    }
  }
  completion->cv.wait(lock, [&] { return completion->done; });
  if (expired) {
    throw std::runtime_error(fmt::format(
        "IoThread::run(): the coroutine did not finish within {} ms (cancelled; it has finished)",
        std::chrono::duration_cast<std::chrono::milliseconds>(*run_limit_).count()));
  }
  if (completion->error) {
    std::rethrow_exception(completion->error);
  }
}

}  // namespace ferry::async
