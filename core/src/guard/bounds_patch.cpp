// A bounds patch (ctx:suggest_bounds) before a person sees it: the guard checks only that it
// could be approved — a numeric parameter, a finite range inside the hard bounds. Nothing is
// remembered: a patch is not an evaluation, and it moves no value.
#include <cmath>
#include <cstdio>

#include "setpoint/guard/guard.hpp"

namespace setpoint {
namespace {

std::string number(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", x);
  return text;
}

std::string range(double min, double max) { return "[" + number(min) + ", " + number(max) + "]"; }

}  // namespace

Verdict Guard::vet_bounds(const ParameterSpec& spec, const ParamState& state, const Proposal& p) {
  Verdict v;
  v.current = state.value;
  v.proposed = p.bounds_min;
  v.value = p.bounds_max;
  v.kind = VerdictKind::kBlock;
  if (!spec.numeric()) {
    v.reason = Reason::kWrongType;
    return v;
  }
  if (!std::isfinite(p.bounds_min) || !std::isfinite(p.bounds_max)) {
    v.reason = Reason::kNotFinite;
    return v;
  }
  // An int parameter's range is of whole units, taken inward: it never holds a value the
  // parameter cannot have.
  if (spec.type == ParamType::kInt) {
    v.proposed = std::ceil(p.bounds_min);
    v.value = std::floor(p.bounds_max);
  }
  const std::optional<OperatingRange>& now = state.operating;
  if (!(v.proposed < v.value)) {
    v.reason = Reason::kBadArgument;
  } else if (v.proposed < spec.min || v.value > spec.max) {
    v.reason = Reason::kBounds;
    v.limit = v.proposed < spec.min ? spec.min : spec.max;
  } else if (now ? (now->min == v.proposed && now->max == v.value)
                 : (spec.min == v.proposed && spec.max == v.value)) {
    v.reason = Reason::kNoChange;  // the range it has already: nothing for a person to weigh
  } else {
    v.kind = VerdictKind::kAllow;
    v.reason = Reason::kOk;
  }
  return v;
}

std::string explain_patch(const Verdict& v, const Proposal& p) {
  const std::string head = std::string(name(v.kind)) + ": " + std::string(name(v.reason)) + ": ";
  const std::string asked = range(p.bounds_min, p.bounds_max);
  const std::string taken = range(v.proposed, v.value);
  const std::string rounded = asked == taken ? "" : " (" + asked + " taken inward to whole units)";
  switch (v.reason) {
    case Reason::kOk:
      return head + p.target + "'s operating bounds would become " + taken + rounded + " (now at " +
             number(v.current) + ")";
    case Reason::kUnknownTarget: return head + p.target + " is not declared in config";
    case Reason::kNotGranted:
      return head + p.target +
             " is not granted to this policy in config, and only a triage policy may suggest "
             "bounds for any parameter";
    case Reason::kWrongType:
      return head + p.target + " is not a number: only a numeric parameter has bounds";
    case Reason::kNotFinite: return head + "the bounds " + asked + " are not finite";
    case Reason::kBadArgument:
      return head + "the bounds " + asked + rounded + " are not a range (min must be below max)";
    case Reason::kBounds:
      return head + "the bounds " + taken + " cross " + p.target + "'s hard bound " +
             number(v.limit);
    case Reason::kNoChange:
      return head + p.target + "'s operating bounds are " + taken + " already";
    default: return explain(v, p.target);
  }
}

}  // namespace setpoint
