// Child processes for integration tests: run a command to completion, or keep one running in the
// background (e.g. a Java push consumer) while the test reads its JSON-line output.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ferry::testing {

struct CommandResult {
  int exit_code = -1;
  std::vector<std::string> stdout_lines;
  std::string stderr_text;
};

// Runs argv to completion (stdin from /dev/null), capturing stdout lines and stderr.
CommandResult runCommand(const std::vector<std::string>& argv);

// A child process whose stdout lines are collected by a reader thread. The child's stdin is a pipe:
// closeStdin() is the polite "stop" for tools that run until stdin closes. The destructor
// terminates the child (TERM, then KILL) and reaps it, so a failing test leaves nothing behind.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::vector<std::string>& argv);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;
  BackgroundProcess(BackgroundProcess&&) = delete;
  BackgroundProcess& operator=(BackgroundProcess&&) = delete;

  // Waits until `predicate(lines so far)` holds or the timeout passes; returns whether it held.
  bool waitFor(const std::function<bool(const std::vector<std::string>&)>& predicate,
               std::chrono::milliseconds timeout);
  std::vector<std::string> lines();
  void closeStdin();
  // Waits for exit up to timeout; returns the exit code or -1 if still running.
  int waitExit(std::chrono::milliseconds timeout);

 private:
  void readLoop();
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
  bool eof_ = false;
  int exit_code_ = -1;
};

}  // namespace ferry::testing
