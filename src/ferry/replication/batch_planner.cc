#include "ferry/replication/batch_planner.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace ferry::replication {
namespace {

constexpr std::string_view kRetryPrefix = "%RETRY%";

std::size_t cost(const OutgoingMessage& m, const BatchLimits& limits) {
  return m.batchRecordSize() + limits.per_message_overhead;
}

}  // namespace

std::size_t targetBatchBytes(double bandwidth_bytes_per_second, std::chrono::microseconds rtt,
                             std::size_t floor, std::size_t ceiling) {
  ceiling = std::max(ceiling, floor);
  if (!(bandwidth_bytes_per_second > 0) || rtt.count() <= 0) {
    return floor;
  }
  const double bdp = bandwidth_bytes_per_second * std::chrono::duration<double>(rtt).count();
  if (!std::isfinite(bdp) || bdp >= static_cast<double>(ceiling)) {
    return ceiling;
  }
  return std::max(floor, static_cast<std::size_t>(bdp));
}

std::string_view batchPlanKindName(BatchPlan::Kind kind) {
  switch (kind) {
    case BatchPlan::Kind::kEmpty: return "empty";
    case BatchPlan::Kind::kBatch: return "batch";
    case BatchPlan::Kind::kSingle: return "single";
    case BatchPlan::Kind::kTooLarge: return "too_large";
  }
  return "unknown";
}

BatchPlan planBatch(std::span<const OutgoingMessage> pending, const BatchLimits& limits,
                    std::size_t target_bytes) {
  BatchPlan plan;
  if (pending.empty()) {
    return plan;
  }
  const OutgoingMessage& first = pending.front();
  plan.first_offset = first.source_offset;
  plan.sys_flag = first.sys_flag;
  plan.count = 1;
  plan.bytes = first.message.body.size();
  if (first.message.body.size() > limits.max_body_size) {
    plan.kind = BatchPlan::Kind::kTooLarge;
    plan.reason =
        fmt::format("body of {} bytes exceeds the destination's maximum message size of {}",
                    first.message.body.size(), limits.max_body_size);
    return plan;
  }
  plan.kind = BatchPlan::Kind::kSingle;
  const bool no_batches = first.message.topic.starts_with(kRetryPrefix) || limits.max_messages < 2
                          || (first.sys_flag != 0 && !limits.batch_compressed);
  const std::size_t budget =
      std::min(std::max(target_bytes, cost(first, limits)), limits.max_batch_bytes);
  if (no_batches || cost(first, limits) > budget) {
    return plan;
  }
  std::size_t used = cost(first, limits);
  std::size_t body = first.batchRecordSize();
  std::size_t count = 1;
  while (count < pending.size() && count < limits.max_messages) {
    const OutgoingMessage& m = pending[count];
    if (m.sys_flag != first.sys_flag || used + cost(m, limits) > budget) {
      break;
    }
    used += cost(m, limits);
    body += m.batchRecordSize();
    ++count;
  }
  if (count >= 2) {
    plan.kind = BatchPlan::Kind::kBatch;
    plan.count = count;
    plan.bytes = body;
  }
  return plan;
}

}  // namespace ferry::replication
