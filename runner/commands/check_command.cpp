#include "commands/check_command.hpp"

#include <filesystem>
#include <iostream>
#include <variant>

#include "config/config.hpp"
#include "config/config_check.hpp"

namespace setpoint::runner {

int run_check(const CheckArgs& args) {
  if (args.config.empty() && args.policies.empty()) {
    std::cerr << "setpoint check: give --config FILE, --policies DIR, or both\n";
    return 2;
  }
  std::vector<Problem> problems;
  std::optional<Config> config;
  if (!args.config.empty()) {
    auto loaded = load_config(args.config);
    if (!loaded)
      problems.push_back({loaded.error(), true});
    else
      config = std::move(loaded).value();
  }

  // With a config and no --policies, its policies folder is checked.
  std::string folder = args.policies;
  if (folder.empty() && config) folder = config->policies.dir;

  std::vector<CheckedPolicy> policies;
  if (!folder.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec)) {
      if (!args.policies.empty()) {
        std::cerr << "setpoint check: " << folder << " is not a folder\n";
        return 2;
      }
      problems.push_back({config->path + ": policies.dir: " + folder + " is not a folder", true});
    }
    auto stdlib = bindings::load_stdlib(args.stdlib.empty() ? SETPOINT_STDLIB_DIR : args.stdlib);
    if (!stdlib) {
      std::cerr << "setpoint check: " << stdlib.error() << "\n";
      return 2;
    }
    policies = check_policies(folder, stdlib.value(), problems);
  }
  if (config) check_config(*config, folder, policies, problems);

  std::size_t counted = 0;
  for (const auto& p : problems) {
    std::cout << (p.note ? "note: " : "") << p.text << "\n";
    counted += p.note ? 0 : 1;
  }
  if (counted > 0) {
    std::cout << counted << " problem" << (counted == 1 ? "" : "s") << " found\n";
    return 1;
  }
  std::cout << "ok: " << (config ? "config valid" : "no config") << ", " << policies.size()
            << " polic" << (policies.size() == 1 ? "y" : "ies") << " checked\n";
  return 0;
}

}  // namespace setpoint::runner
