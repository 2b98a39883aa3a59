#pragma once
// `setpoint compare CONTROL_FILE CANARY_FILE [--json]`: the canary's statistics by hand, for a
// person checking a verdict. Each file holds one number per line; blank lines and lines that
// start with '#' are skipped, and the first bad line is refused with its line number.
#include <string>

namespace setpoint::runner {

struct CompareArgs {
  std::string control, canary;
  bool json = false;
};

// Exit code: 0 when compared, 1 when a file cannot be read, 2 on a bad line or an empty sample.
int run_compare(const CompareArgs& args);

}  // namespace setpoint::runner
