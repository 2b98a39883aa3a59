#pragma once
// Text from outside (HTTP paths and bodies, telemetry, policy strings) is bytes: it may not be
// UTF-8 and may carry control characters. These make it safe to put in JSON, a log line or a
// terminal: nothing the outside sends can make a JSON writer throw, forge a second log line or
// move a terminal's cursor.
#include <cstddef>
#include <string>
#include <string_view>

namespace setpoint::utf8 {

// Length of the valid UTF-8 sequence starting at s[i] (1 to 4), or 0 if none starts there
// (a stray continuation byte, an overlong form, a surrogate, past U+10FFFF, cut short).
std::size_t sequence_length(std::string_view s, std::size_t i);
bool valid(std::string_view s);

// Valid UTF-8 kept; each invalid byte becomes U+FFFD.
std::string repaired(std::string_view s);

// One printable line: invalid bytes become U+FFFD; control characters (C0, DEL, and C1 such as
// U+009B, which some terminals take for CSI) are written as escapes (\n, \t, \x1b, \u009b);
// a backslash stays itself. At most `max_bytes` of output, then "…".
std::string printable(std::string_view s, std::size_t max_bytes = 4096);

}  // namespace setpoint::utf8
