// What the CLI prints of the control plane's answers.
#include "commands/client_text.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "commands/triage_text.hpp"

using namespace setpoint::runner;

namespace {

std::string answer(const std::string& outcome) {
  return R"({"proposal":7,"decision":{"id":9,"at":"2026-11-24T12:00:05Z","policy":"p","kind":"set","target":"web.limit",)"
         R"("current":50,"value":55,"verdict":"allow","mode":"enforce","outcome":")" +
         outcome + R"(","detail":"cannot open out/web.json: No such file or directory"}})";
}

}  // namespace

TEST_CASE("client: an approve answered 200 whose change failed exits non-zero and says why") {
  CHECK_FALSE(change_failed("approve", answer("applied")));
  CHECK(change_failed("approve", answer("failed")));
  CHECK(change_failed("approve", answer("unknown")));
  CHECK(change_failed("override", answer("drift")));
  CHECK(change_failed("rollback", answer("blocked")));
  CHECK_FALSE(change_failed("reject", answer("failed")));  // not a change
  CHECK_FALSE(change_failed("approve", "not json"));
  CHECK_FALSE(change_failed("approve", R"({"proposal":7})"));
  CHECK(client_text("approve", answer("applied")).rfind("proposal 7 approved\n", 0) == 0);
  // The line on stdout does not contradict stderr when the change did not happen.
  CHECK(client_text("approve", answer("failed"))
            .rfind("proposal 7 approved, but its change did not happen\n", 0) == 0);
  CHECK(client_text("override", answer("failed"))
            .rfind("- not pinned: the change to - did not happen\n", 0) == 0);
}

// Whatever answers at --url is outside input: every command's text survives every shape of
// JSON (a missing member once read through operator[] on a const document: undefined).
TEST_CASE("client: answers of any shape are shown, never crash") {
  const char* answers[] = {"[1,2]",
                           "{\"x\":1}",
                           "\"text\"",
                           "null",
                           "5",
                           "[{}]",
                           "[[]]",
                           "{\"decision\":5}",
                           "[{\"value\":-1,\"choices\":[1]}]",
                           "[{\"value\":1e300,\"choices\":[]}]",
                           "[{\"value\":0.5,\"choices\":\"ab\"}]",
                           "[{\"name\":null,\"version\":7,\"reload\":3}]",
                           "{\"series\":[1]}",
                           "{\"until\":{},\"pinned_until\":[]}",
                           "[{\"record\":\"r\"}]",
                           "[{\"paused\":5,\"override\":\"x\"}]",
                           "{\"decision\":{\"outcome\":5}}",
                           "{\"running\":5}",
                           "{\"running\":[5],\"recent\":{}}",
                           "{\"recent\":[{\"weight\":\"x\",\"step\":[]}]}"};
  for (const char* c :
       {"state",    "policies",      "params",         "proposals", "pauses",   "decisions",
        "approve",  "reject",        "pause",          "resume",    "override", "rollback",
        "reload",   "cycles",        "autopilot",      "history",   "unfreeze", "autopilot-resume",
        "rollouts", "rollout-abort", "rollout-promote"}) {
    for (const char* a : answers) {
      INFO(c << " answered " << a);
      CHECK_FALSE(client_text(c, a).empty());
      CHECK_NOTHROW(change_failed(c, a));
    }
  }
}

TEST_CASE("client: a refusal gives its error member, else its body, printable") {
  CHECK(refusal_text(R"({"error":"the token is not known"})") == "the token is not known");
  CHECK(refusal_text("<html>502 Bad Gateway</html>") == "<html>502 Bad Gateway</html>");
  CHECK(refusal_text(R"({"message":"x"})") == R"({"message":"x"})");
  CHECK(refusal_text("bad \xff byte") == "bad \xef\xbf\xbd byte");
  // A long reason is given whole: its end says what to do instead (a rollback refused while
  // an override holds ended at "(setpoint release …)", cut at 200 characters).
  const std::string reason = std::string(300, 'x') + " (setpoint release checkout.limit)";
  CHECK(refusal_text(R"({"error":")" + reason + R"("})") == reason);
}

TEST_CASE("client: cycles, the autopilot and a parameter's history print as tables") {
  const std::string cycles =
      R"([{"id":"nightly@2026-11-20T03:00:00.000Z","status":"rolled_back","error":"",)"
      R"("outcome":{"changes":[{"decision":3}]},"impacts":[{"target":"x","stat":"p99",)"
      R"("actual":0.2,"predicted":-0.1,"worse":true}]},)"
      R"({"id":"nightly@2026-11-19T03:00:00.000Z","status":"skipped","error":"paused",)"
      R"("outcome":{},"impacts":[]}])";
  const std::string text = client_text("cycles", cycles);
  CHECK(text.find("CYCLE") == 0);
  CHECK(text.find("nightly@2026-11-20T03:00:00.000Z  rolled_back  1        x p99 +20.0% "
                  "(predicted -10.0%) rolled back") != std::string::npos);
  CHECK(text.find("skipped      0        -") != std::string::npos);
  CHECK(client_text("cycles", "[]") == "(no cycles)\n");

  const std::string autopilot =
      R"({"enabled":true,"paused":true,"paused_until":"2026-11-24T03:00:00.000Z",)"
      R"("store_failing":false,"monitor":{"window":"14d","mean_prediction_error":0.45,)"
      R"("measured":6,"rollback_rate":0.1,"rolled_back":1,"changes":10,)"
      R"("consecutive_failures":0},"running":[],"bounds":{"x":{"min":95,"max":124.28571428,)"
      R"("frozen":false,"since":"2026-11-21T02:03:00.000Z","rollbacks":1}},"alerts":["drift: x"]})";
  const std::string status = client_text("autopilot", autopilot);
  CHECK(status.find("autopilot: paused by the drift monitor until 2026-11-24T03:00:00.000Z") == 0);
  CHECK(status.find("mean prediction error 45.0% of 6 measured, rollback rate 10.0% (1 of 10)") !=
        std::string::npos);
  CHECK(status.find("[95, 124.286]") != std::string::npos);
  CHECK(status.find("alert: drift: x\n") != std::string::npos);

  const std::string history =
      R"({"parameter":"x","versions":[{"version":"8502e816d85c","decision":3,)"
      R"("at":"2026-12-01T21:39:00.451Z","value":60,"by":"operator:ada","cycle":null,)"
      R"("outcome":"applied","rationale":"operator override"}]})";
  const std::string versions = client_text("history", history);
  CHECK(versions.find("VERSION") == 0);
  CHECK(versions.find("8502e816d85c  #3") != std::string::npos);
  CHECK(versions.find("operator:ada  -      applied  operator override") != std::string::npos);
  CHECK(client_text("history", R"({"versions":[]})") == "(no applied values)\n");
}

TEST_CASE("client: params name the rollout in flight of each parameter") {
  const std::string doc =
      R"([{"name":"x","type":"float","value":100,"min":10,"max":400,"last_change":null,)"
      R"("version":null,"override":null,"paused":[],"rollout":"x@2026-12-01T10:00:00.000Z"},)"
      R"({"name":"y","type":"float","value":1,"min":0,"max":9,"last_change":null,)"
      R"("version":null,"override":null,"paused":[],"rollout":null}])";
  const std::string text = client_text("params", doc);
  INFO(text);
  CHECK(text.find("PAUSED  ROLLOUT\n") != std::string::npos);
  CHECK(text.find("-       x@2026-12-01T10:00:00.000Z\n") != std::string::npos);
  CHECK(text.rfind("-       -\n") == text.size() - 10);
}

TEST_CASE("client: rollouts print as a table, in flight first") {
  const std::string doc =
      R"({"running":[{"id":"x@2026-12-01T10:00:00.000Z","status":"running","step":1,"weight":10,)"
      R"("baseline":100,"canary":125,"reason":"continue at look 1 of 4: ..."}],)"
      R"("recent":[{"id":"x@2026-11-30T10:00:00.000Z","status":"rolled_back","step":1,)"
      R"("weight":0,"baseline":100,"canary":80,"reason":"fail at look 1 of 4: p90 12.5 ms"}]})";
  const std::string text = client_text("rollouts", doc);
  CHECK(text.find("ROLLOUT") == 0);
  CHECK(text.find("x@2026-12-01T10:00:00.000Z") < text.find("x@2026-11-30T10:00:00.000Z"));
  CHECK(text.find("100 -> 125") != std::string::npos);
  CHECK(text.find("fail at look 1 of 4: p90 12.5 ms") != std::string::npos);
  CHECK(client_text("rollouts", R"({"running":[],"recent":[]})") == "(no rollouts)\n");
  CHECK(
      client_text("rollout-abort",
                  R"({"id":"x@t","status":"rolled_back","reason":"aborted by operator:alice"})") ==
      "rollout x@t rolled_back: aborted by operator:alice\n");
}

TEST_CASE("triage report: plain text and Markdown, every string from the report made harmless") {
  const auto report = nlohmann::json::parse(
      R"({"id":"weekly_triage@2026-11-29T02:00:00.000Z","policy":"weekly_triage","trigger":"schedule",
 "period":{"from":"2026-11-22T02:00:00.000Z","to":"2026-11-29T02:00:00.000Z"},
 "summary":"4 failures in 7 days: 3 performance degradation, 1 drift detection. 1 bounds patch proposed (threshold 3).",
 "categories":{"performance_degradation":{"count":3,"parameters":{"app.limit":3},"instances":[]},
   "drift_detection":{"count":1,"parameters":[],"instances":[]},
   "validation_failures":{"count":2,"parameters":{},"by_reason":{"cooldown":2}}},
 "worst":[{"at":1795900000,"when":"2026-11-28T21:06:40.000Z","kind":"rollback","target":"app.limit","detail":"p99 worse | by 30 %","decision":3,
   "decision_record":{"id":3,"policy":"setpoint:verify","outcome":"rolled back","explain":"allow: ok: app.limit 240 -> 100","reason":"p99 worse"}},
   {"at":1795800000,"when":"2026-11-27T17:20:00.000Z","kind":"drift","target":"app.limit","detail":"changed <b>by hand</b>","decision_record":null}],
 "patches":[{"decision":7,"parameter":"app.limit","min":10,"max":170,"rationale":"3 changes made things worse","confidence":0.5,"outcome":"pending","explain":"allow"},
            {"decision":8,"parameter":"app.timeout","min":5,"max":170,"rationale":"x","confidence":null,"outcome":"blocked","explain":"block: bounds: the bounds [5, 170] cross app.timeout's hard bound 10"}],
 "recent":[{"id":"weekly_triage@2026-11-29T02:00:00.000Z","patches":2},{"id":"weekly_triage@2026-11-22T02:00:00.000Z","patches":0}]}
)");
  CHECK(triage_text(report, false) ==
        R"(Triage 2026-11-22T02:00:00.000Z to 2026-11-29T02:00:00.000Z (weekly_triage, schedule)

4 failures in 7 days: 3 performance degradation, 1 drift detection. 1 bounds patch proposed (threshold 3).

Failures by category
  category                 count  parameters     by reason
  drift_detection          1      -              -
  performance_degradation  3      app.limit (3)  -
  validation_failures      2      -              cooldown (2)

Worst incidents
1. 2026-11-28T21:06:40.000Z rollback app.limit: p99 worse | by 30 %
     decision 3 by setpoint:verify, rolled back: allow: ok: app.limit 240 -> 100 (p99 worse)
2. 2026-11-27T17:20:00.000Z drift app.limit: changed <b>by hand</b>

Suggested bounds patches
  * app.limit → [10, 170], confidence 50%: 3 changes made things worse
    proposal 7, waiting for approval: setpoint approve 7 (or reject)
  * app.timeout → [5, 170], confidence -: x
    proposal 8, blocked: block: bounds: the bounds [5, 170] cross app.timeout's hard bound 10

Earlier reports
  weekly_triage@2026-11-22T02:00:00.000Z, 0 patch(es)
)");
  CHECK(triage_text(report, true) ==
        R"(# Triage 2026-11-22T02:00:00.000Z to 2026-11-29T02:00:00.000Z (weekly_triage, schedule)

4 failures in 7 days: 3 performance degradation, 1 drift detection. 1 bounds patch proposed (threshold 3).

## Failures by category

| category | count | parameters | by reason |
| --- | --- | --- | --- |
| drift_detection | 1 | - | - |
| performance_degradation | 3 | app.limit (3) | - |
| validation_failures | 2 | - | cooldown (2) |

## Worst incidents

1. 2026-11-28T21:06:40.000Z rollback app.limit: p99 worse \| by 30 %
   - decision 3 by setpoint:verify, rolled back: allow: ok: app.limit 240 -&gt; 100 (p99 worse)
2. 2026-11-27T17:20:00.000Z drift app.limit: changed &lt;b&gt;by hand&lt;/b&gt;

## Suggested bounds patches

- **app.limit → [10, 170]**, confidence 50%: 3 changes made things worse
  proposal 7, waiting for approval: setpoint approve 7 (or reject)
- **app.timeout → [5, 170]**, confidence -: x
  proposal 8, blocked: block: bounds: the bounds \[5, 170\] cross app.timeout's hard bound 10

## Earlier reports

- weekly_triage@2026-11-22T02:00:00.000Z, 0 patch(es)
)");
  // Any other shape prints what it can, never throws.
  CHECK(triage_text(nlohmann::json::array(), false).rfind("Triage - to - (-, -)", 0) == 0);
  CHECK(triage_text(nlohmann::json{{"worst", 5}, {"patches", "x"}}, true).find("None.") !=
        std::string::npos);
}
