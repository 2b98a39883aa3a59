#include "setpoint/guard/verdict.hpp"

#include <array>
#include <cmath>
#include <cstdio>

#include "setpoint/base/duration.hpp"

namespace setpoint {
namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(Reason::kCount)> kReasons = {
    "ok",
    "unknown_target",
    "not_granted",
    "not_declared",
    "wrong_type",
    "not_finite",
    "bad_argument",
    "paused",
    "overridden",
    "stabilized",
    "bounds",
    "step",
    "rate",
    "no_change",
    "deadband",
    "cooldown",
    "settling",
    "not_sustained",
    "policy_cap",
    "global_cap",
    "action_cap",
    "operating_bounds",
    "frozen",
    "rollout_in_flight",
    "rollback_hold",
    "patched_bounds",
};

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

std::string later(Nanos after) {
  return after > 0 ? " (lifts in " + human_duration(after) + ")" : "";
}

}  // namespace

std::string_view name(Reason reason) { return kReasons[static_cast<std::size_t>(reason)]; }

std::string_view name(VerdictKind kind) {
  switch (kind) {
    case VerdictKind::kAllow: return "allow";
    case VerdictKind::kClamp: return "clamp";
    case VerdictKind::kBlock: return "block";
  }
  return "block";
}

std::string explain(const Verdict& v, std::string_view target) {
  const std::string t(target);
  std::string head = std::string(name(v.kind)) + ": " + std::string(name(v.reason)) + ": ";
  const std::string move = t + " " + number(v.current) + " -> " + number(v.proposed);
  switch (v.reason) {
    case Reason::kOk: return head + move;
    case Reason::kUnknownTarget: return head + t + " is not declared in config";
    case Reason::kNotGranted: return head + t + " is not granted to this policy in config";
    case Reason::kNotDeclared:
      return head + t + " is not among the params or actions the policy declares";
    case Reason::kWrongType:
      return head + "the value is not of " + t + "'s type (or not one of its choices)";
    case Reason::kNotFinite: return head + "the value for " + t + " is NaN or infinite";
    case Reason::kBadArgument:
      return head + "an argument of " + t + " is missing, unknown or not allowed";
    case Reason::kPaused: return head + t + " is paused" + later(v.retry_after);
    case Reason::kOverridden:
      return head + t + " is pinned at " + number(v.limit) + " by an operator" +
             later(v.retry_after);
    case Reason::kStabilized:
      return head + move + " held at " + number(v.value) +
             (v.proposed > v.current
                  ? ", the lowest recommendation in the up stabilization window"
                  : ", the highest recommendation in the down stabilization window");
    case Reason::kBounds:
      return head + move + " held at the bound " + number(v.limit) +
             (v.saturated ? " (saturated)" : "");
    case Reason::kStep: return head + move + " limited to one step, " + number(v.limit);
    case Reason::kRate: return head + move + " limited by the rate of change to " + number(v.limit);
    case Reason::kNoChange: return head + move + ": nothing to change";
    case Reason::kDeadband: return head + move + ": smaller than the deadband " + number(v.limit);
    case Reason::kCooldown:
      return head + move + ": within the " + number(v.limit) + "s cooldown" + later(v.retry_after);
    case Reason::kSettling:
      return head + move + ": a parameter of its settle group changed recently" +
             later(v.retry_after);
    case Reason::kNotSustained:
      return head + move + ": only " + std::to_string(v.agree) + " of the last " +
             std::to_string(v.of) + " evaluations agree";
    case Reason::kPolicyCap:
      return head + move + ": the policy made " + number(v.limit) + " changes in the last hour" +
             later(v.retry_after);
    case Reason::kGlobalCap:
      return head + move + ": " + number(v.limit) +
             " changes in the last hour across all policies" + later(v.retry_after);
    case Reason::kActionCap:
      return head + t + " ran " + number(v.limit) + " times in the last hour" +
             later(v.retry_after);
    case Reason::kOperatingBounds:
      return head + move + " held at the operating bound " + number(v.limit) +
             " (the autopilot's sliding bounds)";
    case Reason::kPatchedBounds:
      return head + move + " held at the operating bound " + number(v.limit) +
             " (an approved bounds patch: setpoint params shows it)";
    case Reason::kFrozen:
      return head + t + " is frozen for autopilot after repeated rollbacks (see setpoint params)";
    case Reason::kRolloutInFlight:
      return head + t + " has a rollout in flight: no other change until it is promoted or " +
             "rolled back (see setpoint rollouts)";
    case Reason::kRollbackHold:
      return head + t + " is held at " + number(v.limit) +
             " after a rollback (engine.rollback_hold)" + later(v.retry_after);
    case Reason::kCount: break;
  }
  return head;
}

}  // namespace setpoint
