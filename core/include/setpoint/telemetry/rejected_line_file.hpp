#pragma once
// Where rejected telemetry goes: one JSON line per rejected line, with the reason, a sentence
// for a person, where it came from and the line itself (redacted, and cut to a maximum length
// so a 10 MB line cannot fill the disk). Safe to share between ingest threads: rejections are
// rare, so one lock costs nothing on the accepted path.
//
// Lines are written at the end of each batch (flush()), or sooner when a batch holds many:
// what /metrics counts is on disk within one batch, and a kill -9 loses none of it. The file
// is rotated at `max_bytes` to `<path>.1` (one kept), so a flood of bad lines costs at most
// twice the cap; the lines a rotation drops are counted.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "setpoint/base/clock.hpp"
#include "setpoint/base/result.hpp"
#include "setpoint/telemetry/redactor.hpp"
#include "setpoint/telemetry/rejection.hpp"

namespace setpoint {

class RejectedLineFile {
 public:
  static constexpr std::size_t kMaxKeptBytes = 4096;
  static constexpr std::size_t kDefaultMaxBytes = 64u << 20;

  // Opens (or creates) the file to append to; an error when it cannot, or is not a regular
  // file (a FIFO would hold every batch). Without a file, pass no RejectedLineFile at all.
  static Result<std::unique_ptr<RejectedLineFile>> open(std::string path, const Redactor* redactor,
                                                        std::size_t max_bytes = kDefaultMaxBytes);
  ~RejectedLineFile();
  RejectedLineFile(const RejectedLineFile&) = delete;
  RejectedLineFile& operator=(const RejectedLineFile&) = delete;

  void add(Nanos at, Rejection reason, std::string_view detail, std::string_view source,
           std::string_view line);
  // Writes what add() holds. Called at the end of each batch.
  void flush();
  std::uint64_t written() const;  // lines on disk, in the file and the rotated one
  std::uint64_t dropped() const;  // lines a rotation deleted, or a failed write lost

 private:
  RejectedLineFile(std::string path, const Redactor* redactor, std::size_t max_bytes);
  Result<void> open_file();
  void write_out();  // with the mutex held
  bool rotate();     // false when it cannot make room

  mutable std::mutex mutex_;
  std::string path_;
  const Redactor* redactor_;
  std::size_t max_bytes_;
  int fd_ = -1;
  std::size_t size_ = 0;             // the file's size
  std::uint64_t lines_here_ = 0;     // lines in the file
  std::uint64_t lines_rotated_ = 0;  // lines in <path>.1
  std::string pending_;              // lines added, not yet written
  std::uint64_t pending_lines_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace setpoint
