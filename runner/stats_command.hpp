#pragma once
// `setpoint stats`: ingest a JSONL file once and print its windows.
#include <string>

namespace setpoint::runner {

struct StatsArgs {
  std::string telemetry;
  std::string config;  // empty: defaults
  std::string span = "1m";
  bool json = false;
};

// Exit code: 0 on success, 1 when the file cannot be read, 2 on a bad argument or config.
int run_stats(const StatsArgs& args);

}  // namespace setpoint::runner
