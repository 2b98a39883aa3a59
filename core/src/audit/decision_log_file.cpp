#include "setpoint/audit/decision_log_file.hpp"

#include <cerrno>
#include <cstring>

namespace setpoint {

DecisionLogFile::DecisionLogFile(const std::string& path) : path_(path) {
  if (path == "-") {
    file_ = stdout;
    return;
  }
  file_ = std::fopen(path.c_str(), "a");
  owned_ = file_ != nullptr;
  if (file_ == nullptr)
    error_ = "cannot open the decision log " + path + ": " + std::strerror(errno);
}

DecisionLogFile::~DecisionLogFile() {
  if (owned_) std::fclose(file_);
}

bool DecisionLogFile::write(const std::string& line) {
  if (file_ == nullptr) return false;
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() ||
      std::fputc('\n', file_) == EOF || std::fflush(file_) != 0) {
    error_ = "cannot write the decision log " + path_ + ": " + std::strerror(errno);
    ++failed_writes_;
    std::clearerr(file_);  // so the next line is tried afresh, and counted if it fails too
    return false;
  }
  return true;
}

}  // namespace setpoint
