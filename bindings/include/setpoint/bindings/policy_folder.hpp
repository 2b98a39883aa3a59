#pragma once
// The policies folder, live: watched with inotify on the directory (editors save by rename,
// Kubernetes swaps a `..data` symlink; a queue overflow means rescan). A changed file is
// reloaded once it has been quiet for the debounce. The slow part — read, hash, compile, check,
// run the policy's own tests — happens on the folder's reload thread (PolicyCandidate), so the
// engine's evaluations never wait on it; the engine thread only swaps finished versions in,
// carrying ctx.state over. Any failure keeps the old version running and records why. A
// deleted file retires its policy. poll() and settle() are called from the engine thread.
//
// A new version the shadow rule picks does not replace the running one: it is kept beside it
// as its shadow (with a copy of its ctx.state) until the engine promotes or discards it. A
// newer save replaces the shadow; a save back to the running version, or the file's deletion,
// ends it.
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "setpoint/base/result.hpp"
#include "setpoint/bindings/policy_candidate.hpp"

namespace setpoint::bindings {

struct ReloadStatus {
  bool ok = true;
  std::string message;  // "loaded 3f2a9c…", or why the new version was refused
  Nanos at = 0;
  bool gone = false;  // the file was deleted: kept to say so once, not listed as a policy
};

// Whether `next`, ready to replace the running `live` version of a file, shadows it first.
using ShadowRule = std::function<bool(const LivePolicy& live, const LivePolicy& next)>;

class PolicyFolder {
 public:
  PolicyFolder(std::string dir, const Stdlib* stdlib, Limits limits, const Clock& clock,
               TestGate gate, Nanos debounce = 50 * kNanosPerMilli, LimitsFor limits_for = {});
  // Engine thread; none (the default): every new version goes live at once.
  void set_shadow_rule(ShadowRule rule) { shadow_rule_ = std::move(rule); }
  ~PolicyFolder();
  PolicyFolder(const PolicyFolder&) = delete;
  PolicyFolder& operator=(const PolicyFolder&) = delete;

  // Loads every policy file and waits for the result (start-up).
  void scan(Nanos now);
  // Takes the folder's pending events, hands what has been quiet for the debounce to the
  // reload thread, and swaps in what it has finished. Never waits for a compile. Returns the
  // files whose status changed (swapped, refused or retired).
  std::vector<std::string> poll(Nanos now);
  // Waits for the reload thread to finish what it was given, then swaps it in (start-up,
  // tests, and shutdown). Returns the files whose status changed.
  std::vector<std::string> settle(Nanos now);
  // Hands every file to the reload thread again (an operator's reload); poll() swaps them in.
  void rescan(Nanos now) { queue_all(now); }
  // True while the reload thread has work.
  bool reloading() const;

  std::map<std::string, LivePolicy>& live() { return live_; }        // by file name
  std::map<std::string, LivePolicy>& shadows() { return shadows_; }  // by file name
  // The shadow replaces the running version, carrying the running version's ctx.state (the
  // one that went with what was really done); or why not, and both stay as they are.
  Result<void> promote(const std::string& file, Nanos now);
  // Drops the shadow, saying why in the file's status; false when there is none.
  bool discard(const std::string& file, const std::string& why, Nanos now);
  // Start-up, when the store says a file's version was still shadowing `running_source` at
  // the last stop: that version runs again, and the file's becomes its shadow once more
  // (unless the file is back to it). Or why not, and the file's version keeps running.
  Result<void> reinstate(const std::string& file, const std::string& running_source, Nanos now);
  const std::map<std::string, ReloadStatus>& status() const { return status_; }
  int fd() const { return inotify_fd_; }
  // Whether saved files are seen (inotify); why not when they are not (too many watches on
  // the host, a folder gone): the policies loaded at start keep running, only unreloaded.
  const Result<void>& watching() const { return watching_; }

 private:
  struct Job {
    std::string file;
    std::string running_hash;
  };

  void read_events(Nanos now);
  void queue_all(Nanos now);
  void queue(const std::string& file);
  std::vector<std::string> apply(std::vector<Candidate> done, Nanos now);
  bool apply_one(Candidate& candidate, Nanos now);  // true when the file's status changed
  void work();
  bool is_policy_file(const std::string& name) const;

  CandidateSource source_;
  Nanos debounce_;
  int inotify_fd_ = -1;
  Result<void> watching_;
  std::map<std::string, Nanos> dirty_;  // file → time of its last event
  std::set<std::string> in_flight_;     // given to the reload thread, not yet swapped
  bool rescan_ = false;
  std::map<std::string, LivePolicy> live_;
  std::map<std::string, LivePolicy> shadows_;
  std::map<std::string, ReloadStatus> status_;
  ShadowRule shadow_rule_;

  // Shared with the reload thread, under mutex_.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Job> jobs_;
  std::vector<Candidate> done_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace setpoint::bindings
