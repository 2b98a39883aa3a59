#pragma once
// The guard: every proposal passes here before anything touches the outside world. Pure,
// deterministic and clock-injected: the same proposals at the same times give the same
// verdicts. The engine thread owns it (it is not thread-safe).
//
// A set proposal is vetted in this order; the first rule that blocks ends it:
//   1. target known (unknown_target) and granted to the policy (not_granted)
//   2. value of the parameter's type (wrong_type), finite (not_finite); ints round to nearest
//   3. the evaluation is recorded (for the sustained and stabilization rules)
//   4. paused: global, policy, parameter, or the parameter in this direction (paused)
//   5. operator override pinning the value (overridden)
//   6. stabilization (HPA): from the current value toward the proposal, no further than the
//      lowest recommendation of the up window and the highest of the down window allow
//   7. hard bounds (clamp; saturated is set when the value is held at a bound); then, for a
//      proposal from an autopilot cycle, the operating bounds (operating_bounds clamp), or
//      frozen (block) when rollbacks froze the parameter for autopilot; for every proposal,
//      the bounds an operator's approved patch set on a parameter without sliding bounds
//   8. largest single step (clamp)
//   9. rate of change over periods, HPA's policies and select rule (clamp)
// Steps 6 and 9 are Kubernetes HPA's behavior, to the letter (tests/core/guard_hpa_test.cpp
// replays the controller's own unit tests); a value outside its bounds goes straight back
// into them, as HPA's does, skipping both. Steps 8 and 10–14 are Setpoint's own.
//  10. no change left (no_change), or a change smaller than the deadband (deadband)
//  11. cooldown since the last change, per direction (cooldown)
//  12. settle group: a related parameter changed too recently (settling)
//  13. sustained: m of the last n evaluations agree on the direction (not_sustained)
//  14. actions per hour: per policy (policy_cap), then global (global_cap)
// A bounds patch (a person will decide): a known numeric parameter (unknown_target,
// wrong_type), finite (not_finite), a range (bad_argument; an int's taken inward to whole
// units) inside the hard bounds (bounds), other than the one it has (no_change). No pause or
// cap applies: it changes nothing until an operator approves it. The verdict's proposed and
// value are the range that would apply. (Who may suggest one is the pipeline's to check.)
// A named action: known and granted, arguments (bad_argument), paused, cooldown per value of
// its cooldown key, its own per-hour cap (action_cap), then the policy and global caps.
//
// vet() never changes what has been applied; applied() advances cooldowns, caps and history
// once the actuator confirms a change (a failed actuation is not a change).
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "setpoint/base/result.hpp"
#include "setpoint/guard/action.hpp"
#include "setpoint/guard/parameter.hpp"
#include "setpoint/guard/proposal.hpp"
#include "setpoint/guard/verdict.hpp"

namespace setpoint {

struct GuardLimits {
  std::uint32_t per_policy_per_hour = 0;  // 0: no cap
  std::uint32_t global_per_hour = 0;
};

enum class Direction { kUp, kDown, kBoth };
const char* direction_name(Direction direction);  // up, down, both

struct Pause {
  enum class Scope { kGlobal, kPolicy, kTarget } scope = Scope::kGlobal;
  std::string name;                        // the policy or target; empty for global
  Direction direction = Direction::kBoth;  // targets only
  Nanos until = 0;                         // 0: until resumed
};

// Where automation may move a parameter, inside its hard bounds, set by the engine: from the
// sliding bounds, for an autopilot cycle's proposals; from an approved bounds patch on a
// parameter without sliding bounds, for every policy's (`every_policy`). Not part of the
// guard's saved state: the store keeps it.
struct OperatingRange {
  double min = 0;
  double max = 0;
  bool frozen = false;
  bool every_policy = false;
};

struct Override {
  double value = 0;
  Nanos until = 0;
  bool hold = false;  // a rollback's hold (engine.rollback_hold), not an operator's pin
};

// A value in the parameter's numeric form, checked as a proposal's is: numbers for numeric
// parameters (finite; ints rounded to nearest), true/false for bools, one of the choices for
// enums (as its index). The reason it is refused otherwise (wrong_type, not_finite).
std::optional<Reason> typed_value(const ParameterSpec& spec, const ProposedValue& value,
                                  double& out);

// A bounds patch's verdict as a sentence: "allow: x's operating bounds would become [80, 120]
// (hard bounds [1, 1000])", or why it is blocked.
std::string explain_patch(const Verdict& verdict, const Proposal& patch);

class Guard {
 public:
  Guard(std::vector<ParameterSpec> parameters, std::vector<ActionSpec> actions, GuardLimits limits);

  Verdict vet(const Proposal& proposal, Nanos now);
  // The actuator applied an allowed or clamped proposal.
  void applied(const Proposal& proposal, const Verdict& verdict, Nanos now);

  // Rolling back a change that made things worse: bounds apply, cooldowns and caps do not.
  Verdict vet_rollback(std::string_view parameter, double value) const;
  void rolled_back(std::string_view parameter, double value, Nanos now);

  void pause(Pause pause);
  // Lifts the pauses of this scope and name, in `direction` only if given (else in every
  // direction); how many were lifted.
  std::size_t resume(Pause::Scope scope, std::string_view name,
                     std::optional<Direction> direction = std::nullopt);
  // Pins a parameter (which also takes the value) until a time.
  bool set_override(std::string_view parameter, double value, Nanos until, bool hold = false);
  bool clear_override(std::string_view parameter);
  // A rollout of the parameter's last change is in flight (`id`), or over (""): while one is,
  // every other change to it is blocked (rollout_in_flight). Saved with the guard's state.
  bool set_rollout(std::string_view parameter, const std::string& id);
  std::string rollout_of(std::string_view parameter) const;
  // The operating bounds a cycle's proposals are vetted against (none: hard bounds only).
  void set_operating_range(std::string_view parameter, std::optional<OperatingRange> range);
  std::optional<OperatingRange> operating_range(std::string_view parameter) const;

  // Everything the guard remembers — values, last changes, recent changes and
  // recommendations, evaluations, overrides, pauses, the caps' counts — as a JSON document;
  // load_state() restores it, so a restart resets no cooldown and no cap. Parameters and
  // actions no longer in config are skipped; new ones keep their initial state.
  std::string save_state() const;
  Result<void> load_state(const std::string& json);

  // A shadow version's guard (shadow_trajectory.cpp): becomes `world` (the live guard: its
  // pauses, pins, caps, rollouts and every other parameter), except that the `own`
  // parameters keep this guard's trajectory — value, last change, recent changes,
  // recommendations and evaluations — the one the shadow's would-be changes drew.
  void follow(const Guard& world, const std::vector<std::string>& own);

  std::optional<double> value(std::string_view parameter) const;
  // When the parameter last changed (none if never), and its operator override, if any.
  std::optional<Nanos> last_change(std::string_view parameter) const;
  std::optional<Override> override_of(std::string_view parameter) const;
  // Why an operator holds the parameter still — a pin, or a pause covering `policy`'s move in
  // `direction` (+1 up, -1 down) — as a sentence; empty when nothing does. A rollback's hold
  // is no operator's. What a rollout asks before it moves on (its promotion is a change too).
  std::string held_by_operator(std::string_view parameter, std::string_view policy, int direction,
                               Nanos now) const;
  const ParameterSpec* parameter(std::string_view name) const;
  const ActionSpec* action(std::string_view name) const;
  const std::vector<Pause>& pauses() const { return pauses_; }

 private:
  struct ParamState {
    double value = 0;
    Nanos last_change = kNever;
    std::deque<std::pair<Nanos, double>> changes;          // (when, delta), for rate limits
    std::deque<std::pair<Nanos, double>> recommendations;  // (when, value), for stabilization
    bool seeded = false;  // the value it had when first vetted is among the recommendations
    std::vector<std::int8_t> directions;  // ring of the last n evaluations
    std::size_t next_direction = 0;
    std::optional<Override> override;
    std::optional<OperatingRange> operating;
    std::string rollout;  // the rollout in flight, if any
  };
  struct ActionState {
    std::unordered_map<std::string, Nanos> last_by_key;
    std::deque<Nanos> recent;  // within the last hour
  };
  static constexpr Nanos kNever = INT64_MIN;
  static constexpr Nanos kHour = 3600 * kNanosPerSecond;

  Verdict vet_set(const ParameterSpec& spec, ParamState& state, const Proposal& p, Nanos now);
  static bool vet_operating(const ParameterSpec& spec, const OperatingRange& range, Verdict& v);
  static void stabilize(const ParameterSpec& spec, const ParamState& state, Verdict& v, Nanos now);
  Verdict vet_act(const ActionSpec& spec, const Proposal& p, Nanos now);
  static Verdict vet_bounds(const ParameterSpec& spec, const ParamState& state,
                            const Proposal& p);  // bounds_patch.cpp
  bool paused(std::string_view policy, std::string_view target, int direction, Nanos now,
              Nanos& until) const;
  bool capped(std::string_view policy, Nanos now, Verdict& v);
  void count_action(std::string_view policy, Nanos now);

  std::vector<ParameterSpec> parameters_;
  std::vector<ActionSpec> actions_;
  GuardLimits limits_;
  std::unordered_map<std::string, std::size_t> parameter_index_;
  std::unordered_map<std::string, std::size_t> action_index_;
  std::vector<ParamState> param_states_;
  std::vector<ActionState> action_states_;
  std::vector<Pause> pauses_;
  std::unordered_map<std::string, std::pair<Nanos, std::string>> settled_;  // group → (when, who)
  std::unordered_map<std::string, std::deque<Nanos>> policy_actions_;
  std::deque<Nanos> global_actions_;
};

}  // namespace setpoint
