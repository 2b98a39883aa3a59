#include "commands/recorded_telemetry.hpp"

#include "setpoint/telemetry/file_source.hpp"

namespace setpoint::runner {

std::string read_recorded(const std::string& path, std::size_t max_line_bytes, LineSink& sink) {
  FileSourceOptions options;
  options.path = path;
  options.max_line_bytes = max_line_bytes;
  FileSource source(options);
  source.poll(sink);
  source.finish(sink);
  if (!source.status().present) return "cannot read " + path + ": no such file";
  return source.status().error;
}

}  // namespace setpoint::runner
