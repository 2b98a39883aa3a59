#include "commands/recorded_telemetry.hpp"

#include "setpoint/telemetry/file_source.hpp"

namespace setpoint::runner {

std::string read_recorded(const std::string& path, std::size_t max_line_bytes, LineSink& sink,
                          std::size_t max_poll_bytes) {
  FileSourceOptions options;
  options.path = path;
  options.max_line_bytes = max_line_bytes;
  options.max_poll_bytes = max_poll_bytes;
  FileSource source(options);
  // Bytes, not lines, tell when it is done: a poll of nothing but an over-long line hands none.
  for (std::uint64_t before = 1; before != source.status().bytes;) {
    before = source.status().bytes;
    source.poll(sink);
    if (!source.status().error.empty()) break;
  }
  source.finish(sink);
  if (!source.status().present) return "cannot read " + path + ": no such file";
  // The source speaks of following a file; a recording is read once.
  std::string error = source.status().error;
  constexpr std::string_view kFollowed = ": not followed";
  if (error.ends_with(kFollowed))
    error.replace(error.size() - kFollowed.size(), kFollowed.size(), ": not read");
  return error;
}

}  // namespace setpoint::runner
