#pragma once
// The decision log: every decision record as one JSON line, appended to a file (or written to
// stdout with "-"), flushed line by line so `tail -f | jq` and log shippers see each decision
// as it is made.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace setpoint {

// Receives each decision record as one JSON line (the decision log).
using DecisionLog = std::function<void(const std::string& line)>;

class DecisionLogFile {
 public:
  explicit DecisionLogFile(const std::string& path);
  ~DecisionLogFile();
  DecisionLogFile(const DecisionLogFile&) = delete;
  DecisionLogFile& operator=(const DecisionLogFile&) = delete;

  bool ok() const { return error_.empty(); }
  // Why the file could not be opened, or why the last write failed.
  const std::string& error() const { return error_; }
  // Appends the line; false when it did not reach the file (a full disk, a closed pipe).
  bool write(const std::string& line);
  std::uint64_t failed_writes() const { return failed_writes_; }
  // For EffectPipeline; the file must outlive the pipeline.
  DecisionLog sink() {
    return [this](const std::string& line) { write(line); };
  }

 private:
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  std::string path_;
  std::string error_;
  std::uint64_t failed_writes_ = 0;
};

}  // namespace setpoint
