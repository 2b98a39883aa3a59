// setpoint check's look at a config against the policies of its folder.
#include "config/config_check.hpp"

#include <catch2/catch.hpp>

#include "support/must.hpp"

using namespace setpoint;
using namespace setpoint::runner;

namespace {

CheckedPolicy policy(const std::string& name, std::vector<std::string> params) {
  CheckedPolicy p;
  p.file = name + ".lua";
  p.info.name = name;
  p.info.params = std::move(params);
  return p;
}

std::vector<std::string> problems_of(const std::string& yaml,
                                     const std::vector<CheckedPolicy>& policies) {
  const Config config = must(parse_config(yaml, "c.yaml"));
  std::vector<Problem> problems;
  check_config(config, "policies", policies, problems);
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.text);
  return out;
}

}  // namespace

TEST_CASE("check: a policy's declarations are held against config, grants against policies") {
  const auto problems = problems_of(
      "parameters:\n  x: { type: int, initial: 1, min: 0, max: 9, policies: [a, ghost] }\n",
      {policy("a", {"x"}), policy("b", {"y"})});
  REQUIRE(problems.size() == 2);
  CHECK(problems[0] == "b.lua: declares parameter y, which config does not have");
  CHECK(problems[1] == "c.yaml:2:57: parameters.x.policies: no policy named ghost in policies");
}

TEST_CASE("check: with policies.only, the policies that never run are not held against config") {
  const auto problems = problems_of(
      "policies: { only: [a] }\n"
      "parameters:\n  x: { type: int, initial: 1, min: 0, max: 9, policies: [a] }\n",
      {policy("a", {"x"}), policy("b", {"y"}), policy("c", {"z"})});
  CHECK(problems.empty());
  // Those that run still are.
  const auto running = problems_of(
      "policies: { only: [a, b] }\n"
      "parameters:\n  x: { type: int, initial: 1, min: 0, max: 9, "
      "policies: [a] }\n",
      {policy("a", {"x"}), policy("b", {"y"})});
  REQUIRE(running.size() == 1);
  CHECK(running[0] == "b.lua: declares parameter y, which config does not have");
}
