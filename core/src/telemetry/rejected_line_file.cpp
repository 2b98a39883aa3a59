#include "setpoint/telemetry/rejected_line_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"

namespace setpoint {
namespace {
// A batch this large is written before it ends.
constexpr std::size_t kPendingBytes = 64 * 1024;
}  // namespace

RejectedLineFile::RejectedLineFile(std::string path, const Redactor* redactor,
                                   std::size_t max_bytes)
    : path_(std::move(path)), redactor_(redactor), max_bytes_(max_bytes) {}

Result<std::unique_ptr<RejectedLineFile>> RejectedLineFile::open(std::string path,
                                                                 const Redactor* redactor,
                                                                 std::size_t max_bytes) {
  std::unique_ptr<RejectedLineFile> file(
      new RejectedLineFile(std::move(path), redactor, max_bytes));
  if (auto opened = file->open_file(); !opened) return Error{opened.error()};
  return file;
}

RejectedLineFile::~RejectedLineFile() {
  flush();
  if (fd_ >= 0) ::close(fd_);
}

Result<void> RejectedLineFile::open_file() {
  // Without blocking: a FIFO there would hold open() for ever.
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd_ < 0) return Error{"cannot open quarantine file " + path_ + ": " + std::strerror(errno)};
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    return Error{"cannot open quarantine file " + path_ + ": not a regular file"};
  }
  size_ = static_cast<std::size_t>(st.st_size);
  return {};
}

std::uint64_t RejectedLineFile::written() const {
  std::lock_guard lock(mutex_);
  return written_;
}

std::uint64_t RejectedLineFile::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void RejectedLineFile::add(Nanos at, Rejection reason, std::string_view detail,
                           std::string_view source, std::string_view line) {
  const bool cut = line.size() > kMaxKeptBytes;
  std::string kept(line.substr(0, kMaxKeptBytes));
  if (redactor_ != nullptr && !redactor_->empty()) kept = redactor_->redact_text(kept);
  nlohmann::json record = {
      {"at", format_rfc3339(at)},      {"reason", std::string(name(reason))},
      {"detail", std::string(detail)}, {"source", std::string(source)},
      {"line", std::move(kept)},
  };
  if (cut) record["line_bytes"] = line.size();
  // Invalid UTF-8 in the line is kept as U+FFFD so the quarantine stays valid JSON.
  const std::string text = dump(record) + "\n";
  std::lock_guard lock(mutex_);
  pending_ += text;
  ++pending_lines_;
  if (pending_.size() >= kPendingBytes) write_out();
}

void RejectedLineFile::flush() {
  std::lock_guard lock(mutex_);
  write_out();
}

bool RejectedLineFile::rotate() {
  const std::string old = path_ + ".1";
  // A rename that fails (the folder made read-only) cannot make room: the caller drops the
  // batch and counts it, as the cap is what keeps bad telemetry from filling the disk.
  if (std::rename(path_.c_str(), old.c_str()) != 0) return false;
  ::close(fd_);
  fd_ = -1;
  dropped_ += lines_rotated_;  // the file .1 held: gone now
  written_ -= lines_rotated_;
  lines_rotated_ = lines_here_;
  lines_here_ = 0;
  size_ = 0;
  (void)open_file();  // when it cannot, write_out() drops the lines, and tries again next time
  return true;
}

void RejectedLineFile::write_out() {
  if (pending_.empty()) return;
  const auto drop = [this] {  // these are lost, and counted
    dropped_ += pending_lines_;
    pending_.clear();
    pending_lines_ = 0;
  };
  if (fd_ < 0) (void)open_file();  // after a rotation that could not reopen it
  if (fd_ >= 0 && size_ > 0 && size_ + pending_.size() > max_bytes_ && !rotate()) return drop();
  if (fd_ < 0) return drop();
  struct stat before {};
  const off_t start = ::fstat(fd_, &before) == 0 ? before.st_size : static_cast<off_t>(size_);
  std::size_t done = 0;
  while (done < pending_.size()) {
    const ssize_t n = ::write(fd_, pending_.data() + done, pending_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // a full disk: these are lost, and counted
      dropped_ += pending_lines_;
      // A torn last line would spoil the next record appended to it.
      if (done > 0) (void)::ftruncate(fd_, start);
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (done == pending_.size()) {
    size_ = static_cast<std::size_t>(start) + done;
    lines_here_ += pending_lines_;
    written_ += pending_lines_;
  }
  pending_.clear();
  pending_lines_ = 0;
}

}  // namespace setpoint
