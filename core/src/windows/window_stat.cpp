#include "setpoint/windows/window_stat.hpp"

#include <iterator>

namespace setpoint {

const WindowStat* find_window_stat(std::string_view name) {
  for (const auto& stat : kWindowStats) {
    if (name == stat.name) return &stat;
  }
  return nullptr;
}

std::string window_stat_names() {
  std::string out;
  const std::size_t n = std::size(kWindowStats);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out += i + 1 == n ? " or " : ", ";
    out += kWindowStats[i].name;
  }
  return out;
}

}  // namespace setpoint
