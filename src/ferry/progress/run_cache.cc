#include "ferry/progress/run_cache.h"

#include <algorithm>

#include <fmt/format.h>

namespace ferry::progress {

using model::DestinationOffset;
using model::SourceOffset;

RunCache::RunCache(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

Result<void> RunCache::recordBatch(SourceOffset covers_from, std::span<const SourceOffset> sources,
                                   DestinationOffset first) {
  if (sources.empty()) {
    return makeError(Errc::kInvalidArgument, "acknowledged batch without messages");
  }
  if (covers_from > sources.front()) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("batch covers source offsets from {}, above its first message {}",
                                 covers_from, sources.front()));
  }
  for (std::size_t i = 1; i < sources.size(); ++i) {
    if (sources[i] <= sources[i - 1]) {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("acknowledged batch is not in source order: {} after {}",
                                   sources[i], sources[i - 1]));
    }
  }
  // A re-send of offsets already cached: the older copies stop being the answer.
  while (!runs_.empty() && runs_.back().sourceEnd() > covers_from) {
    CachedRun& last = runs_.back();
    if (last.source_first >= covers_from) {
      runs_.pop_back();
    } else {
      last.count = covers_from.distanceFrom(last.source_first);
    }
  }
  CachedRun run{covers_from, sources.front(), first, 1};
  for (std::size_t i = 1; i < sources.size(); ++i) {
    if (sources[i] == run.sourceEnd()) {
      ++run.count;
      continue;
    }
    const CachedRun done = run;
    append(done);
    // The offsets between were filtered: they translate to the next message sent.
    run = CachedRun{done.sourceEnd(), sources[i], done.destinationEnd(), 1};
  }
  append(run);
  return {};
}

void RunCache::append(CachedRun run) {
  if (!runs_.empty()) {
    CachedRun& last = runs_.back();
    if (run.covers_from == run.source_first && last.sourceEnd() == run.source_first
        && last.destinationEnd() == run.destination_first) {
      last.count += run.count;
      return;
    }
  }
  runs_.push_back(run);
  while (runs_.size() > capacity_) {
    runs_.pop_front();
  }
}

std::optional<RunCache::Hit> RunCache::lookup(SourceOffset committed) const {
  auto it =
      std::upper_bound(runs_.begin(), runs_.end(), committed,
                       [](SourceOffset s, const CachedRun& run) { return s < run.covers_from; });
  if (it == runs_.begin()) {
    return std::nullopt;
  }
  --it;
  if (committed >= it->sourceEnd()) {
    return std::nullopt;
  }
  if (committed < it->source_first) {
    return Hit{it->destination_first, it->source_first};
  }
  return Hit{it->destination_first.plus(committed.distanceFrom(it->source_first)), committed};
}

bool RunCache::confirms(const Hit& hit, const SourceOrigin& origin, const Probe& probe) {
  return probe.kind == Probe::Kind::kMessage && probe.stamp && origin.matches(*probe.stamp)
         && probe.stamp->offset == hit.source;
}

}  // namespace ferry::progress
