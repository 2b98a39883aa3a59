#pragma once
// What `setpoint check` reports about a config and its policies, as a list both `check` and
// `run` use, so they never disagree: `check` prints every problem and exits 1; `run` refuses to
// start on a fatal one and warns of each of the others before it starts. Notes are said by
// both and fail neither.
//
// Fatal: a policies folder that is not there, a tokens file that is missing or does not load.
// Warned: a policy file that does not load (the others run), names two files share, what a
// policy declares that config does not have or grant, grants to policies that are not in the
// folder or do not declare the target, overrides and policies.only naming no policy, bad
// schedules, telemetry files that are not regular files, file actuators whose file or folder is
// missing, exec actuators whose program cannot be found or run. Noted: telemetry files that are not
// there yet (followed once they appear).
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "setpoint/bindings/policy_info.hpp"
#include "setpoint/bindings/stdlib.hpp"

namespace setpoint::runner {

struct Problem {
  std::string text;  // "file:line:col: what is wrong", or "path: what is wrong"
  bool fatal = false;
  // Not wrong, only worth knowing (a telemetry file that is not there yet): said, not counted.
  bool note = false;
};

struct CheckedPolicy {
  std::string file;
  bindings::PolicyInfo info;
};

// The policies in `folder`, loaded in the sandbox; their problems are appended.
std::vector<CheckedPolicy> check_policies(const std::string& folder, const bindings::Stdlib& stdlib,
                                          std::vector<Problem>& problems);
// The config against its policies and the machine it runs on.
void check_config(const Config& config, const std::string& folder,
                  const std::vector<CheckedPolicy>& policies, std::vector<Problem>& problems);

}  // namespace setpoint::runner
