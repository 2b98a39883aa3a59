#include "setpoint/bindings/stdlib.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace setpoint::bindings {

std::variant<Stdlib, std::string> load_stdlib(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(dir) / "setpoint";
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return "no stdlib at " + root.string();
  Stdlib modules;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const auto& path = entry.path();
    if (path.extension() != ".lua" || path.stem().string().ends_with("_test")) continue;
    std::ifstream in(path, std::ios::binary);
    if (!in) return "cannot read " + path.string();
    std::stringstream text;
    text << in.rdbuf();
    modules["setpoint." + path.stem().string()] = text.str();
  }
  if (ec) return "cannot list " + root.string() + ": " + ec.message();
  return modules;
}

}  // namespace setpoint::bindings
