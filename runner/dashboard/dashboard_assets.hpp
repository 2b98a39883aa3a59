#pragma once
// The dashboard's files as the binary serves them: the page we write (runner/dashboard/web/)
// and uPlot, installed by npm with its version locked (package-lock.json) and embedded at build
// time, so nothing is fetched from anywhere when the page loads.
#include <string_view>
#include <vector>

namespace setpoint::runner::dashboard {

struct Asset {
  std::string_view path;  // "/", "/assets/app.js"
  std::string_view content_type;
  std::string_view body;
};

const std::vector<Asset>& assets();

}  // namespace setpoint::runner::dashboard
