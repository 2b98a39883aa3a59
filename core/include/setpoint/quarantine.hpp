#pragma once
// Where rejected telemetry goes: one JSON line per rejected line, with the reason, a sentence
// for a person, where it came from and the line itself (redacted, and cut to a maximum length
// so a 10 MB line cannot fill the disk). Safe to share between ingest threads: rejections are
// rare, so one lock costs nothing on the accepted path.
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "setpoint/clock.hpp"
#include "setpoint/redactor.hpp"
#include "setpoint/rejection.hpp"

namespace setpoint {

class Quarantine {
 public:
  static constexpr std::size_t kMaxKeptBytes = 4096;

  // An empty path keeps nothing (the rejection is still counted by the caller).
  Quarantine(std::string path, const Redactor* redactor);
  ~Quarantine();
  Quarantine(const Quarantine&) = delete;
  Quarantine& operator=(const Quarantine&) = delete;

  // False when the file cannot be opened or written; the error says why.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  void add(Nanos at, Rejection reason, std::string_view detail, std::string_view source,
           std::string_view line);
  void flush();
  std::uint64_t written() const { return written_; }

 private:
  std::mutex mutex_;
  std::string path_;
  const Redactor* redactor_;
  std::FILE* file_ = nullptr;
  std::string error_;
  std::uint64_t written_ = 0;
};

}  // namespace setpoint
