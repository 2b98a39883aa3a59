#pragma once
// The native half of the stdlib's setpoint.stats: the core's two-sample statistics, handed to
// stdlib/setpoint/stats.lua when a policy first requires it (stats_library.cpp).
struct lua_State;

namespace setpoint::bindings {

// The most values a sample given to setpoint.stats may hold: the work runs in C, where no
// hook can stop it, so it is bounded like table.sort.
constexpr int kMaxStatsSample = 100'000;

// Pushes a fresh table of the native functions.
void push_stats_library(lua_State* L);

}  // namespace setpoint::bindings
