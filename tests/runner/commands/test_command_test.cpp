// Runs the real `setpoint test` on the example policy's tests and on failing ones.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/run_binary.hpp"
#include "support/temp_dir.hpp"

using setpoint::testing::read_file;
using setpoint::testing::run_setpoint;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {
const std::string kExamples = std::string(SETPOINT_SOURCE_DIR) + "/examples/policies";
}

TEST_CASE("setpoint test runs the example policy's tests") {
  const auto result = run_setpoint("test " + kExamples);
  CHECK(result.status == 0);
  CHECK(result.out ==
        "ok    checkout_concurrency_test.lua: cuts the limit by 10 % when p99 is high\n"
        "ok    checkout_concurrency_test.lua: adds one when healthy, and counts its evaluations "
        "across steps\n"
        "ok    checkout_concurrency_test.lua: does nothing on too few samples\n"
        "3 passed, 0 failed\n");
}

TEST_CASE("setpoint test names each failure's file and line, and counts it") {
  TempDir dir;
  write_file(dir.file("p.lua"), read_file(kExamples + "/checkout_concurrency.lua"));
  write_file(dir.file("p_test.lua"), R"(local t = require "setpoint.testing"
local fixture = { windows = { ["http.server{service=checkout}"] = { ["1m"] = { count = 500, p99 = 900 } } },
                  params = { ["checkout.max_concurrency"] = 100 } }
t.case("passes", function() t.expect_set(t.policy("p.lua"):evaluate(fixture), "checkout.max_concurrency", 90) end)
t.case("wrong value", function()
  t.expect_set(t.policy("p.lua"):evaluate(fixture), "checkout.max_concurrency", 95)
end)
t.case("policy error", function() t.policy("p.lua"):evaluate({ params = {} , windows = fixture.windows }) end)
)");
  write_file(dir.file("broken_test.lua"), "this is not lua");
  const auto result = run_setpoint("test " + dir.path().string());
  CHECK(result.status == 1);
  CHECK(result.out.find("FAIL  policy test broken_test.lua: broken_test.lua:1: '=' expected near "
                        "'is'  [broken_test.lua]\n") != std::string::npos);
  CHECK(result.out.find("ok    p_test.lua: passes\n") != std::string::npos);
  CHECK(result.out.find("FAIL  p_test.lua:6: set checkout.max_concurrency: expected 95, got 90  "
                        "[p_test.lua: wrong value]\n") != std::string::npos);
  CHECK(result.out.find("FAIL  p_test.lua:8: policy p: p.lua:") != std::string::npos);
  CHECK(result.out.find("ctx:param: no parameter checkout.max_concurrency in config") !=
        std::string::npos);
  CHECK(result.out.substr(result.out.rfind('\n', result.out.size() - 2) + 1) ==
        "1 passed, 3 failed\n");
  CHECK(run_setpoint("test /nonexistent").status == 2);
}

TEST_CASE("setpoint test: a fixture that is not plain data says where") {
  TempDir dir;
  write_file(dir.file("p.lua"), read_file(kExamples + "/checkout_concurrency.lua"));
  write_file(dir.file("p_test.lua"), R"(local t = require "setpoint.testing"
t.case("bad fixture", function() t.policy("p.lua"):evaluate({ params = { x = function() end } }) end)
)");
  const auto result = run_setpoint("test " + dir.path().string());
  CHECK(result.status == 1);
  CHECK(result.out.find("evaluate: fixture.params.x: a function cannot be kept") !=
        std::string::npos);
}

TEST_CASE(
    "setpoint test with no test files says so and fails: a CI gate must not pass on nothing") {
  TempDir dir;
  write_file(dir.file("p.lua"), "return { evaluate = function() end }");
  const auto result = run_setpoint("test " + dir.path().string());
  CHECK(result.status == 1);
  CHECK(result.out == "setpoint test: no *_test.lua found in " + dir.path().string() + "\n");
}

TEST_CASE(
    "t.policy loads only a policy beside the test: no path out of the folder, no FIFO, no device") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "sub");
  write_file(dir.file("sub/ok.lua"), "return { evaluate = function() end }");
  REQUIRE(::mkfifo(dir.file("sub/fifo.lua").c_str(), 0600) == 0);
  std::filesystem::create_symlink("/dev/zero", dir.file("sub/zero.lua"));
  std::filesystem::create_symlink("/etc/passwd", dir.file("sub/passwd.lua"));
  write_file(dir.file("sub/t_test.lua"), R"(local t = require "setpoint.testing"
for _, name in ipairs({ "/etc/passwd", "../sub/ok.lua", "fifo.lua", "zero.lua", "passwd.lua", "ok.lua" }) do
  t.case(name, function() t.policy(name) end)
end
)");
  const auto result = run_setpoint("test " + dir.file("sub"));
  INFO(result.out);
  CHECK(result.status == 1);
  CHECK(result.out.find("t.policy: \"/etc/passwd\" is not a file name in the test's folder") !=
        std::string::npos);
  CHECK(result.out.find("t.policy: \"../sub/ok.lua\" is not a file name in the test's folder") !=
        std::string::npos);
  CHECK(result.out.find("fifo.lua: is a FIFO, not a regular file") != std::string::npos);
  CHECK(result.out.find("t.policy: zero.lua leads out of the test's folder") !=
        std::string::npos);  // /dev/zero
  CHECK(result.out.find("t.policy: passwd.lua leads out of the test's folder") !=
        std::string::npos);
  CHECK(result.out.find("root:") ==
        std::string::npos);  // nothing of /etc/passwd reaches the output
  CHECK(result.out.find("ok    t_test.lua: ok.lua") != std::string::npos);
  CHECK(result.out.find("1 passed, 5 failed") != std::string::npos);
}

TEST_CASE(
    "setpoint test on a policy's own file says to give its test, instead of passing on nothing") {
  TempDir dir;
  write_file(dir.file("p.lua"), "return { evaluate = function() end }");
  const auto result = run_setpoint("test " + dir.file("p.lua"));
  CHECK(result.status == 2);
  CHECK(result.out == "setpoint test: " + dir.file("p.lua") +
                          " is not a *_test.lua file (give the test file, or its folder)\n");
}

TEST_CASE("setpoint test passes over a folder it may not read") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "locked");
  write_file(dir.file("p.lua"), "return { evaluate = function() end }");
  write_file(
      dir.file("p_test.lua"),
      "local t = require 'setpoint.testing'\nt.case('loads', function() t.policy('p.lua') end)\n");
  ::chmod(dir.file("locked").c_str(), 0);
  const auto result = run_setpoint("test " + dir.path().string());
  ::chmod(dir.file("locked").c_str(), 0755);
  INFO(result.out);
  CHECK(result.status == 0);
  CHECK(result.out.find("1 passed, 0 failed") != std::string::npos);
}

// Each policy a test loads has its own 16 MiB, and all of them count against the test file's
// 256 MiB: 256 instances of an 8 MiB policy once took 2.6 GB.
TEST_CASE("the policies a test loads count against the test file's memory cap") {
  TempDir dir;
  write_file(dir.file("fat.lua"),
             "local keep = {}\nfor i = 1, 8 do keep[i] = ('x'):rep(2^20 - 64) .. i end\n"
             "return { evaluate = function() return #keep end }");
  write_file(dir.file("fat_test.lua"),
             "local t = require 'setpoint.testing'\n"
             "t.case('many', function() local all = {} for i = 1, 256 do all[i] = "
             "t.policy('fat.lua') end end)\n");
  const auto result = run_setpoint("test " + dir.file("fat_test.lua"));
  INFO(result.out);
  CHECK(result.status == 1);
  CHECK(result.out.find("exceeded its memory cap") != std::string::npos);
  CHECK(result.out.find("0 passed, 1 failed") != std::string::npos);
}
