#include "ferry/replication/tag_filter.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ferry::replication {
namespace {

// Java's String.trim(): strips leading and trailing chars <= ' '.
std::string_view javaTrim(std::string_view s) {
  const auto blank = [](char c) {
    return static_cast<unsigned char>(c) <= 0x20;
  };
  while (!s.empty() && blank(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && blank(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

constexpr std::string_view kAll = "*";
constexpr std::string_view kOr = "||";

}  // namespace

Result<TagFilter> TagFilter::parse(std::string_view expression) {
  TagFilter filter;
  // FilterAPI compares the untrimmed string with "*" and checks for length 0.
  if (expression.empty() || expression == kAll) {
    return filter;
  }
  std::string_view rest = expression;
  while (true) {
    const auto pos = rest.find(kOr);
    const std::string_view part = javaTrim(rest.substr(0, pos));
    if (part == kAll) {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("tag expression '{}': '*' must stand alone (in a list it "
                                   "would match only a tag named '*')",
                                   expression));
    }
    if (!part.empty()) {
      filter.tags_.emplace_back(part);
    }
    if (pos == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(pos + kOr.size());
  }
  if (filter.tags_.empty()) {
    return makeError(
        Errc::kInvalidArgument,
        fmt::format("tag expression '{}' names no tag (use \"*\" for all messages)", expression));
  }
  std::sort(filter.tags_.begin(), filter.tags_.end());
  filter.tags_.erase(std::unique(filter.tags_.begin(), filter.tags_.end()), filter.tags_.end());
  return filter;
}

bool TagFilter::matches(std::optional<std::string_view> tag) const {
  if (matchesAll()) {
    return true;
  }
  if (!tag) {
    return false;
  }
  return std::binary_search(tags_.begin(), tags_.end(), *tag);
}

std::string TagFilter::toString() const {
  if (matchesAll()) {
    return std::string(kAll);
  }
  return fmt::format("{}", fmt::join(tags_, " || "));
}

}  // namespace ferry::replication
