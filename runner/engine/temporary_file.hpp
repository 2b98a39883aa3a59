#pragma once
// A file of one run (a replay's or a simulation's history) in the temporary folder ($TMPDIR or
// /tmp), removed with SQLite's companions when it goes. Declare it before what opens it, so
// that closes first.
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace setpoint::runner {

struct TemporaryFile {
  std::string path;  // empty when none could be made
  explicit TemporaryFile(const std::string& prefix) {
    const char* tmp = std::getenv("TMPDIR");
    std::string name =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd >= 0) {
      ::close(fd);
      path = name;
    }
  }
  ~TemporaryFile() {
    if (path.empty()) return;
    for (const char* tail : {"", "-wal", "-shm", "-journal"}) ::unlink((path + tail).c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
};

}  // namespace setpoint::runner
