#include "simulator/rule_set_model.hpp"

#include <algorithm>
#include <stdexcept>

namespace setpoint::runner {

RuleSetModel::RuleSetModel(const std::vector<std::string>& names, Aggregator& aggregator,
                           std::uint64_t seed)
    : names_(names), rng_(seed) {
  for (std::size_t i = 0; i < names_.size(); ++i) enabled_.emplace_back(true);
  for (const auto& name : names_)
    series_.push_back(aggregator.resolve("rule.violations", {{"rule", name}}));
  ok_ = OutcomeSet::kOk;
}

Adaptive<bool>* RuleSetModel::enabled(const std::string& rule) {
  const auto it = std::find(names_.begin(), names_.end(), rule);
  return it == names_.end() ? nullptr : &enabled_[static_cast<std::size_t>(it - names_.begin())];
}

std::int64_t RuleSetModel::step(Nanos now, Nanos dt, const std::vector<double>& rates) {
  if (rates.size() != names_.size())
    throw std::invalid_argument("RuleSetModel::step: one rate per rule");
  const double seconds = static_cast<double>(dt) / kNanosPerSecond;
  std::int64_t blocked = 0;
  for (std::size_t i = 0; i < names_.size(); ++i) {
    std::poisson_distribution<std::int64_t> fired(std::max(0.0, rates[i]) * seconds);
    const std::int64_t n = rates[i] > 0 ? fired(rng_) : 0;
    for (std::int64_t j = 0; j < n; ++j) {
      if (series_[i]) series_[i].record(now + dt * j / n, ok_);
    }
    if (enabled_[i].get()) blocked += n;
  }
  return blocked;
}

}  // namespace setpoint::runner
