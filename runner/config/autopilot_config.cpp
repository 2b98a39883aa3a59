#include "config/autopilot_config.hpp"

#include <cmath>
#include <cstdio>

#include "config/schedule.hpp"

namespace setpoint::runner {
namespace {

std::string shown(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", x);
  return text;
}

void read_rules(const YamlReader& r, const YAML::Node& node, const std::string& path,
                autopilot::BoundsRules& rules, bool operating) {
  if (operating) {
    r.keys(node, path,
           {"operating", "expand_per_week", "contract_after_rollback", "stable_days",
            "rollback_threshold", "anti_windup"});
  } else {
    r.keys(node, path,
           {"expand_per_week", "contract_after_rollback", "stable_days", "rollback_threshold",
            "anti_windup"});
  }
  if (node["expand_per_week"])
    rules.expand_per_week = r.share(node["expand_per_week"], path + ".expand_per_week", 1);
  if (node["contract_after_rollback"]) {
    rules.contract_after_rollback =
        r.share(node["contract_after_rollback"], path + ".contract_after_rollback", 0.99);
  }
  if (node["stable_days"])
    rules.stable_days =
        static_cast<std::uint32_t>(r.integer(node["stable_days"], path + ".stable_days", 1, 365));
  if (node["rollback_threshold"])
    rules.rollback_threshold = static_cast<std::uint32_t>(
        r.integer(node["rollback_threshold"], path + ".rollback_threshold", 1, 1000));
  if (node["anti_windup"])
    rules.anti_windup = r.boolean(node["anti_windup"], path + ".anti_windup");
}

Nanos read_span(const YamlReader& r, const YAML::Node& node, const std::string& path, Nanos least,
                Nanos most, const char* range) {
  const Nanos d = r.duration(node, path);
  if (d < least || d > most) r.fail(node, path, std::string("must be between ") + range);
  return d;
}

void read_drift(const YamlReader& r, const YAML::Node& node, autopilot::DriftRules& d) {
  const std::string path = "autopilot.drift_monitoring";
  r.keys(node, path,
         {"prediction_error_threshold", "rollback_rate_threshold", "consecutive_failures",
          "min_samples", "monitoring_window", "pause_duration", "max_pause"});
  if (node["prediction_error_threshold"]) {
    d.prediction_error_threshold =
        r.share(node["prediction_error_threshold"], path + ".prediction_error_threshold", 100);
  }
  if (node["rollback_rate_threshold"]) {
    d.rollback_rate_threshold =
        r.share(node["rollback_rate_threshold"], path + ".rollback_rate_threshold", 1);
  }
  if (node["consecutive_failures"])
    d.consecutive_failures = static_cast<std::uint32_t>(
        r.integer(node["consecutive_failures"], path + ".consecutive_failures", 0, 1000));
  if (node["min_samples"])
    d.min_samples = static_cast<std::uint32_t>(
        r.integer(node["min_samples"], path + ".min_samples", 1, 10'000));
  constexpr Nanos kHour = 3600 * kNanosPerSecond;
  if (node["monitoring_window"])
    d.window = read_span(r, node["monitoring_window"], path + ".monitoring_window", autopilot::kDay,
                         365 * autopilot::kDay, "1d and 365d");
  if (node["pause_duration"])
    d.pause = read_span(r, node["pause_duration"], path + ".pause_duration", kHour,
                        365 * autopilot::kDay, "1h and 365d");
  if (node["max_pause"])
    d.max_pause = read_span(r, node["max_pause"], path + ".max_pause", kHour, 365 * autopilot::kDay,
                            "1h and 365d");
  if (d.max_pause < d.pause) {
    r.fail(node["max_pause"] ? node["max_pause"] : node["pause_duration"], path + ".max_pause",
           "is shorter than pause_duration");
  }
}

}  // namespace

void read_autopilot(const YamlReader& r, const YAML::Node& node, AutopilotConfig& a) {
  r.keys(node, "autopilot",
         {"enabled", "schedule", "max_duration", "sliding_bounds", "drift_monitoring"});
  if (node["enabled"]) a.enabled = r.boolean(node["enabled"], "autopilot.enabled");
  if (node["schedule"]) {
    a.schedule = r.string(node["schedule"], "autopilot.schedule");
    if (auto made = Schedule::make(kNanosPerSecond, a.schedule); !made || !made->calendar())
      r.fail(node["schedule"], "autopilot.schedule",
             "expected \"daily HH:MM\" or \"weekly sun HH:MM\" (UTC)");
  }
  if (node["max_duration"]) {
    a.max_duration = read_span(r, node["max_duration"], "autopilot.max_duration",
                               60 * kNanosPerSecond, autopilot::kDay, "1m and 24h");
  }
  if (node["sliding_bounds"])
    read_rules(r, node["sliding_bounds"], "autopilot.sliding_bounds", a.bounds, false);
  if (node["drift_monitoring"]) read_drift(r, node["drift_monitoring"], a.drift);
  a.bounds.window = a.drift.window;  // rollbacks are counted over the monitor's window
}

SlidingBoundsConfig read_sliding_bounds(const YamlReader& r, const YAML::Node& node,
                                        const std::string& path, const ParameterSpec& p,
                                        const AutopilotConfig& autopilot) {
  if (!p.numeric()) r.fail(node, path, "sliding bounds need a numeric parameter");
  SlidingBoundsConfig b;
  b.rules = autopilot.bounds;
  read_rules(r, node, path, b.rules, true);
  const YAML::Node operating = node["operating"];
  if (!operating || !operating.IsSequence() || operating.size() != 2)
    r.fail(operating ? operating : node, path + ".operating",
           "needs operating: [min, max], the range autopilot starts in");
  b.min = r.number(operating[0], path + ".operating[0]");
  b.max = r.number(operating[1], path + ".operating[1]");
  if (b.min > b.max) r.fail(operating, path + ".operating", "min is greater than max");
  if (b.min < p.min || b.max > p.max) {
    r.fail(operating, path + ".operating",
           "[" + operating[0].Scalar() + ", " + operating[1].Scalar() +
               "] is outside the hard bounds [" + shown(p.min) + ", " + shown(p.max) + "]");
  }
  return b;
}

}  // namespace setpoint::runner
