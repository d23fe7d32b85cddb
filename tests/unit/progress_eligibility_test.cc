// Group eligibility (progress/eligibility.h): every reason code, the order they are checked in,
// topic sets compared through the task's mappings with retry and DLQ topics aside, and the glob
// patterns.
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/progress/eligibility.h"

namespace ferry::progress {
namespace {

GroupView online(std::set<std::string> topics) {
  return GroupView{true, true, std::move(topics)};
}
GroupView offline(std::set<std::string> topics) {
  return GroupView{true, false, std::move(topics)};
}

EligibilityRules rules() {
  EligibilityRules r;
  r.topics = {{"orders", "orders"}, {"payments", "payments-dr"}};
  r.internal_groups = {"ferry-east-west"};
  return r;
}

TEST(ProgressEligibility, SameGroupWithTheSameMappedTopicsIsEligible) {
  auto e = checkEligibility("billing", online({"orders", "payments", "%RETRY%billing"}),
                            offline({"orders", "payments-dr", "%RETRY%billing", "%DLQ%billing"}),
                            rules());
  EXPECT_TRUE(e.eligible()) << eligibilityReasonName(e.reason);
  EXPECT_EQ(eligibilityReasonName(e.reason), "eligible");
  ASSERT_EQ(e.synchronized.size(), 2U);
  EXPECT_EQ(e.synchronized[0].source, "orders");
  EXPECT_EQ(e.synchronized[1].source, "payments");
  EXPECT_EQ(e.synchronized[1].destination, "payments-dr");
  EXPECT_EQ(e.source_topics_mapped, (std::set<std::string>{"orders", "payments-dr"}));
  EXPECT_EQ(e.destination_topics, (std::set<std::string>{"orders", "payments-dr"}));
}

TEST(ProgressEligibility, UnmappedTopicsMustMatchByNameAndAreNotSynchronized) {
  // "audit" is not replicated by the task: the group is eligible when it reads "audit" on both
  // sides, and only "orders" is synchronized.
  auto e = checkEligibility("billing", online({"orders", "audit"}), online({"orders", "audit"}),
                            rules());
  ASSERT_TRUE(e.eligible());
  ASSERT_EQ(e.synchronized.size(), 1U);
  EXPECT_EQ(e.synchronized[0].source, "orders");
  // A group reading only unmapped topics has nothing to synchronize.
  e = checkEligibility("billing", online({"audit"}), online({"audit"}), rules());
  EXPECT_EQ(e.reason, EligibilityReason::kNoMappedTopics);
  EXPECT_EQ(eligibilityReasonName(e.reason), "no_mapped_topics");
}

TEST(ProgressEligibility, MismatchCarriesBothTopicSetsAsCompared) {
  // The destination group reads the source's name of a renamed topic, and one more.
  auto e = checkEligibility("billing", online({"orders", "payments"}),
                            online({"orders", "payments", "refunds", "%RETRY%billing"}), rules());
  EXPECT_EQ(e.reason, EligibilityReason::kSubscriptionMismatch);
  EXPECT_EQ(eligibilityReasonName(e.reason), "subscription_mismatch");
  EXPECT_EQ(e.source_topics_mapped, (std::set<std::string>{"orders", "payments-dr"}));
  EXPECT_EQ(e.destination_topics, (std::set<std::string>{"orders", "payments", "refunds"}));
  EXPECT_TRUE(e.synchronized.empty());
  // A subset is a mismatch too.
  e = checkEligibility("billing", offline({"orders", "payments"}), offline({"orders"}), rules());
  EXPECT_EQ(e.reason, EligibilityReason::kSubscriptionMismatch);
}

TEST(ProgressEligibility, RetryAndDeadLetterTopicsAreAside) {
  // Offline groups' topics come from committed offsets, where the retry topic shows up.
  auto e = checkEligibility("billing", offline({"orders", "%RETRY%billing"}), offline({"orders"}),
                            rules());
  EXPECT_TRUE(e.eligible());
  e = checkEligibility("billing", offline({"%RETRY%billing", "%DLQ%billing"}),
                       offline({"%RETRY%billing"}), rules());
  EXPECT_EQ(e.reason, EligibilityReason::kNoSubscriptions);
  EXPECT_EQ(eligibilityReasonName(e.reason), "no_subscriptions");
}

TEST(ProgressEligibility, MissingOnEitherSide) {
  auto e = checkEligibility("billing", GroupView{}, online({"orders"}), rules());
  EXPECT_EQ(e.reason, EligibilityReason::kMissingInSource);
  EXPECT_EQ(eligibilityReasonName(e.reason), "missing_in_source");
  e = checkEligibility("billing", online({"orders"}), GroupView{}, rules());
  EXPECT_EQ(e.reason, EligibilityReason::kMissingInDestination);
  EXPECT_EQ(eligibilityReasonName(e.reason), "missing_in_destination");
  // Known (a config) but without topics in the destination: a mismatch, with both sets shown.
  e = checkEligibility("billing", online({"orders"}), GroupView{true, false, {}}, rules());
  EXPECT_EQ(e.reason, EligibilityReason::kSubscriptionMismatch);
  EXPECT_EQ(e.source_topics_mapped, (std::set<std::string>{"orders"}));
  EXPECT_TRUE(e.destination_topics.empty());
}

TEST(ProgressEligibility, SystemAndInternalGroupsAreNeverSynchronized) {
  for (const char* group : {"TOOLS_CONSUMER", "CID_RMQ_SYS_TRANS", "__MONITOR_CONSUMER",
                            "DEFAULT_CONSUMER", "CID_ONSAPI_OWNER", "SELF_TEST_C_GROUP"}) {
    auto e = checkEligibility(group, online({"orders"}), online({"orders"}), rules());
    EXPECT_EQ(e.reason, EligibilityReason::kSystemGroup) << group;
    EXPECT_TRUE(isSystemGroup(group)) << group;
  }
  EXPECT_FALSE(isSystemGroup("TOOLS_CONSUMER_2"));
  EXPECT_FALSE(isSystemGroup("cid_rmq_sys_x"));
  auto e = checkEligibility("ferry-east-west", online({"orders"}), online({"orders"}), rules());
  EXPECT_EQ(e.reason, EligibilityReason::kInternalGroup);
  EXPECT_EQ(eligibilityReasonName(e.reason), "internal_group");
  EXPECT_EQ(eligibilityReasonName(EligibilityReason::kSystemGroup), "system_group");
}

TEST(ProgressEligibility, IncludeAndExcludePatterns) {
  auto r = rules();
  r.include = {"billing-*", "audit"};
  r.exclude = {"*-canary", "billing-?"};
  const auto both = online({"orders"});
  EXPECT_TRUE(checkEligibility("billing-eu", both, both, r).eligible());
  EXPECT_TRUE(checkEligibility("audit", both, both, r).eligible());
  EXPECT_EQ(checkEligibility("shipping", both, both, r).reason, EligibilityReason::kNotIncluded);
  EXPECT_EQ(checkEligibility("billing-eu-canary", both, both, r).reason,
            EligibilityReason::kExcludedByPattern);  // exclude wins over include
  EXPECT_EQ(checkEligibility("billing-1", both, both, r).reason,
            EligibilityReason::kExcludedByPattern);
  EXPECT_EQ(eligibilityReasonName(EligibilityReason::kExcludedByPattern), "excluded_by_pattern");
  EXPECT_EQ(eligibilityReasonName(EligibilityReason::kNotIncluded), "not_included");
  // Patterns are checked before existence: an excluded group is not looked at further.
  EXPECT_EQ(checkEligibility("x-canary", GroupView{}, GroupView{}, r).reason,
            EligibilityReason::kExcludedByPattern);
}

TEST(ProgressEligibility, GlobMatchesWholeNames) {
  EXPECT_TRUE(matchesGroupPattern("*", ""));
  EXPECT_TRUE(matchesGroupPattern("*", "anything"));
  EXPECT_TRUE(matchesGroupPattern("a*b*c", "aXXbYYc"));
  EXPECT_TRUE(matchesGroupPattern("a*b*c", "abc"));
  EXPECT_TRUE(matchesGroupPattern("a*b", "abab"));  // needs the backtrack
  EXPECT_TRUE(matchesGroupPattern("??", "ab"));
  EXPECT_TRUE(matchesGroupPattern("%RETRY%*", "%RETRY%g"));
  EXPECT_FALSE(matchesGroupPattern("??", "abc"));
  EXPECT_FALSE(matchesGroupPattern("billing", "billing-eu"));  // no implicit prefix match
  EXPECT_FALSE(matchesGroupPattern("billing", "Billing"));     // case-sensitive
  EXPECT_FALSE(matchesGroupPattern("a*b", "abac"));
  EXPECT_FALSE(matchesGroupPattern("", "a"));
  EXPECT_TRUE(matchesGroupPattern("", ""));
}

}  // namespace
}  // namespace ferry::progress
