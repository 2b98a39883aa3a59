#include "setpoint/windows/snapshot.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "setpoint/base/timestamp.hpp"

using namespace setpoint;

TEST_CASE("the snapshot document has the agreed shape and exact numbers") {
  Aggregator agg({});
  const Nanos now = *parse_rfc3339("2026-11-20T10:00:00Z");
  auto h = agg.resolve("http", {{"svc", "a"}});
  for (int i = 1; i <= 10; ++i)
    h.record(now, 10.0 * i, i == 10 ? OutcomeSet::kError : OutcomeSet::kOk);
  agg.resolve("jobs", {}).record(now, OutcomeSet::kOk);

  const auto windows = read_all(agg, now, 60 * kNanosPerSecond);
  REQUIRE(windows.size() == 2);
  const auto doc = nlohmann::json::parse(snapshot_json(agg, windows, now, 60 * kNanosPerSecond));
  CHECK(doc["span_s"] == 60.0);
  CHECK(doc["at"] == "2026-11-20T10:00:00.000Z");
  const auto& s = doc["series"]["http{svc=a}"];
  CHECK(s["count"] == 10);
  CHECK(s["rate_per_s"].get<double>() == Approx(10.0 / 60));
  CHECK(s["error_rate"].get<double>() == Approx(0.1));
  CHECK(s["success_rate"].get<double>() == Approx(0.9));
  CHECK(s["min"] == 10.0);
  CHECK(s["max"] == 100.0);
  CHECK(s["mean"] == 55.0);
  CHECK(s["sum"] == 550.0);
  // p99 of ten values is the value at rank floor(0.99 × 9) = 8: 90, within 1 %.
  CHECK(s["p99"].get<double>() == Approx(90.0).epsilon(0.01));
  CHECK(s["outcomes"]["ok"] == 9);
  CHECK(s["outcomes"]["error"] == 1);
  CHECK(s["outcomes"]["timeout"] == 0);
  const auto& jobs = doc["series"]["jobs{}"];
  CHECK(jobs["count"] == 1);
  CHECK(jobs["p50"].is_null());
  CHECK(jobs["mean"].is_null());
}

TEST_CASE("a span past every horizon reads nothing") {
  Aggregator agg({});
  agg.resolve("x", {});
  CHECK(read_all(agg, 0, 48 * 3600 * kNanosPerSecond).empty());
}
