#include "setpoint/canary/rollout.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"

namespace setpoint::canary {

std::uint32_t RolloutPlan::looks_per_step() const {
  if (interval <= 0) return 1;
  const Nanos looks = std::max<Nanos>(1, (step_duration + interval - 1) / interval);
  return static_cast<std::uint32_t>(std::min<Nanos>(looks, 1'000'000));
}

std::uint32_t RolloutPlan::judged_steps() const {
  std::uint32_t n = 0;
  for (double s : steps) n += s < 100 ? 1 : 0;
  return n;
}

Result<void> RolloutPlan::check() {
  if (steps.empty()) return Error{"steps: at least one step"};
  double last = 0;
  for (double s : steps) {
    if (!(s > 0 && s <= 100))
      return Error{"steps: each is a percent of traffic above 0, at most 100"};
    if (s <= last) {
      char text[96];
      std::snprintf(text, sizeof text, "steps must rise: %g after %g", s, last);
      return Error{text};
    }
    last = s;
  }
  if (judged_steps() == 0) return Error{"steps: a step below 100 is needed to judge the canary"};
  if (step_duration <= 0) return Error{"step_duration must be positive"};
  if (interval <= 0 || interval > step_duration)
    return Error{"interval must be positive and at most step_duration"};
  if (judge.kpis.empty()) return Error{"kpis: at least one KPI"};
  if (!(judge.false_rollback_rate > 0 && judge.false_rollback_rate < 0.5))
    return Error{"false_rollback_rate must be above 0 and below 0.5"};
  judge.planned_looks = judged_steps() * looks_per_step();
  return {};
}

std::string_view status_name(RolloutStatus status) {
  switch (status) {
    case RolloutStatus::kRunning: return "running";
    case RolloutStatus::kHeld: return "held";
    case RolloutStatus::kPromoted: return "promoted";
    case RolloutStatus::kRolledBack: return "rolled_back";
  }
  return "?";
}

std::optional<RolloutStatus> parse_rollout_status(std::string_view text) {
  for (auto s : {RolloutStatus::kRunning, RolloutStatus::kHeld, RolloutStatus::kPromoted,
                 RolloutStatus::kRolledBack}) {
    if (status_name(s) == text) return s;
  }
  return std::nullopt;
}

double Rollout::weight(const RolloutPlan& plan) const {
  if (!active() || step >= plan.steps.size()) return 0;
  return plan.steps[step];
}

namespace {

RolloutMove end(Rollout& r, RolloutStatus status, std::string reason, std::string by, Nanos now) {
  r.status = status;
  r.reason = std::move(reason);
  r.ended_by = std::move(by);
  r.ended_at = now;
  return {status == RolloutStatus::kPromoted ? RolloutMove::Kind::kPromote
                                             : RolloutMove::Kind::kRollBack,
          0};
}

}  // namespace

std::pair<Rollout, RolloutMove> start_rollout(const RolloutPlan& plan, std::string parameter,
                                              double baseline, double canary, std::int64_t decision,
                                              Nanos now) {
  Rollout r;
  r.id = parameter + "@" + format_rfc3339(now);
  r.parameter = std::move(parameter);
  r.baseline = baseline;
  r.canary = canary;
  r.decision = decision;
  r.started_at = r.step_started_at = now;
  r.next_look_at = now + plan.interval;
  r.reason = "step 1 of " + std::to_string(plan.judged_steps()) + " at " +
             std::to_string(static_cast<int>(plan.steps[0])) + " %";
  return {std::move(r), {RolloutMove::Kind::kWeight, plan.steps[0]}};
}

RolloutMove look_at(Rollout& r, const RolloutPlan& plan, const Judge& judge,
                    std::vector<std::pair<Cohort, Cohort>> data, Nanos now, Look& look) {
  if (r.status != RolloutStatus::kRunning) return {};
  ++r.step_looks;
  // By looks, or by time when the looks came late (a slow pass, a restart): a step never
  // lasts longer than planned.
  const bool end_of_step =
      r.step_looks >= plan.looks_per_step() || now - r.step_started_at >= plan.step_duration;
  look = judge.look(r.judge, data, end_of_step);
  r.fixed_horizon_failed = r.fixed_horizon_failed || look.fixed_horizon_fail;
  r.data = std::move(data);
  r.reason = look.sentence;
  r.next_look_at = now + plan.interval;
  switch (look.verdict) {
    case LookVerdict::kContinue: return {};
    case LookVerdict::kFail: return end(r, RolloutStatus::kRolledBack, look.sentence, "judge", now);
    case LookVerdict::kInconclusive:
      if (plan.hold_when_inconclusive) {
        r.status = RolloutStatus::kHeld;  // the weight stays; an operator promotes or aborts
        return {};
      }
      return end(r, RolloutStatus::kRolledBack, look.sentence, "judge", now);
    case LookVerdict::kPass: break;
  }
  ++r.step;
  r.step_looks = 0;
  r.step_started_at = now;
  if (r.step >= plan.steps.size() || plan.steps[r.step] >= 100)
    return end(r, RolloutStatus::kPromoted, look.sentence, "judge", now);
  return {RolloutMove::Kind::kWeight, plan.steps[r.step]};
}

RolloutMove abort_rollout(Rollout& r, const std::string& who, Nanos now) {
  if (!r.active()) return {};
  return end(r, RolloutStatus::kRolledBack, "aborted by " + who, who, now);
}

RolloutMove promote_rollout(Rollout& r, const std::string& who, Nanos now) {
  if (!r.active()) return {};
  return end(r, RolloutStatus::kPromoted, "promoted by " + who, who, now);
}

RolloutMove actuation_failed(Rollout& r, const std::string& error, Nanos now) {
  if (!r.active()) return {};
  return end(r, RolloutStatus::kRolledBack, "the canary's actuator failed: " + error, "engine",
             now);
}

std::string Rollout::state_json() const {
  nlohmann::json cohorts = nlohmann::json::array();
  for (const auto& [canary_side, baseline_side] : data) {
    cohorts.push_back(
        {parse_own_json(canary_side.to_json()), parse_own_json(baseline_side.to_json())});
  }
  return dump({{"step", step},
               {"step_looks", step_looks},
               {"step_started_at", step_started_at},
               {"next_look_at", next_look_at},
               {"judge", parse_own_json(judge.to_json())},
               {"data", cohorts},
               {"ended_by", ended_by},
               {"fixed_horizon_failed", fixed_horizon_failed},
               {"shadow", shadow},
               {"settling", settling},
               {"policy", policy},
               {"version", version}});
}

Result<void> Rollout::restore_state(std::string_view json, std::size_t kpis) {
  const auto doc = parse_own_json(json);
  const auto number = [&](const char* key) -> std::optional<std::int64_t> {
    const auto it = doc.is_object() ? doc.find(key) : doc.end();
    if (it == doc.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<std::int64_t>();
  };
  const auto s = number("step"), looks = number("step_looks"), started = number("step_started_at"),
             next = number("next_look_at");
  if (!s || !looks || !started || !next || *s < 0 || *looks < 0)
    return Error{"rollout " + id + ": its saved state is damaged (step, looks or times)"};
  const auto judged = doc.find("judge");
  auto state = JudgeState::from_json(judged == doc.end() ? "" : dump(*judged), kpis);
  if (!state) return Error{"rollout " + id + ": " + state.error()};
  std::vector<std::pair<Cohort, Cohort>> cohorts;
  const auto list = doc.find("data");
  if (list == doc.end() || !list->is_array())
    return Error{"rollout " + id + ": its saved cohorts are damaged"};
  for (const auto& pair : *list) {
    if (!pair.is_array() || pair.size() != 2)
      return Error{"rollout " + id + ": its saved cohorts are damaged"};
    auto a = Cohort::from_json(dump(pair[0])), b = Cohort::from_json(dump(pair[1]));
    if (!a || !b) return Error{"rollout " + id + ": " + (a ? b.error() : a.error())};
    cohorts.emplace_back(std::move(*a), std::move(*b));
  }
  step = static_cast<std::size_t>(*s);
  step_looks = static_cast<std::uint32_t>(std::min<std::int64_t>(*looks, 1'000'000));
  step_started_at = *started;
  next_look_at = *next;
  judge = std::move(*state);
  data = std::move(cohorts);
  const auto text = [&](const char* key) {
    const auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  ended_by = text("ended_by");
  const auto fixed = doc.find("fixed_horizon_failed");
  fixed_horizon_failed = fixed != doc.end() && fixed->is_boolean() && fixed->get<bool>();
  const auto is_shadow = doc.find("shadow");
  shadow = is_shadow != doc.end() && is_shadow->is_boolean() && is_shadow->get<bool>();
  const auto is_settling = doc.find("settling");
  settling = is_settling != doc.end() && is_settling->is_boolean() && is_settling->get<bool>();
  policy = text("policy");
  version = text("version");
  return {};
}

}  // namespace setpoint::canary
