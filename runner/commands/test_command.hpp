#pragma once
// `setpoint test [PATH...]`: runs policies' `*_test.lua` files (setpoint.testing), each policy
// in its own sandbox as the engine would run it. Prints each failure with file:line and ends
// with `N passed, N failed`.
#include <string>
#include <vector>

namespace setpoint::runner {

struct TestArgs {
  std::vector<std::string> paths;  // files or folders; default: policies/ and stdlib/
  std::string stdlib;
};

// 0 when every case passed; 1 when any failed or a file could not run; 2 on a bad argument.
int run_test(const TestArgs& args);

}  // namespace setpoint::runner
