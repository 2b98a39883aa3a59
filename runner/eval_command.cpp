#include "eval_command.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "setpoint/bindings/policy_state.hpp"
#include "setpoint/duration.hpp"
#include "setpoint/timestamp.hpp"

namespace setpoint::runner {
namespace {

using nlohmann::json;

struct FixtureError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FixtureError(path + ": cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

double number_in(const json& stats, const char* field, const std::string& where) {
  if (!stats.contains(field)) return std::nan("");
  if (!stats[field].is_number()) throw FixtureError(where + "." + field + ": expected a number");
  return stats[field].get<double>();
}

WindowStats stats_from(const json& j, const OutcomeSet& outcomes, const std::string& where) {
  if (!j.is_object()) throw FixtureError(where + ": expected an object of statistics");
  WindowStats s;
  const double count = number_in(j, "count", where);
  s.count = std::isnan(count) ? 0 : static_cast<std::uint64_t>(count);
  s.error_rate = std::isnan(number_in(j, "error_rate", where)) ? 0 : number_in(j, "error_rate", where);
  s.success_rate = j.contains("success_rate") ? number_in(j, "success_rate", where) : (s.count ? 1 - s.error_rate : 0);
  s.rate_per_s = std::isnan(number_in(j, "rate", where)) ? 0 : number_in(j, "rate", where);
  s.p50 = number_in(j, "p50", where);
  s.p90 = number_in(j, "p90", where);
  s.p95 = number_in(j, "p95", where);
  s.p99 = number_in(j, "p99", where);
  s.mean = number_in(j, "mean", where);
  s.min = number_in(j, "min", where);
  s.max = number_in(j, "max", where);
  s.sum = std::isnan(number_in(j, "sum", where)) ? 0 : number_in(j, "sum", where);
  if (j.contains("outcomes")) {
    if (!j["outcomes"].is_object()) throw FixtureError(where + ".outcomes: expected an object");
    for (const auto& [name, n] : j["outcomes"].items()) {
      const auto index = outcomes.find(name);
      if (!index) throw FixtureError(where + ".outcomes." + name + ": not an outcome");
      if (!n.is_number_unsigned()) throw FixtureError(where + ".outcomes." + name + ": expected a count");
      s.outcomes[*index] = n.get<std::uint64_t>();
    }
  }
  return s;
}

json value_json(const ProposedValue& v) {
  if (const auto* d = std::get_if<double>(&v)) {
    if (std::floor(*d) == *d && std::abs(*d) < 9.007199254740992e15) return static_cast<std::int64_t>(*d);
    return *d;
  }
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  return std::get<std::string>(v);
}

}  // namespace

int run_eval(const EvalArgs& args) {
  json fixture;
  std::string source;
  try {
    source = read_text(args.policy);
    fixture = json::parse(read_text(args.fixture), nullptr, false);
    if (fixture.is_discarded() || !fixture.is_object()) throw FixtureError(args.fixture + ": not a JSON object");
    for (const auto& [key, _] : fixture.items()) {
      if (key != "now" && key != "windows" && key != "params" && key != "state") {
        throw FixtureError(args.fixture + ": unknown key \"" + key + "\" (expected now, windows, params, state)");
      }
    }
  } catch (const FixtureError& e) {
    std::cerr << "setpoint eval: " << e.what() << "\n";
    return 2;
  }

  OutcomeSet outcomes;
  Nanos now = 0;
  if (fixture.contains("now")) {
    const auto parsed = fixture["now"].is_string() ? parse_rfc3339(fixture["now"].get<std::string>()) : std::nullopt;
    if (!parsed) {
      std::cerr << "setpoint eval: " << args.fixture << ": now: expected an RFC 3339 time\n";
      return 2;
    }
    now = *parsed;
  }
  // Windows by series key, then by span ("1m", or "*" for any span).
  std::map<std::string, std::map<std::string, WindowStats>> windows;
  std::map<std::string, ProposedValue> params;
  try {
    // Named, not iterated as temporaries: value() returns a copy that must outlive the loop.
    const json all_windows = fixture.value("windows", json::object());
    const json all_params = fixture.value("params", json::object());
    if (!all_windows.is_object()) throw FixtureError(args.fixture + ": windows: expected an object of series keys");
    if (!all_params.is_object()) throw FixtureError(args.fixture + ": params: expected an object of parameter values");
    for (const auto& [key, spans] : all_windows.items()) {
      if (!spans.is_object()) throw FixtureError(args.fixture + ": windows." + key + ": expected spans like {\"1m\": {...}}");
      for (const auto& [span, stats] : spans.items()) {
        if (span != "*" && !parse_duration(span)) throw FixtureError(args.fixture + ": windows." + key + "." + span + ": not a span like 1m");
        windows[key][span == "*" ? span : format_duration(*parse_duration(span))] =
            stats_from(stats, outcomes, args.fixture + ": windows." + key + "." + span);
      }
    }
    for (const auto& [name, value] : all_params.items()) {
      if (value.is_number()) params[name] = value.get<double>();
      else if (value.is_boolean()) params[name] = value.get<bool>();
      else if (value.is_string()) params[name] = value.get<std::string>();
      else throw FixtureError(args.fixture + ": params." + name + ": expected a number, boolean or string");
    }
  } catch (const FixtureError& e) {
    std::cerr << "setpoint eval: " << e.what() << "\n";
    return 2;
  }

  bindings::PolicyInputs inputs;
  inputs.outcomes = &outcomes;
  inputs.now = now;
  inputs.window = [&](const std::string& key, Nanos span) -> std::optional<WindowStats> {
    if (span <= 0) return std::nullopt;
    const auto series = windows.find(key);
    if (series == windows.end()) return WindowStats{};
    if (const auto it = series->second.find(format_duration(span)); it != series->second.end()) return it->second;
    if (const auto it = series->second.find("*"); it != series->second.end()) return it->second;
    return WindowStats{};
  };
  inputs.param = [&](const std::string& name) -> std::optional<ProposedValue> {
    const auto it = params.find(name);
    if (it == params.end()) return std::nullopt;
    return it->second;
  };

  const std::string stdlib_dir = args.stdlib.empty() ? SETPOINT_STDLIB_DIR : args.stdlib;
  auto stdlib = bindings::load_stdlib(stdlib_dir);
  if (auto* error = std::get_if<std::string>(&stdlib)) {
    std::cerr << "setpoint eval: " << *error << "\n";
    return 2;
  }
  SystemClock clock;
  const std::string name = std::filesystem::path(args.policy).stem().string();
  bindings::PolicyState state(name, {}, clock, &std::get<bindings::Stdlib>(stdlib));
  std::string error;
  if (fixture.contains("state") && !state.restore_state(fixture["state"].dump(), error)) {
    std::cerr << "setpoint eval: " << args.fixture << ": state: " << error << "\n";
    return 2;
  }
  bindings::PolicyOutputs out;
  bindings::RunResult result = state.load(source, std::filesystem::path(args.policy).filename().string());
  if (result.ok()) result = state.evaluate(inputs, out);
  if (!result.ok()) {
    std::cerr << "setpoint eval: " << result.message << " (" << bindings::failure_name(result.failure) << ")\n";
    return 1;
  }
  const auto kept = state.save_state(error);
  if (!kept) {
    std::cerr << "setpoint eval: " << error << "\n";
    return 1;
  }

  if (args.json) {
    json proposals = json::array();
    for (const auto& p : out.proposals) {
      json item = {{"kind", p.kind == Proposal::Kind::kSet ? "set" : "act"}, {"target", p.target}, {"reason", p.reason}};
      if (p.kind == Proposal::Kind::kSet) {
        item["value"] = value_json(p.value);
      } else {
        item["args"] = json::object();
        for (const auto& [k, v] : p.args) item["args"][k] = value_json(v);
      }
      proposals.push_back(std::move(item));
    }
    std::cout << json{{"policy", name}, {"proposals", proposals}, {"alerts", out.alerts}, {"logs", out.logs},
                      {"evidence", json::parse(out.evidence)}, {"state", json::parse(*kept)}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::cout << "policy " << name << ": " << out.proposals.size() << " proposal" << (out.proposals.size() == 1 ? "" : "s") << "\n";
  for (const auto& p : out.proposals) {
    if (p.kind == Proposal::Kind::kSet) {
      std::cout << "  set " << p.target << " = " << value_json(p.value).dump();
    } else {
      json a = json::object();
      for (const auto& [k, v] : p.args) a[k] = value_json(v);
      std::cout << "  act " << p.target << " " << a.dump();
    }
    std::cout << (p.reason.empty() ? "" : "  (" + p.reason + ")") << "\n";
  }
  for (const auto& a : out.alerts) std::cout << "  alert: " << a << "\n";
  for (const auto& l : out.logs) std::cout << "  log: " << l << "\n";
  std::cout << "  state: " << *kept << "\n";
  return 0;
}

}  // namespace setpoint::runner
