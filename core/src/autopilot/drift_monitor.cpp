#include "setpoint/autopilot/drift_monitor.hpp"

#include <algorithm>
#include <set>

#include "setpoint/base/json_document.hpp"
#include "stored_time.hpp"

namespace setpoint::autopilot {
namespace {

constexpr std::size_t kMaxFacts = 10'000;  // a bound on what a runaway schedule can pile up

}  // namespace

void DriftMonitor::change_applied(std::int64_t decision, const std::string& parameter, Nanos at) {
  changes_.push_back({decision, parameter, at, std::nullopt, false});
  if (changes_.size() > kMaxFacts) changes_.pop_front();
}

DriftMonitor::Change* DriftMonitor::find(std::int64_t decision) {
  for (Change& c : changes_) {
    if (c.decision == decision) return &c;
  }
  return nullptr;
}

void DriftMonitor::impact_measured(std::int64_t decision, double error, Nanos at) {
  if (Change* c = find(decision)) {
    c->error = error;
    c->measured_at = at;
  }
}

void DriftMonitor::rolled_back(std::int64_t decision) {
  if (Change* c = find(decision)) c->rolled_back = true;
}

void DriftMonitor::cycle_ended(Nanos at, bool failed) {
  cycles_.emplace_back(at, failed);
  if (cycles_.size() > kMaxFacts) cycles_.pop_front();
}

Nanos DriftMonitor::counted_from(const DriftRules& rules, Nanos now) const {
  return std::max(now - rules.window, last_trip_);
}

DriftFigures DriftMonitor::figures(const DriftRules& rules, Nanos now) const {
  const Nanos from = counted_from(rules, now);
  DriftFigures f;
  double errors = 0;
  for (const Change& c : changes_) {
    if (c.error && c.measured_at > from) {
      errors += *c.error;
      ++f.measured;
    }
    if (c.at <= from) continue;
    ++f.changes;
    if (c.rolled_back) ++f.rolled_back;
  }
  if (f.measured > 0) f.mean_error = errors / static_cast<double>(f.measured);
  if (f.changes > 0) f.rollback_rate = static_cast<double>(f.rolled_back) / f.changes;
  for (auto it = cycles_.rbegin(); it != cycles_.rend() && it->first > from && it->second; ++it)
    ++f.consecutive_failures;
  return f;
}

void DriftMonitor::forget_before(Nanos t) {
  // Oldest first by when they were made; one measured since t is kept with those before it.
  while (!changes_.empty() && changes_.front().at < t && changes_.front().measured_at < t)
    changes_.pop_front();
  while (!cycles_.empty() && cycles_.front().first < t) cycles_.pop_front();
}

std::optional<DriftTrip> DriftMonitor::check(const DriftRules& rules, Nanos now) {
  // A change's impact is measured a day or more after it was made: facts are kept for two
  // windows, so a late measurement still finds its change.
  forget_before(now - 2 * rules.window);
  if (paused(now)) return std::nullopt;
  const DriftFigures f = figures(rules, now);
  DriftTrip trip;
  const auto tripped = [&](const char* kind, double value, double threshold) {
    trip.kind = kind;
    trip.value = value;
    trip.threshold = threshold;
  };
  if (f.measured >= rules.min_samples && f.mean_error > rules.prediction_error_threshold) {
    tripped("prediction_error_high", f.mean_error, rules.prediction_error_threshold);
  } else if (f.changes >= rules.min_samples && f.rollback_rate > rules.rollback_rate_threshold) {
    tripped("rollback_rate_high", f.rollback_rate, rules.rollback_rate_threshold);
  } else if (rules.consecutive_failures > 0 &&
             f.consecutive_failures >= rules.consecutive_failures) {
    tripped("consecutive_failures", f.consecutive_failures, rules.consecutive_failures);
  } else {
    return std::nullopt;
  }
  trip.figures = f;
  // Doubling on repeat: a trip within a window of the last pause's end doubles it.
  const bool repeat = last_pause_ > 0 && now - paused_until_ < rules.window;
  trip.pause = repeat ? std::min(rules.max_pause, 2 * last_pause_) : rules.pause;
  trip.pause = std::min(trip.pause, rules.max_pause);
  trip.until = now + trip.pause;
  std::set<std::string> involved;
  const Nanos from = counted_from(rules, now);
  for (const Change& c : changes_) {
    if (c.at <= from) continue;
    const bool off = c.error && *c.error > rules.prediction_error_threshold;
    if (trip.kind == "consecutive_failures" || c.rolled_back || off) involved.insert(c.parameter);
  }
  trip.parameters.assign(involved.begin(), involved.end());
  last_trip_ = now;
  last_pause_ = trip.pause;
  paused_until_ = trip.until;
  return trip;
}

bool DriftMonitor::lift(Nanos now) {
  if (!paused(now)) return false;
  paused_until_ = now;
  return true;
}

std::string DriftMonitor::to_json() const {
  nlohmann::json changes = nlohmann::json::array();
  for (const Change& c : changes_) {
    changes.push_back({{"decision", c.decision},
                       {"parameter", c.parameter},
                       {"at", c.at},
                       {"error", c.error ? nlohmann::json(*c.error) : nlohmann::json()},
                       {"rolled_back", c.rolled_back},
                       {"measured_at", c.measured_at}});
  }
  nlohmann::json cycles = nlohmann::json::array();
  for (const auto& [at, failed] : cycles_) cycles.push_back({at, failed});
  return dump({{"changes", changes},
               {"cycles", cycles},
               {"last_trip", last_trip_},
               {"paused_until", paused_until_},
               {"last_pause", last_pause_}});
}

Result<DriftMonitor> DriftMonitor::from_json(const std::string& text) {
  auto doc = parse_json(text);
  if (!doc) return Error{"drift monitor: " + doc.error()};
  try {
    DriftMonitor m;
    for (const auto& c : doc->at("changes")) {
      std::optional<double> error;
      if (!c.at("error").is_null()) error = c.at("error").get<double>();
      m.changes_.push_back({c.at("decision").get<std::int64_t>(),
                            c.at("parameter").get<std::string>(), stored_time(c.at("at")), error,
                            c.at("rolled_back").get<bool>(),
                            stored_time(c.value("measured_at", nlohmann::json(0)))});
    }
    for (const auto& c : doc->at("cycles"))
      m.cycles_.emplace_back(stored_time(c.at(0)), c.at(1).get<bool>());
    const nlohmann::json& trip = doc->at("last_trip");
    m.last_trip_ =
        trip.is_number_integer() && trip.get<Nanos>() == INT64_MIN ? INT64_MIN : stored_time(trip);
    m.paused_until_ = stored_time(doc->at("paused_until"));
    m.last_pause_ = stored_time(doc->at("last_pause"));
    return m;
  } catch (const nlohmann::json::exception&) {
    return Error{"drift monitor: not the document this build writes"};
  }
}

}  // namespace setpoint::autopilot
