#include "ferry/base/error.h"

#include <gtest/gtest.h>

#include "ferry/base/strong_int.h"

namespace ferry {
namespace {

Result<int> parsePositive(int v) {
  if (v <= 0) {
    return makeError(Errc::kInvalidArgument, "value must be positive");
  }
  return v;
}

TEST(Error, ResultCarriesValueOrError) {
  auto ok = parsePositive(3);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 3);
  auto bad = parsePositive(-1);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(bad.error().toString(), "invalid_argument: value must be positive");
}

TEST(Error, ToStringIncludesRemoteCodeAndRemark) {
  Error e{Errc::kTopicNotExist, "route of topic 'orders'", 17, "No topic route info"};
  EXPECT_EQ(e.toString(),
            "topic_not_exist: route of topic 'orders' [remote code 17: No topic route info]");
  Error multi{Errc::kTopicNotExist, "route", 17, "No route\nSee https://x\r\n"};
  EXPECT_EQ(multi.toString(), "topic_not_exist: route [remote code 17: No route See https://x  ]");
  Error wrapped = std::move(e).withContext("inspect source");
  EXPECT_EQ(wrapped.message, "inspect source: route of topic 'orders'");
  EXPECT_EQ(wrapped.code, Errc::kTopicNotExist);
}

TEST(StrongInt, ComparesWithinTypeOnly) {
  using QueueIdT = StrongInt<struct QueueIdTag, int>;
  QueueIdT a(1);
  QueueIdT b(2);
  EXPECT_LT(a, b);
  EXPECT_EQ(fmt::format("{}", b), "2");
  static_assert(!std::is_convertible_v<int, QueueIdT>, "no implicit conversion from int");
}

}  // namespace
}  // namespace ferry
