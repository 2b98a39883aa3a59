#include "setpoint/telemetry/file_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "setpoint/base/regular_file.hpp"

namespace setpoint {
namespace {

constexpr std::size_t kFingerprintBytes = 64;
constexpr std::size_t kHeadKept = 256;

std::uint64_t fnv1a(const char* data, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 1099511628211ull;
  }
  return h;
}

// The hash of the first bytes of an open file (fewer if the file is shorter).
std::uint64_t fingerprint_of(int fd, std::size_t limit) {
  char head[kFingerprintBytes];
  const ssize_t n = ::pread(fd, head, std::min(limit, kFingerprintBytes), 0);
  return n > 0 ? fnv1a(head, static_cast<std::size_t>(n)) : 0;
}

struct Checkpoint {
  std::uint64_t dev = 0, ino = 0, offset = 0, line = 0, fingerprint = 0;
};

bool read_checkpoint(const std::string& path, Checkpoint& c) {
  const auto text = read_regular_file(path, 4096);  // five numbers
  if (!text) return false;
  std::istringstream in(*text);
  return static_cast<bool>(in >> c.dev >> c.ino >> c.offset >> c.line >> c.fingerprint);
}

}  // namespace

FileSource::FileSource(FileSourceOptions options) : options_(std::move(options)) {
  buffer_.resize(options_.read_chunk + LineSink::kPadding);
}

FileSource::~FileSource() { close_file(); }

void FileSource::fail(const std::string& what) {
  status_.error = what + ": " + std::strerror(errno);
}

bool FileSource::open_file() {
  // Without blocking: a FIFO with no writer would hold open() (and SIGTERM) for ever.
  fd_ = ::open(options_.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd_ < 0) {
    status_.present = false;
    if (errno != ENOENT) fail("cannot open " + options_.path);
    return false;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    fail("cannot stat " + options_.path);
    close_file();
    return false;
  }
  status_.present = true;
  if (!S_ISREG(st.st_mode) || kernel_made(fd_)) {
    const std::string refusal =
        options_.path + " is " +
        (S_ISREG(st.st_mode) ? "a file the kernel makes up as it is read (/proc, /sys)"
                             : kind_of_file(st.st_mode) + std::string(", not a regular file")) +
        ": not followed";
    if (status_.error != refusal) ++status_.refused;  // once per refusal, not once per poll
    status_.error = refusal;
    close_file();
    return false;
  }
  status_.error.clear();
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  read_pos_ = line_start_ = line_no_ = 0;
  end_ = 0;
  discarding_ = false;
  fingerprint_ = 0;
  head_.clear();
  const bool first_open = !started_;
  started_ = true;

  Checkpoint c;
  if (!options_.checkpoint_path.empty() && status_.rotations == 0 && status_.lines == 0 &&
      read_checkpoint(options_.checkpoint_path, c) && c.dev == dev_ && c.ino == ino_ &&
      c.offset <= static_cast<std::uint64_t>(st.st_size) &&
      c.fingerprint == fingerprint_of(fd_, c.offset)) {
    // The same file as before the restart: carry on after the last line handed over.
    read_pos_ = line_start_ = c.offset;
    line_no_ = c.line;
    fingerprint_ = c.fingerprint;
    status_.resumed_at = c.offset;
    if (::lseek(fd_, static_cast<off_t>(c.offset), SEEK_SET) < 0) {
      fail("cannot seek " + options_.path);
      read_pos_ = line_start_ = line_no_ = 0;
    }
  } else if (first_open && options_.start_at_end && st.st_size > 0) {
    // Only what is written from now on. A line half written at start-up is not taken for a
    // whole one: its rest is skipped up to its newline.
    read_pos_ = line_start_ = static_cast<std::uint64_t>(st.st_size);
    status_.resumed_at = read_pos_;
    ::lseek(fd_, st.st_size, SEEK_SET);
    char last = '\n';
    skip_partial_ = ::pread(fd_, &last, 1, st.st_size - 1) == 1 && last != '\n';
  }
  if (read_pos_ > 0) {  // the head we resume over, to see a rewrite by
    char head[kFingerprintBytes];
    const ssize_t n = ::pread(fd_, head, std::min<std::uint64_t>(read_pos_, kFingerprintBytes), 0);
    if (n > 0) head_.assign(head, static_cast<std::size_t>(n));
  }
  return true;
}

bool FileSource::rewritten() {
  if (head_.empty()) return false;
  char now[kFingerprintBytes];
  const ssize_t n = ::pread(fd_, now, head_.size(), 0);
  return n != static_cast<ssize_t>(head_.size()) ||
         std::memcmp(now, head_.data(), head_.size()) != 0;
}

void FileSource::restart_from_top() {
  ++status_.truncations;
  ::lseek(fd_, 0, SEEK_SET);
  read_pos_ = line_start_ = line_no_ = 0;
  end_ = 0;
  discarding_ = false;
  skip_partial_ = false;
  fingerprint_ = 0;
  head_.clear();
}

void FileSource::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::uint64_t FileSource::poll(LineSink& sink) {
  if (fd_ < 0 && !open_file()) return 0;
  // Truncated and written again since the last poll: the size alone may not show it.
  if (struct stat mine{}; ::fstat(fd_, &mine) == 0 &&
                          (static_cast<std::uint64_t>(mine.st_size) < read_pos_ || rewritten())) {
    restart_from_top();
  }
  std::uint64_t handed = drain(sink);

  struct stat now {};
  struct stat mine {};
  const bool exists = ::stat(options_.path.c_str(), &now) == 0;
  status_.present = exists;
  if (exists && (static_cast<std::uint64_t>(now.st_ino) != ino_ ||
                 static_cast<std::uint64_t>(now.st_dev) != dev_)) {
    // Rotated: the old file is read to its end; its last line, if unterminated, is complete.
    handed += deliver_remainder(sink);
    close_file();
    ++status_.rotations;
    if (open_file()) handed += drain(sink);
  } else if (::fstat(fd_, &mine) == 0 && static_cast<std::uint64_t>(mine.st_size) < read_pos_) {
    // Truncated in place: start again from the top, dropping any partial line.
    restart_from_top();
    handed += drain(sink);
  }
  save_checkpoint();
  return handed;
}

std::uint64_t FileSource::drain(LineSink& sink) {
  std::uint64_t handed = 0;
  for (std::size_t taken = 0; taken < options_.max_poll_bytes;) {
    if (buffer_.size() < end_ + options_.read_chunk + LineSink::kPadding) {
      buffer_.resize(end_ + options_.read_chunk + LineSink::kPadding);
    }
    const ssize_t n = ::read(fd_, buffer_.data() + end_, options_.read_chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot read " + options_.path);
      break;
    }
    if (n == 0) break;
    if (head_.size() < kFingerprintBytes && read_pos_ < kFingerprintBytes) {  // the head, as read
      const std::size_t more =
          std::min<std::size_t>(kFingerprintBytes - read_pos_, static_cast<std::size_t>(n));
      head_.append(buffer_.data() + end_, more);
    }
    taken += static_cast<std::size_t>(n);
    end_ += static_cast<std::size_t>(n);
    read_pos_ += static_cast<std::uint64_t>(n);
    status_.bytes += static_cast<std::uint64_t>(n);

    const char* data = buffer_.data();
    std::size_t begin = 0;
    while (const void* hit = std::memchr(data + begin, '\n', end_ - begin)) {
      const auto nl = static_cast<std::size_t>(static_cast<const char*>(hit) - data);
      const std::size_t length = nl - begin;
      if (skip_partial_) {  // the end of a line that began before start_at_end took over
        skip_partial_ = false;
        begin = nl + 1;
        line_start_ += length + 1;
        continue;
      }
      ++line_no_;
      const SourcePos pos{options_.path, line_no_};
      if (discarding_) {
        ++status_.too_long;
        sink.line_too_long(discarded_ + length, pos, discarded_head_);
        discarding_ = false;
      } else if (length > options_.max_line_bytes) {
        ++status_.too_long;
        sink.line_too_long(length, pos,
                           std::string_view(data + begin, std::min(length, kHeadKept)));
      } else {
        sink.line(std::string_view(data + begin, length), pos);
        ++handed;
        ++status_.lines;
      }
      begin = nl + 1;
      line_start_ += length + 1;
    }
    const std::size_t rest = end_ - begin;
    if (discarding_) {
      discarded_ += rest;
      line_start_ += rest;
      end_ = 0;
    } else if (rest > options_.max_line_bytes) {
      // Too long already: remember its start for the quarantine and stop buffering it.
      discarding_ = true;
      discarded_ = rest;
      discarded_head_.assign(data + begin, std::min(rest, kHeadKept));
      line_start_ += rest;
      end_ = 0;
    } else {
      std::memmove(buffer_.data(), data + begin, rest);
      end_ = rest;
    }
  }
  return handed;
}

std::uint64_t FileSource::deliver_remainder(LineSink& sink) {
  if (discarding_) {  // a last line too long to keep, with no newline: said, never dropped
    ++line_no_;
    ++status_.too_long;
    sink.line_too_long(discarded_, SourcePos{options_.path, line_no_}, discarded_head_);
    discarding_ = false;
    return 0;
  }
  if (end_ == 0) return 0;
  ++line_no_;
  std::memset(buffer_.data() + end_, 0, LineSink::kPadding);
  sink.line(std::string_view(buffer_.data(), end_), SourcePos{options_.path, line_no_});
  ++status_.lines;
  line_start_ += end_;
  end_ = 0;
  return 1;
}

void FileSource::finish(LineSink& sink) {
  deliver_remainder(sink);
  save_checkpoint();
}

void FileSource::save_checkpoint() {
  if (options_.checkpoint_path.empty() || fd_ < 0) return;
  // The fingerprint covers min(64, offset) bytes, so it changes until the offset passes 64.
  if (fingerprint_ == 0 || line_start_ < kFingerprintBytes)
    fingerprint_ = fingerprint_of(fd_, line_start_);
  std::ostringstream text;
  text << dev_ << ' ' << ino_ << ' ' << line_start_ << ' ' << line_no_ << ' ' << fingerprint_
       << '\n';
  if (text.str() == saved_checkpoint_) return;
  const std::string tmp = options_.checkpoint_path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail("cannot write checkpoint " + tmp);
    return;
  }
  const std::string body = text.str();
  const bool written = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(tmp.c_str(), options_.checkpoint_path.c_str()) != 0) {
    fail("cannot write checkpoint " + options_.checkpoint_path);
    return;
  }
  saved_checkpoint_ = body;
}

}  // namespace setpoint
