#include "setpoint/bindings/policy_folder.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace setpoint::bindings {
namespace {
namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
}  // namespace

PolicyFolder::PolicyFolder(std::string dir, const Stdlib* stdlib, Limits limits, const Clock& clock,
                           TestGate gate, Nanos debounce, LimitsFor limits_for)
    : source_{std::move(dir), stdlib, limits, &clock, std::move(gate), std::move(limits_for)},
      debounce_(debounce) {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) {
    watching_ = Error{std::string("inotify: ") + std::strerror(errno)};
  } else {
    const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE;
    if (::inotify_add_watch(inotify_fd_, source_.dir.c_str(), mask) < 0) {
      watching_ = Error{"cannot watch " + source_.dir + ": " + std::strerror(errno)};
    }
  }
  worker_ = std::thread([this] { work(); });
}

PolicyFolder::~PolicyFolder() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    jobs_.clear();
  }
  wake_.notify_all();
  worker_.join();
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
}

bool PolicyFolder::is_policy_file(const std::string& name) const {
  return ends_with(name, ".lua") && !ends_with(name, "_test.lua") && name.front() != '.';
}

void PolicyFolder::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
    if (stop_) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    Candidate candidate = prepare_candidate(source_, job.file, job.running_hash);
    lock.lock();
    done_.push_back(std::move(candidate));
    busy_ = false;
    if (jobs_.empty()) idle_.notify_all();
  }
}

void PolicyFolder::queue(const std::string& file) {
  // Unchanged is unchanged from the newest version: the shadow, when there is one.
  std::string newest;
  if (const auto shadow = shadows_.find(file); shadow != shadows_.end())
    newest = shadow->second.hash;
  else if (const auto running = live_.find(file); running != live_.end())
    newest = running->second.hash;
  in_flight_.insert(file);
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back({file, std::move(newest)});
  }
  wake_.notify_one();
}

void PolicyFolder::queue_all(Nanos now) {
  std::set<std::string> present;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(source_.dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (is_policy_file(name)) present.insert(name);
  }
  for (const auto& name : present) {
    dirty_.erase(name);
    if (in_flight_.count(name) == 0) queue(name);
  }
  for (auto it = live_.begin(); it != live_.end();) {
    if (present.count(it->first) == 0) {
      status_[it->first] = {true, "retired: the file is gone", now};
      shadows_.erase(it->first);
      it = live_.erase(it);
    } else {
      ++it;
    }
  }
}

void PolicyFolder::scan(Nanos now) {
  queue_all(now);
  settle(now);
}

bool PolicyFolder::reloading() const {
  std::lock_guard lock(mutex_);
  return busy_ || !jobs_.empty();
}

void PolicyFolder::read_events(Nanos now) {
  if (inotify_fd_ < 0) return;
  alignas(inotify_event) char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(inotify_fd_, buffer, sizeof buffer);
    if (n <= 0) return;  // EAGAIN: nothing more for now
    for (char* p = buffer; p < buffer + n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(p);
      p += sizeof(inotify_event) + event->len;
      if (event->mask & IN_Q_OVERFLOW) {
        rescan_ = true;
        continue;
      }
      const std::string name = event->len > 0 ? std::string(event->name) : std::string();
      if (name == "..data") {
        rescan_ = true;  // a Kubernetes ConfigMap swapped all its files at once
      } else if (is_policy_file(name)) {
        dirty_[name] = now;
      } else if (ends_with(name, "_test.lua")) {
        dirty_[name.substr(0, name.size() - 9) + ".lua"] = now;  // its tests changed: re-gate it
      }
    }
  }
}

std::vector<std::string> PolicyFolder::poll(Nanos now) {
  read_events(now);
  if (rescan_) {
    rescan_ = false;
    queue_all(now);
  }
  for (auto it = dirty_.begin(); it != dirty_.end();) {
    // A file still being prepared stays dirty: its newer content is queued after the result.
    if (now - it->second < debounce_ || in_flight_.count(it->first) > 0) {
      ++it;
      continue;
    }
    queue(it->first);
    it = dirty_.erase(it);
  }
  std::vector<Candidate> done;
  {
    std::lock_guard lock(mutex_);
    done.swap(done_);
  }
  return apply(std::move(done), now);
}

std::vector<std::string> PolicyFolder::settle(Nanos now) {
  std::vector<Candidate> done;
  {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [&] { return !busy_ && jobs_.empty(); });
    done.swap(done_);
  }
  return apply(std::move(done), now);
}

std::vector<std::string> PolicyFolder::apply(std::vector<Candidate> done, Nanos now) {
  std::vector<std::string> changed;
  for (auto& candidate : done) {
    in_flight_.erase(candidate.file);
    if (apply_one(candidate, now)) changed.push_back(candidate.file);
  }
  return changed;
}

bool PolicyFolder::apply_one(Candidate& candidate, Nanos now) {
  const std::string& file = candidate.file;
  const auto current = live_.find(file);
  switch (candidate.outcome) {
    case Candidate::Outcome::kGone:
      shadows_.erase(file);
      if (live_.erase(file) == 0 && status_.count(file) == 0) return false;
      status_[file] = {true, "retired: the file is gone", now, true};
      return true;
    case Candidate::Outcome::kUnchanged:
      // Saved back to the running version after a refused edit: the refusal no longer applies.
      if (auto s = status_.find(file);
          current != live_.end() && s != status_.end() && !s->second.ok) {
        s->second = {true, "unchanged: running " + current->second.hash.substr(0, 12), now};
        return true;
      }
      return false;
    case Candidate::Outcome::kRefused:
      status_[file] = {
          false,
          candidate.error + (current != live_.end() ? "; the previous version keeps running" : ""),
          now};
      return true;
    case Candidate::Outcome::kReady: break;
  }
  // Two files, one name: they would share a name's state, grants and counts. The first (the
  // one running, or the first by file name at a scan) keeps it.
  for (const auto& [other, policy] : live_) {
    if (other != file && policy.info.name == candidate.policy.info.name) {
      status_[file] = {false,
                       file + ": " + other + " already holds the name " +
                           candidate.policy.info.name +
                           (current != live_.end() ? "; the previous version keeps running"
                                                   : "; this file is not run"),
                       now};
      return true;
    }
  }
  if (current != live_.end() && candidate.policy.hash == current->second.hash) {
    // Saved back to the running version while a newer one shadowed it.
    if (shadows_.erase(file) == 0) return false;
    status_[file] = {true,
                     "back to the running version " + current->second.hash.substr(0, 12) +
                         ": its shadow is discarded",
                     now};
    return true;
  }
  if (current != live_.end()) {
    const auto kept = current->second.state->save_state();
    const auto restored = kept ? candidate.policy.state->restore_state(*kept) : Result<void>{};
    if (!kept || !restored) {
      const std::string& error = kept ? restored.error() : kept.error();
      status_[file] = {false, file + ": " + error + "; the previous version keeps running", now};
      return true;
    }
  }
  if (current != live_.end() && shadow_rule_ && shadow_rule_(current->second, candidate.policy)) {
    status_[file] = {true,
                     "shadowing " + candidate.policy.hash.substr(0, 12) + " beside " +
                         current->second.hash.substr(0, 12),
                     now};
    shadows_[file] = std::move(candidate.policy);
    return true;
  }
  status_[file] = {true, "loaded " + candidate.policy.hash.substr(0, 12), now};
  live_[file] = std::move(candidate.policy);
  shadows_.erase(file);
  return true;
}

Result<void> PolicyFolder::promote(const std::string& file, Nanos now) {
  const auto shadow = shadows_.find(file);
  const auto current = live_.find(file);
  if (shadow == shadows_.end() || current == live_.end())
    return Error{file + " has no shadow version"};
  const auto kept = current->second.state->save_state();
  if (!kept) return Error{kept.error()};
  if (const auto restored = shadow->second.state->restore_state(*kept); !restored)
    return Error{"its ctx.state does not carry over: " + restored.error()};
  status_[file] = {true,
                   "promoted " + shadow->second.hash.substr(0, 12) + " (was " +
                       current->second.hash.substr(0, 12) + ")",
                   now};
  current->second = std::move(shadow->second);
  shadows_.erase(shadow);
  return {};
}

bool PolicyFolder::discard(const std::string& file, const std::string& why, Nanos now) {
  const auto shadow = shadows_.find(file);
  if (shadow == shadows_.end()) return false;
  const auto current = live_.find(file);
  status_[file] = {
      true,
      "shadow " + shadow->second.hash.substr(0, 12) + " discarded: " + why +
          (current != live_.end() ? "; " + current->second.hash.substr(0, 12) + " keeps running"
                                  : std::string()),
      now};
  shadows_.erase(shadow);
  return true;
}

Result<void> PolicyFolder::reinstate(const std::string& file, const std::string& running_source,
                                     Nanos now) {
  const auto current = live_.find(file);
  if (current == live_.end()) return Error{file + " is not loaded"};
  Candidate saved = prepare_saved(source_, file, running_source);
  if (saved.outcome != Candidate::Outcome::kReady) return Error{saved.error};
  if (saved.policy.hash == current->second.hash) return {};  // the file is back to it
  if (saved.policy.info.name != current->second.info.name)
    return Error{"the saved version is named " + saved.policy.info.name + ", the file's " +
                 current->second.info.name};
  const auto kept = current->second.state->save_state();
  if (!kept) return Error{kept.error()};
  if (const auto restored = saved.policy.state->restore_state(*kept); !restored)
    return Error{restored.error()};
  status_[file] = {true,
                   "shadowing " + current->second.hash.substr(0, 12) + " beside " +
                       saved.policy.hash.substr(0, 12) + " (restarted while shadowing)",
                   now};
  shadows_[file] = std::move(current->second);
  current->second = std::move(saved.policy);
  return {};
}

}  // namespace setpoint::bindings
