// CachedRun cache of forward translation (progress/run_cache.h): runs from acknowledged batches,
// filtered gaps, merging, eviction, re-sends, and a simulated pipeline whose every cache hit must
// equal what the search over the same destination queue finds.
#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/progress/run_cache.h"
#include "progress_test_util.h"

namespace ferry::progress {
namespace {

using testsupport::dof;
using testsupport::drive;
using testsupport::FakeDestinationQueue;
using testsupport::so;
using testsupport::sourceQueue;
using testsupport::stampOf;

std::vector<model::SourceOffset> offsets(std::initializer_list<std::int64_t> values) {
  std::vector<model::SourceOffset> result;
  for (const auto v : values) {
    result.push_back(so(v));
  }
  return result;
}

std::vector<model::SourceOffset> range(std::int64_t from, std::int64_t count) {
  std::vector<model::SourceOffset> result;
  for (std::int64_t i = 0; i < count; ++i) {
    result.push_back(so(from + i));
  }
  return result;
}

RunCache::Hit hit(std::int64_t destination, std::int64_t source) {
  return RunCache::Hit{dof(destination), so(source)};
}

TEST(ProgressRunCache, ConsecutiveBatchesStoredBackToBackAreOneRun) {
  RunCache cache;
  ASSERT_TRUE(cache.recordBatch(so(100), range(100, 32), dof(0)));
  ASSERT_TRUE(cache.recordBatch(so(132), range(132, 32), dof(32)));
  ASSERT_TRUE(cache.recordBatch(so(164), range(164, 1), dof(64)));
  ASSERT_EQ(cache.runs().size(), 1U);
  EXPECT_EQ(cache.runs()[0], (CachedRun{so(100), so(100), dof(0), 65}));
  EXPECT_EQ(cache.lookup(so(100)), hit(0, 100));
  EXPECT_EQ(cache.lookup(so(150)), hit(50, 150));
  EXPECT_EQ(cache.lookup(so(164)), hit(64, 164));
}

TEST(ProgressRunCache, MissesOutsideWhatWasAcknowledged) {
  RunCache cache;
  ASSERT_TRUE(cache.recordBatch(so(100), range(100, 10), dof(500)));
  EXPECT_FALSE(cache.lookup(so(99)));   // below the first batch
  EXPECT_FALSE(cache.lookup(so(110)));  // beyond the last acknowledged message: maybe in flight
  EXPECT_FALSE(RunCache().lookup(so(0)));
  // A batch whose predecessor is not known leaves a gap: offsets in it are not answered.
  ASSERT_TRUE(cache.recordBatch(so(120), range(120, 5), dof(520)));
  EXPECT_FALSE(cache.lookup(so(115)));
  EXPECT_EQ(cache.lookup(so(120)), hit(520, 120));
}

TEST(ProgressRunCache, FilteredMessagesSplitABatchAndTranslateToTheNextMessageSent) {
  RunCache cache;
  // Source offsets 3, 4 and 8 filtered; the batch lands at destination 1000..1005.
  ASSERT_TRUE(cache.recordBatch(so(0), offsets({0, 1, 2, 5, 6, 7}), dof(1000)));
  ASSERT_TRUE(cache.recordBatch(so(8), offsets({9, 10}), dof(1006)));
  EXPECT_EQ(cache.runs().size(), 3U);
  EXPECT_EQ(cache.lookup(so(2)), hit(1002, 2));
  EXPECT_EQ(cache.lookup(so(3)), hit(1003, 5));
  EXPECT_EQ(cache.lookup(so(4)), hit(1003, 5));
  EXPECT_EQ(cache.lookup(so(7)), hit(1005, 7));
  EXPECT_EQ(cache.lookup(so(8)), hit(1006, 9));
  EXPECT_EQ(cache.lookup(so(10)), hit(1007, 10));
  EXPECT_FALSE(cache.lookup(so(11)));
}

TEST(ProgressRunCache, BatchesOfOtherQueuesBetweenKeepRunsApart) {
  RunCache cache;
  ASSERT_TRUE(cache.recordBatch(so(0), range(0, 4), dof(0)));
  ASSERT_TRUE(cache.recordBatch(so(4), range(4, 4), dof(8)));  // 4..7 of the queue: someone else
  EXPECT_EQ(cache.runs().size(), 2U);
  EXPECT_EQ(cache.lookup(so(3)), hit(3, 3));
  EXPECT_EQ(cache.lookup(so(4)), hit(8, 4));
}

TEST(ProgressRunCache, EvictsTheOldestRunsAtCapacity) {
  RunCache cache(3);
  for (std::int64_t b = 0; b < 5; ++b) {
    ASSERT_TRUE(cache.recordBatch(so(b * 10), range(b * 10, 10), dof(b * 20)));  // not adjacent
  }
  ASSERT_EQ(cache.runs().size(), 3U);
  EXPECT_FALSE(cache.lookup(so(5)));
  EXPECT_FALSE(cache.lookup(so(15)));
  EXPECT_EQ(cache.lookup(so(25)), hit(45, 25));
  EXPECT_EQ(cache.lookup(so(49)), hit(89, 49));
  EXPECT_EQ(RunCache(0).capacity(), 1U);
}

TEST(ProgressRunCache, AResendReplacesTheOlderCopies) {
  RunCache cache;
  ASSERT_TRUE(cache.recordBatch(so(0), range(0, 10), dof(0)));
  ASSERT_TRUE(cache.recordBatch(so(10), range(10, 10), dof(10)));
  // The source broker moved the queue back to 15: 15..24 sent again, stored at 50.
  ASSERT_TRUE(cache.recordBatch(so(15), range(15, 10), dof(50)));
  EXPECT_EQ(cache.lookup(so(14)), hit(14, 14));
  EXPECT_EQ(cache.lookup(so(15)), hit(50, 15));
  EXPECT_EQ(cache.lookup(so(24)), hit(59, 24));
  // Further back than a whole run: the run goes.
  ASSERT_TRUE(cache.recordBatch(so(3), range(3, 2), dof(70)));
  EXPECT_EQ(cache.lookup(so(2)), hit(2, 2));
  EXPECT_EQ(cache.lookup(so(4)), hit(71, 4));
  EXPECT_FALSE(cache.lookup(so(15)));
}

TEST(ProgressRunCache, RefusesMalformedBatchesAndStaysUnchanged) {
  RunCache cache;
  ASSERT_TRUE(cache.recordBatch(so(0), range(0, 3), dof(0)));
  const auto before = cache.runs();
  EXPECT_FALSE(cache.recordBatch(so(3), {}, dof(3)));
  EXPECT_FALSE(cache.recordBatch(so(5), offsets({4, 5}), dof(3)));  // covers_from above first
  EXPECT_FALSE(cache.recordBatch(so(3), offsets({3, 5, 5}), dof(3)));
  EXPECT_FALSE(cache.recordBatch(so(3), offsets({4, 3}), dof(3)));
  EXPECT_EQ(cache.runs(), before);
}

TEST(ProgressRunCache, ConfirmsOnlyTheStampItPredicted) {
  const SourceOrigin origin{"east", sourceQueue(2)};
  const auto h = hit(40, 7);
  EXPECT_TRUE(RunCache::confirms(h, origin, Probe::stamped(stampOf("east", sourceQueue(2), 7))));
  EXPECT_FALSE(RunCache::confirms(h, origin, Probe::stamped(stampOf("east", sourceQueue(2), 8))));
  EXPECT_FALSE(RunCache::confirms(h, origin, Probe::stamped(stampOf("west", sourceQueue(2), 7))));
  EXPECT_FALSE(RunCache::confirms(h, origin, Probe::stamped(stampOf("east", sourceQueue(3), 7))));
  EXPECT_FALSE(RunCache::confirms(h, origin, Probe::unstamped()));
  EXPECT_FALSE(RunCache::confirms(h, origin, Probe::expired()));
}

// A pipeline for source queue 0 sends batches (with a tag filter) into a destination queue that
// other producers and another source queue also write; every committed offset the cache answers
// must translate to what the search over the resulting queue finds.
TEST(ProgressRunCache, EveryHitEqualsTheSearchOverTheSameQueue) {
  std::mt19937_64 random(99);
  auto between = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(random);
  };
  const SourceOrigin origin{"east", sourceQueue(0)};
  for (int round = 0; round < 200; ++round) {
    FakeDestinationQueue queue;
    RunCache cache(between(1, 64));
    std::int64_t next = between(0, 100);  // the pipeline's next source offset
    const std::int64_t start = next;
    const std::int64_t filter_mod = between(2, 6);
    for (int batch = between(1, 60); batch > 0; --batch) {
      if (between(0, 2) == 0) {
        queue.addForeign(between(1, 5));
      }
      if (between(0, 3) == 0) {
        queue.add("east", sourceQueue(1), between(0, 1000));
      }
      const std::int64_t covers_from = next;
      std::vector<model::SourceOffset> sent;
      for (std::int64_t n = between(1, 12); n > 0; ++next) {
        if (next % filter_mod != 0 || between(0, 1) == 0) {  // some messages are filtered
          sent.push_back(so(next));
          --n;
        }
      }
      const auto first = dof(queue.max());
      for (const auto& s : sent) {
        queue.add("east", sourceQueue(0), s.value());
      }
      ASSERT_TRUE(cache.recordBatch(so(covers_from), sent, first));
    }
    for (std::int64_t committed = start; committed <= next; ++committed) {
      const auto answer = cache.lookup(so(committed));
      if (!answer) {
        continue;
      }
      ForwardSearch search(origin, so(committed), dof(0), dof(queue.max()));
      drive(search, queue);
      SCOPED_TRACE(::testing::Message() << "round " << round << " committed " << committed);
      EXPECT_EQ(answer->offset, search.result()->offset);
      EXPECT_EQ(answer->source, search.result()->source_at_offset);
      EXPECT_TRUE(RunCache::confirms(*answer, origin, queue.read(answer->offset.value())));
    }
  }
}

}  // namespace
}  // namespace ferry::progress
