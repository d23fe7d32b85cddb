// Running a replication::TaskEngine from an integration test's thread: the engine lives on the
// fixture's io thread (async::IoThread), the test polls its status through io_.run().
#pragma once

#include <atomic>
#include <exception>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/this_coro.hpp>

#include "ferry/control/status.h"
#include "ferry/replication/task_engine.h"

namespace ferry::testing {

// Spawns engine->run() on the current executor; `finished` turns true when run() has returned.
inline asio::awaitable<void> spawnEngine(replication::TaskEngine* engine,
                                         std::atomic<bool>* finished) {
  auto executor = co_await asio::this_coro::executor;
  asio::co_spawn(executor, engine->run(),
                 [finished](const std::exception_ptr&) { finished->store(true); });
}

inline asio::awaitable<control::TaskStatus> engineStatus(replication::TaskEngine* engine) {
  co_return engine->status();
}

inline asio::awaitable<void> requestEngineStop(replication::TaskEngine* engine) {
  engine->requestStop();
  co_return;
}

}  // namespace ferry::testing
