#include "setpoint/actuators/inproc_actuator.hpp"

#include <cmath>

namespace setpoint {

void InprocActuator::bind(const std::string& key, Adaptive<double>& handle) {
  bindings_[key] = {[&handle](const ProposedValue& v) {
                      if (!std::holds_alternative<double>(v)) return false;
                      handle.set(std::get<double>(v));
                      return true;
                    },
                    [&handle] { return ProposedValue(handle.get()); }};
}

void InprocActuator::bind(const std::string& key, Adaptive<long long>& handle) {
  bindings_[key] = {[&handle](const ProposedValue& v) {
                      if (!std::holds_alternative<double>(v)) return false;
                      handle.set(std::llround(std::get<double>(v)));
                      return true;
                    },
                    [&handle] { return ProposedValue(static_cast<double>(handle.get())); }};
}

void InprocActuator::bind(const std::string& key, Adaptive<bool>& handle) {
  bindings_[key] = {[&handle](const ProposedValue& v) {
                      if (!std::holds_alternative<bool>(v)) return false;
                      handle.set(std::get<bool>(v));
                      return true;
                    },
                    [&handle] { return ProposedValue(handle.get()); }};
}

ActuationResult InprocActuator::apply(const Actuation& a) {
  const auto it = bindings_.find(a.key);
  if (it == bindings_.end())
    return {ActuationResult::Status::kFailed, "no in-process handle bound to " + a.key};
  if (!it->second.set(a.value))
    return {ActuationResult::Status::kFailed, "the value's type does not fit the handle " + a.key};
  return {ActuationResult::Status::kApplied, "set in process"};
}

std::optional<ProposedValue> InprocActuator::read_back(const std::string& key) {
  const auto it = bindings_.find(key);
  if (it == bindings_.end()) return std::nullopt;
  return it->second.get();
}

}  // namespace setpoint
