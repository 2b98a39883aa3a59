#pragma once
// Numbers read from text someone typed (config, query strings, CLI arguments): the whole text
// must be the number — "12abc", " 12", "" and "0x1p3" are not numbers — and nothing throws.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace setpoint {

inline std::optional<double> parse_double(std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

inline std::optional<std::int64_t> parse_integer(std::string_view text, int base = 10) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace setpoint
