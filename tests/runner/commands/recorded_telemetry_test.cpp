// A recorded file is read whole, however many polls it takes: one poll once stopped at
// 64 MiB and the rest of the file was silently not there (compare, stats, replay).
#include "commands/recorded_telemetry.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {

struct Lines final : LineSink {
  std::vector<std::string> lines;
  std::vector<std::uint64_t> too_long;
  void line(std::string_view text, SourcePos) override { lines.emplace_back(text); }
  void line_too_long(std::uint64_t bytes, SourcePos, std::string_view) override {
    too_long.push_back(bytes);
  }
};

}  // namespace

TEST_CASE("recorded telemetry: every line of a file many polls long, the cut one whole") {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 5000; ++i) text += std::to_string(1000000 + i) + "\n";
  text += std::string(500, 'x') + "\n" + "123456789";  // an over-long line, and no newline
  write_file(dir.file("values.txt"), text);
  Lines sink;
  // 100 bytes a poll: a line is cut by almost every poll's end.
  CHECK(runner::read_recorded(dir.file("values.txt"), 256, sink, 100).empty());
  REQUIRE(sink.lines.size() == 5001);
  CHECK(sink.lines.front() == "1000000");
  CHECK(sink.lines[4999] == "1004999");
  CHECK(sink.lines.back() == "123456789");  // never "1234"
  CHECK(sink.too_long == std::vector<std::uint64_t>{500});
}
