#include "commands/test_command.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "setpoint/testing/test_file.hpp"

namespace setpoint::runner {
namespace {

namespace fs = std::filesystem;

// The *_test.lua files under a folder; a folder it may not read is passed over (the
// iterator's throwing increment once aborted `setpoint test /proc`).
void collect(const fs::path& path, std::vector<fs::path>& out) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return;
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().filename().string().ends_with("_test.lua") && it->is_regular_file(ec))
      out.push_back(it->path());
  }
}

}  // namespace

int run_test(const TestArgs& args) {
  std::vector<std::string> roots = args.paths;
  if (roots.empty()) roots = {"policies", "stdlib"};
  std::vector<fs::path> files;
  for (const auto& root : roots) {
    std::error_code ec;
    if (!fs::exists(root, ec) && !args.paths.empty()) {
      std::cerr << "setpoint test: " << root << " does not exist\n";
      return 2;
    }
    if (!fs::is_directory(root, ec) && fs::exists(root, ec)) {
      // A file named on the command line: a policy's file would run no case and "pass".
      if (!root.ends_with("_test.lua")) {
        std::cerr << "setpoint test: " << root
                  << " is not a *_test.lua file (give the test file, or its folder)\n";
        return 2;
      }
      files.push_back(root);
      continue;
    }
    collect(root, files);
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {  // "0 passed, 0 failed" and exit 0 would let a CI gate pass on nothing
    std::string where;
    for (const auto& root : roots) where += (where.empty() ? "" : ", ") + root;
    std::cerr << "setpoint test: no *_test.lua found in " << where << "\n";
    return 1;
  }
  auto stdlib = bindings::load_stdlib(args.stdlib.empty() ? SETPOINT_STDLIB_DIR : args.stdlib);
  if (!stdlib) {
    std::cerr << "setpoint test: " << stdlib.error() << "\n";
    return 2;
  }

  int passed = 0;
  int failed = 0;
  for (const auto& file : files) {
    bindings::testing::TestFileOptions options;
    options.on_case = [](bool ok, const std::string& line) {
      std::cout << (ok ? "ok    " : "FAIL  ") << line << "\n";
    };
    const auto report = bindings::testing::run_test_file(file.string(), &stdlib.value(), options);
    passed += report.passed;
    failed += report.failed;
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace setpoint::runner
