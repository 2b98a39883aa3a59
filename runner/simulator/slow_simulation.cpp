#include "simulator/slow_simulation.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <thread>

#include "engine/engine.hpp"
#include "engine/temporary_file.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;
constexpr Nanos kDay = 24 * 3600 * kNanosPerSecond;
constexpr Nanos kStart = 1'793'577'600LL * kNanosPerSecond;  // 2026-11-02T00:00:00Z, a Monday
constexpr double kPi = 3.14159265358979323846;

double day_of(Nanos at) { return static_cast<double>(at - kStart) / kDay; }
double day_of(const std::string& rfc3339) {
  const auto t = parse_rfc3339(rfc3339);
  return t ? std::round(day_of(*t) * 100) / 100 : -1;
}

// The service: its p99 at x, and the latencies of one step's requests.
struct SlowService {
  const SlowScenario& s;
  double bad_value = std::nan("");  // the value the bad day's change gave the knob
  bool bad_done = false;            // that change was undone: the injection is over

  double p99(Nanos t, double x) const {
    const double best = s.best_at(t);
    const double d = (x - best) / best;
    const bool tilted = t >= s.tilt_from && t < s.tilt_to;
    const double season = 1 + s.seasonality * std::sin(2 * kPi * day_of(kStart + t));
    const double bad = x == bad_value ? s.bad_factor : 1;
    return s.p99_ms * (1 + s.curvature * d * d + (tilted ? s.tilt * d : 0)) * season * bad;
  }
  // Latencies q^8 / 0.99^8 of the p99 for evenly spread q: their 99th percentile is the p99.
  void record(const SeriesHandle& series, Nanos at, double p99_ms) const {
    const int n = s.requests_per_step;
    for (int i = 0; i < n; ++i) {
      const double q = (i + 0.5) / n;
      series.record(at, p99_ms * std::pow(q / 0.99, 8), OutcomeSet::kOk);
    }
  }
};

// Waits for the actuator threads (answering at once) and the hourly flush at this instant.
void settle(Engine& engine) {
  while (engine.pipeline().in_flight() > 0) {
    std::this_thread::yield();
    engine.tick();
  }
  engine.settle_history();
}

json figures_of(Engine& engine, const SlowScenario& s, int out_of_bounds, double wall_s) {
  AuditStore& store = *engine.store();
  json f = {{"scenario", s.name}, {"days", static_cast<double>(s.duration) / kDay}};
  const auto cycles = store.cycles("", "", 100'000);
  json by_status = json::object();
  if (cycles) {
    for (const CycleRow& c : *cycles) by_status[c.status] = by_status.value(c.status, 0) + 1;
  }
  f["cycles"] = {{"total", cycles ? cycles->size() : 0}, {"by_status", by_status}};
  json bounds = json::object();
  for (const auto& [name, b] : engine.autopilot().bounds()) {
    json widened = json::array(), narrowed = json::array(), frozen = json::array();
    const auto r2 = [](double x) { return std::round(x * 100) / 100; };  // for people to read
    for (const auto& a : b.history()) {
      const json one = {{"day", r2(day_of(a.at))},
                        {"from", {r2(a.old_min), r2(a.old_max)}},
                        {"to", {r2(a.new_min), r2(a.new_max)}},
                        {"why", a.why}};
      if (a.kind == "widen") widened.push_back(one);
      if (a.kind == "contract") narrowed.push_back(one);
      if (a.kind == "freeze") frozen.push_back(one);
    }
    bounds[name] = {{"start", {r2(b.history().front().new_min), r2(b.history().front().new_max)}},
                    {"end", {r2(b.min()), r2(b.max())}},
                    {"widened", widened},
                    {"narrowed", narrowed},
                    {"frozen", frozen}};
  }
  f["bounds"] = bounds;
  json rollbacks = json::array(), errors_by_week = json::array();
  std::map<int, std::pair<double, int>> weeks;
  if (const auto impacts = store.impacts()) {
    for (const ImpactRow& i : *impacts) {
      if (i.worse)
        rollbacks.push_back({{"day", std::round(day_of(i.checked_at) * 100) / 100},
                             {"target", i.target},
                             {"cycle", i.cycle},
                             {"detail", i.detail}});
      if (std::isfinite(i.error)) {
        auto& w = weeks[static_cast<int>(day_of(i.checked_at) / 7)];
        w.first += i.error;
        ++w.second;
      }
    }
  }
  for (const auto& [week, w] : weeks)
    errors_by_week.push_back(
        {{"week", week + 1}, {"mean_error", w.first / w.second}, {"n", w.second}});
  f["rollbacks"] = rollbacks;
  f["prediction_error_by_week"] = errors_by_week;
  json pauses = json::array();
  if (const auto events = store.drift_events()) {
    for (const DriftEventRow& e : *events) {
      if (e.kind == "actuator") continue;
      const json action = parse_own_json(e.action);
      pauses.push_back({{"day", std::round(day_of(e.at) * 100) / 100},
                        {"kind", e.kind},
                        {"pause", action.value("pause", "")},
                        {"until_day", day_of(action.value("until", std::string()))},
                        {"metrics", parse_own_json(e.metrics)}});
    }
  }
  f["drift_pauses"] = pauses;
  f["out_of_bounds"] = out_of_bounds;
  f["wall_seconds"] = std::round(wall_s * 100) / 100;
  return f;
}

json failures_of(const json& f, const SlowScenario& s) {
  json failures = json::array();
  if (s.expect.cycles && f["cycles"]["total"] != *s.expect.cycles)
    failures.push_back("cycles: " + dump(f["cycles"]["total"]) + " recorded, expected " +
                       std::to_string(*s.expect.cycles));
  if (static_cast<int>(f["rollbacks"].size()) < s.expect.rollbacks_min)
    failures.push_back("rollbacks: " + std::to_string(f["rollbacks"].size()) +
                       ", expected at least " + std::to_string(s.expect.rollbacks_min));
  if (f["out_of_bounds"] != 0)
    failures.push_back("out_of_bounds: " + dump(f["out_of_bounds"]) + " steps outside the bounds");
  if (s.expect.bounds_widen) {
    bool widened = false;
    for (const auto& [_, b] : f["bounds"].items()) widened = widened || !b["widened"].empty();
    if (!widened) failures.push_back("bounds_widen: no operating bounds widened");
  }
  if (const auto& within = s.expect.first_drift_pause_within) {
    // The first pause in the window, none before it (later ones are its consequences: the
    // nights the model learned from in the bad week still mislead it for a while).
    const double from = static_cast<double>(within->first) / kDay;
    const double to = static_cast<double>(within->second) / kDay;
    const auto& pauses = f["drift_pauses"];
    if (pauses.empty()) {
      failures.push_back("first_drift_pause_within: the drift monitor never paused");
    } else if (const double day = pauses[0]["day"].get<double>(); day < from || day > to) {
      failures.push_back("first_drift_pause_within: the first pause is on day " +
                         dump(pauses[0]["day"]) + ", outside [" + dump(from) + ", " + dump(to) +
                         "]");
    }
  }
  return failures;
}

}  // namespace

Result<std::string> simulate_slow(const SlowScenario& s, const SlowOptions& options) {
  auto loaded = load_config(s.config);
  if (!loaded) return Error{loaded.error()};
  Config config = std::move(loaded).value();
  // A store of its own: a file given must be new or empty, so its tables hold this run alone.
  TemporaryFile temporary("setpoint-simulate-state");
  if (!options.state.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(options.state, ec) &&
        std::filesystem::file_size(options.state, ec) > 0)
      return Error{"--state " + options.state + ": exists and is not empty; give a new file"};
  }
  config.engine.state_path = options.state.empty() ? temporary.path : options.state;
  if (config.engine.state_path.empty()) return Error{"no temporary file for the state store"};
  config.engine.decision_log.clear();
  spdlog::set_level(spdlog::level::warn);
  ManualClock clock(kStart);
  SystemClock cpu;
  EngineOptions engine_options;
  engine_options.clock = &clock;
  engine_options.cpu_clock = &cpu;
  engine_options.publish = false;
  engine_options.stdlib_dir = options.stdlib;
  Engine engine(config, engine_options);
  if (const auto started = engine.start(); !started) return Error{started.error()};
  for (const auto& [file, status] : engine.folder().status()) {
    if (!status.ok) return Error{config.policies.dir + "/" + file + ": " + status.message};
  }
  const ParameterSpec* knob = engine.guard().parameter(s.knob);
  if (knob == nullptr)
    return Error{s.path + ": slow_service.knob: " + s.knob + " is not a parameter of " + s.config};

  const auto wall_started = std::chrono::steady_clock::now();
  SlowService service{s};
  const SeriesHandle series = engine.aggregator().resolve(s.metric, s.labels);
  engine.restart_schedules(kStart);
  int out_of_bounds = 0;
  for (Nanos t = 0; t < s.duration; t += s.step) {
    const double x = *engine.guard().value(s.knob);
    service.record(series, clock.wall(), service.p99(t, x));
    clock.advance(s.step);
    engine.tick();
    settle(engine);
    const double now_x = *engine.guard().value(s.knob);
    // The first change on or after the bad day: the service does badly at that value until
    // it is undone.
    if (s.bad_day >= 0 && !service.bad_done && std::isnan(service.bad_value) && now_x != x &&
        static_cast<int>((t + s.step) / kDay) >= s.bad_day)
      service.bad_value = now_x;
    if (!std::isnan(service.bad_value) && now_x != service.bad_value) {  // undone: one event
      service.bad_value = std::nan("");
      service.bad_done = true;
    }
    const auto range = engine.guard().operating_range(s.knob);
    if (now_x < knob->min || now_x > knob->max ||
        (range && (now_x < range->min - 1e-9 || now_x > range->max + 1e-9)))
      ++out_of_bounds;
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_started).count();
  json f = figures_of(engine, s, out_of_bounds, wall_s);
  f["failures"] = failures_of(f, s);
  engine.stop();
  return dump(f);
}

}  // namespace setpoint::runner
