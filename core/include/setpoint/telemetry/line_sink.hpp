#pragma once
// Where a source hands its lines. Sources know nothing of parsing; the ingest pipeline is the
// usual sink, a test can be another.
#include <cstdint>
#include <string>
#include <string_view>

namespace setpoint {

// Where a line came from: a file name (or "http", "inproc") and a 1-based line number.
struct SourcePos {
  std::string_view name;
  std::uint64_t line = 0;
  std::string str() const { return std::string(name) + ":" + std::to_string(line); }
};

class LineSink {
 public:
  virtual ~LineSink() = default;
  // A complete line without its newline; LineSink::kPadding bytes past its end are readable.
  virtual void line(std::string_view text, SourcePos pos) = 0;
  // A line longer than the maximum, dropped without being buffered whole; `head` is its start.
  virtual void line_too_long(std::uint64_t bytes, SourcePos pos, std::string_view head) = 0;

  static constexpr std::size_t kPadding = 64;  // simdjson's SIMDJSON_PADDING
};

}  // namespace setpoint
