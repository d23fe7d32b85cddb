// The fast path of forward offset translation (docs/design.md, "Offset translation (exact)";
// docs/progress.md §3): what the data plane learned from its send acknowledgements about where the
// messages of one source queue were stored in the destination.
//
// A batch of messages from source queue q (source offsets s_1 < ... < s_k, not necessarily
// consecutive: filtered messages and echoes are not sent) acknowledged at destination offset D is
// stored at D .. D+k-1 (a batch is appended in one piece). The cache keeps that as runs: maximal
// pieces where both the source and the destination offsets are consecutive, plus the source
// offsets just below each piece that needed no send (so a committed offset pointing at a filtered
// message still translates). Consecutive batches stored back to back merge into one run, so a
// source queue alone in its destination queue with no filter costs one run in all.
//
// A lookup that hits names one message (source offset -> destination offset); reading that
// destination offset and finding the stamp confirms it (confirms()); a miss, an expired offset or
// a failed confirmation falls back to the search (translation.h). A hit is never on the unsafe
// side: it is the acknowledged copy of the first message at or after S, and everything q sent
// after it is stored after it.
//
// Bounded: at most `capacity` runs (32 bytes each) per source queue; the oldest (lowest source
// offsets) are evicted first, since consumers usually lag little. One cache per source queue and
// its current destination queue: the owner (the queue's pipeline, one executor) clears it when the
// queue mapping moves the source queue. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>

#include "ferry/base/error.h"
#include "ferry/model/side.h"
#include "ferry/progress/translation.h"

namespace ferry::progress {

// Messages source_first + i stored at destination_first + i, for i < count; the source offsets
// [covers_from, source_first) needed no send (the next message of q after them is source_first).
struct CachedRun {
  model::SourceOffset covers_from;
  model::SourceOffset source_first;
  model::DestinationOffset destination_first;
  std::int64_t count = 0;

  [[nodiscard]] model::SourceOffset sourceEnd() const { return source_first.plus(count); }
  [[nodiscard]] model::DestinationOffset destinationEnd() const {
    return destination_first.plus(count);
  }
  bool operator==(const CachedRun&) const = default;
};

class RunCache {
 public:
  static constexpr std::size_t kDefaultCapacity = 1024;  // runs: 32 KiB per source queue

  explicit RunCache(std::size_t capacity = kDefaultCapacity);

  // A batch was acknowledged: the messages with source offsets `sources` (strictly increasing)
  // are stored at `first`, `first` + 1, ...; source offsets in [covers_from, sources.front())
  // needed no send (pass sources.front() when that is not known). Runs the batch overlaps (a
  // re-send after the source moved back) are replaced: the newer copy is the one to point at.
  // kInvalidArgument, cache unchanged, for an empty or unordered batch or covers_from above the
  // first offset.
  Result<void> recordBatch(model::SourceOffset covers_from,
                           std::span<const model::SourceOffset> sources,
                           model::DestinationOffset first);

  // Message `source` (the first of q at or after the committed offset) is at `offset`.
  struct Hit {
    model::DestinationOffset offset;
    model::SourceOffset source;
    bool operator==(const Hit&) const = default;
  };
  // The translation of committed offset S when a run covers it; nullopt otherwise (S below the
  // cached range, in a gap, or at or beyond the last acknowledged message: a batch may be in
  // flight, so only the search can say where the end is).
  [[nodiscard]] std::optional<Hit> lookup(model::SourceOffset committed) const;

  // A read at hit.offset confirms the hit: the message there is from `origin` with hit.source.
  [[nodiscard]] static bool confirms(const Hit& hit, const SourceOrigin& origin,
                                     const Probe& probe);

  void clear() { runs_.clear(); }
  [[nodiscard]] const std::deque<CachedRun>& runs() const { return runs_; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }

 private:
  void append(CachedRun run);

  std::size_t capacity_;
  std::deque<CachedRun> runs_;  // sorted by source offset, coverage disjoint
};

}  // namespace ferry::progress
