#pragma once
// Durations as people write them in config and policies: "250ms", "5s", "1m", "24h", "7d",
// or compounds like "1h30m". No unit, a negative number or an unknown unit is an error.
#include <optional>
#include <string>
#include <string_view>

#include "setpoint/base/clock.hpp"

namespace setpoint {

std::optional<Nanos> parse_duration(std::string_view text);
// The shortest exact spelling: 90 s → "1m30s", 0 → "0s".
std::string format_duration(Nanos d);
// Rounded for a person to two units at most: "29m9s" (not "29m8s846ms"), "2h5m", "12s",
// "1.5s", "250ms".
std::string human_duration(Nanos d);

}  // namespace setpoint
