// A group of spawned coroutines that can be cancelled and drained as one.
//
// The coroutines that outlive their caller (rpc connection runners, writers, broker-request
// handlers; whenAll()'s calls; a task engine's pipelines; the daemon's tasks) are spawned into a
// TaskGroup, so shutdown can cancel them all and wait for the last one, after which nothing of the
// owner is referenced from the io_context. Those outside a group: docs/ARCHITECTURE.md, "Threads".
//
// Threading: a TaskGroup and every task in it run on one executor (the owner's io_context
// thread); no method is thread-safe. Lifecycle: the handle may be copied (copies share the
// group); the shared state lives until the last task has completed, so destroying the handle
// while tasks run is safe (they keep running, unobserved).
#pragma once

#include <cstddef>
#include <memory>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

namespace ferry::async {

class TaskGroup {
 public:
  explicit TaskGroup(asio::any_io_executor executor);

  // Starts `task` on the group's executor. co_spawn may run the task inline up to its first
  // suspension, so callers must be in a consistent state before calling. Returns false, and
  // drops the task unstarted, once the group has been cancelled.
  bool spawn(asio::awaitable<void> task);

  // Emits terminal cancellation to every running task (their pending operation completes with
  // operation_aborted) and refuses new tasks. Idempotent.
  void cancel();

  // Completes when no task of the group is running. Must not be awaited from a task of the same
  // group (it would wait for itself). Returns early, with tasks still running, if the awaiting
  // coroutine is cancelled. Never throws.
  asio::awaitable<void> wait();

  // Structured wait: like wait(), but if the awaiting coroutine is cancelled meanwhile, the
  // cancellation is forwarded to every task (cancel()) and join() keeps waiting until the last
  // task has finished, so tasks may reference the awaiting coroutine's state. The awaiting
  // coroutine stays cancelled: its next co_await reports it as usual. Same rules as wait().
  asio::awaitable<void> join();

  std::size_t size() const;
  bool cancelled() const;

  struct State;  // opaque; public only so the completion handler in task_group.cc can name it

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ferry::async
