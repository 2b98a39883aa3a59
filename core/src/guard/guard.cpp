// The guard, over 400 lines on purpose: every check a proposal passes (bounds, step, cooldown,
// change rate, stabilization, action caps, overrides, rollbacks) is here in the order vet()
// applies them, so what can reach a target is reviewed in one place.
#include "setpoint/guard/guard.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "setpoint/guard/change_limits.hpp"

namespace setpoint {
namespace {

Verdict block(Verdict v, Reason reason) {
  v.kind = VerdictKind::kBlock;
  v.reason = reason;
  return v;
}

void clamp_to(Verdict& v, double limit, Reason reason) {
  v.value = limit;
  v.limit = limit;
  v.kind = VerdictKind::kClamp;
  v.reason = reason;
  v.clamps |= 1u << static_cast<unsigned>(reason);
}

bool granted(const std::vector<std::string>& policies, std::string_view policy) {
  return std::find(policies.begin(), policies.end(), policy) != policies.end();
}

}  // namespace

const char* direction_name(Direction direction) {
  switch (direction) {
    case Direction::kUp: return "up";
    case Direction::kDown: return "down";
    case Direction::kBoth: return "both";
  }
  return "both";
}

std::optional<Reason> typed_value(const ParameterSpec& spec, const ProposedValue& value,
                                  double& out) {
  switch (spec.type) {
    case ParamType::kInt:
    case ParamType::kFloat:
    case ParamType::kDuration:
      if (!std::holds_alternative<double>(value)) return Reason::kWrongType;
      out = std::get<double>(value);
      if (!std::isfinite(out)) return Reason::kNotFinite;
      if (spec.type == ParamType::kInt) out = std::round(out);
      return std::nullopt;
    case ParamType::kBool:
      if (!std::holds_alternative<bool>(value)) return Reason::kWrongType;
      out = std::get<bool>(value) ? 1 : 0;
      return std::nullopt;
    case ParamType::kEnum: {
      if (!std::holds_alternative<std::string>(value)) return Reason::kWrongType;
      const auto& text = std::get<std::string>(value);
      const auto it = std::find(spec.choices.begin(), spec.choices.end(), text);
      if (it == spec.choices.end()) return Reason::kWrongType;
      out = static_cast<double>(it - spec.choices.begin());
      return std::nullopt;
    }
  }
  return Reason::kWrongType;
}

namespace {

void prune(std::deque<Nanos>& times, Nanos now, Nanos window) {
  while (!times.empty() && times.front() <= now - window) times.pop_front();
}

}  // namespace

Guard::Guard(std::vector<ParameterSpec> parameters, std::vector<ActionSpec> actions,
             GuardLimits limits)
    : parameters_(std::move(parameters)), actions_(std::move(actions)), limits_(limits) {
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    parameter_index_.emplace(parameters_[i].name, i);
    ParamState state;
    state.value = parameters_[i].initial;
    state.directions.assign(parameters_[i].sustained_n, 0);
    param_states_.push_back(std::move(state));
  }
  for (std::size_t i = 0; i < actions_.size(); ++i) action_index_.emplace(actions_[i].name, i);
  action_states_.resize(actions_.size());
}

const ParameterSpec* Guard::parameter(std::string_view name) const {
  const auto it = parameter_index_.find(std::string(name));
  return it == parameter_index_.end() ? nullptr : &parameters_[it->second];
}

const ActionSpec* Guard::action(std::string_view name) const {
  const auto it = action_index_.find(std::string(name));
  return it == action_index_.end() ? nullptr : &actions_[it->second];
}

std::optional<double> Guard::value(std::string_view name) const {
  const auto it = parameter_index_.find(std::string(name));
  if (it == parameter_index_.end()) return std::nullopt;
  return param_states_[it->second].value;
}

std::optional<Nanos> Guard::last_change(std::string_view name) const {
  const auto it = parameter_index_.find(std::string(name));
  if (it == parameter_index_.end() || param_states_[it->second].last_change == kNever)
    return std::nullopt;
  return param_states_[it->second].last_change;
}

std::optional<Override> Guard::override_of(std::string_view name) const {
  const auto it = parameter_index_.find(std::string(name));
  if (it == parameter_index_.end()) return std::nullopt;
  return param_states_[it->second].override;
}

Verdict Guard::vet(const Proposal& p, Nanos now) {
  if (p.kind == Proposal::Kind::kAct) {
    const auto it = action_index_.find(p.target);
    if (it == action_index_.end()) return block({}, Reason::kUnknownTarget);
    return vet_act(actions_[it->second], p, now);
  }
  const auto it = parameter_index_.find(p.target);
  if (it == parameter_index_.end()) return block({}, Reason::kUnknownTarget);
  if (p.kind == Proposal::Kind::kBounds)
    return vet_bounds(parameters_[it->second], param_states_[it->second], p);
  return vet_set(parameters_[it->second], param_states_[it->second], p, now);
}

bool Guard::paused(std::string_view policy, std::string_view target, int direction, Nanos now,
                   Nanos& until) const {
  for (const auto& pause : pauses_) {
    if (pause.until != 0 && pause.until <= now) continue;
    bool hit = false;
    switch (pause.scope) {
      case Pause::Scope::kGlobal: hit = true; break;
      case Pause::Scope::kPolicy: hit = pause.name == policy; break;
      case Pause::Scope::kTarget:
        hit = pause.name == target && (pause.direction == Direction::kBoth ||
                                       (pause.direction == Direction::kUp && direction > 0) ||
                                       (pause.direction == Direction::kDown && direction < 0));
        break;
    }
    if (hit) {
      until = pause.until == 0 ? 0 : pause.until - now;
      return true;
    }
  }
  return false;
}

std::string Guard::held_by_operator(std::string_view parameter, std::string_view policy,
                                    int direction, Nanos now) const {
  const auto it = parameter_index_.find(std::string(parameter));
  if (it == parameter_index_.end()) return "";
  const auto& o = param_states_[it->second].override;
  if (o && !o->hold && o->until > now) {  // in force as vet() sees it
    char value[32];
    std::snprintf(value, sizeof value, "%g", o->value);
    return std::string(parameter) + " is pinned at " + value + " by an operator";
  }
  Nanos until = 0;
  if (paused(policy, parameter, direction, now, until))
    return std::string(parameter) + " is paused by an operator";
  return "";
}

bool Guard::capped(std::string_view policy, Nanos now, Verdict& v) {
  if (limits_.per_policy_per_hour > 0) {
    auto it = policy_actions_.find(std::string(policy));
    if (it != policy_actions_.end()) {
      prune(it->second, now, kHour);
      if (it->second.size() >= limits_.per_policy_per_hour) {
        v.retry_after = it->second.front() + kHour - now;
        v.limit = limits_.per_policy_per_hour;
        v.kind = VerdictKind::kBlock;
        v.reason = Reason::kPolicyCap;
        return true;
      }
    }
  }
  if (limits_.global_per_hour > 0) {
    prune(global_actions_, now, kHour);
    if (global_actions_.size() >= limits_.global_per_hour) {
      v.retry_after = global_actions_.front() + kHour - now;
      v.limit = limits_.global_per_hour;
      v.kind = VerdictKind::kBlock;
      v.reason = Reason::kGlobalCap;
      return true;
    }
  }
  return false;
}

Verdict Guard::vet_set(const ParameterSpec& spec, ParamState& state, const Proposal& p, Nanos now) {
  Verdict v;
  v.current = state.value;
  if (!granted(spec.policies, p.policy)) return block(v, Reason::kNotGranted);
  if (auto bad = typed_value(spec, p.value, v.proposed)) return block(v, *bad);
  v.value = v.proposed;
  v.kind = VerdictKind::kAllow;
  const int direction = v.proposed > v.current ? 1 : (v.proposed < v.current ? -1 : 0);

  // A value outside its bounds (config tightened them) goes straight back in, as HPA's does:
  // no stabilization and no rate policies for that move.
  const bool outside = spec.numeric() && (v.current > spec.max || v.current < spec.min);

  // The evaluation counts for the sustained and stabilization rules whatever comes next.
  if (!state.directions.empty()) {
    state.directions[state.next_direction] = static_cast<std::int8_t>(direction);
    state.next_direction = (state.next_direction + 1) % state.directions.size();
  }
  const Nanos window = std::max(spec.up.stabilization, spec.down.stabilization);
  if (window > 0 && !outside) {
    // HPA's first recommendation is the value it found: a new parameter does not move past
    // it for the first window.
    if (!state.seeded) state.recommendations.emplace_back(now, v.current);
    state.seeded = true;
    while (!state.recommendations.empty() && state.recommendations.front().first <= now - window) {
      state.recommendations.pop_front();
    }
    state.recommendations.emplace_back(now, v.proposed);
  }

  if (paused(p.policy, spec.name, direction, now, v.retry_after)) return block(v, Reason::kPaused);
  if (state.override && state.override->until > now) {
    v.retry_after = state.override->until - now;
    v.limit = state.override->value;
    return block(v, state.override->hold ? Reason::kRollbackHold : Reason::kOverridden);
  }
  if (!state.rollout.empty()) return block(v, Reason::kRolloutInFlight);

  if (spec.numeric()) {
    if (window > 0 && !outside) stabilize(spec, state, v, now);
    if (v.value > spec.max) {
      clamp_to(v, spec.max, Reason::kBounds);
      v.saturated = 1;
    } else if (v.value < spec.min) {
      clamp_to(v, spec.min, Reason::kBounds);
      v.saturated = -1;
    }
    if (state.operating && (!p.cycle.empty() || state.operating->every_policy) &&
        !vet_operating(spec, *state.operating, v))
      return v;
    const DirectionRules& rules = v.value >= v.current ? spec.up : spec.down;
    const int moving = v.value > v.current ? 1 : (v.value < v.current ? -1 : 0);
    const bool whole = spec.type == ParamType::kInt;
    if (moving != 0 && rules.max_step) {
      // Integer parameters move in whole units: a step is rounded away from the current value,
      // so a percent step never sticks at 0.
      double limit = step_limit(*rules.max_step, v.current, moving);
      if (whole) limit = moving > 0 ? std::ceil(limit) : std::floor(limit);
      if ((moving > 0 && v.value > limit) || (moving < 0 && v.value < limit))
        clamp_to(v, limit, Reason::kStep);
    }
    if (moving != 0 && !outside && (!rules.rate.empty() || rules.select == RateSelect::kDisabled)) {
      const double limit = rate_limit(rules, state.changes, v.current, moving, now, whole);
      if ((moving > 0 && v.value > limit) || (moving < 0 && v.value < limit))
        clamp_to(v, limit, Reason::kRate);
    }
  }

  const double change = v.value - v.current;
  if (change == 0) return block(v, v.kind == VerdictKind::kClamp ? v.reason : Reason::kNoChange);
  const DirectionRules& rules = change > 0 ? spec.up : spec.down;
  if (std::abs(change) < rules.deadband) {
    v.limit = rules.deadband;
    return block(v, Reason::kDeadband);
  }
  if (state.last_change != kNever && now - state.last_change < rules.cooldown) {
    v.retry_after = state.last_change + rules.cooldown - now;
    v.limit = static_cast<double>(rules.cooldown) / kNanosPerSecond;
    return block(v, Reason::kCooldown);
  }
  if (!spec.settle_group.empty()) {
    const auto it = settled_.find(spec.settle_group);
    if (it != settled_.end() && it->second.second != spec.name &&
        now - it->second.first < spec.settle_time) {
      v.retry_after = it->second.first + spec.settle_time - now;
      return block(v, Reason::kSettling);
    }
  }
  if (spec.sustained_m > 0) {
    const int wanted = change > 0 ? 1 : -1;
    v.agree = static_cast<std::uint32_t>(
        std::count(state.directions.begin(), state.directions.end(), wanted));
    v.of = spec.sustained_n;
    if (v.agree < spec.sustained_m) return block(v, Reason::kNotSustained);
  }
  capped(p.policy, now, v);
  return v;
}

// HPA's stabilizeRecommendationWithBehaviors: from the current value, up to the lowest
// recommendation of the up window, down to the highest of the down window (a recommendation
// counts when strictly newer than now - window; the proposal itself always does).
void Guard::stabilize(const ParameterSpec& spec, const ParamState& state, Verdict& v, Nanos now) {
  double lowest = v.proposed;
  double highest = v.proposed;
  for (const auto& [when, value] : state.recommendations) {
    if (when > now - spec.up.stabilization) lowest = std::min(lowest, value);
    if (when > now - spec.down.stabilization) highest = std::max(highest, value);
  }
  double stabilized = v.current;
  if (stabilized < lowest) stabilized = lowest;
  if (stabilized > highest) stabilized = highest;
  if (stabilized != v.proposed) clamp_to(v, stabilized, Reason::kStabilized);
}

Verdict Guard::vet_act(const ActionSpec& spec, const Proposal& p, Nanos now) {
  Verdict v;
  if (!granted(spec.policies, p.policy)) return block(v, Reason::kNotGranted);
  const std::string* key_value = nullptr;
  for (const auto& given : p.args) {
    const std::string& name = given.first;
    const ProposedValue& value = given.second;
    const auto arg = std::find_if(spec.args.begin(), spec.args.end(),
                                  [&](const ActionArg& a) { return a.name == name; });
    if (arg == spec.args.end()) return block(v, Reason::kBadArgument);
    switch (arg->type) {
      case ActionArg::Type::kString: {
        if (!std::holds_alternative<std::string>(value)) return block(v, Reason::kBadArgument);
        const auto& text = std::get<std::string>(value);
        if (std::find(arg->allowed.begin(), arg->allowed.end(), text) == arg->allowed.end()) {
          return block(v, Reason::kBadArgument);
        }
        if (name == spec.cooldown_key) key_value = &text;
        break;
      }
      case ActionArg::Type::kBool:
        if (!std::holds_alternative<bool>(value)) return block(v, Reason::kBadArgument);
        break;
      case ActionArg::Type::kInt:
      case ActionArg::Type::kNumber: {
        if (!std::holds_alternative<double>(value)) return block(v, Reason::kBadArgument);
        const double x = std::get<double>(value);
        if (!std::isfinite(x) || x < arg->min || x > arg->max ||
            (arg->type == ActionArg::Type::kInt && x != std::floor(x))) {
          return block(v, Reason::kBadArgument);
        }
        break;
      }
    }
  }
  for (const auto& arg : spec.args) {
    if (!arg.required) continue;
    const bool given = std::any_of(p.args.begin(), p.args.end(),
                                   [&](const auto& a) { return a.first == arg.name; });
    if (!given) return block(v, Reason::kBadArgument);
  }
  v.kind = VerdictKind::kAllow;
  if (paused(p.policy, spec.name, 0, now, v.retry_after)) return block(v, Reason::kPaused);

  auto& state = action_states_[static_cast<std::size_t>(&spec - actions_.data())];
  if (spec.cooldown > 0) {
    const auto it = state.last_by_key.find(key_value ? *key_value : std::string());
    if (it != state.last_by_key.end() && now - it->second < spec.cooldown) {
      v.retry_after = it->second + spec.cooldown - now;
      return block(v, Reason::kCooldown);
    }
  }
  if (spec.max_per_hour > 0) {
    prune(state.recent, now, kHour);
    if (state.recent.size() >= spec.max_per_hour) {
      v.retry_after = state.recent.front() + kHour - now;
      v.limit = spec.max_per_hour;
      return block(v, Reason::kActionCap);
    }
  }
  capped(p.policy, now, v);
  return v;
}

void Guard::count_action(std::string_view policy, Nanos now) {
  policy_actions_[std::string(policy)].push_back(now);
  global_actions_.push_back(now);
  prune(global_actions_, now, kHour);
}

void Guard::applied(const Proposal& p, const Verdict& v, Nanos now) {
  if (!v.allowed()) return;
  if (p.kind == Proposal::Kind::kAct) {
    const auto it = action_index_.find(p.target);
    if (it == action_index_.end()) return;
    const ActionSpec& spec = actions_[it->second];
    auto& state = action_states_[it->second];
    std::string key;
    for (const auto& [name, value] : p.args) {
      if (name == spec.cooldown_key && std::holds_alternative<std::string>(value))
        key = std::get<std::string>(value);
    }
    state.last_by_key[key] = now;
    state.recent.push_back(now);
    count_action(p.policy, now);
    return;
  }
  const auto it = parameter_index_.find(p.target);
  if (it == parameter_index_.end()) return;
  const ParameterSpec& spec = parameters_[it->second];
  ParamState& state = param_states_[it->second];
  state.changes.emplace_back(now, v.value - state.value);
  Nanos longest = 0;
  for (const auto* rules : {&spec.up, &spec.down}) {
    for (const auto& r : rules->rate) longest = std::max(longest, r.period);
  }
  while (!state.changes.empty() && state.changes.front().first <= now - longest)
    state.changes.pop_front();
  state.value = v.value;
  state.last_change = now;
  if (!spec.settle_group.empty()) settled_[spec.settle_group] = {now, spec.name};
  count_action(p.policy, now);
}

// An autopilot cycle's proposal (or any, under an operator's patch) stays inside the operating
// bounds, which lie inside the hard bounds; a frozen parameter is not the autopilot's to move.
// False when it is blocked.
bool Guard::vet_operating(const ParameterSpec& spec, const OperatingRange& range, Verdict& v) {
  if (range.frozen) {
    v = block(v, Reason::kFrozen);
    return false;
  }
  const Reason why = range.every_policy ? Reason::kPatchedBounds : Reason::kOperatingBounds;
  double lo = range.min, hi = range.max;
  if (spec.type == ParamType::kInt) {
    if (std::ceil(lo) <= std::floor(hi)) {
      lo = std::ceil(lo);  // whole units, still inside the range
      hi = std::floor(hi);
    } else {  // a range narrower than one unit: the whole value nearest it, never a fraction
      lo = hi = std::clamp(std::round((lo + hi) / 2), spec.min, spec.max);
    }
  }
  if (v.value > hi) {
    clamp_to(v, hi, why);
    v.saturated = 1;
  } else if (v.value < lo) {
    clamp_to(v, lo, why);
    v.saturated = -1;
  }
  return true;
}

void Guard::set_operating_range(std::string_view parameter, std::optional<OperatingRange> range) {
  const auto it = parameter_index_.find(std::string(parameter));
  if (it != parameter_index_.end()) param_states_[it->second].operating = range;
}

bool Guard::set_rollout(std::string_view parameter, const std::string& id) {
  const auto it = parameter_index_.find(std::string(parameter));
  if (it == parameter_index_.end()) return false;
  param_states_[it->second].rollout = id;
  return true;
}

std::string Guard::rollout_of(std::string_view parameter) const {
  const auto it = parameter_index_.find(std::string(parameter));
  return it == parameter_index_.end() ? std::string() : param_states_[it->second].rollout;
}

std::optional<OperatingRange> Guard::operating_range(std::string_view parameter) const {
  const auto it = parameter_index_.find(std::string(parameter));
  if (it == parameter_index_.end()) return std::nullopt;
  return param_states_[it->second].operating;
}

Verdict Guard::vet_rollback(std::string_view parameter, double value) const {
  Verdict v;
  const auto it = parameter_index_.find(std::string(parameter));
  if (it == parameter_index_.end()) return block(v, Reason::kUnknownTarget);
  const ParameterSpec& spec = parameters_[it->second];
  v.current = param_states_[it->second].value;
  v.proposed = v.value = value;
  if (!std::isfinite(value)) return block(v, Reason::kNotFinite);
  v.kind = VerdictKind::kAllow;
  if (spec.numeric() && value > spec.max) clamp_to(v, spec.max, Reason::kBounds);
  if (spec.numeric() && value < spec.min) clamp_to(v, spec.min, Reason::kBounds);
  if (v.value == v.current) return block(v, Reason::kNoChange);
  return v;
}

void Guard::rolled_back(std::string_view parameter, double value, Nanos now) {
  const auto it = parameter_index_.find(std::string(parameter));
  if (it == parameter_index_.end()) return;
  ParamState& state = param_states_[it->second];
  state.changes.emplace_back(now, value - state.value);
  state.value = value;
  state.last_change = now;
}

void Guard::pause(Pause pause) { pauses_.push_back(std::move(pause)); }

std::size_t Guard::resume(Pause::Scope scope, std::string_view name,
                          std::optional<Direction> direction) {
  return std::erase_if(pauses_, [&](const Pause& p) {
    return p.scope == scope && p.name == name && (!direction || p.direction == *direction);
  });
}

bool Guard::set_override(std::string_view parameter, double value, Nanos until, bool hold) {
  const auto it = parameter_index_.find(std::string(parameter));
  if (it == parameter_index_.end()) return false;
  param_states_[it->second].override = Override{value, until, hold};
  param_states_[it->second].value = value;
  return true;
}

bool Guard::clear_override(std::string_view parameter) {
  const auto it = parameter_index_.find(std::string(parameter));
  if (it == parameter_index_.end() || !param_states_[it->second].override) return false;
  param_states_[it->second].override.reset();
  return true;
}

}  // namespace setpoint
