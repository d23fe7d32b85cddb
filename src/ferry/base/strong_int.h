// Strong integer types: values that must not be mixed up (queue ids vs offsets, source offsets vs
// destination offsets) get distinct types, so mixing them is a compile error instead of a bug.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>

#include <fmt/format.h>

namespace ferry {

template <class Tag, class Rep>
class StrongInt {
 public:
  using ValueType = Rep;
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(Rep value) : value_(value) {}
  [[nodiscard]] constexpr Rep value() const { return value_; }
  constexpr auto operator<=>(const StrongInt&) const = default;

 private:
  Rep value_{};
};

}  // namespace ferry

template <class Tag, class Rep>
struct std::hash<ferry::StrongInt<Tag, Rep>> {
  std::size_t operator()(const ferry::StrongInt<Tag, Rep>& v) const noexcept {
    return std::hash<Rep>{}(v.value());
  }
};

template <class Tag, class Rep>
struct fmt::formatter<ferry::StrongInt<Tag, Rep>> : fmt::formatter<Rep> {
  auto format(const ferry::StrongInt<Tag, Rep>& v, fmt::format_context& ctx) const {
    return fmt::formatter<Rep>::format(v.value(), ctx);
  }
};
