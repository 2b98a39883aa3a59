#pragma once
// The actuators config asks for, one per parameter or action that has one. Targets without an
// actuator section get the log actuator: the change is recorded and nothing else happens.
#include <memory>
#include <string>

#include "config/config.hpp"
#include "setpoint/actuators/actuator.hpp"
#include "setpoint/base/result.hpp"

namespace setpoint::runner {

// A file, exec or log actuator; nullptr for inproc (the engine's own InprocActuator serves
// those); an error for a type this build does not know.
Result<std::unique_ptr<Actuator>> make_actuator(const ActuatorConfig& config);

}  // namespace setpoint::runner
