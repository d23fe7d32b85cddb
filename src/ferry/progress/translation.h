// Exact offset translation between the two clusters of a task, read from the origin stamps the
// destination holds (docs/design.md, "Offset translation (exact)"; docs/progress.md §1-§3).
//
// Forward (source -> destination): for source queue q with committed offset S, the destination
// offset D of map(q) to commit is the smallest offset whose message carries a stamp from q with a
// source offset >= S; the end of the destination queue when no such message exists yet. Reverse
// (destination -> source): for destination offset D, each source queue q mapped to it resumes at
// 1 + the source offset of the last message from q stored before D.
//
// The searches are pure, resumable state machines: no broker, no clock, no coroutine. The caller
// asks nextProbe() for the destination offset to read, reads the message there (any way it
// likes: a pull of a batch starting at that offset serves the following probes too, because scans
// go forward), and feed()s what it found: the message's origin stamp, a message without a stamp
// from this task's source, or "expired" (the offset fell below the queue's minimum meanwhile).
// When nextProbe() is nullopt the result is ready.
//
// Input guarantees the searches rely on: positions in [min, max) each hold one message (a consume
// queue is dense); messages of one source queue are stored in its send order (one batch in flight
// per queue), so their stamps increase along the destination queue except where Ferry re-sent a
// batch (at-least-once); see docs/progress.md §2 for what the result means then (no message is
// skipped). Destination messages of other source queues, other tasks or clusters and of plain
// producers may be interleaved anywhere. Plain values; one owner, any thread, not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/base/error.h"
#include "ferry/model/origin_stamp.h"
#include "ferry/model/side.h"

namespace ferry::progress {

// One source queue of one source cluster: whose stamps a search looks for. A stamp naming another
// cluster (another task's source) or another queue is someone else's message.
struct SourceOrigin {
  std::string cluster;  // FERRY_SRC_CLUSTER of the task's source
  model::SourceQueue queue;

  [[nodiscard]] bool matches(const model::OriginStamp& stamp) const;
  bool operator==(const SourceOrigin&) const = default;
};

// What the caller read at a probed destination offset.
struct Probe {
  enum class Kind : std::uint8_t {
    kMessage,  // a message was there; `stamp` is its origin stamp if it carries a valid one
    kExpired,  // the offset is below the queue's minimum now (expired while searching)
  };
  Kind kind = Kind::kMessage;
  std::optional<model::OriginStamp> stamp;

  static Probe stamped(model::OriginStamp stamp) { return {Kind::kMessage, std::move(stamp)}; }
  // A message without a stamp (a plain producer's, or a stamp that does not parse).
  static Probe unstamped() { return {Kind::kMessage, std::nullopt}; }
  static Probe expired() { return {Kind::kExpired, std::nullopt}; }
};

struct SearchLimits {
  // Messages a search may read before it stops with a bounded (safe but inexact) answer.
  std::int64_t max_reads = 8192;
};

// ---- forward ----

enum class ForwardOutcome : std::uint8_t {
  kExact,    // offset holds the first message from q at or after S (or the one after the last
             // message from q below S: the source offsets between were never sent)
  kAtEnd,    // every message from q in the queue is below S: offset is the queue's end (max)
  kNoData,   // no message from q in the live range at all: offset is the queue's end (max)
  kClamped,  // the first message from q still in the queue is above S: offset is that message;
             // source offsets [S, first_source) are not in the destination (expired, before the
             // task's start, or filtered)
  kBounded,  // the read budget ran out: the answer lies in [offset, upper]; offset is the safe
             // side (nothing skipped, at most upper - offset messages consumed again)
};
std::string_view forwardOutcomeName(ForwardOutcome outcome);  // "exact", "at_end", ...

struct ForwardTranslation {
  model::DestinationOffset offset;
  ForwardOutcome outcome = ForwardOutcome::kExact;
  // The source offset stamped on the message at `offset` (kExact when found there, kClamped).
  std::optional<model::SourceOffset> source_at_offset;
  model::DestinationOffset upper;  // kBounded: the answer is at most this; else == offset
  std::int64_t reads = 0;          // messages read to find it

  bool operator==(const ForwardTranslation&) const = default;
};

// Binary search for D over the live range [min, max) of map(q) (docs/progress.md §2). Each step
// probes the median of the offsets not yet known, then reads forward from it to the next message
// from q (or to the current upper bound); that message halves the range either way. Reads are at
// most (floor(log2 n) + 1) * (G + 1) and at most n, n = max - min, G = the longest run of
// consecutive messages not from q in the range; no offset is read twice, except the answer once
// more when messages expired during the search (the answer may have expired with them).
class ForwardSearch {
 public:
  // `committed`: S. `min`, `max`: the destination queue's bounds, read before the search (a
  // max read later only adds messages at or beyond it). min > max is taken as an empty queue.
  ForwardSearch(SourceOrigin origin, model::SourceOffset committed, model::DestinationOffset min,
                model::DestinationOffset max, SearchLimits limits = {});

  // The destination offset to read next; nullopt when the result is ready.
  [[nodiscard]] std::optional<model::DestinationOffset> nextProbe() const;
  // What was read at `offset`. kInvalidArgument, state unchanged, when `offset` is not
  // nextProbe() (or the search is done).
  Result<void> feed(model::DestinationOffset offset, const Probe& probe);

  [[nodiscard]] bool done() const { return result_.has_value(); }
  [[nodiscard]] const std::optional<ForwardTranslation>& result() const { return result_; }
  [[nodiscard]] std::int64_t reads() const { return reads_; }

 private:
  void advance();  // picks the next probe, or finishes
  void finish();
  [[nodiscard]] std::int64_t unknownIn(std::int64_t from, std::int64_t to) const;
  [[nodiscard]] std::int64_t skipKnown(std::int64_t position) const;
  void markFree(std::int64_t position);

  SourceOrigin origin_;
  model::SourceOffset committed_;
  SearchLimits limits_;
  std::int64_t end_;    // max at the start: nothing at or beyond it is searched
  std::int64_t floor_;  // the live minimum (raised by expired probes)
  std::int64_t lo_;     // the answer is in [lo_, hi_]
  std::int64_t hi_;
  std::optional<model::SourceOffset> hi_source_;  // stamp at hi_ (when hi_ < end_)
  bool hi_live_ = true;  // no expiry seen since hi_ was read (else it is read again at the end)
  bool below_found_ = false;  // a message from q below S was found in the live range
  // Offsets read that hold no message from q: start -> end (half-open, disjoint, merged).
  std::map<std::int64_t, std::int64_t> free_;
  std::optional<std::int64_t> probe_;  // next offset to read
  std::int64_t reads_ = 0;
  std::optional<ForwardTranslation> result_;
};

// ---- several source queues into one destination queue ----

struct ForwardCandidate {
  model::SourceQueue source;
  model::DestinationOffset offset;  // that source's translation (ForwardTranslation::offset)
};

struct CombinedForward {
  model::DestinationOffset offset;  // the smallest candidate: nothing of any source is skipped
  // Per candidate (same order): messages between `offset` and its own translation, which that
  // source's consumers already consumed if they are from it -- an upper bound of its duplicates.
  std::vector<std::int64_t> duplicates_at_most;
  // Upper bound for the queue: max(candidate) - offset (the positions are shared, so the per
  // source bounds are not added).
  std::int64_t estimated_duplicates = 0;
};

// nullopt for no candidates.
std::optional<CombinedForward> combineForward(std::span<const ForwardCandidate> candidates);

// ---- reverse ----

enum class ReverseOutcome : std::uint8_t {
  kExact,       // 1 + the source offset of the last message from q before D
  kFirstAfter,  // no message from q before D in the live range: the source offset of the first
                // one at or after D (what the destination group reads next)
  kNoData,      // no message from q in the live range
  kBounded,     // the read budget ran out before a message from q was found
};
std::string_view reverseOutcomeName(ReverseOutcome outcome);

struct ReverseTranslation {
  model::SourceQueue source;
  std::optional<model::SourceOffset> offset;  // kExact, kFirstAfter only
  ReverseOutcome outcome = ReverseOutcome::kNoData;

  bool operator==(const ReverseTranslation&) const = default;
};

// Finds, for every source queue mapped to one destination queue, the last message from it before
// D: reads backward block by block (each block in increasing order, so one pull serves it), then,
// for the sources without one, forward from D to their first message. Reads: at most the blocks
// back to the oldest source's last message plus the run forward to the first one, never more
// than max - min; one pass serves all the sources sharing the queue.
class ReverseSearch {
 public:
  // `position`: D, clamped into [min, max]. `block`: messages per backward step (a pull's size).
  ReverseSearch(std::string cluster, std::vector<model::SourceQueue> sources,
                model::DestinationOffset position, model::DestinationOffset min,
                model::DestinationOffset max, SearchLimits limits = {}, std::int64_t block = 32);

  [[nodiscard]] std::optional<model::DestinationOffset> nextProbe() const;
  Result<void> feed(model::DestinationOffset offset, const Probe& probe);

  [[nodiscard]] bool done() const { return !probe_.has_value(); }
  // One per source, in the order given; complete once done().
  [[nodiscard]] std::vector<ReverseTranslation> results() const;
  [[nodiscard]] std::int64_t reads() const { return reads_; }

 private:
  struct Found {
    std::optional<model::SourceOffset> last_before;  // the stamp of the last one before D
    std::optional<model::SourceOffset> first_after;  // the stamp of the first one at/after D
  };
  void startForward();
  [[nodiscard]] bool allBeforeFound() const;
  [[nodiscard]] bool allAfterFound() const;

  std::string cluster_;
  std::vector<model::SourceQueue> sources_;
  SearchLimits limits_;
  std::int64_t block_;
  std::int64_t position_ = 0;
  std::int64_t end_;
  std::int64_t floor_;
  std::vector<Found> found_;
  // Backward phase: reading [block_start_, block_end_) upward; block_end_ is where the block
  // before the current one started. Forward phase (forward_ true): reading from probe_ upward.
  std::int64_t block_start_ = 0;
  std::int64_t block_end_ = 0;
  std::vector<std::optional<model::SourceOffset>> in_block_;  // last per source, this block
  bool forward_ = false;
  bool exhausted_ = false;
  std::optional<std::int64_t> probe_;
  std::int64_t reads_ = 0;
};

}  // namespace ferry::progress
