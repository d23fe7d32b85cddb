#include "ferry/progress/translation.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace ferry::progress {

using model::DestinationOffset;
using model::SourceOffset;

bool SourceOrigin::matches(const model::OriginStamp& stamp) const {
  return stamp.cluster == cluster && stamp.queue == queue;
}

std::string_view forwardOutcomeName(ForwardOutcome outcome) {
  switch (outcome) {
    case ForwardOutcome::kExact: return "exact";
    case ForwardOutcome::kAtEnd: return "at_end";
    case ForwardOutcome::kNoData: return "no_data";
    case ForwardOutcome::kClamped: return "clamped";
    case ForwardOutcome::kBounded: return "bounded";
  }
  return "exact";
}

std::string_view reverseOutcomeName(ReverseOutcome outcome) {
  switch (outcome) {
    case ReverseOutcome::kExact: return "exact";
    case ReverseOutcome::kFirstAfter: return "first_after";
    case ReverseOutcome::kNoData: return "no_data";
    case ReverseOutcome::kBounded: return "bounded";
  }
  return "exact";
}

namespace {

Error wrongProbe(std::optional<std::int64_t> expected, DestinationOffset fed) {
  if (!expected) {
    return Error{Errc::kInvalidArgument,
                 fmt::format("probe result for offset {} fed to a finished search", fed),
                 0,
                 {}};
  }
  return Error{
      Errc::kInvalidArgument,
      fmt::format("probe result for offset {} fed, the search asked for {}", fed, *expected),
      0,
      {}};
}

}  // namespace

// ---- ForwardSearch ----

ForwardSearch::ForwardSearch(SourceOrigin origin, SourceOffset committed, DestinationOffset min,
                             DestinationOffset max, SearchLimits limits)
    : origin_(std::move(origin)),
      committed_(committed),
      limits_(limits),
      end_(max.value()),
      floor_(std::min(min.value(), max.value())),
      lo_(floor_),
      hi_(end_) {
  advance();
}

std::optional<DestinationOffset> ForwardSearch::nextProbe() const {
  if (result_ || !probe_) {
    return std::nullopt;
  }
  return DestinationOffset(QueueOffset(*probe_));
}

std::int64_t ForwardSearch::unknownIn(std::int64_t from, std::int64_t to) const {
  std::int64_t unknown = to - from;
  for (auto it = free_.begin(); it != free_.end() && it->first < to; ++it) {
    const std::int64_t a = std::max(it->first, from);
    const std::int64_t b = std::min(it->second, to);
    if (b > a) {
      unknown -= b - a;
    }
  }
  return unknown;
}

std::int64_t ForwardSearch::skipKnown(std::int64_t position) const {
  auto it = free_.upper_bound(position);
  if (it != free_.begin()) {
    --it;
    if (it->second > position) {
      return it->second;  // intervals are merged: the end is not free
    }
  }
  return position;
}

void ForwardSearch::markFree(std::int64_t position) {
  std::int64_t start = position;
  std::int64_t end = position + 1;
  auto next = free_.find(end);
  if (next != free_.end()) {
    end = next->second;
    free_.erase(next);
  }
  auto it = free_.lower_bound(position);
  if (it != free_.begin()) {
    auto prev = std::prev(it);
    if (prev->second == position) {
      start = prev->first;
      free_.erase(prev);
    }
  }
  free_.emplace(start, end);
}

void ForwardSearch::advance() {
  probe_.reset();
  const std::int64_t unknown = unknownIn(lo_, hi_);
  if (unknown <= 0) {
    if (hi_ < end_ && !hi_live_) {
      probe_ = hi_;  // messages expired after the candidate was read: is it still there?
      return;
    }
    finish();
    return;
  }
  if (reads_ >= limits_.max_reads) {
    ForwardTranslation bounded;
    bounded.offset = DestinationOffset(QueueOffset(lo_));
    bounded.upper = DestinationOffset(QueueOffset(hi_));
    bounded.outcome = ForwardOutcome::kBounded;
    bounded.reads = reads_;
    result_ = bounded;
    return;
  }
  // The median offset among those not known yet.
  std::int64_t rank = unknown / 2;
  std::int64_t position = skipKnown(lo_);
  for (auto it = free_.upper_bound(position); it != free_.end() && it->first < hi_; ++it) {
    const std::int64_t gap = it->first - position;
    if (rank < gap) {
      break;
    }
    rank -= gap;
    position = it->second;
  }
  probe_ = position + rank;
}

void ForwardSearch::finish() {
  ForwardTranslation result;
  result.reads = reads_;
  result.offset = DestinationOffset(QueueOffset(hi_));
  result.upper = result.offset;
  if (hi_ == end_) {
    result.outcome = below_found_ ? ForwardOutcome::kAtEnd : ForwardOutcome::kNoData;
  } else {
    result.source_at_offset = hi_source_;
    result.outcome = below_found_ || *hi_source_ == committed_ ? ForwardOutcome::kExact
                                                               : ForwardOutcome::kClamped;
  }
  result_ = result;
}

Result<void> ForwardSearch::feed(DestinationOffset offset, const Probe& probe) {
  if (result_ || !probe_ || offset.value() != *probe_) {
    return makeError(wrongProbe(probe_, offset));
  }
  const std::int64_t position = *probe_;
  ++reads_;
  if (probe.kind == Probe::Kind::kExpired) {
    // Everything up to here is gone; the range shrinks from below.
    floor_ = std::max(floor_, position + 1);
    lo_ = std::max(lo_, floor_);
    hi_live_ = false;  // the candidate may have expired too
    if (hi_ < floor_) {
      hi_ = end_;  // it has: search the live range again
      hi_source_.reset();
    }
    advance();
    return {};
  }
  const bool from_q = probe.stamp && origin_.matches(*probe.stamp);
  if (position == hi_ && !(from_q && probe.stamp->offset >= committed_)) {
    // The candidate, read again, is another message now (the queue was recreated): it no longer
    // bounds the answer.
    hi_ = end_;
    hi_source_.reset();
  }
  if (from_q) {
    if (probe.stamp->offset >= committed_) {
      hi_ = position;
      hi_source_ = probe.stamp->offset;
      hi_live_ = true;
    } else {
      lo_ = position + 1;
      below_found_ = true;
    }
    advance();
    return {};
  }
  markFree(position);
  const std::int64_t next = skipKnown(position + 1);
  if (next >= hi_ || reads_ >= limits_.max_reads) {
    advance();  // the scan reached the upper bound: [probe, hi) holds nothing from q
  } else {
    probe_ = next;  // keep scanning forward to the next message from q
  }
  return {};
}

// ---- combining ----

std::optional<CombinedForward> combineForward(std::span<const ForwardCandidate> candidates) {
  if (candidates.empty()) {
    return std::nullopt;
  }
  CombinedForward combined;
  combined.offset = candidates.front().offset;
  DestinationOffset highest = candidates.front().offset;
  for (const auto& candidate : candidates) {
    combined.offset = std::min(combined.offset, candidate.offset);
    highest = std::max(highest, candidate.offset);
  }
  for (const auto& candidate : candidates) {
    combined.duplicates_at_most.push_back(candidate.offset.distanceFrom(combined.offset));
  }
  combined.estimated_duplicates = highest.distanceFrom(combined.offset);
  return combined;
}

// ---- ReverseSearch ----

ReverseSearch::ReverseSearch(std::string cluster, std::vector<model::SourceQueue> sources,
                             DestinationOffset position, DestinationOffset min,
                             DestinationOffset max, SearchLimits limits, std::int64_t block)
    : cluster_(std::move(cluster)),
      sources_(std::move(sources)),
      limits_(limits),
      block_(std::max<std::int64_t>(block, 1)),
      end_(max.value()),
      floor_(std::min(min.value(), max.value())),
      found_(sources_.size()),
      in_block_(sources_.size()) {
  position_ = std::clamp(position.value(), floor_, end_);
  if (sources_.empty()) {
    return;
  }
  if (position_ > floor_) {
    block_end_ = position_;
    block_start_ = std::max(floor_, block_end_ - block_);
    probe_ = block_start_;
  } else {
    startForward();
  }
}

std::optional<DestinationOffset> ReverseSearch::nextProbe() const {
  if (!probe_) {
    return std::nullopt;
  }
  return DestinationOffset(QueueOffset(*probe_));
}

bool ReverseSearch::allBeforeFound() const {
  return std::all_of(found_.begin(), found_.end(),
                     [](const Found& f) { return f.last_before.has_value(); });
}

bool ReverseSearch::allAfterFound() const {
  return std::all_of(found_.begin(), found_.end(), [](const Found& f) {
    return f.last_before.has_value() || f.first_after.has_value();
  });
}

// Called when the backward phase is over: reads forward from D for the sources still without a
// message before it.
void ReverseSearch::startForward() {
  forward_ = true;
  const std::int64_t start = std::max(position_, floor_);
  if (allAfterFound() || start >= end_) {
    probe_.reset();
  } else {
    probe_ = start;
  }
}

Result<void> ReverseSearch::feed(DestinationOffset offset, const Probe& probe) {
  if (!probe_ || offset.value() != *probe_) {
    return makeError(wrongProbe(probe_, offset));
  }
  const std::int64_t position = *probe_;
  ++reads_;
  std::optional<std::size_t> source;
  if (probe.kind == Probe::Kind::kExpired) {
    floor_ = std::max(floor_, position + 1);
    block_start_ = std::max(block_start_, floor_);
  } else if (probe.stamp && probe.stamp->cluster == cluster_) {
    for (std::size_t i = 0; i < sources_.size(); ++i) {
      if (sources_[i] == probe.stamp->queue) {
        source = i;
        break;
      }
    }
  }
  const std::int64_t next = position + 1;
  if (!forward_) {
    if (source) {
      in_block_[*source] = probe.stamp->offset;  // reading upward: the last one wins
    }
    if (next < block_end_) {
      probe_ = next;
    } else {
      for (std::size_t i = 0; i < found_.size(); ++i) {
        if (in_block_[i] && !found_[i].last_before) {
          found_[i].last_before = in_block_[i];
        }
        in_block_[i].reset();
      }
      if (allBeforeFound() || block_start_ <= floor_) {
        startForward();
      } else {
        block_end_ = block_start_;
        block_start_ = std::max(floor_, block_end_ - block_);
        probe_ = block_start_;
      }
    }
  } else {
    if (source && !found_[*source].last_before && !found_[*source].first_after) {
      found_[*source].first_after = probe.stamp->offset;
    }
    if (allAfterFound() || next >= end_) {
      probe_.reset();
    } else {
      probe_ = next;
    }
  }
  if (probe_ && reads_ >= limits_.max_reads) {
    probe_.reset();
    exhausted_ = true;
  }
  return {};
}

std::vector<ReverseTranslation> ReverseSearch::results() const {
  std::vector<ReverseTranslation> results;
  results.reserve(sources_.size());
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    ReverseTranslation r;
    r.source = sources_[i];
    if (found_[i].last_before) {
      r.offset = found_[i].last_before->next();
      r.outcome = ReverseOutcome::kExact;
    } else if (found_[i].first_after) {
      r.offset = found_[i].first_after;
      r.outcome = ReverseOutcome::kFirstAfter;
    } else {
      r.outcome = exhausted_ ? ReverseOutcome::kBounded : ReverseOutcome::kNoData;
    }
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace ferry::progress
