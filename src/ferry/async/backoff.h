// Exponential backoff with jitter for retry loops (the rpc client's reconnects; the engines' polls
// of a broker that is down).
//
// Backoff is a pure value: it holds the policy (initial delay, cap) and computes delays; the
// caller keeps the count of consecutive failures and supplies the randomness, so tests pass
// fixed draws and production passes a JitterSource. JitterSource is the one stateful part (a
// seeded PRNG); like everything here it is not thread-safe, one per owner.
//
// Policy: after the n-th consecutive failure (n >= 1) the ceiling is initial * 2^(n-1), capped at
// max; the delay is drawn uniformly from [ceiling - ceiling/2, ceiling], so many clients that
// failed together (a broker restart) do not retry in lockstep, and none retries sooner than half
// the ceiling.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace ferry::async {

class Backoff {
 public:
  // A non-positive `initial` is taken as 1 ms and a `max` below `initial` as `initial`, so every
  // Backoff is valid; owners that take these from configuration reject such values first.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max);

  // initial * 2^(failures-1) capped at max; zero when failures <= 0 (no failure: no wait).
  std::chrono::milliseconds ceiling(int failures) const;

  // The delay after the failures-th consecutive failure: ceiling - ceiling/2 + round(unit *
  // ceiling/2), i.e. `unit` in [0, 1] (clamped) picks a point of [ceiling - ceiling/2, ceiling].
  std::chrono::milliseconds delay(int failures, double unit) const;

  std::chrono::milliseconds initial() const { return initial_; }
  std::chrono::milliseconds max() const { return max_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
};

// Uniform draws from [0, 1) for Backoff::delay(): seeded from std::random_device, or with a fixed
// seed for reproducible runs.
class JitterSource {
 public:
  JitterSource();
  explicit JitterSource(std::uint32_t seed);

  double operator()();

 private:
  std::minstd_rand engine_;
};

}  // namespace ferry::async
