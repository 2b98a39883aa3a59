// Bounds patches through the pipeline: always a pending proposal for a person, whatever the
// mode; approved, the patcher applies them (no actuator is ever called); kept across a restart.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "pipeline_world.hpp"
#include "support/must.hpp"

using namespace setpoint;
using namespace pipeline_world;

namespace {

// A patch from `policy`, a triage policy (a reviewer) unless said otherwise.
Decision suggest(World& w, double min, double max, Nanos now, const char* policy = "triage") {
  w.pipeline.declare_reviewer("triage", true);
  Proposal p = Proposal::bounds(policy, "checkout.limit", min, max, "3 rollbacks above 150");
  p.confidence = 0.8;
  return w.pipeline.submit(policy, "v1", {p}, "{}", now)[0];
}

}  // namespace

TEST_CASE("below propose a bounds patch is only recorded: a shadow, or advice") {
  for (const auto& [mode, outcome] :
       {std::pair{Mode::kObserve, "shadow"}, std::pair{Mode::kAdvise, "advised"}}) {
    PipelineOptions options;
    options.ceiling = mode;  // a dry run's ceiling is observe
    World w(limit_spec(), options);
    const Decision d = suggest(w, 80, 150, 0);
    CHECK(d.mode == mode);
    CHECK(outcome_text(d) == outcome);
    CHECK(w.pipeline.pending().empty());
    CHECK(w.value() == 100);
  }
  PipelineOptions dry;
  dry.ceiling = Mode::kObserve;
  World w(limit_spec(), dry);
  CHECK(suggest(w, 80, 150, 0).detail ==
        "would be proposed: allow: ok: checkout.limit's operating bounds would become [80, 150] "
        "(now at 100)");
}

TEST_CASE("a bounds patch waits for a person in propose and enforce, for engine.patch_ttl") {
  for (const Mode mode : {Mode::kPropose, Mode::kEnforce}) {
    PipelineOptions options;
    options.ceiling = mode;
    options.default_mode = Mode::kObserve;  // the policy's and target's modes do not matter
    options.patch_ttl = 3600 * kSec;
    World w(limit_spec(), options);
    w.pipeline.declare("triage", {});  // declares nothing: a patch needs no declaration
    const Decision d = suggest(w, 80, 150, 0);
    CHECK(d.mode == Mode::kPropose);
    CHECK(outcome_text(d) == "pending");
    CHECK(w.actuator.calls.empty());
    REQUIRE(w.pipeline.pending().size() == 1);
    CHECK(w.pipeline.pending().begin()->second.expires == 3600 * kSec);
    const auto json = w.log.at(0);
    CHECK(json["kind"] == "bounds");
    CHECK(json["bounds"] == nlohmann::json({{"min", 80}, {"max", 150}}));
    CHECK(json["current"] == 100);
    CHECK(!json.contains("value"));
    CHECK(json["confidence"] == 0.8);
    CHECK(json["explain"] ==
          "allow: ok: checkout.limit's operating bounds would become [80, 150] (now at 100)");
    w.pipeline.tick(3600 * kSec);
    CHECK(w.pipeline.pending().empty());  // expired
  }
}

TEST_CASE("a bounds patch from a policy neither a reviewer nor granted the parameter is refused") {
  World w;  // checkout.limit is granted to aimd only
  const Decision stranger = suggest(w, 80, 150, 0, "stranger");
  CHECK(outcome_text(stranger) == "blocked");
  CHECK(stranger.verdict.reason == Reason::kNotGranted);
  CHECK(stranger.detail ==
        "block: not_granted: checkout.limit is not granted to this policy in config, and only a "
        "triage policy may suggest bounds for any parameter");
  PipelineOptions options;
  options.ceiling = Mode::kPropose;
  World granted(limit_spec(), options);
  CHECK(outcome_text(suggest(granted, 80, 150, kSec, "aimd")) == "pending");  // granted: may
}

TEST_CASE("one policy's bounds patch never supersedes another's") {
  PipelineOptions options;
  options.ceiling = Mode::kPropose;
  World w(limit_spec(), options);
  const Decision review = suggest(w, 80, 150, 0);
  const Decision other = suggest(w, 20, 400, kSec, "aimd");
  CHECK(outcome_text(other) == "pending");
  CHECK(w.pipeline.pending().count(review.id) == 1);
  CHECK(w.pipeline.pending().count(other.id) == 1);
}

TEST_CASE(
    "a bounds patch: the same again is unchanged, another supersedes it, a value waits beside it") {
  PipelineOptions options;
  options.ceiling = Mode::kPropose;
  options.default_mode = Mode::kPropose;
  World w(limit_spec(), options);
  const Decision first = suggest(w, 80, 150, 0);
  CHECK(outcome_text(suggest(w, 80, 150, kSec)) == "unchanged");
  const Decision value = w.propose(105, 2 * kSec);  // a value change for the same parameter
  CHECK(outcome_text(value) == "pending");
  CHECK(w.pipeline.pending().size() == 2);
  const Decision second = suggest(w, 90, 150, 3 * kSec);
  CHECK(outcome_text(second) == "pending");
  CHECK(w.pipeline.pending().size() == 2);
  CHECK(w.pipeline.pending().count(first.id) == 0);
  CHECK(w.pipeline.pending().count(value.id) == 1);
}

TEST_CASE("a blocked bounds patch is recorded with why, and waits for no one") {
  World w;
  const Decision d = suggest(w, 5, 150, 0);
  CHECK(outcome_text(d) == "blocked");
  CHECK(d.detail == "block: bounds: the bounds [5, 150] cross checkout.limit's hard bound 10");
  CHECK(w.pipeline.pending().empty());
}

TEST_CASE("approving a bounds patch calls the patcher, never an actuator") {
  World w;
  std::vector<std::pair<double, double>> patched;
  std::string refuse;
  w.pipeline.set_bounds_patcher([&](const Decision& d, Nanos) -> Result<std::string> {
    if (!refuse.empty()) return Error{refuse};
    CHECK(d.approved_by == "operator:alice");
    patched.emplace_back(d.proposal.bounds_min, d.proposal.bounds_max);
    return std::string("checkout.limit's operating bounds [10, 500] -> [80, 150]");
  });
  const Decision d = suggest(w, 80, 150, 0);
  const auto approved = must(w.pipeline.approve(d.id, "operator:alice", kSec));
  REQUIRE(approved);
  CHECK(outcome_text(*approved) == "applied");
  CHECK(approved->detail == "checkout.limit's operating bounds [10, 500] -> [80, 150]");
  CHECK(approved->proposal.reason == "3 rollbacks above 150 (approved by operator:alice)");
  CHECK(patched == std::vector<std::pair<double, double>>{{80, 150}});
  CHECK(w.actuator.calls.empty());
  CHECK(w.value() == 100);
  const auto rows = must(w.store->decisions({}));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].outcome == "approved by operator:alice");
  CHECK(rows[1].outcome == "applied");
  CHECK(nlohmann::json::parse(rows[1].json)["kind"] == "bounds");

  refuse = "the new bounds cannot be recorded: disk full";
  const Decision again = suggest(w, 90, 140, 2 * kSec);
  const auto failed = must(w.pipeline.approve(again.id, "operator:alice", 3 * kSec));
  REQUIRE(failed);
  CHECK(outcome_text(*failed) == "failed");
  CHECK(failed->detail == "not applied: the new bounds cannot be recorded: disk full");
}

TEST_CASE("a pending bounds patch survives a restart whole") {
  TempDir dir;
  const std::string db = dir.file("audit.db");
  std::int64_t id = 0;
  {
    auto store = AuditStore::open(db).value();
    Guard guard({limit_spec()}, {}, {});
    EffectPipeline pipeline(guard, {}, store.get());
    pipeline.declare_reviewer("triage", true);
    Proposal p = Proposal::bounds("triage", "checkout.limit", 80, 150, "flapping");
    id = pipeline.submit("triage", "v1", {p}, "{}", 100 * kSec)[0].id;
  }
  auto store = AuditStore::open(db).value();
  Guard guard({limit_spec()}, {}, {});
  EffectPipeline pipeline(guard, {}, store.get());
  must(pipeline.restore());
  REQUIRE(pipeline.pending().count(id) == 1);
  const PendingProposal& p = pipeline.pending().at(id);
  CHECK(p.decision.proposal.kind == Proposal::Kind::kBounds);
  CHECK(p.decision.proposal.bounds_min == 80);
  CHECK(p.decision.proposal.bounds_max == 150);
  CHECK(p.decision.at == 100 * kSec);  // from the patch TTL, not the proposal TTL
  double got_min = 0;
  pipeline.set_bounds_patcher([&](const Decision& d, Nanos) -> Result<std::string> {
    got_min = d.proposal.bounds_min;
    return std::string("done");
  });
  const auto approved = must(pipeline.approve(id, "operator:bob", 200 * kSec));
  REQUIRE(approved);
  CHECK(outcome_text(*approved) == "applied");
  CHECK(got_min == 80);
}
