#include <catch2/catch.hpp>

#include "setpoint/audit/audit_store.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;

namespace {

RolloutRow rollout(std::string id, Nanos at, std::string status = "running") {
  RolloutRow r;
  r.id = std::move(id);
  r.parameter = "checkout.timeout_ms";
  r.started_at = at;
  r.status = std::move(status);
  r.traffic_percentage = 5;
  r.decision = 41;
  r.baseline_value = 800;
  r.canary_value = 600;
  r.recommendation = "continue";
  r.state = R"({"step":0})";
  return r;
}

}  // namespace

TEST_CASE("rollout records: a rollout is written whole, read back, and found when active") {
  TempDir dir;
  auto store = must(AuditStore::open(dir.file("s.db")));
  CHECK(store->schema_version() == 10);
  must(store->save_rollout(rollout("a@1", 1)));
  must(store->save_rollout(rollout("b@2", 2)));
  must(store->save_rollout(rollout("c@3", 3, "held")));
  RolloutRow done = rollout("a@1", 1, "rolled_back");
  done.completed_at = 9;
  done.traffic_percentage = 0;
  done.recommendation = "fail";
  done.reason = "fail at look 1 of 6: error_rate 5 % vs 1 %";
  done.statistical_significance = 1e-9;
  done.canary_metrics = R"({"error_rate":0.05})";
  must(store->save_rollout(done));  // over the running one
  const auto all = must(store->rollouts());
  REQUIRE(all.size() == 3);
  CHECK(all[0].id == "c@3");  // newest first
  const auto a = must(store->rollout("a@1"));
  REQUIRE(a);
  CHECK(a->status == "rolled_back");
  CHECK(a->completed_at == 9);
  CHECK(a->statistical_significance == 1e-9);
  CHECK(a->canary_metrics == R"({"error_rate":0.05})");
  CHECK(a->baseline_value == 800);
  CHECK(a->canary_value == 600);
  CHECK(a->decision == 41);
  CHECK(a->state == R"({"step":0})");
  const auto active = must(store->active_rollouts());
  REQUIRE(active.size() == 2);
  CHECK(active[0].id == "b@2");  // oldest first
  CHECK(active[1].status == "held");
  CHECK(must(store->rollouts("rolled_back")).size() == 1);
  CHECK(must(store->rollouts({}, "other.param")).empty());
  CHECK_FALSE(must(store->rollout("nope")));
}
