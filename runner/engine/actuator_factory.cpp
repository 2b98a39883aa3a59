#include "engine/actuator_factory.hpp"

#include "setpoint/actuators/exec_actuator.hpp"
#include "setpoint/actuators/file_actuator.hpp"
#include "setpoint/actuators/inproc_actuator.hpp"

namespace setpoint::runner {

std::unique_ptr<Actuator> make_actuator(const ActuatorConfig& config, std::string& error) {
  if (config.type == "file") {
    FileActuatorOptions options;
    options.path = config.path;
    return std::make_unique<FileActuator>(options);
  }
  if (config.type == "exec") {
    ExecActuatorOptions options;
    options.argv = config.argv;
    options.timeout = config.timeout;
    return std::make_unique<ExecActuator>(options);
  }
  if (config.type == "log") return std::make_unique<LogActuator>();
  if (config.type != "inproc") error = "unknown actuator type \"" + config.type + "\"";
  return nullptr;
}

}  // namespace setpoint::runner
