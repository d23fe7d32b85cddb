// What one replication task needs to run (docs/replication.md, "Engine"): the value the daemon
// fills from control::TaskConfig and hands to TaskEngine. Kept here, not in control, so the
// engine depends on no config parser. Plain values; any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ferry/base/identity.h"
#include "ferry/replication/batch_planner.h"

namespace ferry::replication {

struct TopicSpec {
  std::string source;       // source topic
  std::string destination;  // destination topic (the source's name unless renamed)
  std::string tags = "*";   // tag expression (TagFilter::parse)
};

// Where a queue without a committed offset of the task's group starts.
struct StartSpec {
  enum class Kind : std::uint8_t { kEarliest, kLatest, kTimestamp };
  Kind kind = Kind::kEarliest;
  StoreTime time;  // kTimestamp only: first message stored at or after it
};

// Tuning of one queue pipeline. Defaults are what the daemon uses.
struct PipelineOptions {
  std::int32_t pull_batch = 32;  // maxMsgNums of one pull
  // While the queue has a backlog, pulls of the consecutive ranges [o, o + pull_batch),
  // [o + pull_batch, ...) in flight at once (answers applied in offset order); 1: one at a time.
  std::int32_t pulls_in_flight = 4;
  std::chrono::milliseconds pull_suspend{15000};  // long-poll hold when the queue is caught up
  BatchLimits limits;                             // destination limits (batch_planner.h)
  // Batch target when the link is not measured yet, and its lower bound (targetBatchBytes()).
  std::size_t target_floor = std::size_t{256} * 1024;
  // Pulled, not yet sent bytes above which the pipeline sends before pulling again.
  std::size_t max_pending_bytes = std::size_t{8} * 1024 * 1024;
  // Pull the messages behind a batch while it is in flight (still one send in flight per queue).
  bool prefetch = true;
  std::chrono::milliseconds retry_initial{200};  // backoff after a failed pull/send/commit
  std::chrono::milliseconds retry_max{10000};
  // A message the destination refuses permanently (MESSAGE_ILLEGAL, NO_PERMISSION) blocks the
  // queue (state "blocked", last_error names its source position) and is retried this often.
  std::chrono::milliseconds blocked_retry{30000};
  // Instead of blocking, give such a message up after reporting it (log line, status, counter).
  bool abandon_rejected = false;
  // An idle queue's checkpoint is written with UPDATE_CONSUMER_OFFSET at most this often; a
  // busy queue's rides on its next pull (FLAG_COMMIT_OFFSET).
  std::chrono::milliseconds commit_interval{5000};
  std::string producer_group = "FERRY_PRODUCER";  // producer group in send headers
};

struct TaskSpec {
  std::string name;
  std::string source_cluster;       // cluster id stamped into FERRY_SRC_CLUSTER
  std::string destination_cluster;  // messages stamped with this id are echoes, never sent
  std::vector<TopicSpec> topics;
  StartSpec start;
  bool create_missing_topics = true;
  std::string group;  // the task's internal consumer group on the source (its checkpoints)
  PipelineOptions pipeline;
  std::chrono::milliseconds route_refresh{30000};
  std::chrono::milliseconds setup_retry{5000};  // a failed setup (routes, topics) is retried
};

}  // namespace ferry::replication
