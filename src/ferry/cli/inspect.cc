#include "ferry/cli/inspect.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <tuple>
#include <utility>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "ferry/async/when_all.h"
#include "ferry/base/log.h"
#include "ferry/cli/runtime.h"
#include "ferry/cli/table.h"
#include "ferry/rocketmq/group_state.h"
#include "ferry/rocketmq/topics.h"

namespace ferry::cli {
namespace {

using Json = nlohmann::json;

bool isUnreachable(Errc code) {
  return code == Errc::kConnectFailed || code == Errc::kConnectionClosed || code == Errc::kTimeout
         || code == Errc::kTls;
}

std::string joinList(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += sep;
    }
    out += item;
  }
  return out;
}

// The message plus the first line of the peer's remark (later lines are FAQ links).
std::string errorText(const Error& error) {
  if (error.remote_remark.empty()) {
    return error.message;
  }
  std::string_view remark = error.remote_remark;
  remark = remark.substr(0, remark.find('\n'));
  return fmt::format("{} ({})", error.message, remark);
}

std::optional<std::int64_t> parseInt64(const std::map<std::string, std::string>& table,
                                       const std::string& key) {
  auto it = table.find(key);
  if (it == table.end()) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  const auto& s = it->second;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

int exitCodeFor(const Error& error) {
  if (isUnreachable(error.code)) {
    return kExitUnreachable;
  }
  switch (error.code) {
    case Errc::kTopicNotExist: return kExitTopicNotFound;
    case Errc::kGroupNotExist: return kExitGroupNotFound;
    case Errc::kAuthFailed:
    case Errc::kNoPermission: return kExitAuth;
    case Errc::kInvalidArgument: return kExitUsage;
    default: return kExitError;
  }
}

std::string describeFailure(const Error& error, bool have_credentials) {
  // Not-found messages are rewritten for operators already; the broker's remark adds nothing.
  const bool self_explanatory =
      error.code == Errc::kTopicNotExist || error.code == Errc::kGroupNotExist;
  std::string out = self_explanatory ? error.message : errorText(error);
  if (error.code == Errc::kAuthFailed) {
    out += have_credentials
               ? "\nhint: the cluster refused these credentials; check --access-key/--secret-key "
                 "(or FERRY_ACCESS_KEY/FERRY_SECRET_KEY)"
               : "\nhint: the cluster requires authentication; pass --access-key and --secret-key "
                 "(or set FERRY_ACCESS_KEY/FERRY_SECRET_KEY)";
  } else if (error.code == Errc::kNoPermission) {
    out += have_credentials
               ? "\nhint: this access key lacks permission for the request"
               : "\nhint: permission denied; if the cluster uses ACLs, pass --access-key "
                 "and --secret-key (or set FERRY_ACCESS_KEY/FERRY_SECRET_KEY)";
  }
  return out;
}

std::string topicKind(const std::string& topic, const std::vector<std::string>& cluster_names,
                      const std::vector<std::string>& broker_names) {
  return std::string(
      rocketmq::topicKindName(rocketmq::classifyTopic(topic, cluster_names, broker_names)));
}

std::string permText(std::int32_t perm) {
  std::string out;
  out += (perm & codec::kPermRead) ? 'R' : '-';
  out += (perm & codec::kPermWrite) ? 'W' : '-';
  if (perm & codec::kPermPriority) {
    out += 'P';
  }
  return out;
}

std::int64_t GroupReport::totalLag() const {
  std::int64_t total = 0;
  for (const auto& q : queues) {
    total += q.lag().value_or(0);
  }
  return total;
}

GroupReport groupReport(const rocketmq::GroupState& state, std::optional<std::string> topic) {
  GroupReport report;
  report.group = state.group;
  report.topic = std::move(topic);
  report.name_server = state.name_server;
  report.config_on = state.config_on;
  report.config_missing_on = state.config_missing_on;
  report.online = state.online();
  report.consume_type = state.consume_type;
  report.message_model = state.message_model;
  report.consume_from_where = state.consume_from_where;
  for (const auto& c : state.clients) {
    report.clients.push_back(
        GroupClientRow{c.client_id, c.client_addr, c.language, rocketmq::versionName(c.version)});
  }
  report.subscriptions = state.subscriptions;
  for (const auto& q : state.queues) {
    report.queues.push_back(GroupQueueRow{q.queue.topic, q.queue.broker_name, q.queue.queue_id,
                                          q.committed, q.broker_max, q.last_consumed});
  }
  report.consume_tps = state.consume_tps;
  for (const auto& [where, error] : state.errors) {
    report.errors[where] = errorText(error);
  }
  return report;
}

// ---- collection ----------------------------------------------------------------------------

asio::awaitable<Result<ClustersReport>> collectClusters(rocketmq::Cluster& cluster) {
  auto info = co_await cluster.clusterInfo();
  if (!info) {
    co_return makeError(rocketmq::nameServerFailure(cluster, std::move(info.error())));
  }
  ClustersReport report;
  report.name_server = cluster.currentNameServer();
  std::map<std::string, std::string> cluster_of;
  for (const auto& [name, brokers] : info->cluster_addr_table) {
    for (const auto& b : brokers) {
      cluster_of[b] = name;
    }
  }
  std::vector<asio::awaitable<Result<rocketmq::BrokerRuntimeInfo>>> calls;
  for (const auto& [name, data] : info->broker_addr_table) {
    for (const auto& [id, addr] : data.broker_addrs) {
      BrokerRow row;
      row.cluster = cluster_of.contains(name) ? cluster_of[name] : data.cluster;
      row.broker_name = name;
      row.broker_id = id;
      row.addr = addr;
      report.brokers.push_back(std::move(row));
      calls.push_back(cluster.brokerAdmin().runtimeInfo(cluster.dialAddress(addr)));
    }
  }
  auto results = co_await async::whenAll<rocketmq::BrokerRuntimeInfo>(std::move(calls));
  // Credentials refused by every broker: that is the answer (exit code 6), not a table of "?".
  const bool all_refused =
      !results.empty() && std::all_of(results.begin(), results.end(), [](const auto& r) {
        return !r && (r.error().code == Errc::kAuthFailed || r.error().code == Errc::kNoPermission);
      });
  if (all_refused) {
    co_return makeError(std::move(results.front().error()));
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    auto& row = report.brokers[i];
    if (!results[i]) {
      row.error = errorText(results[i].error());
      continue;
    }
    row.version = results[i]->versionDesc();
    row.put_today = parseInt64(results[i]->table, "msgPutTotalTodayNow");
    row.get_today = parseInt64(results[i]->table, "msgGetTotalTodayNow");
  }
  std::sort(report.brokers.begin(), report.brokers.end(),
            [](const BrokerRow& a, const BrokerRow& b) {
              return std::tie(a.cluster, a.broker_name, a.broker_id)
                     < std::tie(b.cluster, b.broker_name, b.broker_id);
            });
  co_return report;
}

asio::awaitable<Result<TopicReport>> collectTopic(rocketmq::Cluster& cluster, std::string topic) {
  auto route = co_await cluster.route(topic);
  if (!route) {
    co_return makeError(rocketmq::routeFailure(cluster, topic, std::move(route.error())));
  }
  TopicReport report;
  report.topic = topic;
  report.name_server = cluster.currentNameServer();
  std::vector<std::string> stat_brokers;
  std::vector<asio::awaitable<Result<codec::TopicStatsTable>>> calls;
  for (const auto& qd : route->queue_datas) {
    TopicBrokerRow row{qd.broker_name, "", qd.perm, qd.read_queue_nums, qd.write_queue_nums};
    if (const auto* b = route->findBroker(qd.broker_name)) {
      row.addr = b->masterAddr().value_or("");
    }
    if (row.addr.empty()) {
      report.errors[qd.broker_name] = "no master (brokerId 0) in the route";
    } else {
      stat_brokers.push_back(qd.broker_name);
      calls.push_back(cluster.brokerAdmin().topicStats(cluster.dialAddress(row.addr), topic));
    }
    report.brokers.push_back(std::move(row));
  }
  std::sort(report.brokers.begin(), report.brokers.end(),
            [](const TopicBrokerRow& a, const TopicBrokerRow& b) {
              return a.broker_name < b.broker_name;
            });
  auto results = co_await async::whenAll<codec::TopicStatsTable>(std::move(calls));
  std::size_t failed = 0;
  std::optional<Error> first_failure;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (!results[i]) {
      ++failed;
      if (!first_failure) {
        first_failure = results[i].error();
      }
      report.errors[stat_brokers[i]] = errorText(results[i].error());
      continue;
    }
    for (const auto& [mq, o] : results[i]->offset_table) {
      report.queues.push_back(TopicQueueRow{mq.broker_name, mq.queue_id, o.min_offset, o.max_offset,
                                            o.last_update_timestamp});
    }
  }
  if (!results.empty() && failed == results.size()) {
    co_return makeError(std::move(*first_failure));
  }
  std::sort(report.queues.begin(), report.queues.end(),
            [](const TopicQueueRow& a, const TopicQueueRow& b) {
              return std::tie(a.broker_name, a.queue_id) < std::tie(b.broker_name, b.queue_id);
            });
  co_return report;
}

asio::awaitable<Result<GroupReport>> collectGroup(rocketmq::Cluster& cluster, std::string group,
                                                  std::optional<std::string> topic) {
  auto state = co_await rocketmq::fetchGroupState(cluster, group, topic);
  if (!state) {
    co_return makeError(std::move(state.error()));
  }
  if (!state->exists()) {
    co_return makeError(rocketmq::groupNotFound(*state));
  }
  co_return groupReport(*state, topic);
}

asio::awaitable<Result<TopicsReport>> collectTopics(rocketmq::Cluster& cluster, bool all) {
  auto topics = co_await rocketmq::listTopics(cluster);
  if (!topics) {
    co_return makeError(std::move(topics.error()));
  }
  TopicsReport report;
  report.name_server = cluster.currentNameServer();
  report.all = all;
  for (const auto& t : *topics) {
    if (!all && t.kind != rocketmq::TopicKind::kNormal) {
      ++report.hidden;
      continue;
    }
    report.topics.push_back(TopicEntry{t.name, std::string(rocketmq::topicKindName(t.kind))});
  }
  co_return report;
}

// ---- rendering -----------------------------------------------------------------------------

std::string renderText(const ClustersReport& report) {
  Table t({"CLUSTER", "BROKER", "ID", "ROLE", "ADDRESS", "VERSION", "PUT TODAY", "GET TODAY"});
  t.alignRight(2).alignRight(6).alignRight(7);
  std::vector<std::string> errors;
  for (const auto& b : report.brokers) {
    t.addRow({b.cluster, b.broker_name, std::to_string(b.broker_id),
              b.broker_id == 0 ? "master" : "slave", b.addr, b.version.empty() ? "?" : b.version,
              b.put_today ? std::to_string(*b.put_today) : "-",
              b.get_today ? std::to_string(*b.get_today) : "-"});
    if (!b.error.empty()) {
      errors.push_back(fmt::format("{} ({}): {}", b.broker_name, b.addr, b.error));
    }
  }
  std::string out = fmt::format("NameServer {}: {} broker address(es)\n\n", report.name_server,
                                report.brokers.size());
  out += t.render();
  for (const auto& e : errors) {
    out += fmt::format("warning: {}\n", e);
  }
  return out;
}

std::string renderText(const TopicReport& report) {
  std::string out = fmt::format("Topic {} (NameServer {})\n\n", report.topic, report.name_server);
  Table brokers({"BROKER", "MASTER", "PERM", "READ QUEUES", "WRITE QUEUES"});
  brokers.alignRight(3).alignRight(4);
  for (const auto& b : report.brokers) {
    brokers.addRow({b.broker_name, b.addr.empty() ? "-" : b.addr, permText(b.perm),
                    std::to_string(b.read_queues), std::to_string(b.write_queues)});
  }
  out += brokers.render();
  out += "\n";
  Table queues({"BROKER", "QUEUE", "MIN OFFSET", "MAX OFFSET", "MESSAGES", "LAST WRITE (UTC)"});
  queues.alignRight(1).alignRight(2).alignRight(3).alignRight(4);
  std::int64_t total = 0;
  for (const auto& q : report.queues) {
    const std::int64_t count = q.messages();
    total += count;
    queues.addRow({q.broker_name, fmt::format("{}", q.queue_id), fmt::format("{}", q.min_offset),
                   fmt::format("{}", q.max_offset), std::to_string(count),
                   formatTimestamp(q.last_update)});
  }
  queues.addRow({"TOTAL", "", "", "", std::to_string(total), ""});
  out += queues.render();
  for (const auto& [broker, e] : report.errors) {
    out += fmt::format("warning: {}: {}\n", broker, e);
  }
  return out;
}

std::string renderText(const GroupReport& report) {
  std::string out = fmt::format("Group {}{} (NameServer {})\n", report.group,
                                report.topic ? fmt::format(" on topic {}", *report.topic) : "",
                                report.name_server);
  out +=
      fmt::format("config:  {}\n",
                  report.config_on.empty()
                      ? std::string("no subscription group config on any master")
                      : "on " + joinList(report.config_on, ", ")
                            + (report.config_missing_on.empty()
                                   ? ""
                                   : "; missing on " + joinList(report.config_missing_on, ", ")));
  if (report.online) {
    out += fmt::format("online:  yes, {} client(s); {}, {}, {}\n", report.clients.size(),
                       report.consume_type, report.message_model, report.consume_from_where);
  } else {
    out += "online:  no\n";
  }
  if (!report.clients.empty()) {
    out += "\n";
    Table clients({"CLIENT ID", "ADDRESS", "LANGUAGE", "VERSION"});
    for (const auto& c : report.clients) {
      clients.addRow({c.client_id, c.addr, c.language, c.version});
    }
    out += clients.render();
  }
  if (!report.subscriptions.empty()) {
    out += "\n";
    Table subs({"SUBSCRIBED TOPIC", "EXPRESSION"});
    for (const auto& [t, expr] : report.subscriptions) {
      subs.addRow({t, expr});
    }
    out += subs.render();
  }
  out += "\n";
  Table queues(
      {"TOPIC", "BROKER", "QUEUE", "COMMITTED", "MAX OFFSET", "LAG", "LAST CONSUMED (UTC)"});
  queues.alignRight(2).alignRight(3).alignRight(4).alignRight(5);
  std::int64_t total_max = 0;
  for (const auto& q : report.queues) {
    total_max += q.broker_max.value();
    auto lag = q.lag();
    queues.addRow({q.topic, q.broker_name, fmt::format("{}", q.queue_id),
                   q.committed ? fmt::format("{}", *q.committed) : "-",
                   fmt::format("{}", q.broker_max), lag ? std::to_string(*lag) : "-",
                   formatTimestamp(q.last_consumed)});
  }
  queues.addRow(
      {"TOTAL", "", "", "", std::to_string(total_max), std::to_string(report.totalLag()), ""});
  out += queues.render();
  if (report.queues.empty()) {
    out += "(no queues: the group has no committed offsets and no subscriptions)\n";
  }
  for (const auto& [where, e] : report.errors) {
    out += fmt::format("warning: {}: {}\n", where, e);
  }
  return out;
}

std::string renderText(const TopicsReport& report) {
  std::string out;
  if (report.all) {
    Table t({"TOPIC", "KIND"});
    for (const auto& e : report.topics) {
      t.addRow({e.name, e.kind});
    }
    out += t.render();
  } else {
    for (const auto& e : report.topics) {
      out += e.name + "\n";
    }
  }
  out += fmt::format("\n{} topic(s)", report.topics.size());
  if (report.hidden > 0) {
    out += fmt::format(", {} system/retry/DLQ topic(s) hidden (--all shows them)", report.hidden);
  }
  out += "\n";
  return out;
}

Json toJson(const ClustersReport& report) {
  Json brokers = Json::array();
  for (const auto& b : report.brokers) {
    Json j{{"cluster", b.cluster},
           {"broker", b.broker_name},
           {"brokerId", b.broker_id},
           {"role", b.broker_id == 0 ? "master" : "slave"},
           {"address", b.addr}};
    j["version"] = b.version.empty() ? Json(nullptr) : Json(b.version);
    j["putToday"] = b.put_today ? Json(*b.put_today) : Json(nullptr);
    j["getToday"] = b.get_today ? Json(*b.get_today) : Json(nullptr);
    if (!b.error.empty()) {
      j["error"] = b.error;
    }
    brokers.push_back(std::move(j));
  }
  return Json{{"nameServer", report.name_server}, {"brokers", brokers}};
}

Json toJson(const TopicReport& report) {
  Json brokers = Json::array();
  for (const auto& b : report.brokers) {
    brokers.push_back(Json{{"broker", b.broker_name},
                           {"master", b.addr.empty() ? Json(nullptr) : Json(b.addr)},
                           {"perm", b.perm},
                           {"permText", permText(b.perm)},
                           {"readQueues", b.read_queues},
                           {"writeQueues", b.write_queues}});
  }
  Json queues = Json::array();
  std::int64_t total = 0;
  for (const auto& q : report.queues) {
    total += q.messages();
    Json j{{"broker", q.broker_name},           {"queueId", q.queue_id.value()},
           {"minOffset", q.min_offset.value()}, {"maxOffset", q.max_offset.value()},
           {"messages", q.messages()},          {"lastUpdateTimestamp", q.last_update.millis()}};
    j["lastUpdateTime"] = q.last_update.known() ? Json(q.last_update.toString()) : Json(nullptr);
    queues.push_back(std::move(j));
  }
  return Json{{"topic", report.topic},  {"nameServer", report.name_server},
              {"brokers", brokers},     {"queues", queues},
              {"totalMessages", total}, {"errors", report.errors}};
}

Json toJson(const GroupReport& report) {
  Json clients = Json::array();
  for (const auto& c : report.clients) {
    clients.push_back(Json{{"clientId", c.client_id},
                           {"address", c.addr},
                           {"language", c.language},
                           {"version", c.version}});
  }
  Json queues = Json::array();
  for (const auto& q : report.queues) {
    auto lag = q.lag();
    Json j{{"topic", q.topic},
           {"broker", q.broker_name},
           {"queueId", q.queue_id.value()},
           {"maxOffset", q.broker_max.value()},
           {"lastConsumedTimestamp", q.last_consumed.millis()}};
    j["committedOffset"] = q.committed ? Json(q.committed->value()) : Json(nullptr);
    j["lag"] = lag ? Json(*lag) : Json(nullptr);
    j["lastConsumedTime"] =
        q.last_consumed.known() ? Json(q.last_consumed.toString()) : Json(nullptr);
    queues.push_back(std::move(j));
  }
  Json j{{"group", report.group},
         {"nameServer", report.name_server},
         {"config", Json{{"presentOn", report.config_on}, {"missingOn", report.config_missing_on}}},
         {"online", report.online},
         {"clients", clients},
         {"subscriptions", report.subscriptions},
         {"queues", queues},
         {"totalLag", report.totalLag()},
         {"consumeTps", report.consume_tps},
         {"errors", report.errors}};
  j["topic"] = report.topic ? Json(*report.topic) : Json(nullptr);
  j["consumeType"] = report.consume_type.empty() ? Json(nullptr) : Json(report.consume_type);
  j["messageModel"] = report.message_model.empty() ? Json(nullptr) : Json(report.message_model);
  j["consumeFromWhere"] =
      report.consume_from_where.empty() ? Json(nullptr) : Json(report.consume_from_where);
  return j;
}

Json toJson(const TopicsReport& report) {
  Json topics = Json::array();
  for (const auto& e : report.topics) {
    topics.push_back(Json{{"topic", e.name}, {"kind", e.kind}});
  }
  return Json{{"nameServer", report.name_server}, {"topics", topics}, {"hidden", report.hidden}};
}

// ---- command line --------------------------------------------------------------------------

namespace {

struct InspectOptions {
  std::string name_servers;
  std::string access_key;
  std::string secret_key;
  bool tls = false;
  std::string tls_ca;
  std::string tls_server_name;
  bool json = false;
  int timeout_ms = 3000;
  // subcommand arguments
  std::string topic;
  std::string group;
  std::string group_topic;
  bool all = false;
  bool verbose = false;
};

enum class What { kClusters, kTopic, kGroup, kTopics };

// --tls alone encrypts without verifying (like Java clients' default); --tls-ca or
// --tls-server-name turn TLS on and verify the broker's certificate.
rocketmq::TlsSpec tlsSpec(const InspectOptions& options) {
  rocketmq::TlsSpec tls;
  const bool verify = !options.tls_ca.empty() || !options.tls_server_name.empty();
  tls.enabled = options.tls || verify;
  tls.verify_peer = verify;
  tls.ca_file = options.tls_ca;
  tls.server_name = options.tls_server_name;
  return tls;
}

// Output of the coroutine, filled on the io thread, read after it finished.
struct Output {
  std::string text;
};

template <class Report>
void emit(const Report& report, bool json, Output* out) {
  out->text =
      json ? toJson(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"
           : renderText(report);
}

asio::awaitable<Result<void>> runInspect(rocketmq::Cluster& cluster, What what,
                                         InspectOptions options, Output* out) {
  switch (what) {
    case What::kClusters: {
      auto report = co_await collectClusters(cluster);
      if (!report) {
        co_return makeError(std::move(report.error()));
      }
      emit(*report, options.json, out);
      break;
    }
    case What::kTopic: {
      auto report = co_await collectTopic(cluster, options.topic);
      if (!report) {
        co_return makeError(std::move(report.error()));
      }
      emit(*report, options.json, out);
      break;
    }
    case What::kGroup: {
      std::optional<std::string> topic;
      if (!options.group_topic.empty()) {
        topic = options.group_topic;
      }
      auto report = co_await collectGroup(cluster, options.group, topic);
      if (!report) {
        co_return makeError(std::move(report.error()));
      }
      emit(*report, options.json, out);
      break;
    }
    case What::kTopics: {
      auto report = co_await collectTopics(cluster, options.all);
      if (!report) {
        co_return makeError(std::move(report.error()));
      }
      emit(*report, options.json, out);
      break;
    }
  }
  co_return Result<void>{};
}

int execute(const InspectOptions& options, What what) {
  // Connection warnings from the rpc layer are noise for a one-shot command; the final error
  // message says what failed. --verbose shows them.
  log::setLevel(options.verbose ? "debug" : "error");
  auto name_servers = rocketmq::parseNameServerList(options.name_servers);
  if (!name_servers) {
    std::fprintf(stderr, "ferry inspect: %s\n", name_servers.error().message.c_str());
    return kExitUsage;
  }
  const rocketmq::GetEnv getenv = [](const char* name) {
    return std::getenv(name);
  };
  auto credentials = rocketmq::resolveCredentials(options.access_key, options.secret_key, getenv);
  if (!credentials) {
    std::fprintf(stderr, "ferry inspect: %s\n", credentials.error().message.c_str());
    return kExitUsage;
  }
  rocketmq::ClusterSpec spec;
  spec.name = "inspected";
  spec.name_servers = *name_servers;
  spec.credentials = *credentials;
  spec.tls = tlsSpec(options);
  spec.timeout = std::chrono::milliseconds(options.timeout_ms);

  Output output;
  auto result = runWithCluster(spec, [what, options, &output](rocketmq::Cluster& cluster) {
    return runInspect(cluster, what, options, &output);
  });
  if (!result) {
    std::fprintf(stderr, "ferry inspect: %s\n",
                 describeFailure(result.error(), spec.credentials.has_value()).c_str());
    return exitCodeFor(result.error());
  }
  std::fwrite(output.text.data(), 1, output.text.size(), stdout);
  return kExitOk;
}

}  // namespace

void registerInspect(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<InspectOptions>();
  CLI::App* inspect = app.add_subcommand("inspect", "Read-only views of a RocketMQ cluster");
  inspect->require_subcommand(1);
  inspect
      ->add_option("-n,--namesrv", options->name_servers,
                   "NameServer address(es), e.g. 127.0.0.1:9876;127.0.0.2:9876")
      ->required()
      ->envname("FERRY_NAMESRV");
  inspect->add_option("--access-key", options->access_key,
                      "ACL access key (or env FERRY_ACCESS_KEY)");
  inspect->add_option("--secret-key", options->secret_key,
                      "ACL secret key (or env FERRY_SECRET_KEY)");
  inspect->add_flag("--tls", options->tls,
                    "Use TLS to NameServers and brokers (certificates not verified)");
  inspect
      ->add_option("--tls-ca", options->tls_ca,
                   "Use TLS and verify certificates against this PEM CA file (and the name, see "
                   "--tls-server-name)")
      ->check(CLI::ExistingFile);
  inspect->add_option(
      "--tls-server-name", options->tls_server_name,
      "Use TLS, verify certificates (system CAs unless --tls-ca) and require this name "
      "instead of the dialled IP; also sent as SNI");
  inspect->add_flag("--json", options->json, "Print one JSON document instead of tables");
  inspect->add_option("--timeout-ms", options->timeout_ms, "Timeout per request in milliseconds")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  inspect->add_flag("-v,--verbose", options->verbose, "Log connections and retries to stderr");

  auto* clusters = inspect->add_subcommand("clusters", "Clusters, brokers, addresses and versions");
  clusters->callback([options, exit_code] { *exit_code = execute(*options, What::kClusters); });

  auto* topic =
      inspect->add_subcommand("topic", "Route, permissions and per-queue offsets of a topic");
  topic->add_option("topic", options->topic, "Topic name")->required();
  topic->callback([options, exit_code] { *exit_code = execute(*options, What::kTopic); });

  auto* group = inspect->add_subcommand(
      "group", "Committed offsets, lag and online clients of a consumer group");
  group->add_option("group", options->group, "Consumer group name")->required();
  group->add_option("-t,--topic", options->group_topic, "Only this topic");
  group->callback([options, exit_code] { *exit_code = execute(*options, What::kGroup); });

  auto* topics = inspect->add_subcommand(
      "topics", "List topics (system, retry and DLQ topics only with --all)");
  topics->add_flag("-a,--all", options->all, "Also list system, retry and DLQ topics");
  topics->callback([options, exit_code] { *exit_code = execute(*options, What::kTopics); });
}

}  // namespace ferry::cli
