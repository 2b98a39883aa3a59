#include "setpoint/windows/outcomes.hpp"

namespace setpoint {

OutcomeSet::OutcomeSet() {
  add("ok", false);
  add("error", true);
  add("timeout", true);
  alias("success", "ok");
  alias("failure", "error");
}

bool OutcomeSet::add(std::string name, bool failure) {
  if (find(name) || names_.size() >= kMax) return false;
  names_.push_back(std::move(name));
  failure_.push_back(failure);
  return true;
}

bool OutcomeSet::alias(std::string alias, std::string_view target) {
  auto index = find(target);
  if (!index) return false;
  aliases_.emplace_back(std::move(alias), *index);
  return true;
}

std::optional<OutcomeIndex> OutcomeSet::find(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<OutcomeIndex>(i);
  }
  for (const auto& [alias, index] : aliases_) {
    if (alias == name) return index;
  }
  return std::nullopt;
}

}  // namespace setpoint
