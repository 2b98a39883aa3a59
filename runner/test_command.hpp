#pragma once
// `setpoint test [PATH...]`: runs policies' `*_test.lua` files (setpoint.testing), each policy
// in its own sandbox as the engine would run it. Prints each failure with file:line and ends
// with `N passed, N failed`.
#include <atomic>
#include <string>
#include <vector>

#include "setpoint/bindings/stdlib.hpp"
#include "setpoint/base/clock.hpp"

namespace setpoint::runner {

struct TestArgs {
  std::vector<std::string> paths;  // files or folders; default: policies/ and stdlib/
  std::string stdlib;
};

// 0 when every case passed; 1 when any failed or a file could not run; 2 on a bad argument.
int run_test(const TestArgs& args);

// One test file, for the hot-reload gate: "" when every case passes, else the failures. It
// runs within `cpu` in all, and stops early when `cancel` turns true (the engine stopping).
std::string failures_of(const std::string& test_file, const bindings::Stdlib* stdlib, Nanos cpu,
                        const std::atomic<bool>* cancel);

}  // namespace setpoint::runner
