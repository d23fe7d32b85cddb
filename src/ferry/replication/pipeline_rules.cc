#include "ferry/replication/pipeline_rules.h"

#include <algorithm>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace ferry::replication {

SendFailure classifySendFailure(const Error& error) {
  switch (error.code) {
    case Errc::kMessageIllegal:
    case Errc::kNoPermission: return SendFailure::kRejected;
    case Errc::kStoredButNotFlushed: return SendFailure::kStored;
    default: return SendFailure::kRetry;
  }
}

std::string_view sendFailureName(SendFailure failure) {
  switch (failure) {
    case SendFailure::kRetry: return "retry";
    case SendFailure::kRejected: return "rejected";
    case SendFailure::kStored: return "stored";
  }
  return "unknown";
}

Error inCluster(Error error, std::string_view cluster) {
  const std::string name = fmt::format("cluster '{}'", cluster);
  if (error.message.find(name) != std::string::npos) {
    return error;
  }
  return std::move(error).withContext(name);
}

bool routeMayBeStale(const Error& error) {
  switch (error.code) {
    case Errc::kConnectFailed:
    case Errc::kConnectionClosed:
    case Errc::kTimeout:
    case Errc::kTopicNotExist:
    case Errc::kServiceUnavailable:
    case Errc::kNotFound: return true;
    default: return false;
  }
}

NextStep nextStep(std::size_t unsent, std::size_t unsent_bytes, bool source_has_more,
                  std::size_t target_bytes, std::size_t max_pending_bytes) {
  if (unsent == 0) {
    return source_has_more ? NextStep::kPullMore : NextStep::kPullWait;
  }
  if (source_has_more && unsent_bytes < std::min(target_bytes, max_pending_bytes)) {
    return NextStep::kPullMore;
  }
  return NextStep::kSend;
}

std::size_t pullsToIssue(std::size_t max_in_flight, bool wait, bool last_answer_full,
                         std::int64_t backlog_messages, std::int32_t pull_batch,
                         std::size_t room_bytes, std::size_t bytes_per_pull) {
  if (wait || !last_answer_full || max_in_flight <= 1 || pull_batch <= 0
      || backlog_messages <= pull_batch) {
    return 1;
  }
  const auto ranges = static_cast<std::size_t>((backlog_messages + pull_batch - 1) / pull_batch);
  std::size_t n = std::min(max_in_flight, ranges);
  if (bytes_per_pull > 0) {
    n = std::min(n, std::max<std::size_t>(1, room_bytes / bytes_per_pull));
  }
  return std::max<std::size_t>(1, n);
}

bool shouldCommitNow(bool has_pending_commit, bool stopping,
                     std::chrono::steady_clock::duration since_last_commit,
                     std::chrono::milliseconds interval) {
  if (!has_pending_commit) {
    return false;
  }
  return stopping || since_last_commit >= interval;
}

void LinkEstimator::observe(std::size_t bytes, std::chrono::microseconds latency) {
  if (latency.count() <= 0) {
    return;
  }
  // The round trip: the smallest latency seen, slowly forgotten (raised 1/16 towards each new
  // sample) so a route change to a farther broker is learned.
  if (samples_ == 0 || latency < rtt_) {
    rtt_ = latency;
  } else {
    rtt_ += (latency - rtt_) / 16;
  }
  ++samples_;
  // The transfer time of this send; while it is small against the round trip, it is taken as a
  // quarter round trip, so the estimate (and with it bandwidth x rtt) grows at most 4x per send
  // until the transfer time is measurable -- when the batch carries about bandwidth x rtt.
  const auto transfer = std::max(latency - rtt_, rtt_ / 4);
  if (transfer.count() > 0) {
    bandwidth_ = static_cast<double>(bytes) * 1e6 / static_cast<double>(transfer.count());
  }
}

void RateWindow::sample(std::chrono::steady_clock::time_point now, std::uint64_t cumulative) {
  if (samples_.size() >= 2 && now - samples_[samples_.size() - 2].first < std::chrono::seconds(1)) {
    samples_.back() = {now, cumulative};
  } else {
    samples_.emplace_back(now, cumulative);
  }
  // Keep one sample at or before the window's start, so the average spans the whole window.
  while (samples_.size() > 2 && now - samples_[1].first >= window_) {
    samples_.pop_front();
  }
}

double RateWindow::perSecond(std::chrono::steady_clock::time_point now,
                             std::uint64_t cumulative) const {
  for (const auto& [time, count] : samples_) {
    if (now - time <= window_ || &samples_.back().first == &time) {
      const double seconds = std::chrono::duration<double>(now - time).count();
      if (seconds <= 0 || cumulative < count) {
        return 0;
      }
      return static_cast<double>(cumulative - count) / seconds;
    }
  }
  return 0;
}

std::int64_t lagMessages(model::SourceOffset source_max_offset, model::SourceOffset checkpoint) {
  return std::max<std::int64_t>(0, source_max_offset.distanceFrom(checkpoint));
}

std::optional<double> lagSeconds(std::int64_t lag_messages,
                                 std::optional<StoreTime> oldest_unreplicated_store_time,
                                 StoreTime now) {
  if (lag_messages <= 0) {
    return 0.0;
  }
  if (!oldest_unreplicated_store_time) {
    return std::nullopt;
  }
  const std::chrono::duration<double> age =
      now.timePoint() - oldest_unreplicated_store_time->timePoint();
  return std::max(0.0, age.count());
}

}  // namespace ferry::replication
