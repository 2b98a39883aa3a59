#include "setpoint/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace setpoint {

const char* kind_of_file(unsigned mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

namespace {

std::string size_text(std::size_t bytes) {
  if (bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

// Why the open file `fd` is not a regular file within the size, or "".
std::string problem_of(int fd, const std::string& path, std::size_t max_bytes) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return path + ": " + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return path + ": is " + std::string(kind_of_file(st.st_mode)) + ", not a regular file";
  if (static_cast<std::size_t>(st.st_size) > max_bytes) return path + ": is larger than " + size_text(max_bytes);
  return {};
}

// Opened without blocking: a FIFO with no writer would otherwise hold open() for ever.
int open_nonblocking(const std::string& path) { return ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY); }

}  // namespace

std::string regular_file_problem(const std::string& path, std::size_t max_bytes, bool missing_ok) {
  const int fd = open_nonblocking(path);
  if (fd < 0) {
    if (errno == ENOENT && missing_ok) return {};
    return "cannot open " + path + ": " + std::strerror(errno);
  }
  std::string problem = problem_of(fd, path, max_bytes);
  ::close(fd);
  return problem;
}

std::optional<std::string> read_regular_file(const std::string& path, std::size_t max_bytes, std::string& error) {
  const int fd = open_nonblocking(path);
  if (fd < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  error = problem_of(fd, path, max_bytes);
  std::string out;
  char buffer[65536];
  while (error.empty()) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = path + ": " + std::strerror(errno);
    } else if (n == 0) {
      break;
    } else if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      error = path + ": is larger than " + size_text(max_bytes);  // it grew while being read
    } else {
      out.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  if (!error.empty()) return std::nullopt;
  return out;
}

}  // namespace setpoint
