// A config reload (SIGHUP) on the engine thread, and schedules counted again from a time:
// what replaces the guard, the pipeline and the actuators while keeping what they remember.
#include <spdlog/spdlog.h>

#include "engine/engine.hpp"

namespace setpoint::runner {

Result<void> Engine::reload_config(Config next) {
  // The actuators are replaced: none may be in use, not even by an actuation past its timeout.
  if (pipeline_->in_flight() > 0 || (pool_ && !pool_->idle()) || !rollouts_->idle())
    return Error{"actuations are in flight; try again in a moment"};
  // Rollouts in flight are resumed from the store by the new config; without one they would be
  // forgotten.
  if (!store_ && rollouts_->in_flight() > 0)
    return Error{"a rollout is in flight and there is no store to resume it from"};
  // Nor may the actuators it moves go: its canary would stay where it is, on its slice.
  for (const auto& [parameter, id] : rollouts_->parameters_in_flight()) {
    const auto now_it = config_.rollouts.find(parameter);
    const auto next_it = next.rollouts.find(parameter);
    if (now_it != config_.rollouts.end() &&
        (next_it == next.rollouts.end() || !(next_it->second.canary == now_it->second.canary) ||
         !(next_it->second.weight == now_it->second.weight)))
      return Error{"parameters." + parameter + ".rollout: rollout " + id +
                   " is in flight, and the new config drops or changes its canary's actuators; "
                   "abort or promote it first"};
  }
  if (next.telemetry.windows.resolutions.size() != config_.telemetry.windows.resolutions.size() ||
      next.policies.dir != config_.policies.dir) {
    return Error{
        "telemetry windows and policies.dir cannot change while running; restart to change them"};
  }
  // The guard keeps what it remembers for parameters and actions that are still there.
  const std::string remembered = guard_->save_state();
  auto guard = std::make_unique<Guard>(next.parameters, next.actions, next.engine.caps);
  if (const auto loaded = guard->load_state(remembered); !loaded)
    return Error{"the guard state does not carry over: " + loaded.error()};
  rollouts_->checkpoint(clock().wall());  // resumed from the store by the new config
  rollouts_.reset();                      // it points into the config being replaced
  pipeline_.reset();
  actuators_.clear();
  guard_ = std::move(guard);
  const ControlPlaneConfig control = config_.control_plane;
  const TelemetryConfig telemetry = config_.telemetry;
  config_ = std::move(next);
  config_.control_plane = control;  // the listener and sources stay as they were started
  config_.telemetry = telemetry;
  share_limit_overrides();
  build_effects();
  autopilot_->rebind(config_, *guard_, *pipeline_, clock().wall());
  if (auto started = start_rollouts(); !started) spdlog::error("{}", started.error());
  status_->reconfigure(config_.statuses, *guard_, clock().wall());
  if (store_) {
    if (const auto restored = pipeline_->restore(); !restored)
      spdlog::error(
          "{}; nothing is saved over them, and they are read again at each pass until they can be",
          restored.error());
  }
  for (auto& [_, running] : running_) running.health = bindings::PolicyHealth(health_options());
  adopt(all_files(), clock().wall());
  publish(clock().wall());
  return {};
}

void Engine::restart_schedules(Nanos wall) {
  next_scan_ = wall;
  for (auto& [_, running] : running_) {
    if (running.schedule) running.next_due = running.schedule->next_after(wall);
  }
}

}  // namespace setpoint::runner
