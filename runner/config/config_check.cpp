#include "config/config_check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "config/schedule.hpp"
#include "config/tokens.hpp"
#include "setpoint/base/regular_file.hpp"
#include "setpoint/bindings/policy_candidate.hpp"

namespace setpoint::runner {
namespace {

namespace fs = std::filesystem;

bool contains(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// Where a program named in an exec actuator is: itself when it has a slash, else in PATH.
std::optional<std::string> program_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  for (std::size_t at = 0; at <= dirs.size();) {
    const std::size_t colon = std::min(dirs.find(':', at), dirs.size());
    const std::string candidate = dirs.substr(at, colon - at) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    at = colon + 1;
  }
  return std::nullopt;
}

void check_actuator(const Config& c, const std::string& at_key, const ActuatorConfig& a,
                    std::vector<Problem>& problems);

void check_actuators(const Config& c, std::vector<Problem>& problems) {
  for (const auto& [target, a] : c.actuators) check_actuator(c, target + ".actuator", a, problems);
  // A rollout's canary and weight reach the world too: a missing file there fails the rollout.
  for (const auto& [target, r] : c.rollouts) {
    check_actuator(c, target + ".rollout.canary", r.canary, problems);
    check_actuator(c, target + ".rollout.weight", r.weight, problems);
  }
}

void check_actuator(const Config& c, const std::string& at_key, const ActuatorConfig& a,
                    std::vector<Problem>& problems) {
  {
    const std::string at = c.path + ": " + at_key;
    if (a.type == "file") {
      const fs::path path(a.path);
      std::error_code ec;
      if (!fs::exists(path, ec)) {
        const bool folder =
            fs::is_directory(path.parent_path().empty() ? fs::path(".") : path.parent_path(), ec);
        problems.push_back(
            {at + ": " + a.path +
                 (folder ? " does not exist: the first change will fail until it does"
                         : " is in a folder that does not exist"),
             false});
      } else if (const auto readable = check_regular_file(a.path, std::size_t{1} << 40);
                 !readable) {
        problems.push_back({at + ": " + readable.error(), false});
      }
    } else if (a.type == "exec" && !a.argv.empty()) {
      const auto program = program_path(a.argv[0]);
      if (!program)
        problems.push_back({at + ": " + a.argv[0] + " is not a program in PATH", false});
      else if (::access(program->c_str(), X_OK) != 0)
        problems.push_back(
            {at + ": " + *program + " cannot be run (missing or not executable)", false});
    }
  }
}

void check_sources(const Config& c, std::vector<Problem>& problems) {
  for (std::size_t i = 0; i < c.telemetry.files.size(); ++i) {
    const auto& f = c.telemetry.files[i];
    const std::string at = c.path + ": telemetry.sources[" + std::to_string(i) + "].file: ";
    std::error_code ec;
    if (!fs::exists(f.path, ec))
      problems.push_back(
          {at + f.path + " does not exist (yet): it is followed once it appears", false, true});
    else if (const auto readable = check_regular_file(f.path, std::size_t{1} << 62); !readable)
      problems.push_back({at + readable.error(), false});
  }
}

}  // namespace

std::vector<CheckedPolicy> check_policies(const std::string& folder, const bindings::Stdlib& stdlib,
                                          std::vector<Problem>& problems) {
  std::vector<CheckedPolicy> policies;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const auto& path = entry.path();
    if (path.extension() == ".lua" && !path.stem().string().ends_with("_test"))
      files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  SystemClock clock;
  std::set<std::string> names;
  for (const auto& path : files) {
    const auto inside = check_inside_folder(folder, path.string());
    const auto text = inside ? read_regular_file(path.string(), bindings::kMaxPolicyFileBytes)
                             : Result<std::string>(Error{inside.error()});
    if (!text) {
      problems.push_back({text.error(), false});
      continue;
    }
    bindings::PolicyState state(path.stem().string(), {}, clock, &stdlib);
    const auto loaded = state.load(*text, path.filename().string());
    if (!loaded.ok()) {
      problems.push_back({path.string() + ": " + loaded.message, false});
      continue;
    }
    std::vector<std::string> found;
    const auto info = read_policy_info(state, path.stem().string(), found);
    for (const auto& p : found) problems.push_back({path.string() + ": " + p, false});
    if (!info) continue;
    if (!names.insert(info->name).second)
      problems.push_back({path.string() + ": another policy is also named " + info->name, false});
    policies.push_back({path.string(), *info});
  }
  return policies;
}

void check_config(const Config& c, const std::string& folder,
                  const std::vector<CheckedPolicy>& policies, std::vector<Problem>& problems) {
  const auto exists = [&](const std::string& name) {
    return std::any_of(policies.begin(), policies.end(),
                       [&](const auto& p) { return p.info.name == name; });
  };
  // What policies declare, against what config has and grants.
  for (const auto& policy : policies) {
    // Named, not bound: clang (the fuzz build) cannot capture a structured binding.
    const std::string& file = policy.file;
    const bindings::PolicyInfo& info = policy.info;
    // With policies.only, the others are loaded and tested but never run: what they declare
    // is not held against this config (a scenario running two of the ten seeds failed check).
    if (!c.policies.only.empty() && !contains(c.policies.only, info.name)) continue;
    const auto check_declared = [&](const char* kind, const std::string& target,
                                    const std::vector<std::string>* granted_to) {
      if (granted_to == nullptr)
        problems.push_back(
            {file + ": declares " + kind + " " + target + ", which config does not have", false});
      else if (!contains(*granted_to, info.name))
        problems.push_back({file + ": declares " + kind + " " + target +
                                ", which config does not grant to " + info.name,
                            false});
    };
    for (const auto& param : info.params) {
      const auto it = std::find_if(c.parameters.begin(), c.parameters.end(),
                                   [&](const auto& p) { return p.name == param; });
      check_declared("parameter", param, it == c.parameters.end() ? nullptr : &it->policies);
    }
    for (const auto& action : info.actions) {
      const auto it = std::find_if(c.actions.begin(), c.actions.end(),
                                   [&](const auto& a) { return a.name == action; });
      check_declared("action", action, it == c.actions.end() ? nullptr : &it->policies);
    }
  }
  // What config grants, against the policies there are and what they declare.
  const auto check_grants = [&](const std::string& kind, const std::string& target,
                                const std::vector<std::string>& to) {
    const std::string at = (c.grant_places.count(target) ? c.grant_places.at(target) : c.path) +
                           ": " + kind + "." + target + ".policies: ";
    for (const auto& policy : to) {
      const auto p = std::find_if(policies.begin(), policies.end(),
                                  [&](const auto& x) { return x.info.name == policy; });
      if (p == policies.end()) {
        problems.push_back({at + "no policy named " + policy + " in " + folder, false});
      } else if (!contains(p->info.params, target) && !contains(p->info.actions, target)) {
        problems.push_back({at + "grants " + target + " to " + policy +
                                ", which does not declare it (its params and actions leave it out)",
                            false});
      }
    }
  };
  for (const auto& p : c.parameters) check_grants("parameters", p.name, p.policies);
  for (const auto& a : c.actions) check_grants("actions", a.name, a.policies);
  for (const auto& [name, o] : c.policies.overrides) {
    if (!exists(name))
      problems.push_back(
          {c.path + ": policies.overrides." + name + ": no policy named " + name + " in " + folder,
           false});
    if (!o.schedule) continue;
    const std::string where = c.path + ": policies.overrides." + name + ".schedule: ";
    if (o.schedule->empty()) {
      problems.push_back(
          {where + "is empty (expected \"daily HH:MM\" or \"weekly <sun..sat> HH:MM\")", false});
    } else if (const auto schedule = Schedule::make(0, *o.schedule); !schedule) {
      problems.push_back({where + schedule.error(), false});
    }
  }
  for (const auto& name : c.policies.only) {
    if (!exists(name))
      problems.push_back(
          {c.path + ": policies.only: no policy named " + name + " in " + folder, false});
  }
  // The machine: tokens, telemetry files, actuators.
  if (!c.control_plane.tokens_file.empty()) {
    auto tokens = Tokens::load(c.control_plane.tokens_file);
    if (!tokens)
      problems.push_back({c.path + ": control_plane.tokens_file: " + tokens.error(), true});
  }
  check_sources(c, problems);
  check_actuators(c, problems);
}

}  // namespace setpoint::runner
