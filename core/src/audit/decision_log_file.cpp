#include "setpoint/audit/decision_log_file.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace setpoint {

Result<std::unique_ptr<DecisionLogFile>> DecisionLogFile::open(const std::string& path) {
  if (path == "-")
    return std::unique_ptr<DecisionLogFile>(new DecisionLogFile(STDOUT_FILENO, false, false, path));
  // O_NONBLOCK: opening a FIFO for writing otherwise waits for a reader, for ever.
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd < 0) {
    const int error = errno;
    return Error{"cannot open the decision log " + path + ": " + std::strerror(error) +
                 (error == ENXIO ? " (a FIFO that no one reads)" : "")};
  }
  struct stat st {};
  const bool pipe = ::fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
  // A file or a device blocks as usual; a pipe stays non-blocking, so a stalled reader costs a
  // bounded wait (write()).
  if (!pipe) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return std::unique_ptr<DecisionLogFile>(new DecisionLogFile(fd, true, pipe, path));
}

DecisionLogFile::~DecisionLogFile() {
  if (owned_) ::close(fd_);
}

bool DecisionLogFile::wait_writable(int& left_ms) const {
  while (left_ms > 0) {
    const auto start = std::chrono::steady_clock::now();
    pollfd p{fd_, POLLOUT, 0};
    const int n = ::poll(&p, 1, left_ms);
    left_ms -= static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - start)
                                    .count());
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
  return false;
}

Result<void> DecisionLogFile::write(const std::string& line) {
  std::string text;
  text.reserve(line.size() + 1);
  text.append(line).push_back('\n');
  struct stat before {};
  const bool file = owned_ && ::fstat(fd_, &before) == 0 && S_ISREG(before.st_mode);
  int left_ms = kPipeWaitMs;
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && pipe_ && wait_writable(left_ms))
      continue;
    if (n <= 0) {
      const int error = errno;
      std::string why = n == 0 ? "nothing was written" : std::strerror(error);
      if (n < 0 && (error == EAGAIN || error == EWOULDBLOCK))
        why = "its reader took nothing for " + std::to_string(kPipeWaitMs) + " ms";
      if (file && done > 0) (void)::ftruncate(fd_, before.st_size);
      // In a pipe a torn line cannot be taken back: end it, so the next record starts whole.
      if (pipe_ && done > 0) (void)::write(fd_, "\n", 1);
      ++failed_writes_;
      return Error{"cannot write the decision log " + path_ + ": " + why};
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace setpoint
