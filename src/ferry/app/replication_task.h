// The daemon's Task for a configured replication task: a replication::TaskEngine whose TaskSpec
// is filled from control::TaskConfig (docs/config.md -> docs/replication.md, "Engine").
// Runs on the daemon's io thread like every Task.
#pragma once

#include <memory>

#include "ferry/app/daemon.h"
#include "ferry/base/error.h"
#include "ferry/control/config.h"
#include "ferry/replication/task_spec.h"

namespace ferry::app {

// The engine's spec for `task`: cluster ids are the config's cluster names, the internal group
// holds the checkpoints, batching limits come from `batching`; everything else keeps the
// engine's defaults.
replication::TaskSpec taskSpecOf(const control::TaskConfig& task);

// TaskFactory of the product. kInvalidArgument when the spec does not validate (a tag expression
// the engine cannot parse, for example).
Result<std::unique_ptr<Task>> makeReplicationTask(const TaskContext& context);

}  // namespace ferry::app
