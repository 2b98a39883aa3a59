#pragma once
// A recorded JSON-lines file read once from top to bottom into a sink (stats, replay): ""
// when it was read, else why not — the file is missing, or reading it failed.
#include <string>

#include "setpoint/telemetry/line_sink.hpp"

namespace setpoint::runner {

std::string read_recorded(const std::string& path, std::size_t max_line_bytes, LineSink& sink);

}  // namespace setpoint::runner
