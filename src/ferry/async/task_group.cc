#include "ferry/async/task_group.h"

#include <exception>
#include <list>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/cancellation_state.hpp>
#include <asio/co_spawn.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "ferry/base/log.h"

namespace ferry::async {

struct TaskGroup::State {
  explicit State(asio::any_io_executor ex) : executor(std::move(ex)), idle(executor) {
    idle.expires_at(asio::steady_timer::time_point::max());
  }

  asio::any_io_executor executor;
  // One signal per running task; std::list keeps nodes (signals are not movable) at stable
  // addresses while others come and go.
  std::list<asio::cancellation_signal> signals;
  std::size_t running = 0;
  bool cancelled = false;
  // Never expires; cancelling it wakes every wait()er (a broadcast condition variable).
  asio::steady_timer idle;
};

namespace {

// Completion handler of a task. The signal that co_spawn bound the task to owns the task's
// cancellation state, and co_spawn may still be unwinding when this runs, so the signal is
// released in a separately posted step.
struct TaskDone {
  std::shared_ptr<TaskGroup::State> state;
  std::list<asio::cancellation_signal>::iterator signal;

  void operator()(const std::exception_ptr& error) const {
    if (error) {
      // Tasks are written to catch everything; an escape is a bug worth seeing, not a crash.
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        log::get(log::Module::kAsync)->error("task_exception what=\"{}\"", e.what());
      } catch (...) {
        log::get(log::Module::kAsync)->error("task_exception what=unknown");
      }
    }
    asio::post(state->executor, [state = state, signal = signal] {
      state->signals.erase(signal);
      if (--state->running == 0) {
        state->idle.cancel();
      }
    });
  }
};

void cancelTasks(TaskGroup::State& state) {
  state.cancelled = true;
  // emit() may run handlers inline that finish a task; its node is only erased in a posted step,
  // so iterating here stays valid.
  for (auto& signal : state.signals) {
    signal.emit(asio::cancellation_type::terminal);
  }
}

}  // namespace

TaskGroup::TaskGroup(asio::any_io_executor executor)
    : state_(std::make_shared<State>(std::move(executor))) {}

bool TaskGroup::spawn(asio::awaitable<void> task) {
  if (state_->cancelled) {
    return false;
  }
  auto signal = state_->signals.emplace(state_->signals.end());
  ++state_->running;
  asio::co_spawn(state_->executor, std::move(task),
                 asio::bind_cancellation_slot(signal->slot(), TaskDone{state_, signal}));
  return true;
}

void TaskGroup::cancel() {
  cancelTasks(*state_);
}

asio::awaitable<void> TaskGroup::wait() {
  // Keep the state alive even if the handle is destroyed while we wait.
  std::shared_ptr<State> state = state_;
  while (state->running > 0) {
    asio::error_code ec;
    try {
      co_await state->idle.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    } catch (const std::exception&) {
      // The waiting coroutine itself was cancelled: stop waiting.
      co_return;
    }
  }
}

asio::awaitable<void> TaskGroup::join() {
  std::shared_ptr<State> state = state_;
  // Observe our own cancellation instead of throwing on it, and restore the caller's setting
  // before returning (it is shared by every frame of the awaiting coroutine's thread).
  asio::cancellation_state self = co_await asio::this_coro::cancellation_state;
  const bool throw_if_cancelled = co_await asio::this_coro::throw_if_cancelled();
  co_await asio::this_coro::throw_if_cancelled(false);
  while (state->running > 0) {
    if (self.cancelled() != asio::cancellation_type::none && !state->cancelled) {
      cancelTasks(*state);
    }
    asio::error_code ec;
    co_await state->idle.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_await asio::this_coro::throw_if_cancelled(throw_if_cancelled);
}

std::size_t TaskGroup::size() const {
  return state_->running;
}

bool TaskGroup::cancelled() const {
  return state_->cancelled;
}

}  // namespace ferry::async
