#pragma once
// A policy's `*_test.lua` file run as the engine would run its policies: the file in a sandbox
// of its own (setpoint.testing), each policy it loads with t.policy(name) in a fresh sandbox
// beside it, fixtures read with parse_fixture. Used by `setpoint test` and the reload gate.
#include <atomic>
#include <functional>
#include <string>

#include "setpoint/base/clock.hpp"
#include "setpoint/base/result.hpp"
#include "setpoint/bindings/stdlib.hpp"

namespace setpoint::bindings::testing {

struct TestFileOptions {
  Nanos cpu = 30 * kNanosPerSecond;           // for the whole file
  const std::atomic<bool>* cancel = nullptr;  // stops the file early when it turns true
  // Told of each case as it ends: ok, and "file: name" (passed) or "message  [file: name]".
  std::function<void(bool ok, const std::string& line)> on_case;
};

struct TestFileReport {
  int passed = 0;
  int failed = 0;        // a file that could not load or run counts as one failure
  std::string failures;  // the failed cases' lines, joined by "; "
};

TestFileReport run_test_file(const std::string& test_file, const Stdlib* stdlib,
                             const TestFileOptions& options);

// For the hot-reload gate: passes when every case does; else the error "N failed: " and the
// failures.
Result<void> gate(const std::string& test_file, const Stdlib* stdlib, Nanos cpu,
                  const std::atomic<bool>* cancel);

}  // namespace setpoint::bindings::testing
