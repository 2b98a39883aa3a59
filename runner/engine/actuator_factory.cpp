#include "engine/actuator_factory.hpp"

#include "setpoint/actuators/exec_actuator.hpp"
#include "setpoint/actuators/file_actuator.hpp"
#include "setpoint/actuators/inproc_actuator.hpp"

namespace setpoint::runner {

Result<std::unique_ptr<Actuator>> make_actuator(const ActuatorConfig& config) {
  if (config.type == "file") {
    FileActuatorOptions options;
    options.path = config.path;
    return std::unique_ptr<Actuator>(std::make_unique<FileActuator>(options));
  }
  if (config.type == "exec") {
    ExecActuatorOptions options;
    options.argv = config.argv;
    options.timeout = config.timeout;
    return std::unique_ptr<Actuator>(std::make_unique<ExecActuator>(options));
  }
  if (config.type == "log") return std::unique_ptr<Actuator>(std::make_unique<LogActuator>());
  if (config.type != "inproc") return Error{"unknown actuator type \"" + config.type + "\""};
  return std::unique_ptr<Actuator>();
}

}  // namespace setpoint::runner
