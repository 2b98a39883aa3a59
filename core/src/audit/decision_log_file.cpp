#include "setpoint/audit/decision_log_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace setpoint {

Result<std::unique_ptr<DecisionLogFile>> DecisionLogFile::open(const std::string& path) {
  if (path == "-")
    return std::unique_ptr<DecisionLogFile>(new DecisionLogFile(STDOUT_FILENO, false, path));
  // O_NONBLOCK: opening a FIFO for writing otherwise waits for a reader, for ever.
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
  if (fd < 0) {
    const int error = errno;
    return Error{"cannot open the decision log " + path + ": " + std::strerror(error) +
                 (error == ENXIO ? " (a FIFO that no one reads)" : "")};
  }
  // Open now: writes may block again, as a partial line in a pipe would be a corrupt record.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return std::unique_ptr<DecisionLogFile>(new DecisionLogFile(fd, true, path));
}

DecisionLogFile::~DecisionLogFile() {
  if (owned_) ::close(fd_);
}

Result<void> DecisionLogFile::write(const std::string& line) {
  std::string text;
  text.reserve(line.size() + 1);
  text.append(line).push_back('\n');
  struct stat before {};
  const bool file = owned_ && ::fstat(fd_, &before) == 0 && S_ISREG(before.st_mode);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error error{"cannot write the decision log " + path_ + ": " +
                  (n == 0 ? "nothing was written" : std::strerror(errno))};
      if (file && done > 0) (void)::ftruncate(fd_, before.st_size);
      ++failed_writes_;
      return error;
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace setpoint
