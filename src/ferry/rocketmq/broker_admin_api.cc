#include "ferry/rocketmq/broker_admin_api.h"

#include <utility>

#include <fmt/format.h>

#include "ferry/base/co_try.h"

namespace ferry::rocketmq {

std::string versionName(std::int32_t ordinal) {
  // MQVersion.Version from V4_0_0 (213) to V5_9_9 (611): X_SNAPSHOT, X for every release.
  constexpr std::int32_t kV4_0_0 = 213;
  constexpr std::int32_t kV5_9_9 = 611;
  if (ordinal < kV4_0_0 - 1 || ordinal > kV5_9_9) {
    return fmt::format("ordinal {}", ordinal);
  }
  const std::int32_t delta = ordinal - kV4_0_0;
  const bool snapshot = (delta % 2) != 0 || delta < 0;
  const std::int32_t index = snapshot ? (delta + 1) / 2 : delta / 2;
  return fmt::format("V{}_{}_{}{}", 4 + index / 100, (index / 10) % 10, index % 10,
                     snapshot ? "_SNAPSHOT" : "");
}

std::string BrokerRuntimeInfo::versionDesc() const {
  auto it = table.find("brokerVersionDesc");
  if (it != table.end() && !it->second.empty()) {
    return it->second;
  }
  return versionName(version);
}

asio::awaitable<Result<std::optional<codec::SubscriptionGroupConfig>>>
BrokerAdminApi::findSubscriptionGroup(std::string addr, std::string group) {
  FERRY_CO_TRY(all, co_await allSubscriptionGroups(std::move(addr)));
  auto it = all.subscription_group_table.find(group);
  if (it == all.subscription_group_table.end()) {
    co_return std::optional<codec::SubscriptionGroupConfig>();
  }
  co_return std::optional<codec::SubscriptionGroupConfig>(std::move(it->second));
}

asio::awaitable<Result<BrokerFeatures>> BrokerAdminApi::features(std::string addr) {
  FERRY_CO_TRY(runtime, co_await runtimeInfo(addr));
  FERRY_CO_TRY(config, co_await brokerConfig(addr));
  BrokerFeatures f;
  f.version = runtime.version;
  f.version_desc = runtime.versionDesc();
  auto it = config.find("useServerSideResetOffset");
  f.server_side_reset = it != config.end() && it->second == "true";
  f.query_topics_by_consumer = f.version >= kVersion5_0_0;
  f.group_config_by_name = f.version >= kVersion5_0_0;
  f.update_offset_checks_group = f.version >= kVersion5_3_0;
  f.config = std::move(config);
  co_return f;
}

}  // namespace ferry::rocketmq
