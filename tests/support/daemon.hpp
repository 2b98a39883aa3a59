#pragma once
// The real `setpoint run` in a temporary directory, on a loopback port it picks itself: the
// integration tests start it, talk to it over HTTP, signal it and read its log.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"

namespace setpoint::testing {

// Waits for `done` up to `limit`, looking every 5 ms. An integration test waits on a real
// process; the limit is generous and only bounds a failure, it asserts no speed.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

class Daemon {
 public:
  Daemon(std::string dir, std::vector<std::string> args)
      : dir_(std::move(dir)), log_(dir_ + "/daemon.log") {
    write_file(log_, "");  // a restart in the same folder must not find the last run's port
    pid_ = ::fork();
    if (pid_ == 0) {
      ::chdir(dir_.c_str());
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv{const_cast<char*>(SETPOINT_BINARY), const_cast<char*>("run")};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(SETPOINT_BINARY, argv.data());
      ::_exit(127);
    }
    const std::string marker = "control plane on http://127.0.0.1:";
    eventually([&] {
      const std::string text = log();
      const auto at = text.find(marker);
      if (at == std::string::npos) return exited();
      port_ = std::atoi(text.c_str() + at + marker.size());
      return port_ > 0;
    });
  }
  ~Daemon() {
    if (!exited()) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string log() const { return read_file(log_); }
  void signal(int sig) const { ::kill(pid_, sig); }
  // The exit status once it has exited (-1 if it did not within the limit or died of a signal).
  int wait_exit(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    eventually([&] { return exited(); }, limit);
    return exited() && WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
  }
  bool exited() {
    if (done_) return true;
    if (::waitpid(pid_, &status_, WNOHANG) == pid_) done_ = true;
    return done_;
  }
  void kill9() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
    done_ = true;
  }

 private:
  std::string dir_;
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
  int status_ = 0;
  bool done_ = false;
};

}  // namespace setpoint::testing
