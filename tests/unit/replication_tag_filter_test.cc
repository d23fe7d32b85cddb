// Tag filter (replication/tag_filter.h): Java's FilterAPI parsing and exact matching.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/replication/tag_filter.h"

namespace ferry::replication {
namespace {

TEST(ReplicationTagFilter, StarAndEmptyMatchEverything) {
  for (std::string_view expr : {"*", ""}) {
    auto f = TagFilter::parse(expr);
    ASSERT_TRUE(f) << expr;
    EXPECT_TRUE(f->matchesAll());
    EXPECT_TRUE(f->matches("anything"));
    EXPECT_TRUE(f->matches(std::nullopt)) << "a message without tags matches '*'";
    EXPECT_EQ(f->toString(), "*");
  }
  EXPECT_TRUE(TagFilter().matches(std::nullopt));
}

TEST(ReplicationTagFilter, ListIsSplitTrimmedAndMatchedExactly) {
  auto f = TagFilter::parse(" paid ||refunded||  paid || \tnew\n");
  ASSERT_TRUE(f) << f.error().toString();
  EXPECT_FALSE(f->matchesAll());
  EXPECT_EQ(f->tags(), (std::vector<std::string>{"new", "paid", "refunded"}));
  EXPECT_TRUE(f->matches("paid"));
  EXPECT_TRUE(f->matches("refunded"));
  EXPECT_TRUE(f->matches("new"));
  EXPECT_FALSE(f->matches("Paid")) << "case-sensitive";
  EXPECT_FALSE(f->matches(" paid")) << "the message tag is not trimmed";
  EXPECT_FALSE(f->matches("pai"));
  EXPECT_FALSE(f->matches(""));
  EXPECT_FALSE(f->matches(std::nullopt)) << "a message without tags does not match a list";
  EXPECT_EQ(f->toString(), "new || paid || refunded");
}

TEST(ReplicationTagFilter, EmptyPartsAreIgnored) {
  auto f = TagFilter::parse("a |||| b ||");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->tags(), (std::vector<std::string>{"a", "b"}));
}

TEST(ReplicationTagFilter, SingleBarIsPartOfATag) {
  auto f = TagFilter::parse("a|b");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->matches("a|b"));
  EXPECT_FALSE(f->matches("a"));
}

TEST(ReplicationTagFilter, RefusesExpressionsJavaWouldMisread) {
  for (std::string_view expr : {"||", "  ", " || || "}) {
    auto f = TagFilter::parse(expr);
    ASSERT_FALSE(f) << "'" << expr << "'";
    EXPECT_EQ(f.error().code, Errc::kInvalidArgument);
    EXPECT_NE(f.error().message.find("names no tag"), std::string::npos) << f.error().message;
  }
  for (std::string_view expr : {"a || *", "* || b", " * "}) {
    auto f = TagFilter::parse(expr);
    ASSERT_FALSE(f) << expr;
    EXPECT_NE(f.error().message.find("'*' must stand alone"), std::string::npos)
        << f.error().message;
  }
}

}  // namespace
}  // namespace ferry::replication
