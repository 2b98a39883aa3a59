#pragma once
// `setpoint stats`: ingest a JSONL file once and print its windows. It only reads: rejected
// lines go to --rejected FILE when given, never to the config's live quarantine file.
#include <string>

namespace setpoint::runner {

struct StatsArgs {
  std::string telemetry;
  std::string config;  // empty: defaults
  std::string span = "1m";
  std::string rejected;  // where rejected lines go, with their reasons; empty: nowhere
  bool json = false;
};

// Exit code: 0 on success, 1 when the file cannot be read, 2 on a bad argument or config.
int run_stats(const StatsArgs& args);

}  // namespace setpoint::runner
