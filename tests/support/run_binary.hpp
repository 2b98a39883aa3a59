#pragma once
// Runs the setpoint binary with arguments and captures its exit code and output (stdout and
// stderr together).
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace setpoint::testing {

struct BinaryRun {
  int status;
  std::string out;
};

inline BinaryRun run_setpoint(const std::string& args) {
  const std::string command = std::string(SETPOINT_BINARY) + " " + args + " 2>&1";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
    out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace setpoint::testing
