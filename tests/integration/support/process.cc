#include "process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace ferry::testing {
namespace {

std::vector<char*> toArgv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const auto& a : argv) {
    out.push_back(const_cast<char*>(a.c_str()));
  }
  out.push_back(nullptr);
  return out;
}

// Reads everything from fd until EOF.
std::string drain(int fd) {
  std::string out;
  std::array<char, 65536> buf{};
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  return out;
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    if (end > start) {
      lines.push_back(text.substr(start, end - start));
    }
    start = end + 1;
  }
  return lines;
}

int decodeStatus(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return -1;
}

}  // namespace

CommandResult runCommand(const std::vector<std::string>& argv) {
  std::array<int, 2> out_pipe{};
  std::array<int, 2> err_pipe{};
  // O_CLOEXEC: only the dup2'ed copies (0, 1, 2) reach the command. Without it the pipes' own
  // fds were inherited by everything the command started, so a daemon it launched (a restarted
  // broker) kept the pipe open and drain() never saw EOF.
  if (::pipe2(out_pipe.data(), O_CLOEXEC) != 0 || ::pipe2(err_pipe.data(), O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ::dup2(devnull, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    auto args = toArgv(argv);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  // stderr is drained on a thread so neither pipe can fill up and block the child.
  std::string err_text;
  std::thread err_reader([&] { err_text = drain(err_pipe[0]); });
  std::string out_text = drain(out_pipe[0]);
  err_reader.join();
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return CommandResult{decodeStatus(status), splitLines(out_text), std::move(err_text)};
}

BackgroundProcess::BackgroundProcess(const std::vector<std::string>& argv) {
  std::array<int, 2> in_pipe{};
  std::array<int, 2> out_pipe{};
  if (::pipe2(in_pipe.data(), O_CLOEXEC) != 0 || ::pipe2(out_pipe.data(), O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    // Own process group, so the destructor can stop the wrapper script and its JVM together.
    ::setpgid(0, 0);
    auto args = toArgv(argv);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  stdin_fd_ = in_pipe[1];
  stdout_fd_ = out_pipe[0];
  reader_ = std::thread([this] { readLoop(); });
}

BackgroundProcess::~BackgroundProcess() {
  closeStdin();
  if (waitExit(std::chrono::seconds(20)) < 0 && pid_ > 0) {
    ::kill(-pid_, SIGTERM);
    if (waitExit(std::chrono::seconds(10)) < 0) {
      ::kill(-pid_, SIGKILL);
      waitExit(std::chrono::seconds(10));
    }
  }
  if (reader_.joinable()) {
    reader_.join();
  }
  if (stdout_fd_ >= 0) {
    ::close(stdout_fd_);
  }
}

void BackgroundProcess::readLoop() {
  std::string partial;
  std::array<char, 65536> buf{};
  while (true) {
    ssize_t n = ::read(stdout_fd_, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    partial.append(buf.data(), static_cast<std::size_t>(n));
    std::size_t pos = 0;
    std::vector<std::string> complete;
    while (true) {
      auto nl = partial.find('\n', pos);
      if (nl == std::string::npos) {
        break;
      }
      complete.push_back(partial.substr(pos, nl - pos));
      pos = nl + 1;
    }
    partial.erase(0, pos);
    if (!complete.empty()) {
      std::lock_guard lock(mutex_);
      for (auto& l : complete) {
        lines_.push_back(std::move(l));
      }
      changed_.notify_all();
    }
  }
  std::lock_guard lock(mutex_);
  if (!partial.empty()) {
    lines_.push_back(partial);
  }
  eof_ = true;
  changed_.notify_all();
}

bool BackgroundProcess::waitFor(
    const std::function<bool(const std::vector<std::string>&)>& predicate,
    std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return predicate(lines_) || eof_; })
         && predicate(lines_);
}

std::vector<std::string> BackgroundProcess::lines() {
  std::lock_guard lock(mutex_);
  return lines_;
}

void BackgroundProcess::closeStdin() {
  if (stdin_fd_ >= 0) {
    ::close(stdin_fd_);
    stdin_fd_ = -1;
  }
}

int BackgroundProcess::waitExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) {
    return exit_code_;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = decodeStatus(status);
      pid_ = -1;
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace ferry::testing
