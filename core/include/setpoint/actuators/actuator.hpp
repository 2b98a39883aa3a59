#pragma once
// An actuator is the only thing that touches the outside world, and only with what the guard
// allowed. It reports what happened; the guard's state advances only on success.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "setpoint/base/clock.hpp"
#include "setpoint/guard/proposal.hpp"

namespace setpoint {

struct Actuation {
  std::string target;   // the parameter or action
  std::string key;      // where it lives in the outside world (file key, URL, argv…)
  ProposedValue value;  // the vetted value, in the parameter's type
  std::vector<std::pair<std::string, ProposedValue>> args;  // a named action's arguments
  std::string who;  // the policy, or "operator:<token name>"
  std::string why;  // the reason recorded with the change
  Nanos at = 0;
};

struct ActuationResult {
  enum class Status {
    kApplied,  // done and confirmed
    kFailed,   // not done; safe to retry later
    kDrift,    // not done: the target was changed outside Setpoint (see the file actuator)
  } status = Status::kFailed;
  std::string detail;  // what happened, for the record (exit code, stderr, file version…)
  bool ok() const { return status == Status::kApplied; }
};

class Actuator {
 public:
  virtual ~Actuator() = default;
  virtual ActuationResult apply(const Actuation& actuation) = 0;
  // The value the outside world holds now, for reconciling an intent without a result after a
  // crash; none when it cannot be read back.
  virtual std::optional<ProposedValue> read_back(const std::string& key) = 0;
};

}  // namespace setpoint
