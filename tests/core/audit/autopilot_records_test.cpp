#include <catch2/catch.hpp>
#include <cmath>

#include "setpoint/audit/audit_store.hpp"
#include "support/broken_store.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;

namespace {

constexpr Nanos kSec = kNanosPerSecond;

CycleRow cycle(std::string id, Nanos at, std::string status = "running") {
  CycleRow c;
  c.id = std::move(id);
  c.policy = "nightly";
  c.started_at = at;
  c.status = std::move(status);
  c.analysis = R"({"p99_7d":0.21})";
  c.proposed_changes = R"([{"target":"checkout.limit","value":120}])";
  return c;
}

}  // namespace

TEST_CASE("autopilot records: a cycle is written whole and read back, newest first") {
  TempDir dir;
  auto store = must(AuditStore::open(dir.file("s.db")));
  must(store->save_cycle(cycle("nightly@1", 1 * kSec)));
  must(store->save_cycle(cycle("nightly@2", 2 * kSec)));
  CycleRow done = cycle("nightly@1", 1 * kSec, "completed");
  done.completed_at = 5 * kSec;
  done.outcome = R"({"decisions":[7]})";
  must(store->save_cycle(done));  // over the running one
  const auto all = must(store->cycles());
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == "nightly@2");
  CHECK(all[1].status == "completed");
  CHECK(all[1].completed_at == 5 * kSec);
  CHECK(all[1].outcome == R"({"decisions":[7]})");
  CHECK(all[1].analysis == R"({"p99_7d":0.21})");
  CHECK(must(store->cycles("", "running")).size() == 1);
  CHECK(must(store->cycles("other")).empty());
  CHECK(must(store->cycles("", "", 1)).size() == 1);
  CHECK(must(store->cycle("nightly@2"))->started_at == 2 * kSec);
  CHECK_FALSE(must(store->cycle("nope")));
}

TEST_CASE("autopilot records: bounds, impacts and drift events round-trip") {
  TempDir dir;
  auto store = must(AuditStore::open(dir.file("s.db")));
  BoundsRow b{"checkout.limit", 78, 122, 100, 3, 1, true, 9 * kSec, R"({"min":78})", "[]"};
  must(store->save_bounds(b));
  b.max = 130;
  must(store->save_bounds(b));
  const auto bounds = must(store->bounds());
  REQUIRE(bounds.size() == 1);
  CHECK(bounds[0].max == 130);
  CHECK(bounds[0].frozen);
  CHECK(bounds[0].rollback_count == 1);
  CHECK(bounds[0].state == R"({"min":78})");

  ImpactRow i;
  i.decision = 7;
  i.cycle = "nightly@1";
  i.target = "checkout.limit";
  i.series = "http.server{service=checkout}";
  i.stat = "p99";
  i.before = 0.2;
  i.after = std::nan("");  // no data after: stored as NULL, read back as NaN
  i.predicted = -0.08;
  i.actual = std::nan("");
  i.error = std::nan("");
  i.detail = "no data after the change";
  must(store->save_impact(i));
  const auto impacts = must(store->impacts("nightly@1"));
  REQUIRE(impacts.size() == 1);
  CHECK(impacts[0].before == 0.2);
  CHECK(std::isnan(impacts[0].after));
  CHECK(impacts[0].predicted == -0.08);
  CHECK(impacts[0].detail == "no data after the change");
  CHECK(must(store->impacts("other")).empty());

  must(store->record_drift(1 * kSec, "checkout.limit", "file changed by hand"));
  must(store->record_drift_event({0, 2 * kSec, "prediction_error_high", "autopilot",
                                  "mean prediction error 45% over 30%", R"({"mean_error":0.45})",
                                  R"({"pause":"48h"})", 0}));
  const auto all = must(store->drift_events());
  REQUIRE(all.size() == 2);
  CHECK(all[0].kind == "actuator");  // the actuators' rows get their kind by default
  const auto mine = must(store->drift_events("prediction_error_high"));
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].metrics == R"({"mean_error":0.45})");
  must(store->resolve_drift_events(3 * kSec));
  CHECK(must(store->drift_events("prediction_error_high"))[0].resolved_at == 3 * kSec);
  CHECK(must(store->drift_events("actuator"))[0].resolved_at == 0);
  CHECK(must(store->drift_count()) == 2);
}

TEST_CASE("autopilot records: a broken table is an error from every call, never a crash") {
  TempDir dir;
  const std::string path = dir.file("s.db");
  auto store = must(AuditStore::open(path));
  setpoint::testing::drop_tables(path, {"autopilot_cycles", "parameter_bounds", "impact_checks"});
  CHECK_FALSE(store->save_cycle(cycle("c", 1)));
  CHECK_FALSE(store->cycles());
  CHECK_FALSE(store->cycle("c"));
  CHECK_FALSE(store->save_bounds({}));
  CHECK_FALSE(store->bounds());
  CHECK_FALSE(store->save_impact({}));
  CHECK_FALSE(store->impacts());
}
