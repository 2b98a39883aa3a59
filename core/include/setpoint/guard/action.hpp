#pragma once
// A named action (disable_rule, shed_load, failover…): something a policy may ask for, with
// arguments checked against a schema so no free text reaches a command line or a URL.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "setpoint/base/clock.hpp"

namespace setpoint {

struct ActionArg {
  enum class Type { kString, kInt, kNumber, kBool } type = Type::kString;
  std::string name;
  std::vector<std::string> allowed;  // strings: the only values accepted (required)
  double min = 0;                    // numbers
  double max = 0;
  bool required = true;
};

struct ActionSpec {
  std::string name;
  std::vector<ActionArg> args;
  std::string cooldown_key;  // an argument whose each value has its own cooldown ("rule")
  Nanos cooldown = 0;
  std::uint32_t max_per_hour = 0;  // 0: no limit of its own
  Nanos undo_after = 0;            // 0: no automatic undo
  std::string undo_action;         // the action that undoes it, run with the same arguments
  std::vector<std::string> policies;
  std::string actuator;
};

}  // namespace setpoint
