#pragma once
// Follows a JSON-lines file the way `tail -F` does: appends, truncation (start again from the
// top), rotation by rename (finish the old file, then open the new one), a file that appears
// later or is deleted, and a partial last line (held until its newline arrives). Lines longer
// than the maximum are dropped as they stream past, never buffered whole.
//
// Only a regular file is followed: the path is opened without blocking and a FIFO, a device
// (/dev/zero behind a symlink), a directory or a socket is refused with its reason in
// status().error and counted, and looked at again on the next poll. A truncation is seen by
// inode, size and the file's first bytes, so one followed at once by a longer write (the size
// never looks smaller) still starts again from the top. One poll reads at most
// max_poll_bytes, so its caller gets control back whatever the file holds.
//
// With a checkpoint path, the position after the last complete line is saved after each
// poll (write, fsync, rename), and a restart resumes there if the file is the same one
// (device, inode and the first bytes agree), so nothing is counted twice. Without one, the
// file is read from its start, or from its end with start_at_end.
#include <cstdint>
#include <string>
#include <vector>

#include "setpoint/telemetry/line_sink.hpp"

namespace setpoint {

struct FileSourceOptions {
  std::string path;
  std::string checkpoint_path;  // empty: no checkpoint, start from the top
  std::size_t max_line_bytes = 1 << 20;
  std::size_t read_chunk = 1 << 20;
  std::size_t max_poll_bytes = 64u << 20;
  bool start_at_end = false;  // without a checkpoint: skip what the file holds at start
};

struct FileSourceStatus {
  bool present = false;  // the path exists now
  std::uint64_t lines = 0;
  std::uint64_t bytes = 0;
  std::uint64_t rotations = 0;
  std::uint64_t truncations = 0;
  std::uint64_t too_long = 0;
  std::uint64_t resumed_at = 0;  // offset a restart resumed from (0: from the top)
  std::uint64_t refused = 0;     // polls that found something other than a regular file
  std::string error;             // the last I/O error or refusal, if any ("" once it reads)
};

class FileSource {
 public:
  explicit FileSource(FileSourceOptions options);
  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  // Reads what is new (at most max_poll_bytes) and hands each complete line to the sink.
  // Returns the lines handed: a caller that wants everything polls until it returns 0.
  std::uint64_t poll(LineSink& sink);
  // At the end of a one-shot read: hands over a last line that has no newline.
  void finish(LineSink& sink);
  const FileSourceStatus& status() const { return status_; }
  // Where the next unread line starts in the current file.
  std::uint64_t offset() const { return line_start_; }

 private:
  bool open_file();
  void close_file();
  bool rewritten();  // the file's first bytes are no longer the ones read
  void restart_from_top();
  std::uint64_t drain(LineSink& sink);
  std::uint64_t deliver_remainder(LineSink& sink);
  void save_checkpoint();
  void fail(const std::string& what);

  FileSourceOptions options_;
  FileSourceStatus status_;
  int fd_ = -1;
  std::uint64_t dev_ = 0;
  std::uint64_t ino_ = 0;
  std::uint64_t fingerprint_ = 0;  // hash of the file's first bytes (for the checkpoint)
  std::string head_;            // the file's first bytes as read (up to 64): a rewrite changes them
  bool started_ = false;        // opened once already (start_at_end applies to the first only)
  bool skip_partial_ = false;   // start_at_end began inside a line: drop up to its newline
  std::uint64_t read_pos_ = 0;  // file offset of the next read
  std::uint64_t line_start_ = 0;  // file offset of the first byte not yet handed over
  std::uint64_t line_no_ = 0;     // lines handed over in this file
  std::vector<char> buffer_;      // [0, end_) unconsumed bytes, padding beyond
  std::size_t end_ = 0;
  bool discarding_ = false;  // inside a line that is too long
  std::uint64_t discarded_ = 0;
  std::string discarded_head_;
  std::string saved_checkpoint_;
};

}  // namespace setpoint
