// The dry-run review end to end: a daemon over a store seeded with a fortnight of what observe
// mode would have done; `setpoint review` counts it exactly, `setpoint decisions mark` marks
// false positives with the token's name, and the review reports the marked rate.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "setpoint/audit/audit_store.hpp"
#include "support/daemon.hpp"
#include "support/must.hpp"
#include "support/run_binary.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::testing;
using json = nlohmann::json;

namespace {

constexpr Nanos kDay = 86400 * kNanosPerSecond;
const std::string kViewer = "viewer-token-0123456789";
const std::string kOperator = "operator-token-0123456789";

Decision would_have(double value, DecisionOutcome outcome, Mode mode, Nanos at) {
  Decision d;
  d.at = at;
  d.policy = "aimd";
  d.policy_version = "v1";
  d.proposal = Proposal::set("aimd", "app.limit", value, "p99");
  d.verdict.kind = outcome == DecisionOutcome::kBlocked ? VerdictKind::kBlock : VerdictKind::kAllow;
  d.verdict.reason = outcome == DecisionOutcome::kBlocked ? Reason::kCooldown : Reason::kOk;
  d.verdict.current = 100;
  d.verdict.proposed = value;
  d.verdict.value = outcome == DecisionOutcome::kBlocked ? 100 : value;
  d.mode = mode;
  d.outcome = outcome;
  return d;
}

struct Fortnight {
  TempDir dir;
  std::vector<std::int64_t> shadows;
  std::int64_t applied = 0;

  // aimd in observe, once a day: up 10 from 100 on even days, down 25 on odd ones, and a
  // cooldown block every other day; one change applied in enforce (not reviewed).
  Fortnight() {
    std::filesystem::create_directories(dir.path() / "policies");
    std::filesystem::create_directories(dir.path() / "state");
    write_file(dir.file("setpoint.yaml"),
               "engine: { tick: 100ms, state_path: state/setpoint.db }\n"
               "policies: { dir: policies }\n"
               "control_plane: { listen: 127.0.0.1:0, tokens_file: tokens.yaml }\n"
               "parameters:\n"
               "  app.limit: { type: int, initial: 100, min: 10, max: 500, policies: [aimd] }\n");
    write_file(dir.file("tokens.yaml"),
               "tokens:\n  - { name: vera, role: viewer, token: " + kViewer +
                   " }\n  - { name: otto, role: operator, " + "token: " + kOperator + " }\n");
    auto store = must(AuditStore::open(dir.file("state/setpoint.db")));
    const Nanos now = SystemClock().wall();
    using enum DecisionOutcome;
    for (int day = 0; day < 14; ++day) {
      const Nanos at = now - (day + 1) * kDay + 3600 * kNanosPerSecond;
      Decision d = would_have(day % 2 ? 75 : 110, kShadow, Mode::kObserve, at);
      shadows.push_back(must(store->record(d)));
      if (day % 2 == 0) {
        Decision b = would_have(150, kBlocked, Mode::kObserve, at + 1);
        must(store->record(b));
      }
    }
    Decision a = would_have(110, kApplied, Mode::kEnforce, now - kDay);
    applied = must(store->record(a));
  }
};

}  // namespace

TEST_CASE("review: a seeded fortnight counted exactly; false positives marked by name") {
  Fortnight f;
  Daemon daemon(f.dir.path().string(), {"--config", "setpoint.yaml"});
  REQUIRE(daemon.port() > 0);
  const std::string url = " --url http://127.0.0.1:" + std::to_string(daemon.port());
  ::setenv("SETPOINT_TOKEN", kViewer.c_str(), 1);

  const auto first = run_setpoint("review --json --since 14d" + url);
  INFO(first.out);
  REQUIRE(first.status == 0);
  const json review = json::parse(first.out);
  CHECK(review["days"] == 14);
  REQUIRE(review["policies"].size() == 1);
  const json& p = review["policies"][0];
  CHECK(p["policy"] == "aimd");
  CHECK(p["mode_now"].is_null());  // not in the folder any more
  CHECK(p["would_act"] == 14);
  CHECK(p["blocked"] == 7);
  CHECK(p["blocked_by"] == json{{"cooldown", 7}});
  CHECK(p["false_positives"] == 0);
  CHECK(p["false_positive_rate"] == 0);
  REQUIRE(p["targets"].size() == 1);
  const json& t = p["targets"][0];
  CHECK(t["target"] == "app.limit");
  CHECK(t["would_act"] == 14);
  CHECK(t["per_day"] == 1);
  CHECK(t["up"] == 7);
  CHECK(t["down"] == 7);
  CHECK(t["mean_step"] == 17.5);  // (7 × 10 + 7 × 25) / 14
  CHECK(t["max_step"] == 25);
  CHECK(t["mean_step_pct"].get<double>() == Approx(17.5));
  CHECK(t["blocked"] == 7);
  // A week back finds the newer half.
  const json week = json::parse(run_setpoint("review --json --since 7d" + url).out);
  CHECK(week["policies"][0]["would_act"] == 7);

  // Marking is an operator's; a viewer is refused, and a decision that was done or does not
  // exist is named.
  const std::string one = std::to_string(f.shadows[1]), other = std::to_string(f.shadows[3]);
  const auto viewer = run_setpoint("decisions mark " + one + " --false-positive" + url);
  CHECK(viewer.status == 1);
  CHECK(viewer.out.find("HTTP 403") != std::string::npos);
  ::setenv("SETPOINT_TOKEN", kOperator.c_str(), 1);
  const auto missing = run_setpoint("decisions mark 999999 --false-positive" + url);
  CHECK(missing.status == 1);
  CHECK(missing.out == "setpoint decisions mark: HTTP 404: no decision 999999\n");
  const auto done =
      run_setpoint("decisions mark " + std::to_string(f.applied) + " --false-positive" + url);
  CHECK(done.status == 1);
  CHECK(done.out.find("HTTP 409: decision " + std::to_string(f.applied) +
                      " is applied, not a would-have-been decision") != std::string::npos);
  CHECK(run_setpoint("decisions mark " + one + url).status == 2);  // neither flag
  const auto marked =
      run_setpoint("decisions mark " + one + " --false-positive --note 'a deploy, not load'" + url);
  INFO(marked.out);
  CHECK(marked.status == 0);
  CHECK(marked.out ==
        "decision " + one + " marked as a false positive by otto\n  a deploy, not load\n");
  CHECK(run_setpoint("decisions mark '#" + other + "' --false-positive" + url).status == 0);  // #ID
  // Marked already: kept with its author and note, unless a new note is given.
  const auto again_marked = run_setpoint("decisions mark " + one + " --false-positive" + url);
  CHECK(again_marked.out.find("decision " + one +
                              " is marked as a false positive already, by otto") !=
        std::string::npos);
  const auto not_id = run_setpoint("decisions mark abc --false-positive" + url);
  CHECK(not_id.out == "setpoint decisions mark: HTTP 400: \"abc\" is not a decision id like 42\n");
  const auto again = json::parse(run_setpoint("review --json" + url).out);  // 14d by default
  CHECK(again["policies"][0]["false_positives"] == 2);
  CHECK(again["policies"][0]["false_positive_rate"].get<double>() == Approx(2.0 / 14));
  CHECK(again["policies"][0]["targets"][0]["false_positives"] == 2);
  // The marks are read back with their notes, newest decision first.
  const json& marks = again["policies"][0]["marks"];
  REQUIRE(marks.size() == 2);
  CHECK(marks[1]["decision"] == f.shadows[1]);
  CHECK(marks[1]["note"] == "a deploy, not load");
  CHECK(marks[1]["by"] == "otto");
  CHECK(marks[1]["target"] == "app.limit");
  CHECK(again["unreadable_records"] == 0);
  const auto lifted = run_setpoint("decisions mark " + other + " --clear" + url);
  CHECK(lifted.out == "decision " + other + ": the false-positive mark is lifted\n");
  const auto unmarked = run_setpoint("decisions mark " + other + " --clear" + url);
  CHECK(unmarked.status == 1);
  CHECK(unmarked.out ==
        "setpoint decisions mark: HTTP 409: decision " + other + " is not marked\n");
  {
    auto store = must(AuditStore::open(f.dir.file("state/setpoint.db")));
    const auto mark = must(store->decision_mark(f.shadows[1]));
    REQUIRE(mark);
    CHECK(mark->by == "otto");
    CHECK(mark->note == "a deploy, not load");
    CHECK(!must(store->decision_mark(f.shadows[3])));
  }

  // As a person reads it, and as Markdown.
  const auto text = run_setpoint("review" + url);
  INFO(text.out);
  CHECK(text.status == 0);
  CHECK(text.out.rfind("Dry-run review ", 0) == 0);
  CHECK(text.out.find("\naimd (not loaded now)\nwould have acted 14 time(s); the guard would "
                      "have blocked 7 (cooldown 7); marked false positive 1 (7.1 %)\n") !=
        std::string::npos);
  CHECK(
      text.out.find("\n  target     would act  per day  up  down  mean step  max step  "
                    "mean step %  blocked         false positives\n"
                    "  app.limit  14         1.0      7   7     17.5       25        17.5 %       "
                    "7 (cooldown 7)  1\n") != std::string::npos);
  const auto markdown = run_setpoint("review --markdown" + url);
  CHECK(markdown.out.rfind("# Dry-run review ", 0) == 0);
  CHECK(text.out.find("Marked as false positives (newest first):\n  #" + one +
                      " app.limit by otto at ") != std::string::npos);
  CHECK(text.out.find(": a deploy, not load\n") != std::string::npos);
  CHECK(markdown.out.find("| app.limit | 14 | 1.0 | 7 | 7 | 17.5 | 25 | 17.5 % | 7 (cooldown 7) "
                          "| 1 |\n") != std::string::npos);
  CHECK(run_setpoint("review --markdown --json" + url).status == 2);
  const auto bad = run_setpoint("review --since soon" + url);
  CHECK(bad.status == 1);
  CHECK(bad.out.find("HTTP 400: since: \"soon\" is not a duration from 1s to 400d") !=
        std::string::npos);
  ::unsetenv("SETPOINT_TOKEN");
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit() == 0);
}
