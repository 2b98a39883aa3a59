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
  } else if (!std::isfinite(p.bounds_min) || !std::isfinite(p.bounds_max)) {
    v.reason = Reason::kNotFinite;
  } else if (!(p.bounds_min < p.bounds_max)) {
    v.reason = Reason::kBadArgument;
  } else if (p.bounds_min < spec.min || p.bounds_max > spec.max) {
    v.reason = Reason::kBounds;
    v.limit = p.bounds_min < spec.min ? spec.min : spec.max;
  } else {
    v.kind = VerdictKind::kAllow;
    v.reason = Reason::kOk;
  }
  return v;
}

std::string explain_patch(const Verdict& v, const Proposal& p) {
  const std::string head = std::string(name(v.kind)) + ": " + std::string(name(v.reason)) + ": ";
  const std::string suggested = range(p.bounds_min, p.bounds_max);
  switch (v.reason) {
    case Reason::kOk:
      return head + p.target + "'s operating bounds would become " + suggested + " (now at " +
             number(v.current) + ")";
    case Reason::kUnknownTarget: return head + p.target + " is not declared in config";
    case Reason::kWrongType:
      return head + p.target + " is not a number: only a numeric parameter has bounds";
    case Reason::kNotFinite: return head + "the bounds " + suggested + " are not finite";
    case Reason::kBadArgument:
      return head + "the bounds " + suggested + " are not a range (min must be below max)";
    case Reason::kBounds:
      return head + "the bounds " + suggested + " cross " + p.target + "'s hard bound " +
             number(v.limit);
    default: return explain(v, p.target);
  }
}

}  // namespace setpoint
