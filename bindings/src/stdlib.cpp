#include "setpoint/bindings/stdlib.hpp"

#include <filesystem>

#include "setpoint/base/regular_file.hpp"
#include "setpoint/bindings/policy_candidate.hpp"

namespace setpoint::bindings {

Result<Stdlib> load_stdlib(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(dir) / "setpoint";
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return Error{"no stdlib at " + root.string()};
  Stdlib modules;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const auto& path = entry.path();
    if (path.extension() != ".lua" || path.stem().string().ends_with("_test")) continue;
    auto text = read_regular_file(path.string(), kMaxPolicyFileBytes);
    if (!text) return Error{"cannot read the stdlib: " + text.error()};
    modules["setpoint." + path.stem().string()] = std::move(*text);
  }
  if (ec) return Error{"cannot list " + root.string() + ": " + ec.message()};
  return modules;
}

}  // namespace setpoint::bindings
