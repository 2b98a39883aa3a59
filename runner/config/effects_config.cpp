#include "config/effects_config.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "setpoint/actuators/exec_actuator.hpp"
#include "setpoint/base/number_text.hpp"
#include "setpoint/windows/window_stat.hpp"

namespace setpoint::runner {

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ea, eb;
  // Absolute first: of a relative path none of which exists, weakly_canonical changes nothing.
  const auto ca = std::filesystem::weakly_canonical(std::filesystem::absolute(a, ea), ea);
  const auto cb = std::filesystem::weakly_canonical(std::filesystem::absolute(b, eb), eb);
  return ea || eb ? a == b : ca == cb;
}
namespace {

std::optional<StepLimit> read_step(const YamlReader& r, const YAML::Node& node,
                                   const std::string& path) {
  // 10 is absolute; "10%" is a percent of the value it starts from.
  std::string text = r.string(node, path);
  StepLimit step;
  if (!text.empty() && text.back() == '%') {
    step.unit = StepLimit::Unit::kPercent;
    text.pop_back();
  }
  const auto amount = parse_double(text);
  if (!amount || !(*amount > 0) || !std::isfinite(*amount))
    r.fail(node, path, "expected a positive number, or a percent like 20%");
  step.amount = *amount;
  return step;
}

void read_direction(const YamlReader& r, const YAML::Node& node, const std::string& path,
                    DirectionRules& rules) {
  r.keys(node, path, {"max_step", "cooldown", "deadband", "rate", "select", "stabilization"});
  if (node["stabilization"])
    rules.stabilization = r.duration(node["stabilization"], path + ".stabilization");
  if (node["max_step"]) rules.max_step = read_step(r, node["max_step"], path + ".max_step");
  if (node["cooldown"]) rules.cooldown = r.duration(node["cooldown"], path + ".cooldown");
  if (node["deadband"]) {
    rules.deadband = r.number(node["deadband"], path + ".deadband");
    if (rules.deadband < 0) r.fail(node["deadband"], path + ".deadband", "cannot be negative");
  }
  if (const auto rate = node["rate"]) {
    if (!rate.IsSequence()) r.fail(rate, path + ".rate", "expected a list of {limit, period}");
    for (std::size_t i = 0; i < rate.size(); ++i) {
      const std::string at = path + ".rate[" + std::to_string(i) + "]";
      r.keys(rate[i], at, {"limit", "period"});
      if (!rate[i]["limit"] || !rate[i]["period"])
        r.fail(rate[i], at, "needs both limit and period");
      const Nanos period = r.duration(rate[i]["period"], at + ".period");
      if (period <= 0) r.fail(rate[i]["period"], at + ".period", "must be positive");
      rules.rate.push_back({*read_step(r, rate[i]["limit"], at + ".limit"), period});
    }
  }
  if (node["select"]) {
    const std::string select = r.string(node["select"], path + ".select");
    if (select == "max")
      rules.select = RateSelect::kMax;
    else if (select == "min")
      rules.select = RateSelect::kMin;
    else if (select == "disabled")
      rules.select = RateSelect::kDisabled;
    else
      r.fail(node["select"], path + ".select", "expected max, min or disabled");
  }
}

}  // namespace

ActuatorConfig read_actuator(const YamlReader& r, const YAML::Node& node, const std::string& path,
                             const std::vector<std::string>& arg_names) {
  r.keys(node, path, {"type", "path", "key", "argv", "timeout"});
  ActuatorConfig a;
  if (!node["type"]) r.fail(node, path, "needs a type (file, exec, inproc or log)");
  a.type = r.string(node["type"], path + ".type");
  if (node["path"]) a.path = r.string(node["path"], path + ".path");
  if (node["key"]) a.key = r.string(node["key"], path + ".key");
  if (node["argv"]) a.argv = r.strings(node["argv"], path + ".argv");
  if (node["timeout"]) {
    a.timeout = r.duration(node["timeout"], path + ".timeout");
    // Every actuation is waited for within it (a stop, a reload): zero is a failure before
    // the start, and a day is a daemon that cannot be stopped.
    if (a.timeout < 10 * kNanosPerMilli || a.timeout > 10 * 60 * kNanosPerSecond)
      r.fail(node["timeout"], path + ".timeout", "must be from 10ms to 10m");
  }
  if (a.type == "file") {
    if (a.path.empty() || a.key.empty())
      r.fail(node, path, "a file actuator needs a path and a key");
  } else if (a.type == "exec") {
    if (auto problem = ExecActuator::validate(a.argv); !problem.empty())
      r.fail(node["argv"] ? node["argv"] : node, path + ".argv", problem);
    for (const auto& part : a.argv) {
      if (part.rfind("{arg:", 0) != 0) continue;
      const std::string name = part.substr(5, part.size() - 6);
      if (std::find(arg_names.begin(), arg_names.end(), name) == arg_names.end()) {
        r.fail(node["argv"], path + ".argv", "{arg:" + name + "} names no declared argument");
      }
    }
  } else if (a.type == "inproc") {
    if (a.key.empty()) r.fail(node, path, "an inproc actuator needs a key (the handle's name)");
  } else if (a.type != "log") {
    r.fail(node["type"], path + ".type", "\"" + a.type + "\" is not file, exec, inproc or log");
  }
  return a;
}

Mode read_mode(const YamlReader& r, const YAML::Node& node, const std::string& path) {
  const auto mode = mode_from_name(r.string(node, path));
  if (!mode) r.fail(node, path, "expected observe, advise, propose or enforce");
  return *mode;
}

std::optional<Mode> mode_from_name(const std::string& name) {
  if (name == "observe") return Mode::kObserve;
  if (name == "advise") return Mode::kAdvise;
  if (name == "propose") return Mode::kPropose;
  if (name == "enforce") return Mode::kEnforce;
  return std::nullopt;
}

void read_engine(const YamlReader& r, const YAML::Node& node, EngineConfig& e) {
  r.keys(node, "engine",
         {"tick", "mode", "dry_run", "state_path", "caps", "proposal_ttl", "patch_ttl", "drift_pin",
          "rollback_hold", "actuator_threads", "decision_log", "history"});
  if (const auto h = node["history"]) {
    r.keys(h, "engine.history", {"enabled", "retention", "max_series"});
    if (h["enabled"]) e.history.enabled = r.boolean(h["enabled"], "engine.history.enabled");
    if (h["retention"]) {
      e.history.retention = r.duration(h["retention"], "engine.history.retention");
      if (e.history.retention < 2 * 3600 * kNanosPerSecond ||
          e.history.retention > 400 * 24 * 3600 * kNanosPerSecond)
        r.fail(h["retention"], "engine.history.retention", "must be between 2h and 400d");
    }
    if (h["max_series"])
      e.history.max_series = static_cast<std::size_t>(
          r.integer(h["max_series"], "engine.history.max_series", 1, 10'000'000));
  }
  if (node["tick"]) {
    e.tick = r.duration(node["tick"], "engine.tick");
    if (e.tick < 10 * kNanosPerMilli || e.tick > 60 * kNanosPerSecond)
      r.fail(node["tick"], "engine.tick", "must be between 10ms and 60s");
  }
  if (node["actuator_threads"])
    e.actuator_threads = static_cast<std::size_t>(
        r.integer(node["actuator_threads"], "engine.actuator_threads", 1, 64));
  if (node["decision_log"]) e.decision_log = r.string(node["decision_log"], "engine.decision_log");
  if (node["mode"]) e.mode = read_mode(r, node["mode"], "engine.mode");
  if (node["dry_run"]) e.dry_run = r.boolean(node["dry_run"], "engine.dry_run");
  if (node["state_path"]) e.state_path = r.string(node["state_path"], "engine.state_path");
  if (const auto caps = node["caps"]) {
    r.keys(caps, "engine.caps", {"per_policy_per_hour", "global_per_hour"});
    if (caps["per_policy_per_hour"])
      e.caps.per_policy_per_hour = static_cast<std::uint32_t>(
          r.integer(caps["per_policy_per_hour"], "engine.caps.per_policy_per_hour", 0, 100'000));
    if (caps["global_per_hour"])
      e.caps.global_per_hour = static_cast<std::uint32_t>(
          r.integer(caps["global_per_hour"], "engine.caps.global_per_hour", 0, 100'000));
  }
  if (node["proposal_ttl"])
    e.proposal_ttl = r.duration(node["proposal_ttl"], "engine.proposal_ttl");
  if (node["patch_ttl"]) {
    e.patch_ttl = r.duration(node["patch_ttl"], "engine.patch_ttl");
    if (e.patch_ttl < 3600 * kNanosPerSecond || e.patch_ttl > 90 * 24 * 3600 * kNanosPerSecond)
      r.fail(node["patch_ttl"], "engine.patch_ttl", "must be between 1h and 90d");
  }
  if (node["drift_pin"]) e.drift_pin = r.duration(node["drift_pin"], "engine.drift_pin");
  if (node["rollback_hold"])
    e.rollback_hold = r.duration(node["rollback_hold"], "engine.rollback_hold");
}

void read_parameters(const YamlReader& r, const YAML::Node& node, Config& config) {
  if (!node.IsMap()) r.fail(node, "parameters", "expected a mapping of parameter names");
  for (const auto& entry : node) {
    ParameterSpec p;
    p.name = entry.first.as<std::string>();
    const YAML::Node& n = entry.second;
    const std::string path = "parameters." + p.name;
    r.keys(n, path,
           {"type", "initial", "min", "max", "choices", "up", "down", "stabilization", "settle",
            "sustained", "policies", "mode", "actuator", "verify", "sliding_bounds", "rollout",
            "status"});
    const std::string type = n["type"] ? r.string(n["type"], path + ".type") : "float";
    if (type == "int")
      p.type = ParamType::kInt;
    else if (type == "float")
      p.type = ParamType::kFloat;
    else if (type == "bool")
      p.type = ParamType::kBool;
    else if (type == "enum")
      p.type = ParamType::kEnum;
    else if (type == "duration")
      p.type = ParamType::kDuration;
    else
      r.fail(n["type"], path + ".type", "expected int, float, bool, enum or duration");
    if (p.numeric()) {
      if (!n["min"] || !n["max"])
        r.fail(n, path, "a numeric parameter needs min and max (its hard bounds)");
      const auto number = [&](const char* key) {
        return p.type == ParamType::kDuration
                   ? static_cast<double>(r.duration(n[key], path + "." + key)) / kNanosPerSecond
                   : r.number(n[key], path + "." + key);
      };
      p.min = number("min");
      p.max = number("max");
      if (p.min > p.max)
        r.fail(n["min"], path,
               "min (" + n["min"].Scalar() + ") is greater than max (" + n["max"].Scalar() + ")");
      if (!n["initial"]) r.fail(n, path, "needs an initial value");
      p.initial = number("initial");
      if (p.initial < p.min || p.initial > p.max)
        r.fail(n["initial"], path + ".initial", "is outside [min, max]");
      if (p.type == ParamType::kInt && (p.min != std::floor(p.min) || p.max != std::floor(p.max) ||
                                        p.initial != std::floor(p.initial))) {
        r.fail(n, path, "an int parameter needs whole min, max and initial");
      }
    } else if (p.type == ParamType::kBool) {
      p.initial = n["initial"] && r.boolean(n["initial"], path + ".initial") ? 1 : 0;
    } else {
      if (!n["choices"]) r.fail(n, path, "an enum parameter needs choices");
      p.choices = r.strings(n["choices"], path + ".choices");
      if (p.choices.empty()) r.fail(n["choices"], path + ".choices", "needs at least one choice");
      const std::string initial =
          n["initial"] ? r.string(n["initial"], path + ".initial") : p.choices[0];
      const auto it = std::find(p.choices.begin(), p.choices.end(), initial);
      if (it == p.choices.end())
        r.fail(n["initial"], path + ".initial", "\"" + initial + "\" is not one of the choices");
      p.initial = static_cast<double>(it - p.choices.begin());
    }
    if (n["up"]) read_direction(r, n["up"], path + ".up", p.up);
    if (n["down"]) read_direction(r, n["down"], path + ".down", p.down);
    // The window for decreases, as it was before up and down had their own.
    if (n["stabilization"])
      p.down.stabilization = r.duration(n["stabilization"], path + ".stabilization");
    if (const auto settle = n["settle"]) {
      r.keys(settle, path + ".settle", {"group", "time"});
      if (!settle["group"] || !settle["time"])
        r.fail(settle, path + ".settle", "needs group and time");
      p.settle_group = r.string(settle["group"], path + ".settle.group");
      p.settle_time = r.duration(settle["time"], path + ".settle.time");
    }
    if (const auto sustained = n["sustained"]) {
      r.keys(sustained, path + ".sustained", {"m", "n"});
      if (!sustained["m"] || !sustained["n"])
        r.fail(sustained, path + ".sustained", "needs m and n");
      p.sustained_n =
          static_cast<std::uint32_t>(r.integer(sustained["n"], path + ".sustained.n", 1, 1000));
      p.sustained_m = static_cast<std::uint32_t>(
          r.integer(sustained["m"], path + ".sustained.m", 1, p.sustained_n));
    }
    if (!n["policies"]) r.fail(n, path, "needs policies: the policies allowed to set it");
    p.policies = r.strings(n["policies"], path + ".policies");
    config.grant_places[p.name] = r.place(n["policies"]);
    if (n["mode"]) config.target_modes[p.name] = read_mode(r, n["mode"], path + ".mode");
    if (n["actuator"]) {
      const ActuatorConfig a = read_actuator(r, n["actuator"], path + ".actuator", {});
      p.actuator = a.type;
      p.key = a.key.empty() ? p.name : a.key;
      config.actuators[p.name] = a;
    }
    if (const auto verify = n["verify"]) {
      r.keys(verify, path + ".verify", {"series", "stat", "window", "worse_by", "higher_is_worse"});
      if (!verify["series"] || !verify["stat"] || !verify["window"])
        r.fail(verify, path + ".verify", "needs series, stat and window");
      Verification v;
      v.series = r.string(verify["series"], path + ".verify.series");
      v.stat = r.string(verify["stat"], path + ".verify.stat");
      if (find_window_stat(v.stat) == nullptr) {
        r.fail(verify["stat"], path + ".verify.stat", "expected " + window_stat_names());
      }
      v.window = r.duration(verify["window"], path + ".verify.window");
      if (verify["worse_by"])
        v.worse_by = read_step(r, verify["worse_by"], path + ".verify.worse_by")->amount / 100;
      if (verify["higher_is_worse"])
        v.higher_is_worse = r.boolean(verify["higher_is_worse"], path + ".verify.higher_is_worse");
      p.verification = v;
    }
    if (n["status"]) config.statuses[p.name] = read_status(r, n["status"], path + ".status", p);
    if (n["rollout"]) {
      if (!n["actuator"])
        r.fail(n["rollout"], path + ".rollout",
               "a rollout needs the parameter's own actuator: where the value goes when promoted");
      config.rollouts[p.name] =
          read_rollout(r, n["rollout"], path + ".rollout", p, config.engine.tick,
                       config.telemetry.windows.resolutions.back().horizon());
      const auto& own = config.actuators[p.name];
      const RolloutConfig& rollout = config.rollouts[p.name];
      for (const auto& [key, a] :
           {std::pair<const char*, const ActuatorConfig*>{"canary", &rollout.canary},
            std::pair<const char*, const ActuatorConfig*>{"weight", &rollout.weight}}) {
        if (own.type == "file" && a->type == "file" && same_file(own.path, a->path))
          r.fail(n["rollout"][key], path + ".rollout." + key,
                 "writes the parameter's own file (" + own.path +
                     "): each file actuator keeps that file's versions and would undo the "
                     "other's writes; give the canary its own file");
      }
    }
    if (n["sliding_bounds"]) {
      config.sliding_bounds[p.name] = read_sliding_bounds(
          r, n["sliding_bounds"], path + ".sliding_bounds", p, config.autopilot);
    }
    config.parameters.push_back(std::move(p));
  }
}

void read_actions(const YamlReader& r, const YAML::Node& node, Config& config) {
  if (!node.IsMap()) r.fail(node, "actions", "expected a mapping of action names");
  for (const auto& entry : node) {
    ActionSpec a;
    a.name = entry.first.as<std::string>();
    const YAML::Node& n = entry.second;
    const std::string path = "actions." + a.name;
    r.keys(n, path,
           {"args", "cooldown", "cooldown_key", "max_per_hour", "undo_after", "undo_action",
            "policies", "mode", "actuator"});
    std::vector<std::string> names;
    if (const auto args = n["args"]) {
      if (!args.IsMap()) r.fail(args, path + ".args", "expected a mapping of argument names");
      for (const auto& arg_entry : args) {
        ActionArg arg;
        arg.name = arg_entry.first.as<std::string>();
        const std::string at = path + ".args." + arg.name;
        const YAML::Node& an = arg_entry.second;
        r.keys(an, at, {"type", "allowed", "min", "max", "required"});
        const std::string type = an["type"] ? r.string(an["type"], at + ".type") : "string";
        if (type == "string") {
          // Never free text: a string argument names the values it may take.
          if (!an["allowed"])
            r.fail(an, at, "a string argument needs allowed: the only values it may take");
          arg.allowed = r.strings(an["allowed"], at + ".allowed");
        } else if (type == "int" || type == "number") {
          arg.type = type == "int" ? ActionArg::Type::kInt : ActionArg::Type::kNumber;
          if (!an["min"] || !an["max"]) r.fail(an, at, "a numeric argument needs min and max");
          arg.min = r.number(an["min"], at + ".min");
          arg.max = r.number(an["max"], at + ".max");
          if (arg.min > arg.max) r.fail(an["min"], at, "min is greater than max");
        } else if (type == "bool") {
          arg.type = ActionArg::Type::kBool;
        } else {
          r.fail(an["type"], at + ".type", "expected string, int, number or bool");
        }
        if (an["required"]) arg.required = r.boolean(an["required"], at + ".required");
        names.push_back(arg.name);
        a.args.push_back(std::move(arg));
      }
    }
    if (n["cooldown"]) a.cooldown = r.duration(n["cooldown"], path + ".cooldown");
    if (n["cooldown_key"]) {
      a.cooldown_key = r.string(n["cooldown_key"], path + ".cooldown_key");
      if (std::find(names.begin(), names.end(), a.cooldown_key) == names.end()) {
        r.fail(n["cooldown_key"], path + ".cooldown_key",
               "\"" + a.cooldown_key + "\" is not one of its arguments");
      }
    }
    if (n["max_per_hour"])
      a.max_per_hour = static_cast<std::uint32_t>(
          r.integer(n["max_per_hour"], path + ".max_per_hour", 0, 100'000));
    if (n["undo_after"]) a.undo_after = r.duration(n["undo_after"], path + ".undo_after");
    if (n["undo_action"]) a.undo_action = r.string(n["undo_action"], path + ".undo_action");
    if ((a.undo_after > 0) != !a.undo_action.empty())
      r.fail(n, path, "undo_after and undo_action go together");
    if (!n["policies"]) r.fail(n, path, "needs policies: the policies allowed to ask for it");
    a.policies = r.strings(n["policies"], path + ".policies");
    config.grant_places[a.name] = r.place(n["policies"]);
    if (n["mode"]) config.target_modes[a.name] = read_mode(r, n["mode"], path + ".mode");
    if (n["actuator"]) {
      const ActuatorConfig act = read_actuator(r, n["actuator"], path + ".actuator", names);
      a.actuator = act.type;
      config.actuators[a.name] = act;
    }
    config.actions.push_back(std::move(a));
  }
}

}  // namespace setpoint::runner
