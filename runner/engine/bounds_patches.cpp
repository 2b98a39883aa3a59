// Bounds patches an operator approved (a weekly triage's ctx:suggest_bounds): the operating
// bounds move, inside the hard bounds the guard checked. A parameter with sliding bounds has
// them patched (cycles keep to them, and they go on learning from there); any other parameter
// gets a range of its own that every policy's proposals are held to, kept in parameter_bounds
// like the sliding ones so a restart or a reload keeps it.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "engine/autopilot.hpp"

namespace setpoint::runner {
namespace {

std::string range(double min, double max) {
  char text[64];
  std::snprintf(text, sizeof text, "[%g, %g]", min, max);
  return text;
}

}  // namespace

Result<std::string> Autopilot::patch_bounds(const Decision& patch, Nanos now) {
  const std::string& parameter = patch.proposal.target;
  const ParameterSpec* spec = guard_->parameter(parameter);
  if (spec == nullptr || !spec->numeric()) return Error{parameter + " is no numeric parameter"};
  // The range the guard took (an int's inward to whole units), vetted again at approval.
  const double min = patch.verdict.proposed, max = patch.verdict.value;
  const std::string why = "bounds patch " + std::to_string(patch.id) + " of " + patch.policy +
                          ", approved by " + patch.approved_by;
  const bool sliding = bounds_.count(parameter) > 0;
  autopilot::OperatingBounds next;
  std::string before;
  if (sliding || patched_.count(parameter)) {
    next = sliding ? bounds_.at(parameter) : patched_.at(parameter);
    before = range(next.min(), next.max());
    next.patch(min, max, now, why);
  } else {
    auto made = autopilot::OperatingBounds::patched(min, max, spec->min, spec->max, now, why);
    if (!made) return Error{made.error()};
    next = std::move(made).value();
    before = "its hard bounds " + range(spec->min, spec->max);
  }
  // On disk first: a patch that a restart would forget is not applied.
  const auto& rules = sliding ? sliding_.at(parameter).rules : autopilot::BoundsRules{};
  if (const auto saved = write_bounds_row(parameter, next, rules, now); !saved)
    return Error{"the new bounds cannot be recorded: " + saved.error()};
  ++counts_.bounds_adjustments;
  if (sliding) {
    bounds_[parameter] = std::move(next);
    guard_->set_operating_range(parameter, OperatingRange{min, max, bounds_[parameter].frozen()});
  } else {
    patched_[parameter] = std::move(next);
    guard_->set_operating_range(parameter, OperatingRange{min, max, false, true});
  }
  const std::string done = parameter + "'s operating bounds " + before + " -> " + range(min, max) +
                           (sliding ? " (its sliding bounds: autopilot cycles keep to them)"
                                    : " (every policy's proposals are held to them)");
  spdlog::info("bounds patch {}: {}", patch.id, done);
  return done;
}

// At start: the rows of parameters without sliding bounds that a patch made.
void Autopilot::load_patches(const std::vector<BoundsRow>& rows) {
  patched_.clear();
  for (const BoundsRow& row : rows) {
    if (sliding_.count(row.name)) continue;
    const ParameterSpec* spec = guard_->parameter(row.name);
    if (spec == nullptr || !spec->numeric()) continue;
    auto made = autopilot::OperatingBounds::from_json(row.state, spec->min, spec->max);
    if (!made || !made->from_patch()) continue;  // a parameter's old sliding bounds: not ours
    patched_[row.name] = std::move(made).value();
  }
  for (const auto& [name, b] : patched_)
    guard_->set_operating_range(name, OperatingRange{b.min(), b.max(), false, true});
}

// After a reload: the new guard holds the patched ranges too, kept inside its hard bounds (a
// parameter gone from config, or one that now has sliding bounds, leaves them behind).
void Autopilot::rebind_patches() {
  std::erase_if(patched_, [&](const auto& p) {
    const ParameterSpec* spec = guard_->parameter(p.first);
    return sliding_.count(p.first) > 0 || spec == nullptr || !spec->numeric();
  });
  for (auto& [name, b] : patched_) {
    const ParameterSpec* spec = guard_->parameter(name);
    if (auto kept = autopilot::OperatingBounds::from_json(b.to_json(), spec->min, spec->max))
      b = std::move(kept).value();
    guard_->set_operating_range(name, OperatingRange{b.min(), b.max(), false, true});
  }
}

}  // namespace setpoint::runner
