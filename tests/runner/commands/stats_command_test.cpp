// Runs the real `setpoint stats` binary on files written here, and checks what it prints.
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/run_binary.hpp"
#include "support/temp_dir.hpp"

using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {
const auto run = setpoint::testing::run_setpoint;
}  // namespace

TEST_CASE("stats --json prints the snapshot and the counts by reason") {
  TempDir dir;
  const auto events = dir.file("events.jsonl");
  std::string text;
  for (int i = 0; i < 100; ++i) {
    char line[200];
    std::snprintf(
        line, sizeof line,
        R"({"ts":"2026-11-20T10:00:%02dZ","metric":"http","labels":{"svc":"a"},"latency_ms":%d,"outcome":"%s"})"
        "\n",
        i % 60, i + 1, i % 10 == 0 ? "error" : "ok");
    text += line;
  }
  text += "garbage\n{\"metric\":\"http\",\"latency_ms\":\"slow\"}\n\n";
  write_file(events, text);
  const auto result = run("stats --telemetry " + events + " --span 1m --json");
  REQUIRE(result.status == 0);
  const auto doc = nlohmann::json::parse(result.out);
  const auto& s = doc["series"]["http{svc=a}"];
  // Seconds 00..59, then 00..39 again: those 40 are late and count in the newest bucket.
  CHECK(s["count"] == 100);
  CHECK(s["outcomes"]["error"] == 10);
  CHECK(s["max"] == 100.0);
  CHECK(doc["ingest"]["late_events"] == 40);
  CHECK(doc["at"] == "2026-11-20T10:00:59.000Z");
  CHECK(doc["ingest"]["accepted"] == 100);
  CHECK(doc["ingest"]["rejected"]["malformed_json"] == 1);
  CHECK(doc["ingest"]["rejected"]["wrong_type"] == 1);
  CHECK(doc["ingest"]["rejected_total"] == 2);
  CHECK(doc["ingest"]["blank"] == 1);
}

TEST_CASE("stats prints a readable table") {
  TempDir dir;
  const auto events = dir.file("events.jsonl");
  write_file(events, R"({"metric":"jobs","outcome":"error"})"
                     "\n"
                     R"({"metric":"jobs"})"
                     "\n");
  const auto result = run("stats --telemetry " + events);
  REQUIRE(result.status == 0);
  CHECK(result.out.find("jobs{}") != std::string::npos);
  CHECK(result.out.find("accepted 2 lines, rejected 0") != std::string::npos);
  CHECK(result.out.find("50.00") != std::string::npos);  // err%
}

TEST_CASE("stats: bad arguments and missing files give clear errors and exit codes") {
  CHECK(run("stats --telemetry /nonexistent/events.jsonl").status == 1);
  CHECK(run("stats --telemetry /nonexistent/events.jsonl").out ==
        "setpoint stats: cannot read /nonexistent/events.jsonl: no such file\n");
  const auto span = run("stats --telemetry /dev/null --span forever");
  CHECK(span.status == 2);
  CHECK(span.out ==
        "setpoint stats: --span \"forever\" is not a positive duration like 1m or 15m\n");
  CHECK(run("stats --telemetry /dev/null --span 2d").status == 2);
  CHECK(run("stats").status == 2);
  CHECK(run("nonsense").status == 2);
  TempDir dir;
  write_file(dir.file("bad.yaml"), "telemetry:\n  bogus: 1\n");
  const auto config = run("stats --telemetry /dev/null --config " + dir.file("bad.yaml"));
  CHECK(config.status == 2);
  CHECK(config.out.find("bad.yaml:2:3: telemetry: unknown key \"bogus\"") != std::string::npos);
}

// stats only reads: the config's quarantine file is the live daemon's, and a look at another
// file must not append to it. Rejected lines go where --rejected says, when it says.
TEST_CASE(
    "stats never writes the config's quarantine file; --rejected says where rejected lines go") {
  TempDir dir;
  write_file(dir.file("events.jsonl"),
             "garbage\n{\"ts\":\"2026-11-20T10:00:00Z\",\"metric\":\"http\",\"value\":1}\n");
  write_file(dir.file("setpoint.yaml"),
             "telemetry:\n  quarantine: { file: live-quarantine.jsonl }\n");
  auto result = run("stats --telemetry " + dir.file("events.jsonl") + " --config " +
                    dir.file("setpoint.yaml"));
  INFO(result.out);
  CHECK(result.status == 0);
  CHECK_FALSE(std::filesystem::exists(dir.file("live-quarantine.jsonl")));
  CHECK(result.out.find("rejected lines, with reasons") == std::string::npos);
  result = run("stats --telemetry " + dir.file("events.jsonl") + " --rejected " +
               dir.file("rejected.jsonl"));
  CHECK(result.status == 0);
  CHECK(result.out.find("rejected lines, with reasons: " + dir.file("rejected.jsonl")) !=
        std::string::npos);
  const std::string kept = setpoint::testing::read_file(dir.file("rejected.jsonl"));
  CHECK(kept.find("\"reason\":\"malformed_json\"") != std::string::npos);
  CHECK(std::count(kept.begin(), kept.end(), '\n') == 1);
}

TEST_CASE("stats says when the events look like epoch seconds read as milliseconds") {
  TempDir dir;
  write_file(dir.file("events.jsonl"), "{\"ts\":1796127934.1,\"metric\":\"http\",\"value\":1}\n");
  auto result = run("stats --telemetry " + dir.file("events.jsonl"));
  CHECK(result.status == 0);
  CHECK(result.out.find("setpoint stats: the newest event is at 1970-01-21T18:55:27.934Z: if the "
                        "timestamps are epoch seconds, "
                        "set telemetry.mapping.ts_unit: s in the config") != std::string::npos);
  write_file(dir.file("seconds.yaml"), "telemetry:\n  mapping: { ts_unit: s }\n");
  result = run("stats --telemetry " + dir.file("events.jsonl") + " --config " +
               dir.file("seconds.yaml"));
  CHECK(result.status == 0);
  CHECK(result.out.find("epoch seconds") == std::string::npos);
  CHECK(result.out.find("2026-12-01") != std::string::npos);
}
