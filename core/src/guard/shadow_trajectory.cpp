// A shadow version of a policy is vetted by a guard of its own, so that what it would have
// done draws its own trajectory (its own values, cooldowns, sustained counts) while everything
// an operator or another policy does still reaches it: before each of its evaluations its
// guard is made the live one again, but for the trajectory of the shadow's own parameters.
#include "setpoint/guard/guard.hpp"

namespace setpoint {

void Guard::follow(const Guard& world, const std::vector<std::string>& own) {
  std::vector<std::pair<std::size_t, ParamState>> kept;
  for (const auto& name : own) {
    const auto mine = parameter_index_.find(name);
    const auto theirs = world.parameter_index_.find(name);
    if (mine == parameter_index_.end() || theirs == world.parameter_index_.end()) continue;
    kept.emplace_back(theirs->second, std::move(param_states_[mine->second]));
  }
  *this = world;
  for (auto& [index, trajectory] : kept) {
    ParamState& state = param_states_[index];
    // What an operator or a rollout holds is the world's; the moves are the shadow's.
    trajectory.override = std::move(state.override);
    trajectory.operating = std::move(state.operating);
    trajectory.rollout = std::move(state.rollout);
    state = std::move(trajectory);
  }
}

}  // namespace setpoint
