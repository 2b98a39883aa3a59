#include "setpoint/actuators/file_actuator.hpp"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "setpoint/base/atomic_file.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/number_text.hpp"
#include "setpoint/base/regular_file.hpp"
#include "setpoint/base/sha256.hpp"

namespace setpoint {
namespace {

// An authority file is config, not data: a few MiB at most. Anything larger is not ours.
constexpr std::size_t kMaxAuthorityBytes = 64u << 20;
// The history's index: one line of about 200 bytes a version, over a million of them.
constexpr std::size_t kMaxIndexBytes = 256u << 20;

namespace fs = std::filesystem;

ActuationResult failed(std::string detail) {
  return {ActuationResult::Status::kFailed, std::move(detail)};
}

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::stringstream in(key);
  for (std::string part; std::getline(in, part, '.');) parts.push_back(part);
  return parts;
}

bool integral(double x) { return std::floor(x) == x && std::abs(x) < 9.007199254740992e15; }

nlohmann::json to_json(const ProposedValue& value) {
  if (const auto* d = std::get_if<double>(&value)) {
    return integral(*d) ? nlohmann::json(static_cast<std::int64_t>(*d)) : nlohmann::json(*d);
  }
  if (const auto* b = std::get_if<bool>(&value)) return *b;
  return std::get<std::string>(value);
}

YAML::Node to_yaml(const ProposedValue& value) {
  if (const auto* d = std::get_if<double>(&value)) {
    return integral(*d) ? YAML::Node(static_cast<std::int64_t>(*d)) : YAML::Node(*d);
  }
  if (const auto* b = std::get_if<bool>(&value)) return YAML::Node(*b);
  return YAML::Node(std::get<std::string>(value));
}

std::optional<ProposedValue> from_scalar(const std::string& text) {
  if (text == "true") return ProposedValue(true);
  if (text == "false") return ProposedValue(false);
  if (const auto d = parse_double(text)) return ProposedValue(*d);
  return ProposedValue(text);
}

}  // namespace

namespace {

// One mutex per file, by its canonical path, for the life of the process (a handful of files).
std::mutex* lock_of(const std::string& path) {
  static std::mutex guard;
  static std::map<std::string, std::unique_ptr<std::mutex>> locks;
  std::error_code ec;
  const fs::path canonical = fs::weakly_canonical(fs::absolute(path, ec), ec);
  std::lock_guard lock(guard);
  auto& m = locks[ec ? path : canonical.string()];
  if (!m) m = std::make_unique<std::mutex>();
  return m.get();
}

}  // namespace

FileActuator::FileActuator(FileActuatorOptions options)
    : options_(std::move(options)), file_lock_(lock_of(options_.path)) {
  if (options_.history_dir.empty()) {
    const fs::path p(options_.path);
    options_.history_dir = (p.parent_path() / ".setpoint-history" / p.filename()).string();
  }
}

bool FileActuator::json() const { return fs::path(options_.path).extension() == ".json"; }

std::vector<FileVersion> FileActuator::versions() const {
  auto all = read_versions();
  return all ? std::move(all).value() : std::vector<FileVersion>{};
}

// An index that cannot be read is an error, never an empty history: taken as the first version
// ever, a hand edit would be written over with no drift reported.
Result<std::vector<FileVersion>> FileActuator::read_versions() const {
  std::vector<FileVersion> out;
  const std::string path = options_.history_dir + "/index.jsonl";
  const auto lines = read_lines(path, kMaxIndexBytes);
  if (!lines) return Error{"cannot read the history index: " + lines.error()};
  for (const auto& line : *lines) {
    // A torn last line (a crash mid-append) is skipped, never fatal.
    const auto doc = parse_own_json(line);
    if (!doc.is_object()) continue;
    out.push_back({doc.value("sha", ""), doc.value("at", Nanos{0}), doc.value("who", ""),
                   doc.value("why", ""), doc.value("tag", ""), doc.value("state", "")});
  }
  return out;
}

std::string FileActuator::current_sha() const { return current_of(versions()); }

std::string FileActuator::current_of(const std::vector<FileVersion>& all) {
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (it->state == "done") return it->sha;
  }
  return {};
}

Result<void> FileActuator::append_index(const FileVersion& v) {
  std::error_code ec;
  fs::create_directories(options_.history_dir, ec);
  const nlohmann::json doc = {{"sha", v.sha}, {"at", v.at},   {"who", v.who},
                              {"why", v.why}, {"tag", v.tag}, {"state", v.state}};
  const std::string line = dump(doc) + "\n";
  const std::string path = options_.history_dir + "/index.jsonl";
  std::FILE* f = std::fopen(path.c_str(), "a+");
  if (f == nullptr) return Error{"cannot append to " + path};
  // A crash mid-append leaves a torn last line: end it, so this line stands on its own.
  if (std::fseek(f, -1, SEEK_END) == 0 && std::fgetc(f) != '\n') std::fputc('\n', f);
  const bool ok = std::fwrite(line.data(), 1, line.size(), f) == line.size() &&
                  std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  std::fclose(f);
  if (!ok) return Error{"cannot append to " + path};
  return {};
}

Result<void> FileActuator::keep_version(const std::string& sha, const std::string& content) {
  std::error_code ec;
  fs::create_directories(options_.history_dir, ec);
  const std::string path = options_.history_dir + "/" + sha + (json() ? ".json" : ".yaml");
  if (fs::exists(path)) return {};
  return write_file_atomically(path, content);
}

std::optional<ActuationResult> FileActuator::reconcile(const std::string& content, Nanos at) {
  const std::string found = sha256_hex(content);
  const auto read = read_versions();
  if (!read) return failed(read.error());
  const std::vector<FileVersion>& all = *read;
  if (all.empty()) {
    if (auto kept = keep_version(found, content); !kept) return failed(kept.error());
    if (auto first = append_index({found, at, "setpoint", "first version seen", "initial", "done"});
        !first) {
      return failed(first.error());
    }
    return std::nullopt;
  }
  const FileVersion& last = all.back();
  if (last.state == "intent") {
    // A write was under way when the process died: the file says how far it got.
    // Until the index says how it ended, nothing new is written over it.
    const bool landed = found == last.sha;
    if (auto settled = append_index(
            {last.sha, at, last.who, last.why, last.tag, landed ? "done" : "abandoned"});
        !settled) {
      return failed(settled.error());
    }
    if (landed) return std::nullopt;
  }
  const std::string expected = current_of(all);
  if (found == expected) return std::nullopt;
  // Changed by hand: keep it, never revert it, and say so.
  if (auto kept = keep_version(found, content); !kept) return failed(kept.error());
  const auto noted = append_index(
      {found, at, "outside setpoint", "changed outside Setpoint", "break-glass", "done"});
  return ActuationResult{ActuationResult::Status::kDrift,
                         options_.path + " was changed outside Setpoint (expected " +
                             expected.substr(0, 12) + ", found " + found.substr(0, 12) +
                             "); kept as a break-glass version, not reverted" +
                             (noted ? "" : " (" + noted.error() + ")")};
}

ActuationResult FileActuator::write_version(const std::string& content, const std::string& who,
                                            const std::string& why, const std::string& tag,
                                            Nanos at) {
  const std::string sha = sha256_hex(content);
  if (auto kept = keep_version(sha, content); !kept) return failed(kept.error());
  if (auto intent = append_index({sha, at, who, why, tag, "intent"}); !intent)
    return failed(intent.error());
  if (auto written = write_file_atomically(options_.path, content); !written) {
    (void)append_index({sha, at, who, why, tag, "abandoned"});  // best effort: the write says why
    return failed(written.error());
  }
  if (auto done = append_index({sha, at, who, why, tag, "done"}); !done)
    return failed(done.error());
  return {ActuationResult::Status::kApplied, "version " + sha.substr(0, 12)};
}

ActuationResult FileActuator::apply(const Actuation& a) {
  std::lock_guard in_turn(*file_lock_);
  const auto content = read_regular_file(options_.path, kMaxAuthorityBytes);
  if (!content) return failed(content.error());
  if (auto drift = reconcile(*content, a.at)) return *drift;
  const auto parts = split_key(a.key);
  if (parts.empty()) return failed("empty key");
  std::string updated;
  try {
    if (json()) {
      auto parsed = parse_json(*content);
      if (!parsed) return failed(options_.path + " cannot be parsed: " + parsed.error());
      nlohmann::json& doc = *parsed;
      nlohmann::json* node = &doc;
      for (const auto& part : parts) {
        if (!node->is_object() && !node->is_null())
          return failed(options_.path + ": " + a.key + " does not lead through objects");
        node = &(*node)[part];
      }
      *node = to_json(a.value);
      updated = dump(doc, 2) + "\n";
    } else {
      YAML::Node doc = YAML::Load(*content);
      std::vector<YAML::Node> path{doc};
      for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        if (!path.back().IsMap() && !path.back().IsNull())
          return failed(options_.path + ": " + a.key + " does not lead through mappings");
        path.push_back(path.back()[parts[i]]);
      }
      if (!path.back().IsMap() && !path.back().IsNull())
        return failed(options_.path + ": " + a.key + " does not lead through mappings");
      path.back()[parts.back()] = to_yaml(a.value);
      YAML::Emitter out;
      out << doc;
      updated = std::string(out.c_str()) + "\n";
    }
  } catch (const std::exception& e) {
    return failed(options_.path + " cannot be parsed: " + e.what());
  }
  return write_version(updated, a.who, a.why, "setpoint", a.at);
}

std::optional<ProposedValue> FileActuator::read_back(const std::string& key) {
  std::lock_guard in_turn(*file_lock_);
  const auto content = read_regular_file(options_.path, kMaxAuthorityBytes);
  if (!content) return std::nullopt;
  try {
    if (json()) {
      auto parsed = parse_json(*content);
      if (!parsed) return std::nullopt;
      const nlohmann::json* node = &*parsed;
      for (const auto& part : split_key(key)) {
        if (!node->is_object() || !node->contains(part)) return std::nullopt;
        node = &(*node)[part];
      }
      if (node->is_boolean()) return ProposedValue(node->get<bool>());
      if (node->is_number()) return ProposedValue(node->get<double>());
      if (node->is_string()) return ProposedValue(node->get<std::string>());
      return std::nullopt;
    }
    YAML::Node node = YAML::Load(*content);
    for (const auto& part : split_key(key)) {
      if (!node.IsMap() || !node[part]) return std::nullopt;
      node = node[part];
    }
    if (!node.IsScalar()) return std::nullopt;
    return from_scalar(node.Scalar());
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

ActuationResult FileActuator::rollback(const std::string& sha, const std::string& who,
                                       const std::string& why, Nanos at) {
  std::lock_guard in_turn(*file_lock_);
  const auto kept = read_regular_file(
      options_.history_dir + "/" + sha + (json() ? ".json" : ".yaml"), kMaxAuthorityBytes);
  if (!kept) return failed("no version " + sha + " in " + options_.history_dir);
  const auto content = read_regular_file(options_.path, kMaxAuthorityBytes);
  if (!content) return failed(content.error());
  if (auto drift = reconcile(*content, at)) return *drift;
  return write_version(*kept, who, why, "rollback", at);
}

std::size_t FileActuator::clean_up(Nanos now) {
  std::lock_guard in_turn(*file_lock_);
  const auto read = read_versions();
  if (!read) return 0;  // an index it cannot read is never rewritten as an empty one
  const std::vector<FileVersion>& all = *read;
  const std::string current = current_of(all);
  std::vector<FileVersion> kept;
  std::size_t removed = 0;
  for (const auto& v : all) {
    if (v.sha == current || v.at > now - options_.retention) {
      kept.push_back(v);
      continue;
    }
    ++removed;
  }
  std::string index;
  for (const auto& v : kept) {
    index += dump(nlohmann::json{{"sha", v.sha},
                                 {"at", v.at},
                                 {"who", v.who},
                                 {"why", v.why},
                                 {"tag", v.tag},
                                 {"state", v.state}}) +
             "\n";
  }
  // The index first: a version it no longer names is gone only once that is on disk (a failed
  // rewrite removed nothing, and the next clean-up tries again).
  if (!write_file_atomically(options_.history_dir + "/index.jsonl", index)) return 0;
  // A blob goes only when no kept line names it.
  for (const auto& v : all) {
    const bool named =
        std::any_of(kept.begin(), kept.end(), [&](const FileVersion& k) { return k.sha == v.sha; });
    if (!named) {
      std::error_code ec;
      fs::remove(options_.history_dir + "/" + v.sha + (json() ? ".json" : ".yaml"), ec);
    }
  }
  return removed;
}

}  // namespace setpoint
