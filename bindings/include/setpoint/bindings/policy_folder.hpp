#pragma once
// The policies folder, live: watched with inotify on the directory (editors save by rename,
// Kubernetes swaps a `..data` symlink; a queue overflow means rescan). A changed file is
// reloaded once it has been quiet for the debounce: read, hashed (an unchanged hash is not a
// change), compiled in a fresh state under the full limits, its metadata checked, its own
// `<name>_test.lua` run through the gate, and only then swapped in, with ctx.state carried
// over. Any failure keeps the old version running and records why. A deleted file retires its
// policy. Called from the engine thread between evaluations.
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "setpoint/bindings/policy_info.hpp"

namespace setpoint::bindings {

struct LivePolicy {
  PolicyInfo info;
  std::string hash;  // SHA-256 of the source
  std::unique_ptr<PolicyState> state;
};

struct ReloadStatus {
  bool ok = true;
  std::string message;  // "loaded 3f2a9c…", or why the new version was refused
  Nanos at = 0;
};

// Runs a policy's own tests; returns "" when they pass, else why not.
using TestGate = std::function<std::string(const std::string& test_file)>;

class PolicyFolder {
 public:
  PolicyFolder(std::string dir, const Stdlib* stdlib, Limits limits, const Clock& clock, TestGate gate,
               Nanos debounce = 50 * kNanosPerMilli);
  ~PolicyFolder();
  PolicyFolder(const PolicyFolder&) = delete;
  PolicyFolder& operator=(const PolicyFolder&) = delete;

  // Loads every policy file now (start-up, or after an overflow).
  void scan(Nanos now);
  // Takes the folder's pending events and reloads what has been quiet for the debounce.
  // Returns the files reloaded or retired.
  std::vector<std::string> poll(Nanos now);

  std::map<std::string, LivePolicy>& live() { return live_; }  // by file name
  const std::map<std::string, ReloadStatus>& status() const { return status_; }
  int fd() const { return inotify_fd_; }
  const std::string& error() const { return error_; }

 private:
  void read_events(Nanos now);
  void reload(const std::string& file, Nanos now);
  bool is_policy_file(const std::string& name) const;

  std::string dir_;
  const Stdlib* stdlib_;
  Limits limits_;
  const Clock& clock_;
  TestGate gate_;
  Nanos debounce_;
  int inotify_fd_ = -1;
  std::string error_;
  std::map<std::string, Nanos> dirty_;  // file → time of its last event
  bool rescan_ = false;
  std::map<std::string, LivePolicy> live_;
  std::map<std::string, ReloadStatus> status_;
};

}  // namespace setpoint::bindings
