// Which consumer groups a task synchronizes, and why not the others (docs/design.md, "Consumer
// progress synchronization", eligibility; docs/progress.md §4).
//
// A group is eligible when it is not RocketMQ's or Ferry's own, passes the task's include/exclude
// patterns, exists in both clusters under the same name, its subscribed topic set in the source
// mapped through the task's topic mappings equals its subscribed topic set in the destination
// (%RETRY% and %DLQ% topics aside), and at least one of those topics is mapped. Only the mapped
// topics are synchronized. Every other group gets one reason code with a stable snake_case name
// (API, metrics, journal), and a subscription mismatch carries both topic sets as compared.
//
// The caller gathers the inputs (rocketmq::GroupState per cluster): the subscriptions of the live
// clients when the group is online, else the topics holding its committed offsets. A pure function
// of values: no broker, no clock; any thread.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::progress {

// What one cluster says about the group.
struct GroupView {
  bool exists = false;  // a subscription group config, committed offsets or online clients
  bool online = false;  // at least one client connection
  // Topics of the live subscriptions (online), else the topics with committed offsets.
  std::set<std::string> topics;
};

struct TopicMapping {
  std::string source;
  std::string destination;
};

struct EligibilityRules {
  std::vector<TopicMapping> topics;  // the task's topic mappings
  // Glob patterns on group names ('*' any run, '?' one byte). Empty include: every group.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  // Ferry's own groups (the tasks' internal groups): never synchronized.
  std::set<std::string> internal_groups;
};

enum class EligibilityReason : std::uint8_t {
  kEligible,
  kSystemGroup,           // a group RocketMQ keeps for itself (TOOLS_CONSUMER, CID_RMQ_SYS_*, ...)
  kInternalGroup,         // a Ferry task's internal group
  kExcludedByPattern,     // matches an exclude pattern
  kNotIncluded,           // include patterns are set and none matches
  kMissingInSource,       // unknown in the source cluster
  kMissingInDestination,  // unknown in the destination cluster
  kNoSubscriptions,       // no topic besides retry/DLQ in the source (nothing to follow)
  kSubscriptionMismatch,  // the mapped source topic set differs from the destination's
  kNoMappedTopics,        // the topic sets agree but none of the topics is mapped by the task
};
// "eligible", "system_group", "internal_group", "excluded_by_pattern", "not_included",
// "missing_in_source", "missing_in_destination", "no_subscriptions", "subscription_mismatch",
// "no_mapped_topics".
std::string_view eligibilityReasonName(EligibilityReason reason);

struct Eligibility {
  EligibilityReason reason = EligibilityReason::kEligible;
  // The sets compared (retry/DLQ removed): the source's topics mapped to destination names
  // (unmapped ones keep their name), and the destination's. Filled once both groups exist.
  std::set<std::string> source_topics_mapped;
  std::set<std::string> destination_topics;
  // Eligible: the mapped topics to synchronize, by source topic.
  std::vector<TopicMapping> synchronized;

  [[nodiscard]] bool eligible() const { return reason == EligibilityReason::kEligible; }
};

// Groups RocketMQ uses for itself (MixAll: DEFAULT_CONSUMER, TOOLS_CONSUMER, SCHEDULE_CONSUMER,
// FILTERSRV_CONSUMER, __MONITOR_CONSUMER, SELF_TEST_C_GROUP, CID_ONS-HTTP-PROXY,
// CID_ONSAPI_PERMISSION, CID_ONSAPI_OWNER, CID_ONSAPI_PULL and the CID_RMQ_SYS_ prefix).
bool isSystemGroup(std::string_view group);

// Glob match of a whole group name: '*' matches any run of bytes (also empty), '?' one byte,
// everything else itself (case-sensitive, as group names are).
bool matchesGroupPattern(std::string_view pattern, std::string_view group);

Eligibility checkEligibility(std::string_view group, const GroupView& source,
                             const GroupView& destination, const EligibilityRules& rules);

}  // namespace ferry::progress
