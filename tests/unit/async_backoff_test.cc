// Backoff: growth, cap and jitter bounds, with the randomness passed in by the test.
#include <chrono>
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/async/backoff.h"

namespace ferry::async {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, CeilingDoublesFromInitialUntilTheCap) {
  const Backoff backoff(milliseconds(100), milliseconds(1000));
  EXPECT_EQ(backoff.ceiling(0), milliseconds(0));
  EXPECT_EQ(backoff.ceiling(1), milliseconds(100));
  EXPECT_EQ(backoff.ceiling(2), milliseconds(200));
  EXPECT_EQ(backoff.ceiling(3), milliseconds(400));
  EXPECT_EQ(backoff.ceiling(4), milliseconds(800));
  EXPECT_EQ(backoff.ceiling(5), milliseconds(1000));
  EXPECT_EQ(backoff.ceiling(6), milliseconds(1000));
  EXPECT_EQ(backoff.ceiling(std::numeric_limits<int>::max()), milliseconds(1000));
}

TEST(Backoff, DelayIsDrawnFromTheUpperHalfOfTheCeiling) {
  const Backoff backoff(milliseconds(100), milliseconds(1000));
  EXPECT_EQ(backoff.delay(1, 0.0), milliseconds(50));
  EXPECT_EQ(backoff.delay(1, 0.5), milliseconds(75));
  EXPECT_EQ(backoff.delay(1, 1.0), milliseconds(100));
  EXPECT_EQ(backoff.delay(3, 0.0), milliseconds(200));
  EXPECT_EQ(backoff.delay(3, 1.0), milliseconds(400));
  EXPECT_EQ(backoff.delay(9, 0.0), milliseconds(500));
  EXPECT_EQ(backoff.delay(9, 1.0), milliseconds(1000));
  // An odd ceiling: the lower bound rounds up, never below half.
  const Backoff odd(milliseconds(5), milliseconds(5));
  EXPECT_EQ(odd.delay(1, 0.0), milliseconds(3));
  EXPECT_EQ(odd.delay(1, 1.0), milliseconds(5));
}

TEST(Backoff, DrawsOutsideTheUnitIntervalAreClamped) {
  const Backoff backoff(milliseconds(100), milliseconds(1000));
  EXPECT_EQ(backoff.delay(1, -3.0), milliseconds(50));
  EXPECT_EQ(backoff.delay(1, 7.0), milliseconds(100));
  EXPECT_EQ(backoff.delay(1, std::nan("")), milliseconds(50));
  EXPECT_EQ(backoff.delay(0, 1.0), milliseconds(0));
}

TEST(Backoff, InvalidPoliciesAreNormalised) {
  const Backoff zero(milliseconds(0), milliseconds(0));
  EXPECT_EQ(zero.initial(), milliseconds(1));
  EXPECT_EQ(zero.max(), milliseconds(1));
  const Backoff inverted(milliseconds(500), milliseconds(100));
  EXPECT_EQ(inverted.max(), milliseconds(500));
  EXPECT_EQ(inverted.ceiling(4), milliseconds(500));
}

TEST(JitterSource, DrawsAreInTheUnitIntervalAndReproducibleFromASeed) {
  JitterSource a(42);
  JitterSource b(42);
  std::vector<double> draws;
  for (int i = 0; i < 1000; ++i) {
    const double x = a();
    EXPECT_GE(x, 0.0);
    EXPECT_LE(x, 1.0);
    EXPECT_EQ(x, b());
    draws.push_back(x);
  }
  // Not constant, and spread over the interval.
  double low = 1.0;
  double high = 0.0;
  for (double x : draws) {
    low = std::min(low, x);
    high = std::max(high, x);
  }
  EXPECT_LT(low, 0.1);
  EXPECT_GT(high, 0.9);
}

}  // namespace
}  // namespace ferry::async
