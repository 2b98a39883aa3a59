#include "setpoint/autopilot/cycle.hpp"

#include <array>

namespace setpoint::autopilot {
namespace {

constexpr std::array<std::string_view, 6> kNames = {"running",   "completed",   "failed",
                                                    "timed_out", "rolled_back", "skipped"};

}  // namespace

std::string_view status_name(CycleStatus status) {
  return kNames[static_cast<std::size_t>(status)];
}

std::optional<CycleStatus> parse_status(std::string_view text) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == text) return static_cast<CycleStatus>(i);
  }
  return std::nullopt;
}

}  // namespace setpoint::autopilot
