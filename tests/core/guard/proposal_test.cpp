#include "setpoint/guard/proposal.hpp"

#include <catch2/catch.hpp>

using namespace setpoint;

TEST_CASE("proposals: a value prints as JSON of its type") {
  std::string out;
  append_json(out, 55.0);
  out += ",";
  append_json(out, 0.25);
  out += ",";
  append_json(out, true);
  out += ",";
  append_json(out, std::string("fast \"lane\"\n"));
  CHECK(out == R"(55,0.25,true,"fast \"lane\"\u000a")");  // control bytes as \uXXXX
}

TEST_CASE("proposals: set carries a value, act named arguments") {
  const Proposal set = Proposal::set("aimd", "checkout.limit", 110.0, "p99 high");
  CHECK(set.kind == Proposal::Kind::kSet);
  CHECK(set.policy == "aimd");
  CHECK(set.target == "checkout.limit");
  CHECK(std::get<double>(set.value) == 110);
  CHECK(set.reason == "p99 high");
  const Proposal act = Proposal::act("circuit", "disable_rule", {{"rule", std::string("geo")}});
  CHECK(act.kind == Proposal::Kind::kAct);
  REQUIRE(act.args.size() == 1);
  CHECK(act.args[0].first == "rule");
  CHECK(std::get<std::string>(act.args[0].second) == "geo");
  CHECK(act.reason.empty());
}
