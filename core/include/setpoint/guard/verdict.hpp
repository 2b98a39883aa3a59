#pragma once
// The guard's answer to one proposal: allow it, clamp it to a safer value, or block it —
// always with a machine-readable reason, and the numbers a person needs to understand it
// (explain() turns them into a sentence, only when someone reads it).
#include <cstdint>
#include <string>
#include <string_view>

#include "setpoint/base/clock.hpp"

namespace setpoint {

enum class VerdictKind : std::uint8_t { kAllow, kClamp, kBlock };

enum class Reason : std::uint8_t {
  kOk,
  kUnknownTarget,    // no such parameter or action in config
  kNotGranted,       // config does not grant it to this policy
  kNotDeclared,      // the policy's file does not declare it (its params or actions)
  kWrongType,        // a value of the wrong type, or an enum value not among the choices
  kNotFinite,        // NaN or an infinity
  kBadArgument,      // a named action's argument is missing, unknown or not allowed
  kPaused,           // paused globally, for the policy, the target or the direction
  kOverridden,       // an operator pinned the value until a time
  kStabilized,       // a decrease held up to the highest recommendation in the window
  kBounds,           // clamped to the hard bounds
  kStep,             // clamped to the largest single step
  kRate,             // clamped to the rate of change over a period
  kNoChange,         // the (clamped) value is the current value
  kDeadband,         // the change is smaller than the deadband
  kCooldown,         // too soon after the last change
  kSettling,         // a related parameter (same settle group) changed too recently
  kNotSustained,     // fewer than m of the last n evaluations agree on the direction
  kPolicyCap,        // the policy's actions-per-hour cap is reached
  kGlobalCap,        // the global actions-per-hour cap is reached
  kActionCap,        // the named action's own per-hour cap is reached
  kOperatingBounds,  // an autopilot proposal clamped to the operating (sliding) bounds
  kFrozen,           // an autopilot proposal for a parameter frozen after repeated rollbacks
  kRolloutInFlight,  // the parameter's last change is being rolled out: no other until it ends
  kRollbackHold,     // held at the value a rollback restored, for engine.rollback_hold
  kPatchedBounds,    // clamped to the operating bounds an approved bounds patch set
  kCount
};

std::string_view name(Reason reason);

struct Verdict {
  VerdictKind kind = VerdictKind::kBlock;
  Reason reason = Reason::kOk;  // clamp: the clamp that bound last; block: the rule that blocked
  std::uint32_t clamps = 0;     // every clamp applied, as bits (1 << Reason)
  double proposed = 0;          // the value asked for (numeric form: bools 0/1, enums index)
  double current = 0;           // the value before
  double value = 0;             // the value to apply (allow and clamp)
  double limit = 0;             // the bound or limit that applied
  Nanos retry_after = 0;        // cooldown, settling, caps, overrides: time until it lifts
  std::uint32_t agree = 0;      // sustained: evaluations that agreed…
  std::uint32_t of = 0;         // …of the last n
  int saturated = 0;            // held at the lower (-1) or upper (+1) bound: stop integrating

  bool allowed() const { return kind != VerdictKind::kBlock; }
  bool clamped_by(Reason r) const { return (clamps >> static_cast<unsigned>(r)) & 1u; }
};

std::string_view name(VerdictKind kind);
// "block: cooldown: checkout.max_concurrency changed 12s ago; the up cooldown is 30s (18s left)"
std::string explain(const Verdict& verdict, std::string_view target);

}  // namespace setpoint
