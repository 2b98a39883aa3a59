#pragma once
// A recorded JSON-lines file read once from top to bottom into a sink (stats, replay): ""
// when it was read, else why not — the file is missing, or reading it failed.
#include <string>

#include "setpoint/telemetry/line_sink.hpp"

namespace setpoint::runner {

// The whole file, however large: one poll reads at most `max_poll_bytes`, so it polls until
// the file has nothing more (a single poll once stopped at 64 MiB, silently).
std::string read_recorded(const std::string& path, std::size_t max_line_bytes, LineSink& sink,
                          std::size_t max_poll_bytes = 64u << 20);

}  // namespace setpoint::runner
