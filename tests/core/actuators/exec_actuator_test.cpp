#include "setpoint/actuators/exec_actuator.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;

namespace {
Actuation change(ProposedValue value,
                 std::vector<std::pair<std::string, ProposedValue>> args = {}) {
  return {"checkout.limit", "checkout.limit", std::move(value), std::move(args), "aimd", "why", 0};
}
}  // namespace

TEST_CASE("exec templates: placeholders are whole arguments, never shells") {
  CHECK(ExecActuator::validate(
            {"/usr/bin/kubectl", "scale", "deploy/checkout", "--replicas", "{value}"})
            .empty());
  CHECK(ExecActuator::validate({}) == "the command is empty");
  CHECK(ExecActuator::validate({"sh", "-c", "echo {value}"}) ==
        "\"sh\" would let a value become a command; name the program directly");
  CHECK(ExecActuator::validate({"/usr/bin/python3", "-c", "{value}"})
            .find("would let a value become a command") != std::string::npos);
  CHECK(ExecActuator::validate({"kubectl", "--replicas={value}"}) ==
        "argument 1 \"--replicas={value}\": a placeholder must be the whole argument");
  CHECK(ExecActuator::validate({"{value}"}) == "the program itself cannot be a placeholder");
  CHECK(ExecActuator::validate({"kubectl", "{secret}"}) ==
        "argument 1: unknown placeholder {secret}");
}

TEST_CASE("exec: a value is one argument, whatever it contains") {
  TempDir dir;
  ExecActuator touch({{"touch", "{value}"}, kNanosPerSecond, 4096});
  const std::string hostile = dir.file("x; rm -rf $HOME && echo pwned");
  const auto result = touch.apply(change(hostile));
  REQUIRE(result.ok());
  CHECK(result.detail == "exit 0");
  CHECK(std::filesystem::exists(hostile));
}

TEST_CASE("exec: named action arguments fill {arg:NAME}") {
  TempDir dir;
  ExecActuator mkdir({{"mkdir", "{arg:path}"}, kNanosPerSecond, 4096});
  CHECK(mkdir.apply(change(0.0, {{"path", dir.file("made")}})).ok());
  CHECK(std::filesystem::is_directory(dir.file("made")));
  CHECK(mkdir.apply(change(0.0)).detail == "no argument path for {arg:path}");
}

TEST_CASE("exec: failures record the exit code and stderr") {
  ExecActuator ls({{"ls", "/nonexistent-setpoint-path"}, kNanosPerSecond, 4096});
  const auto result = ls.apply(change(1.0));
  CHECK(result.status == ActuationResult::Status::kFailed);
  CHECK(result.detail.rfind("ls: exit 2; stderr: ls: cannot access", 0) == 0);
}

TEST_CASE("exec: a program that is not there") {
  ExecActuator missing({{"/nonexistent/bin/tool", "{value}"}, kNanosPerSecond, 4096});
  CHECK(missing.apply(change(1.0)).detail ==
        "cannot run /nonexistent/bin/tool: No such file or directory");
}

TEST_CASE("exec: a program past its timeout is killed") {
  ExecActuator slow({{"sleep", "30"}, 50 * kNanosPerMilli, 4096});
  const auto result = slow.apply(change(1.0));
  CHECK(result.status == ActuationResult::Status::kFailed);
  CHECK(result.detail == "sleep timed out after 50 ms and was killed");
}

TEST_CASE("exec: values print as config would write them") {
  CHECK(value_text(120.0) == "120");
  CHECK(value_text(0.25) == "0.25");
  CHECK(value_text(0.1) == "0.1");  // was 0.10000000000000001
  CHECK(value_text(1e21) == "1e+21");
  CHECK(value_text(-3.0) == "-3");
  CHECK(value_text(true) == "true");
  CHECK(value_text(std::string("secondary")) == "secondary");
}
