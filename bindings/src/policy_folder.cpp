#include "setpoint/bindings/policy_folder.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "setpoint/sha256.hpp"

namespace setpoint::bindings {
namespace {
namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}
}  // namespace

PolicyFolder::PolicyFolder(std::string dir, const Stdlib* stdlib, Limits limits, const Clock& clock, TestGate gate,
                           Nanos debounce)
    : dir_(std::move(dir)), stdlib_(stdlib), limits_(limits), clock_(clock), gate_(std::move(gate)), debounce_(debounce) {
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) {
    error_ = std::string("inotify: ") + std::strerror(errno);
    return;
  }
  const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE;
  if (::inotify_add_watch(inotify_fd_, dir_.c_str(), mask) < 0) {
    error_ = "cannot watch " + dir_ + ": " + std::strerror(errno);
  }
}

PolicyFolder::~PolicyFolder() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
}

bool PolicyFolder::is_policy_file(const std::string& name) const {
  return ends_with(name, ".lua") && !ends_with(name, "_test.lua") && name.front() != '.';
}

void PolicyFolder::scan(Nanos now) {
  std::set<std::string> present;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (is_policy_file(name)) present.insert(name);
  }
  for (const auto& name : present) reload(name, now);
  for (auto it = live_.begin(); it != live_.end();) {
    if (present.count(it->first) == 0) {
      status_[it->first] = {true, "retired: the file is gone", now};
      it = live_.erase(it);
    } else {
      ++it;
    }
  }
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
  std::vector<std::string> changed;
  if (rescan_) {
    rescan_ = false;
    dirty_.clear();
    scan(now);
    for (const auto& [file, _] : live_) changed.push_back(file);
    return changed;
  }
  for (auto it = dirty_.begin(); it != dirty_.end();) {
    if (now - it->second < debounce_) {
      ++it;
      continue;
    }
    reload(it->first, now);
    changed.push_back(it->first);
    it = dirty_.erase(it);
  }
  return changed;
}

void PolicyFolder::reload(const std::string& file, Nanos now) {
  const fs::path path = fs::path(dir_) / file;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (live_.erase(file) > 0 || status_.count(file) > 0) status_[file] = {true, "retired: the file is gone", now};
    return;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string source = text.str();
  const std::string hash = sha256_hex(source);
  const auto current = live_.find(file);
  if (current != live_.end() && current->second.hash == hash) return;  // saved without a change

  const auto refuse = [&](const std::string& why) {
    status_[file] = {false, why + (current != live_.end() ? "; the previous version keeps running" : ""), now};
  };
  auto state = std::make_unique<PolicyState>(path.stem().string(), limits_, clock_, stdlib_);
  const RunResult loaded = state->load(source, file);
  if (!loaded.ok()) return refuse(loaded.message);
  std::vector<std::string> problems;
  const auto info = read_policy_info(*state, path.stem().string(), problems);
  if (!info) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    return refuse(file + ": " + all);
  }
  const fs::path tests = fs::path(dir_) / (path.stem().string() + "_test.lua");
  std::error_code ec;
  if (gate_ && fs::exists(tests, ec)) {
    if (const std::string failed = gate_(tests.string()); !failed.empty()) return refuse(file + ": its tests fail: " + failed);
  }
  if (current != live_.end()) {
    std::string error;
    const auto kept = current->second.state->save_state(error);
    if (!kept || !state->restore_state(*kept, error)) return refuse(error);
  }
  live_[file] = {*info, hash, std::move(state)};
  status_[file] = {true, "loaded " + hash.substr(0, 12), now};
}

}  // namespace setpoint::bindings
