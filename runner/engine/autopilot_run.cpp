// How the engine runs an autopilot policy: each due run a cycle, begun (or skipped) before
// the policy runs, its impact later read from the hourly history (members of Engine); and what
// an operator can do to the autopilot (lift its pause, unfreeze a parameter).
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "engine/engine.hpp"
#include "engine/operator_actions.hpp"
#include "setpoint/base/utf8.hpp"
#include "setpoint/windows/window_stat.hpp"

namespace setpoint::runner {

bool Engine::paused_by_operator(const std::string& policy, Nanos wall) const {
  for (const Pause& p : guard_->pauses()) {
    if (p.until != 0 && p.until <= wall) continue;
    if (p.scope == Pause::Scope::kGlobal || (p.scope == Pause::Scope::kPolicy && p.name == policy))
      return true;
  }
  return false;
}

void Engine::run_cycle(const std::string& file, bindings::LivePolicy& live, RunningPolicy& running,
                       Nanos wall) {
  const std::string& name = live.info.name;
  if (!config_.autopilot.enabled) {  // autopilot.enabled: false turns all of it off
    ++running.skipped;
    ++metrics_.policies[name].skipped;
    return;
  }
  const auto cycle =
      autopilot_->begin(name, *live.info.autopilot, paused_by_operator(name, wall), wall);
  if (!cycle) {
    ++running.skipped;
    ++metrics_.policies[name].skipped;
    return;
  }
  evaluate(file, live, running, wall, *cycle);
}

Result<HistoryStat> Engine::history_stat(const std::string& series, const std::string& stat,
                                         Nanos from, Nanos to) {
  if (!history_reader_) return Error{"no history is kept (engine.history is off, or no store)"};
  const WindowStat* field = find_window_stat(stat);
  if (field == nullptr) return Error{"\"" + stat + "\" is not a window statistic"};
  const auto hours = history_reader_->read(series, from, to);
  if (!hours) return Error{hours.error()};
  constexpr Nanos kHour = 3600 * kNanosPerSecond;
  const auto answer = history::summarize(*hours, from, to, kHour, aggregator_.outcomes(), scratch_);
  HistoryStat out;
  out.hours_found = answer.hours_found;
  out.hours_asked = answer.hours_asked;
  if (answer.total.count > 0 && std::isfinite(answer.total.*field->field))
    out.value = answer.total.*field->field;
  return out;
}

nlohmann::json resume_autopilot(Engine& e, const std::vector<std::string>&, const nlohmann::json&,
                                const std::string& who) {
  const Nanos now = e.clock().wall();
  if (!e.autopilot().paused(now))
    throw Refusal{409, "autopilot is not paused by the drift monitor"};
  e.autopilot().lift(who, now);
  return {{"resumed", true}, {"see", "/v1/autopilot"}};
}

nlohmann::json unfreeze_parameter(Engine& e, const std::vector<std::string>& captures,
                                  const nlohmann::json&, const std::string& who) {
  const std::string parameter = captures.at(0);
  if (e.guard().parameter(parameter) == nullptr)
    throw Refusal{404, "no parameter " + utf8::printable(parameter, 200) + " in config"};
  if (e.autopilot().bounds().count(parameter) == 0)
    throw Refusal{409, utf8::printable(parameter, 200) +
                           " has no sliding_bounds: autopilot never freezes it"};
  if (!e.autopilot().unfreeze(parameter, who, e.clock().wall()))
    throw Refusal{409, utf8::printable(parameter, 200) + " is not frozen for autopilot"};
  return {{"parameter", parameter}, {"unfrozen", true}};
}

}  // namespace setpoint::runner
