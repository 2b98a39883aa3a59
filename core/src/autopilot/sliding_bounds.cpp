#include "setpoint/autopilot/sliding_bounds.hpp"

#include <algorithm>
#include <cmath>

#include "setpoint/base/json_document.hpp"
#include "stored_time.hpp"

namespace setpoint::autopilot {
namespace {

constexpr std::size_t kMaxHistory = 200;  // the newest adjustments; older ones are dropped
// A proposal within this share of the width from a side has touched it.
constexpr double kTouch = 0.02;

}  // namespace

Result<OperatingBounds> OperatingBounds::make(double min, double max, double hard_min,
                                              double hard_max, Nanos now) {
  if (!std::isfinite(min) || !std::isfinite(max) || min > max)
    return Error{"operating bounds must be a range [min, max] of numbers"};
  if (min < hard_min || max > hard_max) {
    return Error{"operating bounds [" + std::to_string(min) + ", " + std::to_string(max) +
                 "] are outside the hard bounds [" + std::to_string(hard_min) + ", " +
                 std::to_string(hard_max) + "]"};
  }
  OperatingBounds b;
  b.min_ = min;
  b.max_ = max;
  b.hard_min_ = hard_min;
  b.hard_max_ = hard_max;
  b.since_ = now;
  b.history_.push_back({now, "start", min, max, min, max, "configured"});
  return b;
}

std::size_t OperatingBounds::rollbacks(Nanos now, const BoundsRules& rules) const {
  return static_cast<std::size_t>(std::count_if(rollbacks_.begin(), rollbacks_.end(),
                                                [&](Nanos t) { return t > now - rules.window; }));
}

void OperatingBounds::wanted(double value) {
  if (!std::isfinite(value)) return;
  const double near = kTouch * (max_ - min_);
  if (value <= min_ + near) touched_min_ = true;
  if (value >= max_ - near) touched_max_ = true;
}

BoundsAdjustment OperatingBounds::record(Nanos now, std::string kind, double new_min,
                                         double new_max, std::string why) {
  BoundsAdjustment a{now, std::move(kind), min_, max_, new_min, new_max, std::move(why)};
  min_ = new_min;
  max_ = new_max;
  since_ = now;
  touched_min_ = touched_max_ = false;
  history_.push_back(a);
  if (history_.size() > kMaxHistory)
    history_.erase(history_.begin(), history_.end() - static_cast<long>(kMaxHistory));
  return a;
}

std::optional<BoundsAdjustment> OperatingBounds::widen_if_stable(const BoundsRules& rules,
                                                                 Nanos now) {
  const Nanos stable = static_cast<Nanos>(rules.stable_days) * kDay;
  if (frozen_ || rules.stable_days == 0 || now - since_ < stable) return std::nullopt;
  // The weekly rate scaled to the stable period, so stable_days: 3 widens as fast per week.
  const double step = rules.expand_per_week * (max_ - min_) * rules.stable_days / 7.0;
  const bool low = !rules.anti_windup || touched_min_;
  const bool high = !rules.anti_windup || touched_max_;
  if (!low && !high) {
    return record(now, "anti_windup", min_, max_,
                  "stable, but no proposal reached either side: no room granted");
  }
  const double new_min = low ? std::max(hard_min_, min_ - step) : min_;
  const double new_max = high ? std::min(hard_max_, max_ + step) : max_;
  std::string why = "stable for " + std::to_string(rules.stable_days) + " days";
  if (!low) why += "; the lower side was not touched (anti-windup)";
  if (!high) why += "; the upper side was not touched (anti-windup)";
  return record(now, "widen", new_min, new_max, why);
}

BoundsAdjustment OperatingBounds::contract(const BoundsRules& rules, double current, Nanos now,
                                           const std::string& why) {
  // The value narrowed around may lie outside the range (a rollback to where it stood before
  // an earlier narrowing): the range first reaches it, so the value it holds is inside.
  const double c = std::clamp(current, hard_min_, hard_max_);
  const double lo = std::min(min_, c), hi = std::max(max_, c);
  const double keep = 1.0 - rules.contract_after_rollback;
  return record(now, "contract", c - (c - lo) * keep, c + (hi - c) * keep, why);
}

std::vector<BoundsAdjustment> OperatingBounds::rolled_back(const BoundsRules& rules, double current,
                                                           Nanos now) {
  rollbacks_.push_back(now);
  while (!rollbacks_.empty() && rollbacks_.front() <= now - rules.window) rollbacks_.pop_front();
  std::vector<BoundsAdjustment> made{contract(rules, current, now, "a change was rolled back")};
  if (!frozen_ && rules.rollback_threshold > 0 && rollbacks_.size() >= rules.rollback_threshold) {
    frozen_ = true;
    made.push_back(record(now, "freeze", min_, max_,
                          std::to_string(rollbacks_.size()) + " rollbacks within " +
                              std::to_string(rules.window / kDay) +
                              " days: frozen for autopilot, flagged for triage"));
  }
  return made;
}

std::optional<BoundsAdjustment> OperatingBounds::unfreeze(Nanos now, const std::string& who) {
  if (!frozen_) return std::nullopt;
  frozen_ = false;
  rollbacks_.clear();
  return record(now, "unfreeze", min_, max_, "unfrozen by " + who);
}

BoundsAdjustment OperatingBounds::patch(double min, double max, Nanos now, const std::string& why) {
  return record(now, "patch", min, max, why);
}

Result<OperatingBounds> OperatingBounds::patched(double min, double max, double hard_min,
                                                 double hard_max, Nanos now,
                                                 const std::string& why) {
  auto made = make(min, max, hard_min, hard_max, now);
  if (!made) return made;
  made->history_.front() = {now, "patch", hard_min, hard_max, min, max, why};
  made->from_patch_ = true;
  return made;
}

std::string OperatingBounds::to_json() const {
  nlohmann::json doc = {{"min", min_},
                        {"max", max_},
                        {"since", since_},
                        {"frozen", frozen_},
                        {"touched_min", touched_min_},
                        {"touched_max", touched_max_},
                        {"rollbacks", nlohmann::json(rollbacks_)}};
  if (from_patch_) doc["patched"] = true;
  nlohmann::json& history = doc["history"] = nlohmann::json::array();
  for (const BoundsAdjustment& a : history_) {
    history.push_back({{"at", a.at},
                       {"kind", a.kind},
                       {"old", {a.old_min, a.old_max}},
                       {"new", {a.new_min, a.new_max}},
                       {"why", a.why}});
  }
  return dump(doc);
}

Result<OperatingBounds> OperatingBounds::from_json(const std::string& text, double hard_min,
                                                   double hard_max) {
  auto doc = parse_json(text);
  if (!doc) return Error{"operating bounds: " + doc.error()};
  try {
    const nlohmann::json& d = *doc;
    // Hard bounds are config, and may have moved since this was saved: the range is kept
    // inside them (the history below says where it had been).
    const double lo = d.at("min").get<double>(), hi = d.at("max").get<double>();
    const double clipped_lo = std::clamp(lo, hard_min, hard_max);
    const double clipped_hi = std::clamp(hi, clipped_lo, hard_max);
    auto made = make(clipped_lo, clipped_hi, hard_min, hard_max, stored_time(d.at("since")));
    if (!made) return Error{"operating bounds: " + made.error()};
    OperatingBounds b = std::move(made).value();
    b.frozen_ = d.at("frozen").get<bool>();
    b.touched_min_ = d.at("touched_min").get<bool>();
    b.touched_max_ = d.at("touched_max").get<bool>();
    b.from_patch_ = d.value("patched", false);
    for (const auto& t : d.at("rollbacks")) b.rollbacks_.push_back(stored_time(t));
    b.history_.clear();
    for (const auto& a : d.at("history")) {
      b.history_.push_back({stored_time(a.at("at")), a.at("kind").get<std::string>(),
                            a.at("old").at(0).get<double>(), a.at("old").at(1).get<double>(),
                            a.at("new").at(0).get<double>(), a.at("new").at(1).get<double>(),
                            a.at("why").get<std::string>()});
    }
    if (clipped_lo != lo || clipped_hi != hi) {
      b.history_.push_back({b.since_, "clip", lo, hi, clipped_lo, clipped_hi,
                            "the hard bounds in config no longer hold the saved range"});
    }
    return b;
  } catch (const nlohmann::json::exception&) {
    return Error{"operating bounds: not the document this build writes"};
  }
}

}  // namespace setpoint::autopilot
