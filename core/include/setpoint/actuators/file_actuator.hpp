#pragma once
// The file actuator: sets a key in a YAML or JSON config file — the authority file other
// systems read — and keeps every version.
//
// - Writes are atomic (temp file, fsync, rename, fsync the directory): a crash leaves the old
//   content or the new, never half.
// - Every version is kept in a history directory as <sha256>.<ext>, with an index (JSON lines)
//   saying who wrote it, when and why. An intent line is appended before the file is replaced
//   and a done line after; at start-up an intent without its result is reconciled by hashing
//   the file (done if it holds the new content, abandoned if the old).
// - Drift: if the file's hash is not what Setpoint last wrote, someone changed it by hand (a
//   break-glass fix). Setpoint never reverts it: it captures that content as a version tagged
//   `break-glass`, reports the drift (the engine pins the affected parameters for a while) and
//   writes nothing this time.
// - Any version can be rolled back to; versions older than the retention are cleaned up.
// - A YAML file is parsed and written back by yaml-cpp: values and structure are kept, comments
//   and formatting are not (JSON is written with two-space indentation). Keep comments in a
//   file Setpoint does not write, or use JSON.
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "setpoint/actuators/actuator.hpp"
#include "setpoint/base/result.hpp"

namespace setpoint {

struct FileActuatorOptions {
  std::string path;
  std::string history_dir;  // default: <dir>/.setpoint-history/<file name>
  Nanos retention = 30LL * 86400 * kNanosPerSecond;
};

struct FileVersion {
  std::string sha;
  Nanos at = 0;
  std::string who;
  std::string why;
  std::string tag;    // initial, setpoint, rollback, break-glass
  std::string state;  // intent, done, abandoned
};

class FileActuator final : public Actuator {
 public:
  // Every FileActuator on one file (two parameters' keys in one document, however the path is
  // spelled) edits it in turn: from several actuator threads, two unlocked read-modify-writes
  // lose one of the changes, and the next apply calls the survivor drift.
  explicit FileActuator(FileActuatorOptions options);

  ActuationResult apply(const Actuation& actuation) override;
  std::optional<ProposedValue> read_back(const std::string& key) override;

  // Writes a kept version back; `sha` must be in the history.
  ActuationResult rollback(const std::string& sha, const std::string& who, const std::string& why,
                           Nanos at);
  // Versions in the order they were recorded (every line of the index); none when the index
  // cannot be read (reconcile() and clean_up() then refuse to act on it).
  std::vector<FileVersion> versions() const;
  // Removes versions older than the retention, never the current one. Returns how many.
  std::size_t clean_up(Nanos now);
  // The hash of the content Setpoint considers current (the newest version done).
  std::string current_sha() const;
  const std::string& history_dir() const { return options_.history_dir; }

 private:
  bool json() const;
  Result<std::vector<FileVersion>> read_versions() const;
  static std::string current_of(const std::vector<FileVersion>& all);
  // Brings the index in line with the file (reconciles an intent, captures drift, records the
  // first version). Returns the drift result, or none when the file is as expected.
  std::optional<ActuationResult> reconcile(const std::string& content, Nanos at);
  Result<void> append_index(const FileVersion& version);
  Result<void> keep_version(const std::string& sha, const std::string& content);
  ActuationResult write_version(const std::string& content, const std::string& who,
                                const std::string& why, const std::string& tag, Nanos at);

  FileActuatorOptions options_;
  std::mutex* file_lock_;  // shared by every FileActuator on the same file
};

}  // namespace setpoint
