// Decision lines as a person reads them: the id to copy, the change, the verdict once.
#include "commands/decision_text.hpp"

#include <catch2/catch.hpp>

using setpoint::runner::decision_text;

namespace {
std::string record(const std::string& fields) {
  return R"({"id":42,"at":"2026-11-24T12:00:05.000Z","policy":"aimd","policy_version":"abc","kind":"set","target":"app.limit",)" +
         fields + "}";
}
}  // namespace

TEST_CASE("decision lines: the #id, the change, the verdict once, the outcome when it is news") {
  CHECK(
      decision_text(record(
          R"j("proposed":110,"reason":"p99 high","evidence":{},"verdict":"allow","verdict_reason":"ok","explain":"allow: ok: app.limit 100 -> 110","current":100,"value":110,"mode":"enforce","outcome":"applied","detail":"written")j")) ==
      "#42  2026-11-24T12:00:05.000Z  aimd  set app.limit 100 -> 110  allow  enforce: applied  "
      "[p99 high]");
  // "block" once, not three times.
  CHECK(
      decision_text(record(
          R"j("proposed":120,"reason":"","evidence":{},"verdict":"block","verdict_reason":"cooldown","explain":"block: cooldown: app.limit 110 -> 120: within the 30s cooldown (lifts in 29s)","current":110,"value":120,"mode":"enforce","outcome":"blocked","detail":"block: cooldown: app.limit 110 -> 120: within the 30s cooldown (lifts in 29s)")j")) ==
      "#42  2026-11-24T12:00:05.000Z  aimd  set app.limit 110 -> 120  block (cooldown: within the "
      "30s cooldown (lifts in 29s))  enforce");
  // An intent is "applying", not an empty status.
  CHECK(
      decision_text(record(
          R"j("proposed":110,"reason":"","evidence":{},"verdict":"allow","verdict_reason":"ok","explain":"allow: ok: app.limit 100 -> 110","current":100,"value":110,"mode":"enforce","outcome":"","detail":"")j")) ==
      "#42  2026-11-24T12:00:05.000Z  aimd  set app.limit 100 -> 110  allow  enforce: applying");
  // A change the policy did not declare never had a value: what it proposed, not "0 -> 0".
  CHECK(
      decision_text(record(
          R"j("proposed":200,"reason":"","evidence":{},"verdict":"block","verdict_reason":"not_declared","explain":"block: not_declared: app.limit is not among the params or actions the policy declares","current":0,"value":0,"mode":"observe","outcome":"blocked","detail":"")j")) ==
      "#42  2026-11-24T12:00:05.000Z  aimd  set app.limit to 200  block (not_declared: app.limit "
      "is not among the params or actions the policy declares)  observe");
  // An enum's choice by its name.
  CHECK(
      decision_text(record(
          R"j("proposed":"gold","reason":"","evidence":{},"verdict":"allow","verdict_reason":"ok","explain":"allow: ok: app.limit 0 -> 1","current":0,"value":1,"mode":"observe","outcome":"shadow","detail":"would allow")j")) ==
      "#42  2026-11-24T12:00:05.000Z  aimd  set app.limit to gold  allow  observe: shadow");
  CHECK(
      decision_text(record(
          R"j("proposed":110,"reason":"","evidence":{},"verdict":"allow","verdict_reason":"ok","explain":"","current":100,"value":110,"mode":"enforce","outcome":"failed","detail":"cannot write /etc/app.json: Read-only file system")j")) ==
      "#42  2026-11-24T12:00:05.000Z  aimd  set app.limit 100 -> 110  allow  enforce: failed: "
      "cannot write /etc/app.json: Read-only file system");
}
