#pragma once
// `setpoint check [--config FILE] [--policies DIR]`: validates the config and compiles every
// policy in the sandbox, reporting every problem found (not only the first); with both, also
// checks that what policies declare is granted to them, and that every grant names a policy.
#include <string>

namespace setpoint::runner {

struct CheckArgs {
  std::string config;
  std::string policies;
  std::string stdlib;
};

// 0 when there is no problem; 1 when there is any; 2 on a bad argument.
int run_check(const CheckArgs& args);

}  // namespace setpoint::runner
