#pragma once
// The slow loop, on the engine thread: autopilot cycles and what they learn.
//
//   due run of an autopilot policy ─► begin(): skipped (off, paused, store unwritable) or a
//        cycle, recorded as running before the policy runs
//   its proposals ─► vetted(): garbage (no expected impact or confidence) fails the cycle;
//        the rest are tagged with the cycle (the guard then holds them to operating bounds)
//   their decisions ─► submitted(), then observe() as actuators answer
//   tick(): a cycle ends when its changes are applied and their validations done; past
//        max_duration it is timed out and what is unfinished is rolled back. After a change's
//        verify window its impact is read from the hourly history and scored; worse than
//        allowed, it is rolled back. Stable parameters' operating bounds widen, rollbacks
//        narrow them, and the drift monitor pauses everything when predictions go wrong.
//
// Everything it learns is in the store (autopilot_cycles, parameter_bounds, impact_checks,
// drift_events, and the monitor's state document), so a restart loses none of it; a cycle a
// restart interrupted is resumed (its changes still validating) and never re-run.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "setpoint/audit/audit_store.hpp"
#include "setpoint/autopilot/cycle.hpp"
#include "setpoint/autopilot/drift_monitor.hpp"
#include "setpoint/autopilot/sliding_bounds.hpp"
#include "setpoint/bindings/policy_info.hpp"
#include "setpoint/effects/effect_pipeline.hpp"
#include "setpoint/guard/guard.hpp"
#include "setpoint/history/history_read.hpp"

namespace setpoint::runner {

// The statistic of a series over [from, to) from the hourly history, and how many of the
// span's hours held data; an error when the store cannot be read.
struct HistoryStat {
  std::optional<double> value;
  std::size_t hours_found = 0, hours_asked = 0;
};
using HistoryStatReader = std::function<Result<HistoryStat>(
    const std::string& series, const std::string& stat, Nanos from, Nanos to)>;

struct AutopilotCounts {
  std::map<std::string, std::uint64_t> cycles;        // by status
  std::map<std::string, std::uint64_t> drift_events;  // by kind
  std::uint64_t alerts = 0, impacts = 0, rollbacks = 0, bounds_adjustments = 0;
};

class Autopilot {
 public:
  Autopilot(const Config& config, Guard& guard, EffectPipeline& pipeline, AuditStore* store,
            HistoryStatReader history);

  // Reads back bounds, the monitor and cycles a restart interrupted; or why it cannot.
  Result<void> start(Nanos now);
  // The config was reloaded: a new guard and pipeline, maybe new sliding bounds. Cycles,
  // impact checks and the monitor carry over; bounds are kept inside the new hard bounds.
  void rebind(const Config& config, Guard& guard, EffectPipeline& pipeline, Nanos now);

  // A due run of an autopilot policy: the cycle's id, or none when it is not to run (the
  // skipped cycle is recorded with why).
  std::optional<std::string> begin(const std::string& policy, const bindings::AutopilotInfo& info,
                                   bool paused_by_operator, Nanos now);
  // The policy failed (an error, its deadline): the cycle fails with the reason.
  void failed(const std::string& cycle, const std::string& why, Nanos now);
  // Checks and tags the proposals; false (and the cycle failed) when one is garbage.
  bool vetted(const std::string& cycle, std::vector<Proposal>& proposals, Nanos now);
  void submitted(const std::string& cycle, const std::string& analysis,
                 const std::vector<Decision>& decisions, Nanos now);
  // Every decision the pipeline records or finishes.
  void observe(const Decision& decision);
  // A change of `cycle` (decision `staged`) that was rolled out from `started_at` has ended:
  // promoted by `promotion`, its impact is checked as any applied change's; rolled back
  // (none), it is a rollback of the autopilot's (the cycle marked, the bounds narrowed).
  void rollout_ended(const std::string& cycle, std::int64_t staged, Nanos started_at,
                     const std::optional<Decision>& promotion, Nanos now);
  void tick(Nanos now);
  // Writes the monitor and the impact checks now (tick() does at most once a second).
  void flush(Nanos now) {
    next_save_ = 0;
    save_state(now);
  }

  // An operator lifts the drift monitor's pause; false when there is none.
  bool lift(const std::string& who, Nanos now);
  // An operator unfreezes a parameter; false when it is not frozen (or has no sliding bounds).
  bool unfreeze(const std::string& parameter, const std::string& who, Nanos now);
  // An approved bounds patch (bounds_patches.cpp): the parameter's operating bounds become the
  // patch's — its sliding bounds when it has them (held to by cycles), else a range every
  // policy's proposals are held to. Recorded before it takes; what changed as a sentence, or
  // why it could not.
  Result<std::string> patch_bounds(const Decision& patch, Nanos now);
  // The ranges patches gave parameters without sliding bounds.
  const std::map<std::string, autopilot::OperatingBounds>& patched() const { return patched_; }
  // Told of every alert (kind, message), to record it.
  void set_alert_sink(std::function<void(const std::string&, const std::string&)> sink) {
    alert_sink_ = std::move(sink);
  }

  bool enabled() const { return config_.enabled; }
  bool paused(Nanos now) const { return monitor_.paused(now); }
  Nanos paused_until() const { return monitor_.paused_until(); }
  const AutopilotCounts& counts() const { return counts_; }
  autopilot::DriftFigures figures(Nanos now) const { return monitor_.figures(config_.drift, now); }
  const std::map<std::string, autopilot::OperatingBounds>& bounds() const { return bounds_; }
  // The /v1/autopilot document: the pause, the monitor's figures, cycles running, recent
  // cycles and alerts, impact checks waiting, operating bounds.
  std::string view(Nanos now) const;

 private:
  struct Change {
    std::int64_t decision = 0;
    std::string target;
    double previous = 0, value = 0;
    std::optional<Expected> expected;
    Nanos applied_at = 0;  // 0 while in flight
    bool done = false;     // applied and validated, or failed, or rolled back
    // Handed to a rollout (done for the cycle): rollout_ended() tells what became of it.
    bool staged = false;
  };
  struct Running {
    autopilot::Cycle cycle;
    bindings::AutopilotInfo info;
    Nanos deadline = 0;
    std::vector<Change> changes;
    bool rolled_back = false;
  };
  struct ImpactCheck {
    std::int64_t decision = 0;
    std::string cycle, target;
    Expected expected;
    double previous = 0;
    Nanos applied_at = 0, due = 0, give_up = 0;
    double worse_by = 0.1, floor = 0.05;
    Nanos verify = 0;
  };

  void save(const autopilot::Cycle& cycle);
  void end(Running& r, autopilot::CycleStatus status, const std::string& why, Nanos now);
  void alert(const std::string& kind, const std::string& message);
  void applied(Change& c, Nanos at);
  // The impact_checks row of a check, nothing measured yet.
  static ImpactRow impact_row(const ImpactCheck& check, Nanos now, std::string detail);
  void watch_cycles(Nanos now);
  void time_out(Running& r, Nanos now);
  void settle(Change& c, Nanos now);
  void settle_late_undos(Nanos now);
  void roll_back(const std::string& cycle, const Change& change, const std::string& why, Nanos now);
  // A change of `target` was rolled back to `to` (by us, a validation or an operator).
  void rolled_back(const std::string& target, std::int64_t decision, double to, Nanos now);
  void schedule_impact(const Running& r, const Change& c);
  void mark_rolled_back(const std::string& cycle);
  void check_impacts(Nanos now);
  bool measure(ImpactCheck& check, Nanos now);  // false: try again later
  void adjust_bounds(Nanos now);
  void watch_drift(Nanos now);
  void bounds_changed(const std::string& parameter, Nanos now);
  void save_bounds_row(const std::string& parameter, Nanos now);
  Result<void> write_bounds_row(const std::string& parameter, const autopilot::OperatingBounds& b,
                                const autopilot::BoundsRules& rules, Nanos now);
  void load_patches(const std::vector<BoundsRow>& rows);  // bounds_patches.cpp
  void rebind_patches();                                  // bounds_patches.cpp
  void save_state(Nanos now);
  Result<void> resume_cycles(Nanos now);
  // The deadline, the policy's rules and the changes of a cycle's outcome document; false when
  // it holds none (a cycle that never got to its proposals).
  static bool read_outcome(Running& r);
  // A cycle running or ended (in memory, else in the store), its outcome read back.
  std::optional<Running> cycle_of(const std::string& id) const;
  std::string outcome_json(const Running& r) const;
  Running* running_for(const std::string& cycle);

  AutopilotConfig config_;
  std::map<std::string, SlidingBoundsConfig> sliding_;
  Guard* guard_;
  EffectPipeline* pipeline_;
  AuditStore* store_;
  HistoryStatReader history_;
  std::vector<Running> running_;
  std::vector<ImpactCheck> impacts_;
  std::vector<std::pair<std::string, Change>> late_undos_;  // (cycle, change) timed out in flight
  // Promotions of rolled-out changes waiting for their actuator: (their cycle, the change).
  std::vector<std::pair<Running, Change>> promoting_;
  // When each parameter's value last moved (any decision that took effect), newest last: a
  // baseline during which it moved is no baseline for an impact.
  std::map<std::string, std::vector<Nanos>> moved_;
  std::map<std::string, autopilot::OperatingBounds> bounds_;
  std::map<std::string, autopilot::OperatingBounds> patched_;  // no sliding bounds: patches'
  std::function<void(const std::string&, const std::string&)> alert_sink_;
  autopilot::DriftMonitor monitor_;
  bool was_paused_ = false;
  bool store_failing_ = false;            // the last cycle row could not be written: no cycle runs
  std::vector<autopilot::Cycle> recent_;  // the newest ended cycles, for the view
  std::vector<std::string> recent_alerts_;  // the newest alerts, for the view
  AutopilotCounts counts_;
  std::string saved_;    // the state document last written
  Nanos next_save_ = 0;  // save_state() looks again at this time
};

}  // namespace setpoint::runner
