#pragma once
// Timestamps in telemetry: RFC 3339 text or epoch milliseconds.
#include <optional>
#include <string>
#include <string_view>

#include "setpoint/base/clock.hpp"

namespace setpoint {

// `2026-11-20T10:00:00Z`, `2026-11-20T10:00:00.123+01:00`, `2026-11-20 10:00:00z`: nanoseconds
// since the epoch; none when the text is not RFC 3339, names an impossible date or time, or a
// year outside 1970..2199 (nanoseconds since the epoch wrap past 2262).
std::optional<Nanos> parse_rfc3339(std::string_view text);

// The two halves of parse_rfc3339, so a parser can reuse the first for consecutive events of
// the same minute: the 16-character "YYYY-MM-DDTHH:MM" as the minute's epoch nanoseconds, and
// the rest, ":SS[.fraction](Z|±HH:MM)", as nanoseconds to add to it.
std::optional<Nanos> parse_rfc3339_minute(std::string_view prefix);
std::optional<Nanos> parse_rfc3339_rest(std::string_view rest);

// Epoch milliseconds (fractions allowed) between 1970 and 2200; none outside.
std::optional<Nanos> from_epoch_millis(double millis);

// `2026-11-20T10:00:00.123Z` (milliseconds, UTC).
std::string format_rfc3339(Nanos t);

}  // namespace setpoint
