#pragma once
// Sliding bounds: the operating range an autopilot cycle may move a parameter in. It lives
// inside the hard bounds, which stay human-owned and are never crossed, and it learns:
//
//   stable for stable_days (no rollback)  → each side widens by expand_per_week × range
//                                           × stable_days / 7, clipped to the hard bounds;
//                                           with anti-windup, only a side a proposal touched
//   a rollback                            → the range narrows by contract_after_rollback
//                                           around the current value
//   rollback_threshold rollbacks within   → frozen for autopilot (its proposals are blocked)
//   the window                              and flagged for triage until an operator unfreezes
//
// Every adjustment is kept, so `setpoint params` can say how the range came to be.
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "setpoint/base/clock.hpp"
#include "setpoint/base/result.hpp"

namespace setpoint::autopilot {

constexpr Nanos kDay = 24 * 3600 * kNanosPerSecond;

struct BoundsRules {
  double expand_per_week = 0.05;          // of the operating range's width, each side
  double contract_after_rollback = 0.25;  // of the width, taken around the current value
  std::uint32_t stable_days = 7;
  std::uint32_t rollback_threshold = 3;  // within `window`: frozen
  bool anti_windup = true;
  Nanos window = 14 * kDay;  // rollbacks are counted over this (the drift monitor's window)
};

struct BoundsAdjustment {
  Nanos at = 0;
  std::string kind;  // start, widen, contract, freeze, anti_windup, unfreeze, patch
  double old_min = 0, old_max = 0, new_min = 0, new_max = 0;
  std::string why;
};

class OperatingBounds {
 public:
  OperatingBounds() = default;
  // Starts at [min, max] inside the hard bounds [hard_min, hard_max]; an error when it is
  // not inside them or not a range.
  static Result<OperatingBounds> make(double min, double max, double hard_min, double hard_max,
                                      Nanos now);

  double min() const { return min_; }
  double max() const { return max_; }
  bool frozen() const { return frozen_; }
  bool contains(double value) const { return value >= min_ && value <= max_; }
  // When the range was last adjusted (or started): stability is counted from here.
  Nanos since() const { return since_; }
  std::size_t rollbacks(Nanos now, const BoundsRules& rules) const;
  const std::vector<BoundsAdjustment>& history() const { return history_; }
  bool touched_min() const { return touched_min_; }
  bool touched_max() const { return touched_max_; }

  // A proposal wanted `value`: a side it reached (or passed) counts as touched for
  // anti-windup.
  void wanted(double value);
  // Widens the range when it has been stable for `stable_days`; the adjustment made (an
  // anti_windup record when no side was touched), or none when not yet due or frozen.
  std::optional<BoundsAdjustment> widen_if_stable(const BoundsRules& rules, Nanos now);
  // A change was rolled back to `current`: narrows the range around it and, at the
  // threshold, freezes it. The adjustments made (a contract, maybe a freeze).
  std::vector<BoundsAdjustment> rolled_back(const BoundsRules& rules, double current, Nanos now);
  // Narrows around `current` for another reason (the drift monitor tripped).
  BoundsAdjustment contract(const BoundsRules& rules, double current, Nanos now,
                            const std::string& why);
  std::optional<BoundsAdjustment> unfreeze(Nanos now, const std::string& who);
  // An operator approved a bounds patch: the range becomes [min, max] (checked inside the hard
  // bounds by the guard), recorded as a "patch". patched() starts a range that way, for a
  // parameter with no sliding bounds: its history begins with the patch.
  BoundsAdjustment patch(double min, double max, Nanos now, const std::string& why);
  static Result<OperatingBounds> patched(double min, double max, double hard_min, double hard_max,
                                         Nanos now, const std::string& why);
  bool from_patch() const { return from_patch_; }

  // Everything above as a JSON document, and back (an error names what is wrong).
  std::string to_json() const;
  static Result<OperatingBounds> from_json(const std::string& text, double hard_min,
                                           double hard_max);

 private:
  BoundsAdjustment record(Nanos now, std::string kind, double new_min, double new_max,
                          std::string why);

  double min_ = 0, max_ = 0, hard_min_ = 0, hard_max_ = 0;
  Nanos since_ = 0;
  std::deque<Nanos> rollbacks_;  // when each rollback happened
  bool touched_min_ = false, touched_max_ = false;
  bool frozen_ = false;
  bool from_patch_ = false;  // started by patched()
  std::vector<BoundsAdjustment> history_;
};

}  // namespace setpoint::autopilot
