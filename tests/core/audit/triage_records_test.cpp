#include <catch2/catch.hpp>

#include "setpoint/audit/audit_store.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;

TEST_CASE("alerts: recorded, repeated on their row, read newest first since a time") {
  TempDir dir;
  auto store = must(AuditStore::open(dir.file("s.db")));
  const std::int64_t a = must(store->record_alert({0, 10, 10, "aimd", "alert", "p99 high", 1}));
  const std::int64_t b =
      must(store->record_alert({0, 20, 20, "autopilot", "frozen", "x is frozen", 1}));
  CHECK(b == a + 1);
  must(store->repeat_alert(a, 30));
  must(store->repeat_alert(a, 40));
  auto rows = must(store->alerts(0, 10));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].id == a);  // last seen at 40
  CHECK(rows[0].at == 10);
  CHECK(rows[0].last_at == 40);
  CHECK(rows[0].count == 3);
  CHECK(rows[0].source == "aimd");
  CHECK(rows[0].message == "p99 high");
  CHECK(rows[1].kind == "frozen");
  CHECK(must(store->alerts(25, 10)).size() == 1);  // by when last seen
  CHECK(must(store->alerts(0, 1)).size() == 1);
}

TEST_CASE("triage reports: written whole with the seed's columns, newest first, by id") {
  TempDir dir;
  auto store = must(AuditStore::open(dir.file("s.db")));
  TriageReportRow r;
  r.id = "weekly_triage@2026-11-29T02:00:00Z";
  r.generated_at = 200;
  r.period_start = 100;
  r.period_end = 200;
  r.failure_categories = R"({"stability":{"count":3}})";
  r.patch_suggestions = R"([{"decision":7}])";
  r.policy = "weekly_triage";
  r.trigger = "schedule";
  r.report = R"({"id":"weekly_triage@2026-11-29T02:00:00Z"})";
  must(store->save_triage_report(r));
  TriageReportRow later = r;
  later.id = "weekly_triage@2026-12-06T02:00:00Z";
  later.generated_at = 300;
  later.trigger = "operator:alice";
  must(store->save_triage_report(later));
  const auto all = must(store->triage_reports(10));
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == later.id);
  CHECK(all[0].trigger == "operator:alice");
  const auto one = must(store->triage_report(r.id));
  REQUIRE(one);
  CHECK(one->period_start == 100);
  CHECK(one->period_end == 200);
  CHECK(one->failure_categories == r.failure_categories);
  CHECK(one->patch_suggestions == r.patch_suggestions);
  CHECK(one->github_issues == "[]");
  CHECK(one->report == r.report);
  CHECK(!must(store->triage_report("nope")));
}
