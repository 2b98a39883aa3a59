#include "simulator/figures.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <set>

#include "setpoint/base/json_document.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

double secs(Nanos t) { return static_cast<double>(t) / kNanosPerSecond; }
int ticks(Nanos span, Nanos tick) { return static_cast<int>((span + tick - 1) / tick); }

// What a phase must show: its own expectations (which include those for every phase), or
// those for every phase.
const PhaseExpectations& expectations_for(const Scenario& s, Nanos from) {
  const auto it = s.expect.phases.find(from);
  return it == s.expect.phases.end() ? s.expect.every_phase : it->second;
}

double ratio(double part, double whole, double otherwise) {
  return whole > 0 ? part / whole : otherwise;
}

// The first step from which `holds` holds to the phase's end; in.size() if none.
template <typename Holds>
std::size_t first_holding(const std::vector<Sample>& in, const Holds& holds) {
  std::size_t first = in.size();
  for (std::size_t i = in.size(); i-- > 0 && holds(in[i]);) first = i;
  return first;
}

// When the phase recovered (every step from then on serves what the phase expects of what
// could be served, 90 % unless it says otherwise) and when it converged (that, within the SLO,
// with the knob settled: within 10 % of where it ends up, its mean over the second half).
std::pair<std::size_t, std::size_t> recovered_and_converged(const Scenario& s,
                                                            const std::vector<Sample>& in,
                                                            Nanos from) {
  const double goodput_min = expectations_for(s, from).goodput_ratio_min.value_or(0.9);
  double settled = 0;
  for (std::size_t i = in.size() / 2; i < in.size(); ++i) settled += in[i].knob;
  settled /= static_cast<double>(in.size() - in.size() / 2);
  const auto serving = [&](const Sample& x) {
    return x.goodput >= goodput_min * std::min(x.offered, x.capacity);
  };
  const auto good = [&](const Sample& x) {
    return serving(x) && (s.slo_p99_ms <= 0 || x.p99_ms <= s.slo_p99_ms) &&
           std::abs(x.knob - settled) <= 0.1 * std::abs(settled);
  };
  return {first_holding(in, serving), first_holding(in, good)};
}

// The figures from step `first` on: how well it serves, how the knob holds.
void add_settled_figures(const std::vector<Sample>& in, std::size_t first, json& out) {
  double goodput = 0, servable = 0, p99 = 0, p99_sum = 0, lo = 1e300, hi = -1e300, sum = 0;
  double critical_goodput = 0, critical_offered = 0, shed = 0, low_offered = 0;
  int changes = 0, direction = 0;
  for (std::size_t i = first; i < in.size(); ++i) {
    goodput += in[i].goodput;
    servable += std::min(in[i].offered, in[i].capacity);
    p99 = std::max(p99, in[i].p99_ms);
    p99_sum += in[i].p99_ms;
    lo = std::min(lo, in[i].knob);
    hi = std::max(hi, in[i].knob);
    sum += in[i].knob;
    critical_goodput += in[i].critical_goodput;
    critical_offered += in[i].critical_offered;
    shed += in[i].shed;
    low_offered += in[i].low_offered;
    if (i > first && in[i].knob != in[i - 1].knob) {
      const int d = in[i].knob > in[i - 1].knob ? 1 : -1;
      if (direction != 0 && d != direction) ++changes;
      direction = d;
    }
  }
  const double n = static_cast<double>(in.size() - first);
  out["goodput_ratio"] = ratio(goodput, servable, 1.0);
  out["p99_ms"] = p99;
  out["knob_min"] = lo;
  out["knob_max"] = hi;
  // Half the peak-to-peak swing, relative to the mean: the usual amplitude.
  out["amplitude"] = sum > 0 ? (hi - lo) / 2 / (sum / n) : 0.0;
  out["knob_over_p99"] = ratio(sum, p99_sum, 0.0);
  out["direction_changes"] = changes;
  if (critical_offered > 0) {
    out["critical_goodput_ratio"] = ratio(critical_goodput, critical_offered, 1.0);
    out["low_shed"] = ratio(shed, low_offered, 0.0);
  }
}

// The figures over the whole phase: what the clients retried and what critical work was
// refused count from the first moment, reaction time included.
void add_whole_phase_figures(const std::vector<Sample>& in, json& out) {
  double retries = 0, offered = 0, critical_refused = 0, critical_all = 0;
  for (const auto& x : in) {
    retries += x.retries;
    offered += x.offered;
    critical_refused += x.critical_refused;
    critical_all += x.critical_offered;
  }
  out["retry_ratio"] = ratio(retries, offered, 0.0);
  if (critical_all > 0) out["critical_refused"] = ratio(critical_refused, critical_all, 0.0);
}

// The phase's samples by engine tick — what the policies act on, and a unit that does not
// depend on the model's step: flows averaged, p99 the worst step's, the knob where the tick
// left it.
std::vector<Sample> by_tick(const std::vector<Sample>& samples, Nanos from, Nanos to, Nanos tick) {
  std::vector<Sample> ticks;
  std::vector<int> steps;
  for (const auto& x : samples) {
    if (x.t < from || x.t >= to) continue;
    const auto i = static_cast<std::size_t>((x.t - from) / tick);
    if (i >= ticks.size()) {
      ticks.resize(i + 1);
      steps.resize(i + 1);
    }
    Sample& t = ticks[i];
    if (steps[i]++ == 0) t.t = from + static_cast<Nanos>(i) * tick;
    t.offered += x.offered;
    t.capacity += x.capacity;
    t.goodput += x.goodput;
    t.p99_ms = std::max(t.p99_ms, x.p99_ms);
    t.knob = x.knob;
    t.retries += x.retries;
    t.critical_offered += x.critical_offered;
    t.critical_goodput += x.critical_goodput;
    t.critical_refused += x.critical_refused;
    t.low_offered += x.low_offered;
    t.shed += x.shed;
  }
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    const double n = std::max(1, steps[i]);
    for (double* rate : {&ticks[i].offered, &ticks[i].capacity, &ticks[i].goodput,
                         &ticks[i].retries, &ticks[i].critical_offered, &ticks[i].critical_goodput,
                         &ticks[i].critical_refused, &ticks[i].low_offered, &ticks[i].shed}) {
      *rate /= n;
    }
  }
  return ticks;
}

// The figures of one phase (a stretch where the schedules stay put).
json phase_figures(const Scenario& s, const Trace& trace, Nanos from, Nanos to) {
  const std::vector<Sample> in = by_tick(trace.samples, from, to, trace.tick);
  json out{{"from_s", secs(from)}, {"to_s", secs(to)}};
  out["changes"] = std::count_if(trace.applied.begin(), trace.applied.end(),
                                 [&](const Applied& a) { return a.at >= from && a.at < to; });
  if (in.empty()) return out;
  out["offered_rps"] = in.front().offered;
  out["capacity_rps"] = in.front().capacity;
  const auto [recovered, converged] = recovered_and_converged(s, in, from);
  const auto ticks_to = [&](std::size_t i) { return i < in.size() ? json(i) : json(nullptr); };
  out["converged"] = converged < in.size();
  out["converge_ticks"] = ticks_to(converged);
  out["recover_ticks"] = ticks_to(recovered);
  // After convergence, or over the phase's second half if it never converged.
  add_settled_figures(in, converged < in.size() ? converged : in.size() / 2, out);
  add_whole_phase_figures(in, out);
  return out;
}

// The phases: the stretches between changes of any schedule of the service.
json all_phases(const Scenario& s, const Trace& trace) {
  std::set<Nanos> cuts{0, s.duration};
  for (const auto* points : {&s.arrivals, &s.capacity, &s.base_latency, &s.error_rate}) {
    for (const auto& p : *points) cuts.insert(p.at);
  }
  json phases = json::array();
  for (auto it = cuts.begin(); std::next(it) != cuts.end() && *it < s.duration; ++it) {
    phases.push_back(phase_figures(s, trace, *it, std::min(*std::next(it), s.duration)));
  }
  return phases;
}

void check_phase(const Scenario& s, const json& p, std::vector<std::string>& failures) {
  const Nanos from = static_cast<Nanos>(std::llround(p["from_s"].get<double>() * kNanosPerSecond));
  const PhaseExpectations& e = expectations_for(s, from);
  const std::string at = "phase from " + dump(p["from_s"]) + " s: ";
  const auto below = [&](const char* figure, const std::optional<double>& least, const char* what) {
    if (least && p.value(figure, 0.0) < *least)
      failures.push_back(at + what + " " + dump(p[figure]) + " < " + std::to_string(*least));
  };
  const auto above = [&](const char* figure, const std::optional<double>& most, const char* what) {
    if (most && p.value(figure, 0.0) > *most)
      failures.push_back(at + what + " " + dump(p[figure]) + " > " + std::to_string(*most));
  };
  below("goodput_ratio", e.goodput_ratio_min, "goodput ratio");
  if (e.converge_ticks_max &&
      (p["converge_ticks"].is_null() || p["converge_ticks"].get<int>() > *e.converge_ticks_max)) {
    failures.push_back(at + "converged in " + dump(p["converge_ticks"]) + " ticks, more than " +
                       std::to_string(*e.converge_ticks_max));
  }
  if (e.recover_ticks_max &&
      (p["recover_ticks"].is_null() || p["recover_ticks"].get<int>() > *e.recover_ticks_max)) {
    failures.push_back(at + "goodput back in " + dump(p["recover_ticks"]) + " ticks, more than " +
                       std::to_string(*e.recover_ticks_max));
  }
  above("amplitude", e.amplitude_max, "oscillation amplitude");
  below("knob_over_p99", e.knob_over_p99_min, "the knob over p99 is");
  above("knob_over_p99", e.knob_over_p99_max, "the knob over p99 is");
  if (e.p99_within_slo.value_or(false) && p.value("p99_ms", 0.0) > s.slo_p99_ms) {
    failures.push_back(at + "p99 " + dump(p["p99_ms"]) + " ms over the SLO of " +
                       std::to_string(s.slo_p99_ms) + " ms");
  }
  above("retry_ratio", e.retry_ratio_max, "retries over new requests");
  below("critical_goodput_ratio", e.critical_goodput_ratio_min, "critical goodput ratio");
  above("critical_refused", e.critical_refused_max, "critical work refused");
  below("low_shed", e.low_shed_min, "low-priority work shed");
  const auto count = [](const std::optional<int>& n) {
    return n ? std::optional<double>(*n) : std::nullopt;
  };
  below("changes", count(e.changes_min), "changes applied");
  above("changes", count(e.changes_max), "changes applied");
}

// Each rule's switches, how fast it was disabled after each surge (its violations rising past
// 3× in the schedule), and the shortest time between two of its disables.
json rule_figures(const Scenario& s, const Trace& trace, std::vector<std::string>& failures) {
  json rules = json::array();
  for (const auto& rule : s.rules) {
    json changes = json::array();
    std::vector<Nanos> disables;
    bool enabled = true;
    for (const auto& c : trace.switches) {
      if (c.what != rule.name) continue;
      changes.push_back({{"at_s", secs(c.at)}, {"enabled", c.on}});
      if (!c.on) disables.push_back(c.at);
      enabled = c.on;
    }
    json surges = json::array();
    for (std::size_t i = 1; i < rule.rate.size(); ++i) {
      if (rule.rate[i].value < 3 * rule.rate[i - 1].value) continue;
      const auto d = std::find_if(disables.begin(), disables.end(),
                                  [&](Nanos at) { return at >= rule.rate[i].at; });
      const json after =
          d == disables.end() ? json(nullptr) : json(ticks(*d - rule.rate[i].at, trace.tick));
      surges.push_back({{"at_s", secs(rule.rate[i].at)}, {"disabled_after_ticks", after}});
      const auto& most = s.expect.rule_disable_ticks_max;
      if (most && (after.is_null() || after.get<int>() > *most)) {
        failures.push_back("rule " + rule.name + ": the surge at " +
                           std::to_string(secs(rule.rate[i].at)) + " s disabled after " +
                           dump(after) + " ticks, more than " + std::to_string(*most));
      }
    }
    Nanos gap = 0;
    for (std::size_t i = 1; i < disables.size(); ++i)
      gap = i == 1 ? disables[1] - disables[0] : std::min(gap, disables[i] - disables[i - 1]);
    const json min_gap = disables.size() < 2 ? json(nullptr) : json(secs(gap));
    if (s.expect.rule_min_disable_gap && disables.size() >= 2 &&
        gap < *s.expect.rule_min_disable_gap) {
      failures.push_back("rule " + rule.name + ": disabled twice within " +
                         std::to_string(secs(gap)) + " s, less than the cooldown");
    }
    if (s.expect.rules_end_enabled && !enabled)
      failures.push_back("rule " + rule.name + ": still disabled at the end");
    rules.push_back({{"name", rule.name},
                     {"changes", changes},
                     {"surges", surges},
                     {"min_disable_gap_s", min_gap},
                     {"ends_enabled", enabled}});
  }
  return rules;
}

// When the service burned its error budget fast: the error rate over the SLO's burn window,
// over what the SLO allows, past the burn factor. The first such stretch: [start, fell).
std::pair<std::optional<Nanos>, std::optional<Nanos>> fast_burn(const Scenario& s,
                                                                const Trace& trace) {
  std::deque<const Sample*> window;
  double requests = 0, failures = 0;
  std::optional<Nanos> started;
  for (const auto& x : trace.samples) {
    window.push_back(&x);
    requests += x.requests;
    failures += x.failures;
    while (window.front()->t <= x.t - s.burn_window) {
      requests -= window.front()->requests;
      failures -= window.front()->failures;
      window.pop_front();
    }
    const bool burning =
        requests > 0 && failures / requests / (1 - s.slo_availability) > s.burn_factor;
    if (burning && !started) started = x.t;
    if (!burning && started) return {started, x.t};
  }
  return {started, std::nullopt};
}

json release_figures(const Scenario& s, const Trace& trace, std::vector<std::string>& failures) {
  const auto [burn, fell] = fast_burn(s, trace);
  std::optional<Nanos> frozen, thawed;
  for (const auto& c : trace.switches) {
    if (c.what != "releases" || !burn) continue;
    if (c.on && !frozen && c.at >= *burn) frozen = c.at;
    if (!c.on && frozen && !thawed) thawed = c.at;
  }
  // Releases that went out during the burn, after the freeze was due.
  const Nanos due = burn ? *burn + s.expect.freeze_ticks_max.value_or(0) * trace.tick : 0;
  int while_burning = 0;
  for (const Nanos at : trace.releases) while_burning += burn && at >= due && (!fell || at < *fell);
  const auto opt = [](const std::optional<Nanos>& t) { return t ? json(secs(*t)) : json(nullptr); };
  json out{{"released", trace.releases.size()}, {"burn_started_s", opt(burn)},
           {"burn_fell_s", opt(fell)},          {"frozen_s", opt(frozen)},
           {"unfrozen_s", opt(thawed)},         {"released_while_burning", while_burning}};
  if (s.expect.freeze_ticks_max) {
    if (!burn)
      failures.push_back("releases: the scenario never burned its error budget fast");
    else if (!frozen || ticks(*frozen - *burn, trace.tick) > *s.expect.freeze_ticks_max) {
      failures.push_back("releases: not frozen within " +
                         std::to_string(*s.expect.freeze_ticks_max) + " ticks of the fast burn");
    }
    if (while_burning > 0)
      failures.push_back("releases: " + std::to_string(while_burning) +
                         " went out while the budget burned fast");
  }
  if (s.expect.unfrozen_within && burn) {
    if (!fell || !thawed)
      failures.push_back("releases: still frozen at the end");
    else if (*thawed < *fell - trace.tick)
      failures.push_back("releases: unfrozen before the burn rate fell");
    else if (*thawed - *fell > *s.expect.unfrozen_within)
      failures.push_back("releases: unfrozen " + std::to_string(secs(*thawed - *fell)) +
                         " s after the burn rate fell");
  }
  return out;
}

}  // namespace

json figures(const Scenario& s, const Trace& trace) {
  std::vector<std::string> failures;
  const json phases = all_phases(s, trace);
  for (const auto& p : phases) {
    if (p["from_s"].get<double>() != 0) check_phase(s, p, failures);
  }
  json result{{"scenario", s.name}, {"phases", phases}};
  json changes = json::array();
  for (const auto& a : trace.applied)
    changes.push_back({{"at_s", secs(a.at)}, {"target", a.target}, {"from", a.from}, {"to", a.to}});
  result["actions"] = {{"proposals", trace.proposals},
                       {"applied", trace.applied.size()},
                       {"blocked", trace.blocked},
                       {"rolled_back", trace.rollbacks},
                       {"changes", changes}};
  json status = json::array();
  for (const auto& c : trace.status)
    status.push_back({{"at_s", secs(c.at)}, {"service", c.service}, {"state", c.state}});
  result["status"] = status;
  if (!s.rules.empty()) result["rules"] = rule_figures(s, trace, failures);
  if (s.release_every > 0) result["releases"] = release_figures(s, trace, failures);
  const json invariants{{"applied_out_of_bounds", trace.out_of_bounds},
                        {"change_inside_cooldown", trace.inside_cooldown}};
  for (const auto& [name, n] : invariants.items()) {
    if (n.get<int>() != 0) failures.push_back("invariant violated " + dump(n) + " times: " + name);
  }
  for (const auto& [reason, least] : s.expect.blocked_min) {
    const auto it = trace.blocked.find(reason);
    const auto n = it == trace.blocked.end() ? 0 : it->second;
    if (n < static_cast<std::uint64_t>(least))
      failures.push_back("blocked by " + reason + " " + std::to_string(n) + " times, fewer than " +
                         std::to_string(least));
  }
  if (trace.rollbacks < s.expect.rollbacks_min) {
    failures.push_back(std::to_string(trace.rollbacks) + " rollbacks, fewer than " +
                       std::to_string(s.expect.rollbacks_min));
  }
  if (s.expect.applied_max && static_cast<int>(trace.applied.size()) > *s.expect.applied_max) {
    failures.push_back(std::to_string(trace.applied.size()) + " changes applied, more than " +
                       std::to_string(*s.expect.applied_max));
  }
  if (s.expect.proposals_max && trace.proposals > *s.expect.proposals_max) {
    failures.push_back(std::to_string(trace.proposals) + " proposals, more than " +
                       std::to_string(*s.expect.proposals_max));
  }
  result["invariant_violations"] = invariants;
  result["expectations_met"] = failures.empty();
  result["failures"] = failures;
  return result;
}

}  // namespace setpoint::runner
