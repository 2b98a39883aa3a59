#pragma once
// nlohmann/json at the edge of the program. Its dump() throws type_error 316 on a string that
// is not UTF-8, and its parse() throws on bad text and builds documents of any depth, which
// recursive code then walks. Every document that may hold text from outside (paths, bodies,
// telemetry, policy output, files) is written and read through these two instead: invalid bytes
// become U+FFFD, bad or deep input is an error value, nothing throws. scripts/check_rules.sh
// keeps it that way: it fails the build's tests on a dump( or json::parse( anywhere else.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "setpoint/base/json_text.hpp"
#include "setpoint/base/result.hpp"

namespace setpoint {

inline std::string dump(const nlohmann::json& doc, int indent = -1) {
  return doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The document in `text`, or what is wrong and where. Documents nested deeper than
// json_text::kMaxDepth are refused before they are parsed.
inline Result<nlohmann::json> parse_json(std::string_view text,
                                         int max_depth = json_text::kMaxDepth) {
  if (json_text::nesting_depth(text) > max_depth)
    return Error{"nested deeper than " + std::to_string(max_depth) + " levels"};
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    std::string error = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, …": the bracket is the
    // library's name for it, not the user's problem.
    if (error.rfind("[json.exception.", 0) == 0 && error.find("] ") != std::string::npos)
      error.erase(0, error.find("] ") + 2);
    // nlohmann quotes the bad bytes: made printable before anyone shows them.
    for (char& c : error) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    }
    return Error{error};
  }
}

// Text our own code wrote (a decision record, a saved state): parsed, or null if it is not
// JSON. Never throws.
inline nlohmann::json parse_own_json(std::string_view text) {
  auto doc = parse_json(text, 256);
  return doc ? std::move(doc).value() : nlohmann::json();
}

}  // namespace setpoint
