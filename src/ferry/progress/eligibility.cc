#include "ferry/progress/eligibility.h"

#include <algorithm>
#include <array>
#include <cstddef>

#include "ferry/rocketmq/topics.h"

namespace ferry::progress {
namespace {

constexpr std::array<std::string_view, 10> kSystemGroups{
    "DEFAULT_CONSUMER",   "TOOLS_CONSUMER",    "SCHEDULE_CONSUMER",  "FILTERSRV_CONSUMER",
    "__MONITOR_CONSUMER", "SELF_TEST_C_GROUP", "CID_ONS-HTTP-PROXY", "CID_ONSAPI_PERMISSION",
    "CID_ONSAPI_OWNER",   "CID_ONSAPI_PULL"};
constexpr std::string_view kSystemGroupPrefix = "CID_RMQ_SYS_";

// Retry and dead-letter topics follow the group; they are not part of what it subscribes to.
bool followsGroup(std::string_view topic) {
  return topic.starts_with(rocketmq::kRetryTopicPrefix)
         || topic.starts_with(rocketmq::kDlqTopicPrefix);
}

bool anyMatches(const std::vector<std::string>& patterns, std::string_view group) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return matchesGroupPattern(p, group); });
}

}  // namespace

std::string_view eligibilityReasonName(EligibilityReason reason) {
  switch (reason) {
    case EligibilityReason::kEligible: return "eligible";
    case EligibilityReason::kSystemGroup: return "system_group";
    case EligibilityReason::kInternalGroup: return "internal_group";
    case EligibilityReason::kExcludedByPattern: return "excluded_by_pattern";
    case EligibilityReason::kNotIncluded: return "not_included";
    case EligibilityReason::kMissingInSource: return "missing_in_source";
    case EligibilityReason::kMissingInDestination: return "missing_in_destination";
    case EligibilityReason::kNoSubscriptions: return "no_subscriptions";
    case EligibilityReason::kSubscriptionMismatch: return "subscription_mismatch";
    case EligibilityReason::kNoMappedTopics: return "no_mapped_topics";
  }
  return "eligible";
}

bool isSystemGroup(std::string_view group) {
  return group.starts_with(kSystemGroupPrefix)
         || std::find(kSystemGroups.begin(), kSystemGroups.end(), group) != kSystemGroups.end();
}

bool matchesGroupPattern(std::string_view pattern, std::string_view group) {
  // Iterative glob with one backtrack point (the last '*'): linear in practice, no recursion.
  std::size_t p = 0;
  std::size_t g = 0;
  std::size_t star = std::string_view::npos;
  std::size_t resume = 0;
  while (g < group.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == group[g])) {
      ++p;
      ++g;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = g;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      g = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

Eligibility checkEligibility(std::string_view group, const GroupView& source,
                             const GroupView& destination, const EligibilityRules& rules) {
  Eligibility result;
  if (isSystemGroup(group)) {
    result.reason = EligibilityReason::kSystemGroup;
    return result;
  }
  if (rules.internal_groups.contains(std::string(group))) {
    result.reason = EligibilityReason::kInternalGroup;
    return result;
  }
  if (anyMatches(rules.exclude, group)) {
    result.reason = EligibilityReason::kExcludedByPattern;
    return result;
  }
  if (!rules.include.empty() && !anyMatches(rules.include, group)) {
    result.reason = EligibilityReason::kNotIncluded;
    return result;
  }
  if (!source.exists) {
    result.reason = EligibilityReason::kMissingInSource;
    return result;
  }
  if (!destination.exists) {
    result.reason = EligibilityReason::kMissingInDestination;
    return result;
  }
  std::vector<TopicMapping> mapped;
  for (const auto& topic : source.topics) {
    if (followsGroup(topic)) {
      continue;
    }
    auto mapping = std::find_if(rules.topics.begin(), rules.topics.end(),
                                [&](const TopicMapping& m) { return m.source == topic; });
    if (mapping == rules.topics.end()) {
      result.source_topics_mapped.insert(topic);
    } else {
      result.source_topics_mapped.insert(mapping->destination);
      mapped.push_back(*mapping);
    }
  }
  for (const auto& topic : destination.topics) {
    if (!followsGroup(topic)) {
      result.destination_topics.insert(topic);
    }
  }
  if (result.source_topics_mapped.empty()) {
    result.reason = EligibilityReason::kNoSubscriptions;
    return result;
  }
  if (result.source_topics_mapped != result.destination_topics) {
    result.reason = EligibilityReason::kSubscriptionMismatch;
    return result;
  }
  if (mapped.empty()) {
    result.reason = EligibilityReason::kNoMappedTopics;
    return result;
  }
  result.synchronized = std::move(mapped);
  return result;
}

}  // namespace ferry::progress
