#pragma once
// The decision log: every decision record as one JSON line, appended to a file (or written to
// stdout with "-"), flushed line by line so `tail -f | jq` and log shippers see each decision
// as it is made.
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
  const std::string& error() const { return error_; }
  void write(const std::string& line);
  // For EffectPipeline; the file must outlive the pipeline.
  DecisionLog sink() {
    return [this](const std::string& line) { write(line); };
  }

 private:
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  std::string path_;
  std::string error_;
};

}  // namespace setpoint
