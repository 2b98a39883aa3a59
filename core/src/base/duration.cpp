#include "setpoint/base/duration.hpp"

#include <array>
#include <cstdio>
#include <utility>

namespace setpoint {
namespace {
constexpr std::array<std::pair<std::string_view, Nanos>, 7> kUnits = {{
    {"d", 86400 * kNanosPerSecond},
    {"h", 3600 * kNanosPerSecond},
    {"m", 60 * kNanosPerSecond},
    {"s", kNanosPerSecond},
    {"ms", kNanosPerMilli},
    {"us", kNanosPerMicro},
    {"ns", 1},
}};
}  // namespace

std::optional<Nanos> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  Nanos total = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    Nanos number = 0;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (number > (Nanos{1} << 40)) return std::nullopt;  // absurdly large
      number = number * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    const std::size_t unit_start = pos;
    while (pos < text.size() && text[pos] >= 'a' && text[pos] <= 'z') ++pos;
    const std::string_view unit = text.substr(unit_start, pos - unit_start);
    bool known = false;
    for (const auto& [name, scale] : kUnits) {
      if (unit == name) {
        if (number > (Nanos{1} << 62) / scale) return std::nullopt;
        // Each part fits, and so must their sum ("53375d53375d53375d" once wrapped negative).
        if (total > (Nanos{1} << 62) - number * scale) return std::nullopt;
        total += number * scale;
        known = true;
        break;
      }
    }
    if (!known) return std::nullopt;
  }
  return total;
}

std::string format_duration(Nanos d) {
  if (d == 0) return "0s";
  std::string out;
  if (d < 0) {
    out = "-";
    d = -d;
  }
  for (const auto& [name, scale] : kUnits) {
    if (d >= scale) {
      out += std::to_string(d / scale);
      out += name;
      d %= scale;
    }
  }
  return out;
}

std::string human_duration(Nanos d) {
  if (d < 0) return "-" + human_duration(-d);
  constexpr Nanos kMinute = 60 * kNanosPerSecond, kHour = 60 * kMinute;
  char text[48];
  if (d >= kHour) {
    const Nanos minutes = (d + kMinute / 2) / kMinute;
    std::snprintf(text, sizeof text, "%lldh%lldm", static_cast<long long>(minutes / 60),
                  static_cast<long long>(minutes % 60));
  } else if (d >= kMinute) {
    const Nanos seconds = (d + kNanosPerSecond / 2) / kNanosPerSecond;
    std::snprintf(text, sizeof text, "%lldm%llds", static_cast<long long>(seconds / 60),
                  static_cast<long long>(seconds % 60));
  } else if (d >= 10 * kNanosPerSecond) {
    std::snprintf(text, sizeof text, "%llds",
                  static_cast<long long>((d + kNanosPerSecond / 2) / kNanosPerSecond));
  } else if (d >= kNanosPerSecond) {
    std::snprintf(text, sizeof text, "%.1fs", static_cast<double>(d) / kNanosPerSecond);
  } else {
    std::snprintf(text, sizeof text, "%lldms",
                  static_cast<long long>((d + kNanosPerMilli / 2) / kNanosPerMilli));
  }
  std::string out = text;
  // "2h0m" reads as "2h"; "5m0s" as "5m".
  if (out.size() > 3 && (out.ends_with("h0m") || out.ends_with("m0s"))) out.resize(out.size() - 2);
  return out;
}

}  // namespace setpoint
