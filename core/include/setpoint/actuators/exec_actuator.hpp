#pragma once
// The exec actuator: runs a program from an argv template, never through a shell. A
// placeholder — {value}, {target}, {key}, {who} or {arg:NAME} for a named action's argument —
// must be a whole argument, so a value can never become an option, a second command or a
// redirection. The run has a timeout; its exit code and stderr are recorded.
#include <string>
#include <vector>

#include "setpoint/actuators/actuator.hpp"

namespace setpoint {

struct ExecActuatorOptions {
  std::vector<std::string> argv;  // argv[0] is a path or a name looked up in PATH
  Nanos timeout = 10 * kNanosPerSecond;
  std::size_t max_stderr_bytes = 4096;
};

class ExecActuator final : public Actuator {
 public:
  // Empty when the template is safe to run, else why not (for config errors).
  static std::string validate(const std::vector<std::string>& argv);

  explicit ExecActuator(ExecActuatorOptions options);
  ActuationResult apply(const Actuation& actuation) override;
  // Exec targets cannot be read back.
  std::optional<ProposedValue> read_back(const std::string&) override { return std::nullopt; }

 private:
  ExecActuatorOptions options_;
};

// The text a value takes in a command line or a file: integers without a fraction.
std::string value_text(const ProposedValue& value);

}  // namespace setpoint
