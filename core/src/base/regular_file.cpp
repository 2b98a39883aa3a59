#include "setpoint/base/regular_file.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace setpoint {

const char* kind_of_file(unsigned mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

bool kernel_made(int fd) {
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return false;
  switch (static_cast<unsigned long>(fs.f_type)) {
    case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC:
    case DEBUGFS_MAGIC:
    case TRACEFS_MAGIC:
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC:
    case SECURITYFS_MAGIC:
    case BPF_FS_MAGIC: return true;
    default: return false;
  }
}

Result<void> check_inside_folder(const std::string& folder, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path root = fs::weakly_canonical(folder, ec);
  if (ec) return Error{"cannot resolve " + folder + ": " + ec.message()};
  const fs::path target = fs::weakly_canonical(path, ec);
  if (ec) return Error{"cannot resolve " + path + ": " + ec.message()};
  const auto [end, _] = std::mismatch(root.begin(), root.end(), target.begin(), target.end());
  if (end != root.end()) {
    return Error{path + ": leads out of " + folder + " (a symlink to " + target.string() +
                 "?); not read"};
  }
  return {};
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
  if (!S_ISREG(st.st_mode))
    return path + ": is " + std::string(kind_of_file(st.st_mode)) + ", not a regular file";
  if (kernel_made(fd))
    return path + ": is a file the kernel makes up as it is read (/proc, /sys), not one on disk";
  if (static_cast<std::size_t>(st.st_size) > max_bytes)
    return path + ": is larger than " + size_text(max_bytes);
  return {};
}

// Opened without blocking: a FIFO with no writer would otherwise hold open() for ever.
int open_nonblocking(const std::string& path) {
  return ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
}

}  // namespace

Result<void> check_no_special_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};  // nothing there (yet): SQLite will say more
  if (!S_ISREG(st.st_mode))
    return Error{path + ": is " + std::string(kind_of_file(st.st_mode)) + ", not a regular file"};
  return {};
}

Result<void> check_regular_file(const std::string& path, std::size_t max_bytes, bool missing_ok) {
  const int fd = open_nonblocking(path);
  if (fd < 0) {
    if (errno == ENOENT && missing_ok) return {};
    return Error{"cannot open " + path + ": " + std::strerror(errno)};
  }
  std::string problem = problem_of(fd, path, max_bytes);
  ::close(fd);
  if (!problem.empty()) return Error{problem};
  return {};
}

Result<std::string> read_regular_file(const std::string& path, std::size_t max_bytes) {
  const int fd = open_nonblocking(path);
  if (fd < 0) return Error{"cannot open " + path + ": " + std::strerror(errno)};
  std::string error = problem_of(fd, path, max_bytes);
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
  if (!error.empty()) return Error{error};
  return out;
}

Result<std::vector<std::string>> read_lines(const std::string& path, std::size_t max_bytes) {
  std::vector<std::string> lines;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return lines;
  const auto text = read_regular_file(path, max_bytes);
  if (!text) return Error{text.error()};
  for (std::size_t at = 0; at < text->size();) {
    const std::size_t end = std::min(text->find('\n', at), text->size());
    if (end > at) lines.emplace_back(*text, at, end - at);
    at = end + 1;
  }
  return lines;
}

}  // namespace setpoint
