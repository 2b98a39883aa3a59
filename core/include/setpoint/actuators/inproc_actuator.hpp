#pragma once
// The inproc actuator: applies vetted values to Adaptive<T> handles that the embedding program
// registered by key. Setting an atomic cannot fail, so apply() fails only for unknown keys and
// values of the wrong kind.
#include <functional>
#include <string>
#include <unordered_map>

#include "setpoint/actuators/actuator.hpp"
#include "setpoint/base/adaptive.hpp"

namespace setpoint {

class InprocActuator final : public Actuator {
 public:
  void bind(const std::string& key, Adaptive<double>& handle);
  void bind(const std::string& key, Adaptive<long long>& handle);
  void bind(const std::string& key, Adaptive<bool>& handle);

  ActuationResult apply(const Actuation& actuation) override;
  std::optional<ProposedValue> read_back(const std::string& key) override;

 private:
  struct Binding {
    std::function<bool(const ProposedValue&)> set;
    std::function<ProposedValue()> get;
  };
  std::unordered_map<std::string, Binding> bindings_;
};

// The log actuator: the change is recorded (by the audit) and nothing else happens.
class LogActuator final : public Actuator {
 public:
  ActuationResult apply(const Actuation&) override {
    return {ActuationResult::Status::kApplied, "logged only"};
  }
  std::optional<ProposedValue> read_back(const std::string&) override { return std::nullopt; }
};

}  // namespace setpoint
