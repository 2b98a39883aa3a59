#include "setpoint/actuators/exec_actuator.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "setpoint/base/json_text.hpp"

extern char** environ;

namespace setpoint {
namespace {

bool is_placeholder(const std::string& s) {
  return s.size() >= 3 && s.front() == '{' && s.back() == '}';
}

Nanos monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<Nanos>(ts.tv_sec) * kNanosPerSecond + ts.tv_nsec;
}

}  // namespace

std::string value_text(const ProposedValue& value) {
  if (const auto* d = std::get_if<double>(&value)) {
    // The shortest text that reads back as the same number: 0.1, not 0.10000000000000001.
    std::string text;
    json_text::append_number(text, *d);
    return text;
  }
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  return std::get<std::string>(value);
}

std::string ExecActuator::validate(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0].empty()) return "the command is empty";
  if (is_placeholder(argv[0]) || argv[0].find('{') != std::string::npos)
    return "the program itself cannot be a placeholder";
  // Shells and interpreters run their arguments as code; a value must never reach one.
  static const char* kShells[] = {"sh",      "bash", "dash",  "zsh",  "ksh",    "fish",
                                  "env",     "eval", "xargs", "sudo", "perl",   "python",
                                  "python3", "ruby", "node",  "awk",  "busybox"};
  const std::string program = std::filesystem::path(argv[0]).filename().string();
  for (const char* shell : kShells) {
    if (program == shell)
      return "\"" + program + "\" would let a value become a command; name the program directly";
  }
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const auto& a = argv[i];
    const bool has_brace = a.find('{') != std::string::npos || a.find('}') != std::string::npos;
    if (has_brace && !is_placeholder(a)) {
      return "argument " + std::to_string(i) + " \"" + a +
             "\": a placeholder must be the whole argument";
    }
    if (is_placeholder(a)) {
      const std::string name = a.substr(1, a.size() - 2);
      if (name != "value" && name != "target" && name != "key" && name != "who" &&
          name.rfind("arg:", 0) != 0) {
        return "argument " + std::to_string(i) + ": unknown placeholder " + a;
      }
    }
  }
  return {};
}

ExecActuator::ExecActuator(ExecActuatorOptions options) : options_(std::move(options)) {}

ActuationResult ExecActuator::apply(const Actuation& a) {
  const auto& args = a.args;
  if (auto problem = validate(options_.argv); !problem.empty()) {
    return {ActuationResult::Status::kFailed, "unsafe command: " + problem};
  }
  std::vector<std::string> argv;
  for (const auto& part : options_.argv) {
    if (!is_placeholder(part)) {
      argv.push_back(part);
      continue;
    }
    const std::string name = part.substr(1, part.size() - 2);
    if (name == "value")
      argv.push_back(value_text(a.value));
    else if (name == "target")
      argv.push_back(a.target);
    else if (name == "key")
      argv.push_back(a.key);
    else if (name == "who")
      argv.push_back(a.who);
    else {
      const std::string wanted = name.substr(4);
      const auto it = std::find_if(args.begin(), args.end(),
                                   [&](const auto& kv) { return kv.first == wanted; });
      if (it == args.end())
        return {ActuationResult::Status::kFailed, "no argument " + wanted + " for " + part};
      argv.push_back(value_text(it->second));
    }
  }
  std::vector<char*> raw;
  for (auto& s : argv) raw.push_back(s.data());
  raw.push_back(nullptr);

  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0)
    return {ActuationResult::Status::kFailed, std::string("pipe: ") + std::strerror(errno)};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  // The child starts as a program run from a shell would: no signal blocked (the daemon blocks
  // SIGTERM, SIGINT and SIGHUP for its loop) and SIGPIPE back to its default (the daemon
  // ignores it), so a command that writes to a closed pipe ends as it expects.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (const int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, raw[0], &actions, &attr, raw.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  ::close(err[1]);
  if (spawned != 0) {
    ::close(err[0]);
    return {ActuationResult::Status::kFailed,
            "cannot run " + argv[0] + ": " + std::strerror(spawned)};
  }

  std::string stderr_text;
  const Nanos deadline = monotonic_now() + options_.timeout;
  bool timed_out = false;
  for (;;) {
    const Nanos left = deadline - monotonic_now();
    if (left <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{err[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::max<Nanos>(1, left / kNanosPerMilli)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[1024];
    const ssize_t n = ::read(err[0], buffer, sizeof buffer);
    if (n <= 0) break;  // the program closed stderr: it is finishing
    if (stderr_text.size() < options_.max_stderr_bytes) {
      stderr_text.append(buffer,
                         std::min<std::size_t>(static_cast<std::size_t>(n),
                                               options_.max_stderr_bytes - stderr_text.size()));
    }
  }
  ::close(err[0]);
  int status = 0;
  if (timed_out) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return {ActuationResult::Status::kFailed,
            argv[0] + " timed out after " + std::to_string(options_.timeout / kNanosPerMilli) +
                " ms and was killed"};
  }
  // stderr closed; the exit follows (a program that closes stderr early still gets the timeout).
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (monotonic_now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return {ActuationResult::Status::kFailed, argv[0] + " timed out and was killed"};
    }
    pollfd none{-1, 0, 0};
    ::poll(&none, 0, 5);
  }
  while (!stderr_text.empty() && (stderr_text.back() == '\n' || stderr_text.back() == '\r'))
    stderr_text.pop_back();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    return {ActuationResult::Status::kApplied,
            "exit 0" + (stderr_text.empty() ? "" : "; stderr: " + stderr_text)};
  }
  const std::string how = WIFEXITED(status)
                              ? "exit " + std::to_string(WEXITSTATUS(status))
                              : "killed by signal " + std::to_string(WTERMSIG(status));
  return {ActuationResult::Status::kFailed,
          argv[0] + ": " + how + (stderr_text.empty() ? "" : "; stderr: " + stderr_text)};
}

}  // namespace setpoint
