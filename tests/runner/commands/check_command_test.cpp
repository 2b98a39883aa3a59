// Runs the real `setpoint check` on config and policy folders written here.
#include <catch2/catch.hpp>
#include <filesystem>

#include "support/run_binary.hpp"
#include "support/temp_dir.hpp"

using setpoint::testing::read_file;
using setpoint::testing::run_setpoint;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {

const std::string kConfig = R"(parameters:
  checkout.max_concurrency:
    type: int
    initial: 100
    min: 10
    max: 500
    policies: [checkout-concurrency, ghost]
)";

void add_reference_policy(const TempDir& dir) {
  std::filesystem::create_directories(dir.file("policies"));
  write_file(
      dir.file("policies/checkout.lua"),
      read_file(std::string(SETPOINT_SOURCE_DIR) + "/examples/policies/checkout_concurrency.lua"));
}

}  // namespace

TEST_CASE("check: a good config and policy folder pass") {
  TempDir dir;
  add_reference_policy(dir);
  write_file(dir.file("setpoint.yaml"), R"(parameters:
  checkout.max_concurrency: { type: int, initial: 100, min: 10, max: 500, policies: [checkout-concurrency] }
)");
  const auto result = run_setpoint("check --config " + dir.file("setpoint.yaml") + " --policies " +
                                   dir.file("policies"));
  CHECK(result.status == 0);
  CHECK(result.out == "ok: config valid, 1 policy checked\n");
}

TEST_CASE("check: every problem is reported, grants to missing policies with file:line") {
  TempDir dir;
  add_reference_policy(dir);
  write_file(dir.file("policies/broken.lua"), "return { evaluate = function() end end }");
  write_file(dir.file("policies/meta.lua"),
             R"(return { name = 5, params = { "nope" }, evaluate = function() end })");
  write_file(
      dir.file("policies/greedy.lua"),
      R"(return { name = "greedy", params = { "checkout.max_concurrency" }, evaluate = function() end })");
  write_file(dir.file("policies/greedy_test.lua"), "this is a test file and is not a policy");
  write_file(dir.file("setpoint.yaml"), kConfig);
  const auto result = run_setpoint("check --config " + dir.file("setpoint.yaml") + " --policies " +
                                   dir.file("policies"));
  CHECK(result.status == 1);
  const std::string p = dir.file("policies") + "/";
  CHECK(result.out ==
        p + "broken.lua: policy broken: broken.lua:1: '}' expected near 'end'\n" + p +
            "meta.lua: name must be a string of letters, digits, - _ . or : (at most 128)\n" + p +
            "greedy.lua: declares parameter checkout.max_concurrency, which config does not grant "
            "to greedy\n" +
            dir.file("setpoint.yaml") +
            ":7:15: parameters.checkout.max_concurrency.policies: no policy named ghost in " +
            dir.file("policies") + "\n" + "4 problems found\n");
}

TEST_CASE("check: a broken config is reported with its place") {
  TempDir dir;
  write_file(dir.file("setpoint.yaml"),
             "parameters:\n  a: { type: int, initial: 1, min: 5, max: 1, policies: [p] }\n");
  const auto result = run_setpoint("check --config " + dir.file("setpoint.yaml"));
  CHECK(result.status == 1);
  CHECK(result.out.find("setpoint.yaml:2:36: parameters.a: min (5) is greater than max (1)") !=
        std::string::npos);
  CHECK(run_setpoint("check").status == 2);
  CHECK(run_setpoint("check --policies /nonexistent").status == 2);
}

TEST_CASE(
    "check --config alone checks the config's policies folder, its overrides, only list and "
    "schedules") {
  TempDir dir;
  add_reference_policy(dir);
  write_file(dir.file("setpoint.yaml"), "policies:\n  dir: " + dir.file("policies") + R"(
  only: [checkout-concurrency, phantom]
  overrides:
    checkout-concurrency: { mode: enforce }
    ghost: { mode: observe, schedule: "" }
    nightly: { schedule: "daily 25:00" }
parameters:
  checkout.max_concurrency: { type: int, initial: 100, min: 10, max: 500, policies: [checkout-concurrency] }
)");
  const auto result = run_setpoint("check --config " + dir.file("setpoint.yaml"));
  INFO(result.out);
  CHECK(result.status == 1);
  const std::string config = dir.file("setpoint.yaml");
  CHECK(result.out.find(config + ": policies.overrides.ghost: no policy named ghost in " +
                        dir.file("policies")) != std::string::npos);
  CHECK(result.out.find(config + ": policies.only: no policy named phantom in " +
                        dir.file("policies")) != std::string::npos);
  CHECK(result.out.find(config + ": policies.overrides.nightly.schedule: schedule \"daily 25:00\" "
                                 "is not \"daily HH:MM\"") != std::string::npos);
  // An empty schedule is said to be empty, not an interval that is not positive.
  CHECK(result.out.find(config + ": policies.overrides.ghost.schedule: is empty (expected ") !=
        std::string::npos);
  CHECK(result.out.find("problems found") != std::string::npos);
}

TEST_CASE(
    "check reports what run would trip on: tokens, telemetry files, actuator targets, grants not "
    "declared") {
  TempDir dir;
  add_reference_policy(dir);
  const auto config = [&](const std::string& tokens, const std::string& more = "") {
    return "telemetry:\n  sources: [{ file: live.jsonl }]\n"
           "control_plane: { tokens_file: " +
           tokens + more +
           " }\n"
           "parameters:\n"
           "  checkout.max_concurrency: { type: int, initial: 100, min: 10, max: 500, policies: "
           "[checkout-concurrency],\n"
           "                              actuator: { type: file, path: out/app.json, key: limit } "
           "}\n"
           "  other: { type: int, initial: 1, min: 0, max: 9, policies: [checkout-concurrency], "
           "actuator: { type: exec, argv: [no-such-program-x] } }\n";
  };
  write_file(dir.file("setpoint.yaml"), config("tokens.yaml"));
  const auto result = run_setpoint("check --config " + dir.file("setpoint.yaml"));
  INFO(result.out);
  CHECK(result.status == 1);
  const std::string y = dir.file("setpoint.yaml");
  CHECK(result.out == y +
                          ":7:61: parameters.other.policies: grants other to checkout-concurrency, "
                          "which does not declare it (its params and actions leave it out)\n" +
                          y + ": control_plane.tokens_file: cannot open " +
                          dir.file("tokens.yaml") + ": No such file or directory\n" + "note: " + y +
                          ": telemetry.sources[0].file: " + dir.file("live.jsonl") +
                          " does not exist (yet): it is followed once it appears\n" + y +
                          ": checkout.max_concurrency.actuator: " + dir.file("out/app.json") +
                          " is in a folder that does not exist\n" + y +
                          ": other.actuator: no-such-program-x is not a program in PATH\n" +
                          "4 problems found\n");
  // run refuses the fatal one (the tokens file), and says the others before it starts.
  const auto refused = run_setpoint("run --config " + y + " --for 100ms");
  CHECK(refused.status == 2);
  write_file(dir.file("tokens.yaml"),
             "tokens:\n  - { name: ci, role: operator, token: \"0123456789abcdefXYZ\" }\n");
  write_file(dir.file("setpoint.yaml"),
             config("tokens.yaml", ", listen: 127.0.0.1:0") + "engine: { state_path: s.db }\n");
  const auto warned = run_setpoint("run --config " + y + " --for 100ms");
  CHECK(warned.status == 0);
  CHECK(warned.out.find("[info] setpoint check notes: " + y + ": telemetry.sources[0].file: ") !=
        std::string::npos);
  CHECK(warned.out.find("[warning] setpoint check would report: " + y +
                        ": other.actuator: no-such-program-x is not a program in PATH") !=
        std::string::npos);
}

TEST_CASE(
    "check says a telemetry file that is not there yet, and passes: it is followed once it "
    "appears") {
  TempDir dir;
  add_reference_policy(dir);
  write_file(dir.file("setpoint.yaml"),
             "telemetry:\n  sources: [{ file: live.jsonl }]\n"
             "parameters:\n"
             "  checkout.max_concurrency: { type: int, initial: 100, min: 10, max: 500, policies: "
             "[checkout-concurrency] }\n");
  const auto result = run_setpoint("check --config " + dir.file("setpoint.yaml"));
  INFO(result.out);
  CHECK(result.status == 0);
  CHECK(result.out == "note: " + dir.file("setpoint.yaml") +
                          ": telemetry.sources[0].file: " + dir.file("live.jsonl") +
                          " does not exist (yet): it is followed once it appears\nok: config "
                          "valid, 1 policy checked\n");
}
