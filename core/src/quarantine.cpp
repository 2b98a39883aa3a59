#include "setpoint/quarantine.hpp"

#include <cerrno>
#include <cstring>

#include "setpoint/json_document.hpp"
#include "setpoint/timestamp.hpp"

namespace setpoint {

Quarantine::Quarantine(std::string path, const Redactor* redactor)
    : path_(std::move(path)), redactor_(redactor) {
  if (path_.empty()) return;
  file_ = std::fopen(path_.c_str(), "a");
  if (file_ == nullptr) error_ = "cannot open quarantine file " + path_ + ": " + std::strerror(errno);
}

Quarantine::~Quarantine() {
  if (file_ != nullptr) std::fclose(file_);
}

void Quarantine::add(Nanos at, Rejection reason, std::string_view detail,
                     std::string_view source, std::string_view line) {
  if (file_ == nullptr) return;
  std::lock_guard lock(mutex_);
  const bool cut = line.size() > kMaxKeptBytes;
  std::string kept(line.substr(0, kMaxKeptBytes));
  if (redactor_ != nullptr && !redactor_->empty()) kept = redactor_->redact_text(kept);
  nlohmann::json record = {
      {"at", format_rfc3339(at)},
      {"reason", std::string(name(reason))},
      {"detail", std::string(detail)},
      {"source", std::string(source)},
      {"line", std::move(kept)},
  };
  if (cut) record["line_bytes"] = line.size();
  // Invalid UTF-8 in the line is kept as U+FFFD so the quarantine stays valid JSON.
  const std::string text = dump(record);
  if (std::fprintf(file_, "%s\n", text.c_str()) < 0) {
    error_ = "cannot write quarantine file " + path_ + ": " + std::strerror(errno);
    return;
  }
  ++written_;
}

void Quarantine::flush() {
  std::lock_guard lock(mutex_);
  if (file_ != nullptr && std::fflush(file_) != 0) {
    error_ = "cannot write quarantine file " + path_ + ": " + std::strerror(errno);
  }
}

}  // namespace setpoint
