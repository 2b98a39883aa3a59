#pragma once
// A rollout of one parameter change: the new value on a growing slice of traffic
// (5 % → 25 % → 100 %), judged at every interval, promoted step by step or rolled back to the
// baseline with its weight at 0. This is the state machine alone: it says what must be done
// (a RolloutMove) and the engine does it through the parameter's canary actuators, then saves
// the rollout, so a restart resumes the step it was in and never applies anything twice.
//
// Steps below 100 % are judged: `looks_per_step` looks each, the last one the end of the step.
// Reaching a step of 100 % (or passing the last step) is the promotion: the new value goes to
// the parameter's own actuator and the canary weight back to 0. A 100 % canary has no baseline
// left to be compared with, so it is never judged.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "setpoint/base/clock.hpp"
#include "setpoint/base/result.hpp"
#include "setpoint/canary/judge.hpp"

namespace setpoint::canary {

struct RolloutPlan {
  std::vector<double> steps{5, 25, 100};  // percent of traffic on the canary, ascending
  Nanos step_duration = 10 * 60 * kNanosPerSecond;
  Nanos interval = 60 * kNanosPerSecond;  // between looks
  bool hold_when_inconclusive = false;    // else an inconclusive step rolls back
  JudgeRules judge;                       // planned_looks is set by check()

  std::uint32_t looks_per_step() const;
  std::uint32_t judged_steps() const;  // the steps below 100 %
  // That the plan can run, or what is wrong with it ("steps must rise: 25 after 50"); sets
  // judge.planned_looks.
  Result<void> check();
};

enum class RolloutStatus {
  kRunning,     // a step in progress
  kHeld,        // a step ended inconclusive and the plan holds for a human
  kPromoted,    // the new value is the parameter's value
  kRolledBack,  // back to the baseline, weight 0
};
std::string_view status_name(RolloutStatus status);
std::optional<RolloutStatus> parse_rollout_status(std::string_view text);

// What the engine must carry out after the rollout moved.
struct RolloutMove {
  enum class Kind {
    kNone,      // keep watching
    kWeight,    // the canary's traffic weight becomes `weight` (the first step, or a promotion
                // to the next step)
    kPromote,   // the new value to the parameter's own actuator, then the weight to 0
    kRollBack,  // the weight to 0 and the canary's value back to the baseline
  };
  Kind kind = Kind::kNone;
  double weight = 0;
};

struct Rollout {
  std::string id;  // "<parameter>@<UTC start>"
  std::string parameter;
  double baseline = 0, canary = 0;  // the values on each side
  std::int64_t decision = 0;        // the decision whose change this rolls out
  std::string cycle;                // the autopilot cycle that proposed it, if any
  std::string policy, version;      // the decision's policy: the promotion is its change
  Nanos started_at = 0, step_started_at = 0, next_look_at = 0, ended_at = 0;
  std::size_t step = 0;
  std::uint32_t step_looks = 0;  // looks so far in this step
  // Observe mode: judged on whatever telemetry there is and logged, never actuated.
  bool shadow = false;
  // A fixed-horizon test re-run at every look would have failed it by now (for comparison).
  bool fixed_horizon_failed = false;
  // The engine's actuations of its last move have not all answered: a restart carries them out
  // again (each sets a value, so twice is once), even for a rollout that has ended.
  bool settling = false;
  RolloutStatus status = RolloutStatus::kRunning;
  std::string reason;    // the last verdict's sentence, or why it ended
  std::string ended_by;  // "judge", or the operator who aborted or promoted it
  JudgeState judge;
  std::string last_look = "{}";  // the last look's figures, JSON
  // Everything both cohorts had served at the last look, per KPI: what a restarted engine
  // adds its fresh windows to.
  std::vector<std::pair<Cohort, Cohort>> data;

  bool active() const {
    return status == RolloutStatus::kRunning || status == RolloutStatus::kHeld;
  }
  double weight(const RolloutPlan& plan) const;

  // The rollout's own fields as JSON (its row keeps the rest in columns), and back; a
  // damaged record is an error, never a guess.
  std::string state_json() const;
  Result<void> restore_state(std::string_view json, std::size_t kpis);
};

// A rollout of `parameter` from `baseline` to `canary`, its first step starting `now`.
std::pair<Rollout, RolloutMove> start_rollout(const RolloutPlan& plan, std::string parameter,
                                              double baseline, double canary, std::int64_t decision,
                                              Nanos now);

// One look (due when now >= next_look_at), from everything both cohorts served since the
// start. `look` receives the judge's figures.
RolloutMove look_at(Rollout& rollout, const RolloutPlan& plan, const Judge& judge,
                    std::vector<std::pair<Cohort, Cohort>> data, Nanos now, Look& look);

// An operator's hand: abort rolls back, promote skips the remaining steps. A rollout that has
// ended is not moved (kNone).
RolloutMove abort_rollout(Rollout& rollout, const std::string& who, Nanos now);
RolloutMove promote_rollout(Rollout& rollout, const std::string& who, Nanos now);
// The canary's actuator failed: rolled back, with the error.
RolloutMove actuation_failed(Rollout& rollout, const std::string& error, Nanos now);

}  // namespace setpoint::canary
