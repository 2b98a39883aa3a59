#pragma once
// `setpoint eval POLICY.lua --fixture FIXTURE.json [--json]`: evaluate a policy once against
// fixture windows, parameters and state, in the same sandbox and limits as the engine, and
// print what it proposes.
#include <string>

namespace setpoint::runner {

struct EvalArgs {
  std::string policy;
  std::string fixture;
  std::string stdlib;  // empty: the stdlib of the source tree this was built from
  bool json = false;
};

// 0 on success; 1 when the policy fails or breaks the sandbox; 2 on a bad argument or fixture.
int run_eval(const EvalArgs& args);

}  // namespace setpoint::runner
