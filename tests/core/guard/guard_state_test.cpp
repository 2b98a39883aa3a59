// The guard's state as it is saved and restored across a restart (guard_state.cpp).
#include <catch2/catch.hpp>

#include "setpoint/guard/guard.hpp"

using namespace setpoint;

namespace {

constexpr Nanos kSec = kNanosPerSecond;

ParameterSpec limit_spec() {
  ParameterSpec p;
  p.name = "checkout.limit";
  p.type = ParamType::kInt;
  p.initial = 100;
  p.min = 1;
  p.max = 1000;
  p.up.cooldown = 600 * kSec;
  p.policies = {"aimd"};
  return p;
}

}  // namespace

TEST_CASE("guard state survives a restart: no cooldown or cap is reset") {
  std::string saved;
  ActionSpec action;
  action.name = "disable_rule";
  action.args = {{ActionArg::Type::kString, "rule", {"r1"}, 0, 0, true}};
  action.cooldown_key = "rule";
  action.cooldown = 900 * kSec;
  action.policies = {"aimd"};
  const GuardLimits limits{2, 0};
  {
    Guard guard({limit_spec()}, {action}, limits);
    const Proposal up = Proposal::set("aimd", "checkout.limit", 150.0);
    guard.applied(up, guard.vet(up, 10 * kSec), 10 * kSec);
    const Proposal act = Proposal::act("aimd", "disable_rule", {{"rule", std::string("r1")}});
    guard.applied(act, guard.vet(act, 11 * kSec), 11 * kSec);
    guard.pause({Pause::Scope::kPolicy, "shed", Direction::kBoth, 0});
    saved = guard.save_state();  // what the store keeps (audit_store_test: byte for byte)
  }
  // kill -9; a new process, the same config:
  Guard restarted({limit_spec()}, {action}, limits);
  REQUIRE(restarted.load_state(saved));
  CHECK(*restarted.value("checkout.limit") == 150);
  const Verdict cooldown = restarted.vet(Proposal::set("aimd", "checkout.limit", 200.0), 20 * kSec);
  CHECK(cooldown.reason == Reason::kCooldown);
  CHECK(cooldown.retry_after == 590 * kSec);
  CHECK(
      restarted.vet(Proposal::act("aimd", "disable_rule", {{"rule", std::string("r1")}}), 20 * kSec)
          .reason == Reason::kCooldown);
  CHECK(restarted.vet(Proposal::set("aimd", "checkout.limit", 200.0), 700 * kSec).reason ==
        Reason::kPolicyCap);
  CHECK(restarted.pauses().size() == 1);
}

TEST_CASE("a guard state that does not parse leaves the guard as it was") {
  Guard guard({limit_spec()}, {}, {});
  const auto garbled = guard.load_state("{not json");
  CHECK_FALSE(garbled);
  CHECK(garbled.error().rfind("guard state does not parse", 0) == 0);
  const auto newer = guard.load_state(R"({"version":2})");
  CHECK_FALSE(newer);
  CHECK(newer.error() == "guard state version 2 is not 1");
  CHECK_FALSE(guard.load_state(R"({"version":1,"parameters":{"checkout.limit":{"value":"x"}}})"));
  CHECK(*guard.value("checkout.limit") == 100);
}
