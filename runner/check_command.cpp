#include "check_command.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>
#include <variant>

#include "config.hpp"
#include "schedule.hpp"
#include "setpoint/bindings/policy_candidate.hpp"
#include "setpoint/bindings/policy_info.hpp"
#include "setpoint/regular_file.hpp"

namespace setpoint::runner {
namespace {

struct CheckedPolicy {
  std::string file;
  bindings::PolicyInfo info;
};

}  // namespace

int run_check(const CheckArgs& args) {
  if (args.config.empty() && args.policies.empty()) {
    std::cerr << "setpoint check: give --config FILE, --policies DIR, or both\n";
    return 2;
  }
  std::vector<std::string> problems;
  std::optional<Config> config;
  if (!args.config.empty()) {
    auto loaded = load_config(args.config);
    if (auto* error = std::get_if<ConfigError>(&loaded)) problems.push_back(error->message);
    else config = std::get<Config>(std::move(loaded));
  }

  // With a config and no --policies, its policies folder is checked.
  std::string folder = args.policies;
  if (folder.empty() && config) folder = config->policies.dir;

  std::vector<CheckedPolicy> policies;
  if (!folder.empty()) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
      if (!args.policies.empty()) {
        std::cerr << "setpoint check: " << folder << " is not a folder\n";
        return 2;
      }
      problems.push_back(config->path + ": policies.dir: " + folder + " is not a folder");
    }
    auto stdlib = bindings::load_stdlib(args.stdlib.empty() ? SETPOINT_STDLIB_DIR : args.stdlib);
    if (auto* error = std::get_if<std::string>(&stdlib)) {
      std::cerr << "setpoint check: " << *error << "\n";
      return 2;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      const auto& path = entry.path();
      if (path.extension() == ".lua" && !path.stem().string().ends_with("_test")) files.push_back(path);
    }
    std::sort(files.begin(), files.end());
    SystemClock clock;
    std::set<std::string> names;
    for (const auto& path : files) {
      std::string error;
      const auto text = read_regular_file(path.string(), bindings::kMaxPolicyFileBytes, error);
      if (!text) {
        problems.push_back(error);
        continue;
      }
      bindings::PolicyState state(path.stem().string(), {}, clock, &std::get<bindings::Stdlib>(stdlib));
      const auto loaded = state.load(*text, path.filename().string());
      if (!loaded.ok()) {
        problems.push_back(path.string() + ": " + loaded.message);
        continue;
      }
      std::vector<std::string> found;
      const auto info = read_policy_info(state, path.stem().string(), found);
      for (const auto& p : found) problems.push_back(path.string() + ": " + p);
      if (!info) continue;
      if (!names.insert(info->name).second) problems.push_back(path.string() + ": another policy is also named " + info->name);
      policies.push_back({path.string(), *info});
    }
  }

  if (config && !folder.empty()) {
    const auto granted = [&](const std::vector<std::string>& to, const std::string& name) {
      return std::find(to.begin(), to.end(), name) != to.end();
    };
    for (const auto& [file, info] : policies) {
      for (const auto& param : info.params) {
        const auto it = std::find_if(config->parameters.begin(), config->parameters.end(), [&](const auto& p) { return p.name == param; });
        if (it == config->parameters.end()) problems.push_back(file + ": declares parameter " + param + ", which config does not have");
        else if (!granted(it->policies, info.name)) problems.push_back(file + ": declares parameter " + param + ", which config does not grant to " + info.name);
      }
      for (const auto& action : info.actions) {
        const auto it = std::find_if(config->actions.begin(), config->actions.end(), [&](const auto& a) { return a.name == action; });
        if (it == config->actions.end()) problems.push_back(file + ": declares action " + action + ", which config does not have");
        else if (!granted(it->policies, info.name)) problems.push_back(file + ": declares action " + action + ", which config does not grant to " + info.name);
      }
    }
    const auto exists = [&](const std::string& name) {
      return std::any_of(policies.begin(), policies.end(), [&](const auto& p) { return p.info.name == name; });
    };
    const auto check_grants = [&](const std::string& kind, const std::string& target, const std::vector<std::string>& to) {
      for (const auto& policy : to) {
        if (!exists(policy)) {
          problems.push_back(config->grant_places[target] + ": " + kind + "." + target + ".policies: no policy named " + policy + " in " + folder);
        }
      }
    };
    for (const auto& p : config->parameters) check_grants("parameters", p.name, p.policies);
    for (const auto& a : config->actions) check_grants("actions", a.name, a.policies);
    for (const auto& [name, o] : config->policies.overrides) {
      if (!exists(name)) problems.push_back(config->path + ": policies.overrides." + name + ": no policy named " + name + " in " + folder);
    }
    for (const auto& name : config->policies.only) {
      if (!exists(name)) problems.push_back(config->path + ": policies.only: no policy named " + name + " in " + folder);
    }
  }
  // Every schedule, as the engine will read it.
  if (config) {
    for (const auto& [name, o] : config->policies.overrides) {
      std::string error;
      if (o.schedule && !Schedule::make(0, *o.schedule, error)) problems.push_back(config->path + ": policies.overrides." + name + ".schedule: " + error);
    }
  }

  for (const auto& p : problems) std::cout << p << "\n";
  if (!problems.empty()) {
    std::cout << problems.size() << " problem" << (problems.size() == 1 ? "" : "s") << " found\n";
    return 1;
  }
  std::cout << "ok: " << (config ? "config valid" : "no config") << ", " << policies.size() << " polic"
            << (policies.size() == 1 ? "y" : "ies") << " checked\n";
  return 0;
}

}  // namespace setpoint::runner
