#pragma once
// A parameter: a knob in the outside world that policies may propose to change and humans
// bound. Everything here comes from config and never from a policy.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "setpoint/base/clock.hpp"

namespace setpoint {

enum class ParamType { kInt, kFloat, kBool, kEnum, kDuration };

// A limit on one step or on the change over a period: absolute units or percent of the
// value it starts from.
struct StepLimit {
  enum class Unit { kAbsolute, kPercent } unit = Unit::kAbsolute;
  double amount = 0;
};

// Rate of change over a period, as Kubernetes HPA's behavior policies: within any `period`,
// the value may move by at most `limit` from where it stood at the period's start — the
// current value less every change (up and down) made within the period.
struct RatePolicy {
  StepLimit limit;
  Nanos period = 0;
};

// How several rate policies combine: the one allowing the most change (kMax, HPA's default),
// the least (kMin), or none applies (kDisabled: no change in this direction at all).
enum class RateSelect { kMax, kMin, kDisabled };

struct DirectionRules {
  std::optional<StepLimit> max_step;  // largest single step
  std::vector<RatePolicy> rate;       // rate of change over periods
  RateSelect select = RateSelect::kMax;
  Nanos cooldown = 0;   // since the last applied change, before a change this way
  double deadband = 0;  // smaller moves are no-ops
  // HPA's stabilizationWindowSeconds: a change this way goes no further than the least far
  // recommendation of the window allows (up: the lowest, down: the highest); 0: none.
  Nanos stabilization = 0;
};

// After an applied change, compare a KPI over a window before and after; if it got worse by
// more than `worse_by` (0.2 = 20 %), roll the change back.
struct Verification {
  std::string series;  // a series key, e.g. http.server{service=checkout}
  std::string stat;    // error_rate, p50, p90, p95, p99, mean, rate_per_s
  Nanos window = 0;    // how long to wait, and the span of both reads
  double worse_by = 0.2;
  bool higher_is_worse = true;
};

struct ParameterSpec {
  std::string name;
  ParamType type = ParamType::kFloat;
  double initial = 0;  // enums: index into `choices`; bools: 0 or 1
  double min = 0;      // hard bounds (numbers and durations, in seconds)
  double max = 0;
  std::vector<std::string> choices;  // enums
  DirectionRules up;
  DirectionRules down;
  std::string settle_group;  // a change here blocks the group for `settle_time`
  Nanos settle_time = 0;
  std::uint32_t sustained_m = 0;      // m of the last n evaluations must agree on the
  std::uint32_t sustained_n = 0;      // direction (0: no requirement)
  std::vector<std::string> policies;  // the policies allowed to set it
  std::string actuator;               // its binding to the outside world
  std::string key;                    // where the actuator finds it (file key, handle name…)
  std::optional<Verification> verification;

  bool numeric() const {
    return type == ParamType::kInt || type == ParamType::kFloat || type == ParamType::kDuration;
  }
};

const char* type_name(ParamType type);

}  // namespace setpoint
