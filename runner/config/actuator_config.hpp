#pragma once
// How a parameter, an action or a canary reaches the outside world: one actuator section.
#include <string>
#include <vector>

#include "setpoint/base/clock.hpp"

namespace setpoint::runner {

struct ActuatorConfig {
  std::string type = "log";       // file, exec, inproc, log
  std::string path;               // file
  std::string key;                // file and inproc: where the value lives
  std::vector<std::string> argv;  // exec
  Nanos timeout = 10 * kNanosPerSecond;
  bool operator==(const ActuatorConfig&) const = default;
};

// Whether two paths name one file, however spelled (./, .., a symbolic link).
bool same_file(const std::string& a, const std::string& b);

}  // namespace setpoint::runner
