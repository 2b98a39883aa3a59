#include "commands/simulate_command.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <functional>
#include <iostream>

#include "setpoint/base/json_document.hpp"
#include "simulator/canary_simulation.hpp"
#include "simulator/figures.hpp"
#include "simulator/scenario.hpp"
#include "simulator/simulation.hpp"
#include "simulator/slow_simulation.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

// "at 31 s off, at 91 s on", and how soon after each surge it went off.
void print_rule(const json& rule) {
  std::string changes;
  for (const auto& c : rule["changes"]) {
    changes += (changes.empty() ? "" : ", ") + std::string("at ") + dump(c["at_s"]) + " s " +
               (c["enabled"].get<bool>() ? "on" : "off");
  }
  std::string surges;
  for (const auto& x : rule["surges"]) {
    surges +=
        (surges.empty() ? "" : ", ") + dump(x["at_s"]) + " s (off " +
        (x["disabled_after_ticks"].is_null() ? std::string("never")
                                             : dump(x["disabled_after_ticks"]) + " ticks later") +
        ")";
  }
  std::cout << "  rule " << rule["name"].get<std::string>() << ": "
            << (changes.empty() ? "never switched" : changes)
            << (surges.empty() ? "" : "; surges at " + surges) << "\n";
}

void print_releases(const json& r) {
  const auto at = [&](const char* key) {
    return r[key].is_null() ? std::string("-") : dump(r[key]) + " s";
  };
  std::cout << "  releases: " << r["released"] << " out, " << r["released_while_burning"]
            << " during the fast burn (" << at("burn_started_s") << " to " << at("burn_fell_s")
            << "); frozen " << at("frozen_s") << " to " << at("unfrozen_s") << "\n";
}

void print_result(const json& r) {
  std::cout << r["scenario"].get<std::string>() << "\n";
  for (const auto& p : r["phases"]) {
    std::string converged = p["converged"].get<bool>()
                                ? "converged in " + dump(p["converge_ticks"]) + " ticks"
                                : "did not converge";
    if (p["recover_ticks"] != p["converge_ticks"]) {
      converged += p["recover_ticks"].is_null()
                       ? " (goodput never back)"
                       : " (goodput back in " + dump(p["recover_ticks"]) + ")";
    }
    std::printf(
        "  %5.0f-%-5.0fs offered %6.0f/s capacity %6.0f/s: goodput %5.1f %% of servable, p99 %6.0f "
        "ms, %s, knob %g..%g\n",
        p["from_s"].get<double>(), p["to_s"].get<double>(), p.value("offered_rps", 0.0),
        p.value("capacity_rps", 0.0), p.value("goodput_ratio", 0.0) * 100, p.value("p99_ms", 0.0),
        converged.c_str(), p.value("knob_min", 0.0), p.value("knob_max", 0.0));
    if (p.value("retry_ratio", 0.0) > 0)
      std::printf("               retries %.1f %% of new requests\n",
                  p["retry_ratio"].get<double>() * 100);
    if (p.contains("critical_refused")) {
      std::printf(
          "               critical: goodput %.1f %%, refused %.2f %%; low priority shed %.1f %%\n",
          p["critical_goodput_ratio"].get<double>() * 100,
          p["critical_refused"].get<double>() * 100, p["low_shed"].get<double>() * 100);
    }
  }
  for (const auto& rule : r.value("rules", json::array())) print_rule(rule);
  if (r.contains("releases")) print_releases(r["releases"]);
  std::cout << "  proposals: " << r["actions"]["proposals"]
            << "; applied: " << r["actions"]["applied"]
            << "; blocked: " << dump(r["actions"]["blocked"])
            << "; rolled back: " << r["actions"]["rolled_back"] << "\n";
  for (const auto& c : r["status"])
    std::cout << "  status: " << c["service"].get<std::string>() << " told "
              << c["state"].get<std::string>() << " at " << c["at_s"] << " s\n";
  std::cout << "  invariant violations: " << dump(r["invariant_violations"]) << "\n";
  for (const auto& f : r["failures"]) std::cout << "  NOT MET: " << f.get<std::string>() << "\n";
  if (r["failures"].empty()) std::cout << "  expectations met\n";
}

// A slow scenario's figures for a person: the cycles, the bounds, rollbacks and pauses.
void print_slow(const json& f) {
  std::cout << f["scenario"].get<std::string>() << ": " << dump(f["days"]) << " days in "
            << dump(f["wall_seconds"]) << " s\n";
  std::cout << "  cycles: " << dump(f["cycles"]["total"]) << " " << dump(f["cycles"]["by_status"])
            << "\n";
  for (const auto& [name, b] : f["bounds"].items()) {
    std::cout << "  " << name << " operating " << dump(b["start"]) << " -> " << dump(b["end"])
              << ": widened " << b["widened"].size() << " time(s), narrowed "
              << b["narrowed"].size()
              << (b["frozen"].empty() ? "" : ", frozen on day " + dump(b["frozen"][0]["day"]))
              << "\n";
  }
  for (const auto& r : f["rollbacks"])
    std::cout << "  rolled back on day " << dump(r["day"]) << ": " << r["target"].get<std::string>()
              << ": " << r["detail"].get<std::string>() << "\n";
  for (const auto& p : f["drift_pauses"])
    std::cout << "  drift monitor: " << p["kind"].get<std::string>() << " on day " << dump(p["day"])
              << ", paused " << p["pause"].get<std::string>() << "\n";
  std::cout << "  steps outside the bounds: " << dump(f["out_of_bounds"]) << "\n";
  for (const auto& x : f["failures"]) std::cout << "  NOT MET: " << x.get<std::string>() << "\n";
  if (f["failures"].empty()) std::cout << "  expectations met\n";
}

void print_canary(const json& f) {
  std::cout << f["scenario"].get<std::string>() << "\n";
  std::cout << "  " << dump(f["canary_runs"]) << " canary run(s): " << dump(f["outcomes"]) << "\n";
  const json& first = f["first_run"];
  if (first.contains("rollout") && first["rollout"].is_object()) {
    const json& r = first["rollout"];
    std::cout << "  first run: " << r.value("status", "") << " after "
              << dump(first["ended_after_s"]) << " s: " << r.value("reason", "") << "\n";
  }
  if (f.contains("false_rollbacks")) {
    std::printf(
        "  false rollbacks: %d (%.2f %%, configured %.1f %%); a fixed-horizon test at "
        "every look: %d (%.2f %%)\n",
        f["false_rollbacks"].get<int>(), 100 * f["false_rollback_rate"].get<double>(),
        100 * f["false_rollback_rate_configured"].get<double>(),
        f["fixed_horizon_false_rollbacks"].get<int>(),
        100 * f["fixed_horizon_false_rollback_rate"].get<double>());
  }
  for (const auto& x : f["failures"]) std::cout << "  NOT MET: " << x.get<std::string>() << "\n";
  if (f["failures"].empty()) std::cout << "  expectations met\n";
}

// A slow or canary scenario: loaded, run, its figures printed; exit 1 when one is not met.
template <typename Scenario>
int run_figures(const SimulateArgs& args, const Result<Scenario>& loaded,
                const std::function<Result<std::string>(const Scenario&)>& simulate,
                void (*print)(const json&)) {
  if (!loaded) {
    std::cerr << "setpoint simulate: " << loaded.error() << "\n";
    return 2;
  }
  const auto figures = simulate(*loaded);
  if (!figures) {
    std::cerr << "setpoint simulate: " << figures.error() << "\n";
    return 2;
  }
  const json f = parse_own_json(*figures);
  if (args.json)
    std::cout << *figures << "\n";
  else
    print(f);
  return f["failures"].empty() ? 0 : 1;
}

}  // namespace

int run_simulate(const SimulateArgs& args) {
  // The figures are what stdout is for (--json is read by machines); what the engine logs
  // on the way (the autopilot's alerts, a policy's errors) goes to stderr.
  if (!spdlog::get("simulate")) spdlog::set_default_logger(spdlog::stderr_color_mt("simulate"));
  if (is_slow_scenario(args.scenario)) {
    return run_figures<SlowScenario>(
        args, load_slow_scenario(args.scenario),
        [&](const SlowScenario& s) {
          return simulate_slow(s, SlowOptions{args.stdlib, args.state});
        },
        print_slow);
  }
  if (is_canary_scenario(args.scenario)) {
    if (!args.state.empty()) {
      std::cerr << "setpoint simulate: --state is for slow scenarios: a canary run keeps no "
                   "store\n";
      return 2;
    }
    return run_figures<CanaryScenario>(
        args, load_canary_scenario(args.scenario),
        [&](const CanaryScenario& s) { return simulate_canary(s, args.stdlib); }, print_canary);
  }
  if (!args.state.empty()) {
    std::cerr << "setpoint simulate: --state is for slow scenarios (a slow_service section): "
                 "a fast one keeps no store\n";
    return 2;
  }
  auto loaded = load_scenario(args.scenario);
  if (!loaded) {
    std::cerr << "setpoint simulate: " << loaded.error() << "\n";
    return 2;
  }
  const Scenario s = std::move(loaded).value();
  auto trace = simulate(s, SimulationOptions{args.stdlib});
  if (!trace) {
    std::cerr << "setpoint simulate: " << trace.error() << "\n";
    return 2;
  }
  const json result = figures(s, trace.value());
  if (args.json)
    std::cout << dump(result) << "\n";
  else
    print_result(result);
  return result["expectations_met"].get<bool>() ? 0 : 1;
}

}  // namespace setpoint::runner
