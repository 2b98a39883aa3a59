#pragma once
// The decision log: every decision record as one JSON line, appended to a file (or written to
// stdout with "-"), flushed line by line so `tail -f | jq` and log shippers see each decision
// as it is made.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "setpoint/base/result.hpp"

namespace setpoint {

// Receives each decision record as one JSON line (the decision log).
using DecisionLog = std::function<void(const std::string& line)>;

class DecisionLogFile {
 public:
  // Opens the file to append to ("-": stdout); an error when it cannot. The open never
  // waits: a FIFO that no one reads is refused, not waited on. A pipe whose reader stalls
  // holds a write at most kPipeWaitMs, then the line is dropped and counted: the engine thread
  // writes this log, and must not stop with it.
  static constexpr int kPipeWaitMs = 100;
  static Result<std::unique_ptr<DecisionLogFile>> open(const std::string& path);
  ~DecisionLogFile();
  DecisionLogFile(const DecisionLogFile&) = delete;
  DecisionLogFile& operator=(const DecisionLogFile&) = delete;

  // Appends the line and its newline with write(2), so nothing waits in a buffer to be
  // spliced into a later line; why not when it did not reach the file (a full disk, a closed
  // pipe). A line a full disk tore is taken back from a file of our own.
  Result<void> write(const std::string& line);
  std::uint64_t failed_writes() const { return failed_writes_; }
  // For EffectPipeline; the file must outlive the pipeline.
  DecisionLog sink() {
    return [this](const std::string& line) { (void)write(line); };
  }

 private:
  DecisionLogFile(int fd, bool owned, bool pipe, std::string path)
      : fd_(fd), owned_(owned), pipe_(pipe), path_(std::move(path)) {}
  // Waits until the pipe takes more, up to what is left of kPipeWaitMs; false at the end.
  bool wait_writable(int& left_ms) const;

  int fd_;
  bool owned_;
  bool pipe_;  // a FIFO or socket: written without blocking, waited on a little
  std::string path_;
  std::uint64_t failed_writes_ = 0;
};

}  // namespace setpoint
