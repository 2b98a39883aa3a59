#pragma once
// Writing JSON text straight into a string, for documents produced often or in bulk (window
// snapshots, decision records) where building a DOM first costs more than the data.
#include <cstdint>
#include <string>
#include <string_view>

namespace setpoint::json_text {

// A JSON string literal, quotes included; control characters and invalid UTF-8 are escaped
// or replaced (U+FFFD), so the output is always valid JSON.
void append_string(std::string& out, std::string_view text);
// The shortest text that reads back as the same double; null for NaN and infinities.
void append_number(std::string& out, double value);
void append_number(std::string& out, std::uint64_t value);

// The deepest nesting of arrays and objects in a JSON text (strings skipped), without parsing
// it: a document from outside is measured before a recursive reader or writer meets it.
constexpr int kMaxDepth = 64;  // what every parser of outside JSON accepts
int nesting_depth(std::string_view text);

}  // namespace setpoint::json_text
