// Tag filter of a topic mapping (docs/replication.md, "Tag filter"): "*" or "a || b || c".
//
// Parsing follows Java's FilterAPI.buildSubscriptionData: "" and "*" match every message; else the
// expression is split on "||", each part trimmed (String.trim: bytes <= 0x20), empty parts
// ignored, and a message matches when its TAGS property equals one of the tags exactly (a message
// without tags does not match), as PullAPIWrapper's client-side check does. The broker filters by
// tag hash code only, so this exact check is what makes a filtered pull correct. Stricter than
// Java: an expression with no tag left ("||") or a "*" inside a list is refused, since Java would
// silently match nothing or only a literal "*" tag. Immutable after parse(); any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/base/error.h"

namespace ferry::replication {

class TagFilter {
 public:
  // Matches every message.
  TagFilter() = default;
  // kInvalidArgument naming the expression for "||"-only expressions and "*" inside a list.
  static Result<TagFilter> parse(std::string_view expression);

  bool matchesAll() const { return tags_.empty(); }
  // `tag`: the message's TAGS property, nullopt when it has none.
  bool matches(std::optional<std::string_view> tag) const;
  // Sorted, without duplicates; empty for "match all".
  const std::vector<std::string>& tags() const { return tags_; }
  // "*" or "a || b" (sorted): the canonical form, for logs and status.
  std::string toString() const;

 private:
  std::vector<std::string> tags_;
};

}  // namespace ferry::replication
