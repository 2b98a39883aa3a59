// A policy's *_test.lua file as the hot-reload gate runs it: a version whose own tests fail is
// refused.
#include "setpoint/testing/test_file.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "setpoint/bindings/policy_folder.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::read_file;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

TEST_CASE("a new version whose own tests fail is refused; a good one goes live") {
  TempDir dir;
  const std::string examples = std::string(SETPOINT_SOURCE_DIR) + "/examples/policies/";
  const std::string policy = read_file(examples + "checkout_concurrency.lua");
  write_file(dir.file("checkout_concurrency.lua"), policy);
  write_file(dir.file("checkout_concurrency_test.lua"),
             read_file(examples + "checkout_concurrency_test.lua"));
  const auto stdlib = bindings::load_stdlib(std::string(SETPOINT_SOURCE_DIR) + "/stdlib").value();
  ManualClock clock;
  bindings::PolicyFolder folder(
      dir.path().string(), &stdlib, {}, clock, [&](const std::string& tests) {
        return bindings::testing::gate(tests, &stdlib, 5 * kNanosPerSecond, nullptr);
      });
  folder.scan(0);
  REQUIRE(folder.status().at("checkout_concurrency.lua").ok);

  // A "fix" that cuts by half instead of 10 %: its own tests catch it.
  std::string wrong = policy;
  wrong.replace(wrong.find("aimd.next(limit,"), 16, "0.5 * aimd.next(limit,");
  write_file(dir.file("checkout_concurrency.lua"), wrong);
  folder.poll(0);
  folder.poll(50 * kNanosPerMilli);
  folder.settle(50 * kNanosPerMilli);  // the gate runs on the folder's reload thread
  const auto& refused = folder.status().at("checkout_concurrency.lua");
  CHECK_FALSE(refused.ok);
  CHECK(refused.message.find("checkout_concurrency.lua: its tests fail: ") == 0);
  CHECK(refused.message.find("expected 90") != std::string::npos);

  write_file(dir.file("checkout_concurrency.lua"), policy + "\n-- reviewed\n");
  folder.poll(100 * kNanosPerMilli);
  folder.poll(150 * kNanosPerMilli);
  folder.settle(150 * kNanosPerMilli);
  CHECK(folder.status().at("checkout_concurrency.lua").ok);
}
