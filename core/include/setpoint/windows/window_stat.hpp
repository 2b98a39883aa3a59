#pragma once
// A window's statistics by name: one table for every place that names them (the snapshot's
// JSON, a policy's ctx:window table and its fixtures, a verification's `stat`), so a statistic
// added to WindowStats is added once, here. `count` and `outcomes` are not numbers of one
// kind and stay with each reader.
#include <string>
#include <string_view>

#include "setpoint/windows/window.hpp"

namespace setpoint {

struct WindowStat {
  const char* name;         // in the snapshot and the config: "rate_per_s"
  const char* policy_name;  // in ctx:window and fixtures: "rate" (the policy API's first name)
  double WindowStats::*field;
};

inline constexpr WindowStat kWindowStats[] = {
    {"rate_per_s", "rate", &WindowStats::rate_per_s},
    {"success_rate", "success_rate", &WindowStats::success_rate},
    {"error_rate", "error_rate", &WindowStats::error_rate},
    {"p50", "p50", &WindowStats::p50},
    {"p90", "p90", &WindowStats::p90},
    {"p95", "p95", &WindowStats::p95},
    {"p99", "p99", &WindowStats::p99},
    {"mean", "mean", &WindowStats::mean},
    {"min", "min", &WindowStats::min},
    {"max", "max", &WindowStats::max},
    {"sum", "sum", &WindowStats::sum},
};

// The statistic of this (snapshot/config) name, or null.
const WindowStat* find_window_stat(std::string_view name);

// The names, as "a, b or c", for an error message.
std::string window_stat_names();

}  // namespace setpoint
