#include "ferry/async/backoff.h"

#include <algorithm>
#include <cmath>

namespace ferry::async {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
    : initial_(std::max(initial, std::chrono::milliseconds(1))), max_(std::max(max, initial_)) {}

std::chrono::milliseconds Backoff::ceiling(int failures) const {
  if (failures <= 0) {
    return std::chrono::milliseconds(0);
  }
  auto ceiling = initial_;
  // Doubling stops at the cap, so neither a large failure count nor the multiplication overflows.
  for (int i = 1; i < failures && ceiling < max_; ++i) {
    ceiling *= 2;
  }
  return std::min(ceiling, max_);
}

std::chrono::milliseconds Backoff::delay(int failures, double unit) const {
  const auto top = ceiling(failures).count();
  const auto half = top / 2;
  // !(unit > 0) also maps NaN to the low end.
  const double u = !(unit > 0.0) ? 0.0 : std::min(unit, 1.0);
  const auto spread = static_cast<std::chrono::milliseconds::rep>(std::llround(u * half));
  return std::chrono::milliseconds(top - half + spread);
}

JitterSource::JitterSource() : engine_(std::random_device{}()) {}

JitterSource::JitterSource(std::uint32_t seed) : engine_(seed) {}

double JitterSource::operator()() {
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
}

}  // namespace ferry::async
