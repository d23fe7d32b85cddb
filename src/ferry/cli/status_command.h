// `ferry status`: asks a running daemon's admin API (GET /v1/status or /v1/tasks/{name}) and
// prints every task with its queues as tables, or the JSON document (docs/operations.md).
//
//   ferry status [--config FILE] [--admin 127.0.0.1:7780] [--token T] [--task NAME] [--json]
//
// With --config the address and token come from the daemon's config file (admin.listen,
// admin.token); --admin and --token (flags or their environment variables) still win.
//
// The answer is parsed with control::daemonStatusFromJson before printing, so a daemon that
// answers something else is reported, not echoed. Runs on the caller's thread (a blocking
// cpp-httplib client); no io_context.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "ferry/control/status.h"

namespace CLI {
class App;
}

namespace ferry::cli {

// Exit codes of `ferry status` (docs/operations.md); the numbers match `ferry inspect`'s.
inline constexpr int kStatusOk = 0;
inline constexpr int kStatusError = 1;         // the daemon answered with an error or garbage
inline constexpr int kStatusUsage = 2;         // bad command line (--admin not host:port, --config
                                               // unreadable or invalid)
inline constexpr int kStatusUnreachable = 3;   // no daemon answers on --admin
inline constexpr int kStatusTaskNotFound = 4;  // --task names no task of the daemon
inline constexpr int kStatusAuth = 6;          // the daemon wants a (different) token

struct StatusCommandOptions {
  std::string admin = "127.0.0.1:7780";
  std::string token;
  std::string config;           // the daemon's config file; empty: none
  bool admin_explicit = false;  // --admin (or FERRY_ADMIN) was given: it wins over --config
  bool token_explicit = false;  // --token (or FERRY_ADMIN_TOKEN) was given
  std::string task;             // empty: every task
  bool json = false;
  int timeout_ms = 3000;
};

// Runs the command: the report goes to `out`, one error line (plus a hint) to `err`.
int runStatus(const StatusCommandOptions& options, std::ostream& out, std::ostream& err);

// The human-readable report; `now_ms` (wall clock) ages the snapshot.
std::string renderStatusText(const control::DaemonStatus& status, std::int64_t now_ms);
std::string renderTaskText(const control::TaskStatus& task);

// Adds `status` to `app`; its exit code goes to *exit_code.
void registerStatus(CLI::App& app, int* exit_code);

}  // namespace ferry::cli
