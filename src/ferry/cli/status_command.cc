#include "ferry/cli/status_command.h"

#include <httplib.h>

#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ferry/cli/table.h"
#include "ferry/control/admin_server.h"
#include "ferry/control/config.h"

namespace ferry::cli {
namespace {

using control::DaemonStatus;
using control::QueueStatus;
using control::TaskStatus;
using nlohmann::json;

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string dumpJson(const json& value) {
  return value.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

// Percent-encodes everything but RFC 3986 unreserved characters (a task name in the path).
std::string encodePathSegment(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
        || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string optionalInt(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : "-";
}

std::string queueText(const MessageQueue& mq) {
  return mq.toString();
}

std::string durationText(std::int64_t ms) {
  if (ms < 0) {
    ms = 0;
  }
  const std::int64_t s = ms / 1000;
  if (s < 60) {
    return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
  }
  if (s < 3600) {
    return fmt::format("{}m{:02}s", s / 60, s % 60);
  }
  if (s < 86400) {
    return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  }
  return fmt::format("{}d{:02}h", s / 86400, (s % 86400) / 3600);
}

std::string errorText(const std::optional<control::LastError>& error) {
  if (!error) {
    return "-";
  }
  return fmt::format("{} at {}: {}", error->code, formatTimestamp(error->time_ms), error->message);
}

// The `message` of the admin API's JSON error body, or the raw body when it is not one.
std::string serverMessage(const httplib::Result& res) {
  const json body = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && body.contains("error") && body["error"].is_object()
      && body["error"].contains("message") && body["error"]["message"].is_string()) {
    return body["error"]["message"].get<std::string>();
  }
  std::string raw = res->body.substr(0, 200);
  return raw.empty() ? fmt::format("HTTP {}", res->status) : raw;
}

// Why a request got no HTTP answer, in an operator's words.
std::string transportFailure(httplib::Error error, int timeout_ms) {
  switch (error) {
    case httplib::Error::Connection: return "connection refused or address unreachable";
    case httplib::Error::ConnectionTimeout:
      return fmt::format("no connection within {} ms", timeout_ms);
    case httplib::Error::Read:
      return fmt::format("connected, but no complete answer within {} ms", timeout_ms);
    case httplib::Error::Write: return "connected, but the request could not be sent";
    default: return httplib::to_string(error);
  }
}

}  // namespace

std::string renderTaskText(const TaskStatus& task) {
  std::string out = fmt::format("TASK {}  {} -> {}  {}  lag {} msgs  {:.1f} msg/s\n", task.name,
                                task.source, task.destination, control::taskStateName(task.state),
                                task.lagMessages(), task.rateMessagesPerSecond());
  if (task.last_error) {
    out += fmt::format("last error: {}\n", errorText(task.last_error));
  }
  if (task.queues.empty()) {
    out += "no queues\n";
    return out;
  }
  Table table({"SOURCE QUEUE", "DESTINATION QUEUE", "STATE", "CHECKPOINT", "MAX", "LAG", "LAG(s)",
               "RATE/s", "LAST ACTIVITY", "LAST ERROR"});
  for (std::size_t c = 3; c <= 7; ++c) {
    table.alignRight(c);
  }
  for (const QueueStatus& q : task.queues) {
    table.addRow({queueText(q.source), queueText(q.destination),
                  std::string(control::queueStateName(q.state)), optionalInt(q.checkpoint),
                  optionalInt(q.source_max_offset), optionalInt(q.lag_messages),
                  q.lag_seconds ? fmt::format("{:.1f}", *q.lag_seconds) : "-",
                  fmt::format("{:.1f}", q.rate_messages_per_second),
                  formatTimestamp(q.last_activity_ms), errorText(q.last_error)});
  }
  out += table.render();
  return out;
}

std::string renderStatusText(const DaemonStatus& status, std::int64_t now_ms) {
  std::string out = fmt::format("{}, up {}, snapshot {} old\n", status.version,
                                durationText(now_ms - status.started_at_ms),
                                durationText(now_ms - status.snapshot_at_ms));
  if (status.tasks.empty()) {
    out += "\nno tasks\n";
    return out;
  }
  for (const TaskStatus& task : status.tasks) {
    out += '\n';
    out += renderTaskText(task);
  }
  return out;
}

// Replaces what --config provides unless the user gave it explicitly. A config that names
// environment variables not set in this shell still loads (only admin.* matters here), unless
// the token itself comes from one.
Result<void> applyConfig(StatusCommandOptions& options) {
  constexpr std::string_view kUnset = "ferry-status-unset-variable:";
  control::ParseOptions parse;
  parse.env = [kUnset](const std::string& name) -> std::optional<std::string> {
    if (auto value = control::processEnv(name)) {
      return value;
    }
    return std::string(kUnset) + name;
  };
  auto config = control::loadConfig(options.config, parse);
  if (!config) {
    return makeError(std::move(config.error()));
  }
  if (!options.admin_explicit) {
    auto listen = control::parseListenAddress(config->admin.listen);
    if (!listen) {
      return makeError(std::move(listen.error()));
    }
    // A daemon listening on every address is reached on this machine's loopback.
    if (listen->host == "0.0.0.0") {
      listen->host = "127.0.0.1";
    } else if (listen->host == "::") {
      listen->host = "::1";
    }
    options.admin = listen->toString();
  }
  if (!options.token_explicit) {
    const std::string& token = config->admin.token;
    if (token.rfind(kUnset, 0) == 0) {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("{}: admin.token comes from ${{{}}}, which is not set here",
                                   options.config, token.substr(kUnset.size())));
    }
    options.token = token;
  }
  return {};
}

int runStatus(const StatusCommandOptions& given, std::ostream& out, std::ostream& err) {
  StatusCommandOptions options = given;
  if (!options.config.empty()) {
    if (auto applied = applyConfig(options); !applied) {
      err << "ferry status: --config: " << applied.error().message << "\n";
      return kStatusUsage;
    }
  }
  auto address = control::parseListenAddress(options.admin);
  if (!address) {
    err << "ferry status: --admin: " << address.error().message << "\n";
    return kStatusUsage;
  }
  if (address->port == 0) {
    err << "ferry status: --admin: port 0 is not an address a daemon listens on\n";
    return kStatusUsage;
  }

  httplib::Client client(address->host, address->port);
  const auto timeout = std::chrono::milliseconds(options.timeout_ms);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  if (!options.token.empty()) {
    client.set_bearer_token_auth(options.token);
  }
  const std::string path =
      options.task.empty() ? "/v1/status" : "/v1/tasks/" + encodePathSegment(options.task);
  const std::string where = address->toString();

  httplib::Result res = client.Get(path);
  if (!res) {
    const httplib::Error error = res.error();
    err << fmt::format("ferry status: no answer from a Ferry daemon at {}: {}\n", where,
                       transportFailure(error, options.timeout_ms));
    err << "hint: is `ferry run` running, and does its admin.listen match --admin?\n";
    return kStatusUnreachable;
  }
  if (res->status == 401) {
    err << fmt::format("ferry status: the daemon at {} refused the request: {}\n", where,
                       serverMessage(res));
    err << (options.token.empty()
                ? "hint: this daemon requires a token; pass --token or set FERRY_ADMIN_TOKEN\n"
                : "hint: the token does not match the daemon's admin.token\n");
    return kStatusAuth;
  }
  if (res->status == 404 && !options.task.empty()) {
    err << fmt::format("ferry status: {}\n", serverMessage(res));
    return kStatusTaskNotFound;
  }
  if (res->status != 200) {
    err << fmt::format("ferry status: the daemon at {} answered HTTP {}: {}\n", where, res->status,
                       serverMessage(res));
    return kStatusError;
  }

  const json body = json::parse(res->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    err << fmt::format("ferry status: the answer from {}{} is not JSON; is this a Ferry daemon?\n",
                       where, path);
    return kStatusError;
  }
  if (options.task.empty()) {
    auto status = control::daemonStatusFromJson(body);
    if (!status) {
      err << fmt::format("ferry status: unexpected answer from {}{}: {}\n", where, path,
                         status.error().message);
      return kStatusError;
    }
    out << (options.json ? dumpJson(control::toJson(*status)) : renderStatusText(*status, nowMs()));
  } else {
    auto task = control::taskStatusFromJson(body);
    if (!task) {
      err << fmt::format("ferry status: unexpected answer from {}{}: {}\n", where, path,
                         task.error().message);
      return kStatusError;
    }
    out << (options.json ? dumpJson(control::toJson(*task)) : renderTaskText(*task));
  }
  return kStatusOk;
}

void registerStatus(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<StatusCommandOptions>();
  CLI::App* status = app.add_subcommand("status", "Tasks and queues of a running daemon");
  CLI::Option* admin = status
                           ->add_option("--admin", options->admin,
                                        "The daemon's admin address (admin.listen in its config)")
                           ->envname("FERRY_ADMIN")
                           ->capture_default_str();
  CLI::Option* token =
      status->add_option("--token", options->token, "Admin token (or env FERRY_ADMIN_TOKEN)")
          ->envname("FERRY_ADMIN_TOKEN");
  status->add_option("--config", options->config,
                     "The daemon's config file: admin.listen and admin.token from it");
  status->add_option("--task", options->task, "Only this task");
  status->add_flag("--json", options->json, "Print the JSON document instead of tables");
  status->add_option("--timeout-ms", options->timeout_ms, "Timeout for the request in milliseconds")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  status->callback([options, exit_code, admin, token] {
    options->admin_explicit = admin->count() > 0;
    options->token_explicit = token->count() > 0;
    *exit_code = runStatus(*options, std::cout, std::cerr);
  });
}

}  // namespace ferry::cli
