#pragma once
// Follows a JSON-lines file the way `tail -F` does: appends, truncation (start again from the
// top), rotation by rename (finish the old file, then open the new one), a file that appears
// later or is deleted, and a partial last line (held until its newline arrives). Lines longer
// than the maximum are dropped as they stream past, never buffered whole.
//
// With a checkpoint path, the position after the last complete line is saved after each
// poll (write, fsync, rename), and a restart resumes there if the file is the same one
// (device, inode and the first bytes agree), so nothing is counted twice.
#include <cstdint>
#include <string>
#include <vector>

#include "setpoint/line_sink.hpp"

namespace setpoint {

struct FileSourceOptions {
  std::string path;
  std::string checkpoint_path;  // empty: no checkpoint, start from the top
  std::size_t max_line_bytes = 1 << 20;
  std::size_t read_chunk = 1 << 20;
};

struct FileSourceStatus {
  bool present = false;  // the path exists now
  std::uint64_t lines = 0;
  std::uint64_t bytes = 0;
  std::uint64_t rotations = 0;
  std::uint64_t truncations = 0;
  std::uint64_t too_long = 0;
  std::uint64_t resumed_at = 0;  // offset a restart resumed from (0: from the top)
  std::string error;             // the last I/O error, if any
};

class FileSource {
 public:
  explicit FileSource(FileSourceOptions options);
  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  // Reads everything new and hands each complete line to the sink. Returns the lines handed.
  std::uint64_t poll(LineSink& sink);
  // At the end of a one-shot read: hands over a last line that has no newline.
  void finish(LineSink& sink);
  const FileSourceStatus& status() const { return status_; }
  // Where the next unread line starts in the current file.
  std::uint64_t offset() const { return line_start_; }

 private:
  bool open_file();
  void close_file();
  std::uint64_t drain(LineSink& sink);
  std::uint64_t deliver_remainder(LineSink& sink);
  void save_checkpoint();
  void fail(const std::string& what);

  FileSourceOptions options_;
  FileSourceStatus status_;
  int fd_ = -1;
  std::uint64_t dev_ = 0;
  std::uint64_t ino_ = 0;
  std::uint64_t fingerprint_ = 0;  // hash of the file's first bytes
  std::uint64_t read_pos_ = 0;     // file offset of the next read
  std::uint64_t line_start_ = 0;   // file offset of the first byte not yet handed over
  std::uint64_t line_no_ = 0;      // lines handed over in this file
  std::vector<char> buffer_;       // [0, end_) unconsumed bytes, padding beyond
  std::size_t end_ = 0;
  bool discarding_ = false;        // inside a line that is too long
  std::uint64_t discarded_ = 0;
  std::string discarded_head_;
  std::string saved_checkpoint_;
};

}  // namespace setpoint
