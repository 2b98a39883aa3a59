// `setpoint replay`: the whole engine over recorded telemetry, on the events' clock.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "setpoint/base/timestamp.hpp"
#include "support/run_binary.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::testing;
using json = nlohmann::json;

namespace {

constexpr Nanos kStart = 1'795'168'800LL * kNanosPerSecond;  // 2026-11-20T10:00:00Z

// Ten minutes of checkout traffic, 20 events a second: fast for 5 minutes, then slow.
std::string telemetry() {
  std::string out;
  for (int s = 0; s < 600; ++s) {
    for (int i = 0; i < 20; ++i) {
      const double ms = (s < 300 ? 80 : 400) + i;
      out += R"({"ts":")" + format_rfc3339(kStart + s * kNanosPerSecond + i * 50 * kNanosPerMilli) +
             R"(","metric":"http.server","labels":{"service":"checkout"},"value":)" +
             std::to_string(ms) + R"(,"outcome":"ok"})" + "\n";
    }
  }
  return out + "not json\n";
}

struct Replay {
  TempDir dir;
  Replay() {
    std::filesystem::create_directories(dir.path() / "policies");
    write_file(
        dir.file("policies/limit.lua"),
        "local aimd = require 'setpoint.aimd'\n"
        "return { name = 'limit', every = '10s', params = { 'limit' },\n"
        "  evaluate = function(ctx)\n"
        "    local m = ctx:window('http.server', { service = 'checkout' }, '1m')\n"
        "    if m.count < 100 then return end\n"
        "    ctx:set('limit', aimd.next(ctx:param('limit'), m.p99 > 250), { reason = 'p99' })\n"
        "  end }\n");
    write_file(dir.file("setpoint.yaml"),
               "engine: { tick: 1s, mode: enforce }\n"
               "policies: { dir: " +
                   dir.file("policies") +
                   " }\n"
                   "parameters:\n"
                   "  limit: { type: int, initial: 100, min: 50, max: 150, policies: [limit], "
                   "mode: enforce,\n"
                   "           up: { max_step: 5, cooldown: 30s }, down: { max_step: 50%, "
                   "cooldown: 10s } }\n");
    write_file(dir.file("telemetry.jsonl"), telemetry());
  }
  BinaryRun run(const std::string& extra) {
    return run_setpoint("replay --config " + dir.file("setpoint.yaml") + " --telemetry " +
                        dir.file("telemetry.jsonl") + " " + extra);
  }
};

std::vector<json> lines_of(const std::string& out) {
  std::vector<json> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  return lines;
}

}  // namespace

TEST_CASE("replay --json: the decision timeline on the events' clock, then the summary") {
  Replay r;
  const auto run = r.run("--json");
  INFO(run.out);
  REQUIRE(run.status == 0);
  const auto lines = lines_of(run.out);
  REQUIRE(lines.size() >= 2);
  const json& summary = lines.back();
  CHECK(summary["events"]["accepted"] == 12'000);
  CHECK(summary["events"]["rejected"]["malformed_json"] == 1);
  // Fast for 5 minutes: the limit climbs by 1 (AIMD) once per 30 s cooldown, 100 to 110;
  // slow after: each evaluation (every 10 s) asks for 10 % less, down to the min of 50.
  CHECK(summary["parameters"]["limit"]["max"] == 110);
  CHECK(summary["parameters"]["limit"]["final"] == 50);
  CHECK(summary["parameters"]["limit"]["min"] == 50);
  CHECK(summary["decisions"]["block"].get<int>() > 0);
  CHECK(summary["blocks"]["cooldown"].get<int>() > 0);
  // Every record is in observe, at an event time within the recording.
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    CHECK(lines[i]["mode"] == "observe");
    const auto at = parse_rfc3339(lines[i]["at"].get<std::string>());
    REQUIRE(at);
    CHECK(*at >= kStart);
    CHECK(*at <= kStart + 600 * kNanosPerSecond);
  }
}

TEST_CASE(
    "replay --from/--to: earlier events fill the windows, decisions start at --from; reading stops "
    "after --to") {
  Replay r;
  const auto run = r.run("--json --from " + format_rfc3339(kStart + 400 * kNanosPerSecond) +
                         " --to " + format_rfc3339(kStart + 460 * kNanosPerSecond));
  INFO(run.out);
  REQUIRE(run.status == 0);
  const auto lines = lines_of(run.out);
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    const auto at = *parse_rfc3339(lines[i]["at"].get<std::string>());
    CHECK(at >= kStart + 400 * kNanosPerSecond);
    CHECK(at <= kStart + 460 * kNanosPerSecond);
  }
  CHECK(lines.size() > 1);
  CHECK(lines.back()["events"]["accepted"].get<int>() < 12'000);
}

TEST_CASE("replay: bad arguments are named") {
  Replay r;
  CHECK(r.run("--from yesterday").out.find("--from \"yesterday\" is not an RFC 3339 time") !=
        std::string::npos);
  CHECK(r.run("--from 2026-11-20T09:00:00Z --to 2026-11-20T08:00:00Z")
            .out.find("--from is after --to") != std::string::npos);
  const auto missing = run_setpoint("replay --config " + r.dir.file("setpoint.yaml") +
                                    " --telemetry /nonexistent.jsonl");
  CHECK(missing.status == 1);
  CHECK(missing.out.find("cannot read /nonexistent.jsonl") != std::string::npos);
}

TEST_CASE("replay: policies read the history of what was replayed; --history keeps it") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "policies");
  // Three hours of one event a minute; the policy proposes the history's count once it has one.
  std::string events;
  for (int m = 0; m < 180; ++m)
    events += R"({"ts":")" + format_rfc3339(kStart + m * 60 * kNanosPerSecond) +
              R"(","metric":"lat","value":)" + std::to_string(100 + m % 7) + "}\n";
  write_file(dir.file("telemetry.jsonl"), events);
  write_file(dir.file("policies/h.lua"),
             "return { name = 'h', every = '10m', params = { 'seen' }, evaluate = function(ctx)\n"
             "  local h = ctx:history('lat', nil, '3h', { by = '1h' })\n"
             "  if h.hours_found > 0 then ctx:set('seen', h.total.count) end end }\n");
  write_file(dir.file("setpoint.yaml"),
             "engine: { tick: 1s }\npolicies: { dir: " + dir.file("policies") +
                 " }\nparameters:\n"
                 "  seen: { type: int, initial: 0, min: 0, max: 100000, policies: [h] }\n");
  const auto run =
      run_setpoint("replay --json --config " + dir.file("setpoint.yaml") + " --telemetry " +
                   dir.file("telemetry.jsonl") + " --history " + dir.file("history.db"));
  INFO(run.out);
  REQUIRE(run.status == 0);
  const auto lines = lines_of(run.out);
  const json& summary = lines.back();
  // The first hour closed at 11:01 and the second at 12:01: the policy saw 60, then 120.
  CHECK(summary["parameters"]["seen"]["final"] == 120);
  CHECK(summary["parameters"]["seen"]["max"] == 120);
  CHECK(std::filesystem::exists(dir.file("history.db")));
  // Without --history the history is kept in a temporary file, and nothing is left behind.
  std::filesystem::create_directories(dir.path() / "tmp");
  ::setenv("TMPDIR", dir.file("tmp").c_str(), 1);
  const auto again = run_setpoint("replay --json --config " + dir.file("setpoint.yaml") +
                                  " --telemetry " + dir.file("telemetry.jsonl"));
  ::unsetenv("TMPDIR");
  REQUIRE(again.status == 0);
  CHECK(lines_of(again.out).back()["parameters"]["seen"]["final"] == 120);
  CHECK(std::filesystem::is_empty(dir.path() / "tmp"));
}

TEST_CASE("replay --history refuses a file that holds a history already, or the daemon's store") {
  Replay r;
  std::string hours;  // two hours of events: the first closes, so the file holds a history
  for (int m = 0; m < 120; ++m)
    hours += R"({"ts":")" + format_rfc3339(kStart + m * 60 * kNanosPerSecond) +
             R"(","metric":"lat","value":1})" + "\n";
  write_file(r.dir.file("telemetry.jsonl"), hours);
  REQUIRE(r.run("--json --history " + r.dir.file("h.db")).status == 0);
  const auto again = r.run("--history " + r.dir.file("h.db"));
  CHECK(again.status == 2);
  CHECK(again.out.find("setpoint replay: --history " + r.dir.file("h.db") +
                       ": already holds a history (up to ") != std::string::npos);
  const auto state = r.run("--history " + r.dir.file("setpoint.db"));
  CHECK(state.status == 2);
  CHECK(state.out.find("is engine.state_path, the daemon's own store; give a new file") !=
        std::string::npos);
}

namespace {

// The same policy as Replay's, with its p99 threshold at `threshold` ms, in folder `name`.
std::string policies_at(Replay& r, const std::string& name, int threshold) {
  std::filesystem::create_directories(r.dir.path() / name);
  std::string source = read_file(r.dir.file("policies/limit.lua"));
  source.replace(source.find("m.p99 > 250"), 11, "m.p99 > " + std::to_string(threshold));
  write_file(r.dir.file(name + "/limit.lua"), source);
  return r.dir.file(name);
}

}  // namespace

TEST_CASE("replay --against: a raised threshold decides differently from the first slow pass") {
  Replay r;
  const std::string old_dir = r.dir.file("policies"), new_dir = policies_at(r, "new", 450);
  const auto run = r.run("--json --policies " + old_dir + " --against " + new_dir);
  INFO(run.out);
  REQUIRE(run.status == 1);  // different
  const auto lines = lines_of(run.out);
  REQUIRE(lines.size() == 30);  // 29 divergences, then the summary
  // Fast for 5 minutes, both climb alike (100 to 110). At 10:05:10, the first pass with a p99 of
  // 418 ms: the old version (over 250) cuts to 99, the new one (under 450) climbs to 111.
  const json& first = lines[0];
  CHECK(first["divergence"] == "2026-11-20T10:05:10.000Z");
  CHECK(first["policy"] == "limit");
  CHECK(first["target"] == "limit");
  REQUIRE(first["old"].size() == 1);
  REQUIRE(first["new"].size() == 1);
  CHECK(first["old"][0]["current"] == 110);
  CHECK(first["old"][0]["value"] == 99);
  CHECK(first["new"][0]["value"] == 111);
  CHECK(first["new"][0]["verdict"] == "allow");
  CHECK(first["old"][0]["evidence"] == first["new"][0]["evidence"]);  // the same telemetry
  CHECK(first["follows"] == false);
  CHECK(lines[1]["follows"] == true);  // 99 against 111: moved apart by the first
  const json& summary = lines.back();
  CHECK(summary["summary"] == "different");
  CHECK(summary["divergences"] == 29);
  CHECK(summary["diverging_passes"] == 29);
  CHECK(summary["root_divergences"] == 1);
  const json& a = summary["old"]["totals"];
  const json& b = summary["new"]["totals"];
  CHECK(summary["old"]["policies"] == old_dir);
  CHECK(summary["new"]["policies"] == new_dir);
  CHECK(a["decisions"] == 59);
  CHECK(b["decisions"] == 59);
  CHECK(a["would_apply"] == 18);
  CHECK(b["would_apply"] == 20);
  CHECK(a["blocked"] == json{{"bounds", 21}, {"cooldown", 20}});
  CHECK(b["blocked"] == json{{"cooldown", 39}});
  CHECK(a["parameters"]["limit"] ==
        json{{"min", 50}, {"max", 110}, {"final", 50}, {"changes", 18}});
  CHECK(b["parameters"]["limit"] ==
        json{{"min", 100}, {"max", 120}, {"final", 120}, {"changes", 20}});

  // As text: each divergence with both decisions and their evidence, then the table.
  const auto text = r.run("--policies " + old_dir + " --against " + new_dir);
  REQUIRE(text.status == 1);
  CHECK(text.out.find("2026-11-20T10:05:10.000Z  limit  (limit)\n"
                      "  old: #31  2026-11-20T10:05:10.000Z  limit  set limit 110 -> 99  allow") !=
        std::string::npos);
  CHECK(text.out.find("  new: #31  2026-11-20T10:05:10.000Z  limit  set limit 110 -> 111  allow") !=
        std::string::npos);
  // The same telemetry on both sides: its evidence once.
  CHECK(text.out.find("  both read: {\"http.server{service=checkout}@1m\":{\"count\":1181,") !=
        std::string::npos);
  // After the first, the sides stand apart: the rest are consequences, said so in one line.
  CHECK(text.out.find("2026-11-20T10:05:20.000Z  limit  (limit)  follows an earlier divergence: "
                      "the sides stood apart\n  old: #32") != std::string::npos);
  CHECK(text.out.find("  blocked: bounds              21                                   0\n") !=
        std::string::npos);
  CHECK(text.out.find("  limit                        [50, 110] final 50, 18 changes       "
                      "[100, 120] final 120, 20 changes  *\n") != std::string::npos);
  CHECK(text.out.find("different: 29 diverging decisions in 29 passes, 1 where both stood at the "
                      "same value (the rest follow from those)\n") != std::string::npos);
}

TEST_CASE("replay --against: a reworded version that decides the same is the same (exit 0)") {
  Replay r;
  const std::string new_dir = policies_at(r, "reworded", 250);
  std::string source = read_file(new_dir + "/limit.lua");
  source.replace(source.find("reason = 'p99'"), 14, "reason = 'the p99 is over 250 ms'");
  write_file(new_dir + "/limit.lua", "-- reworded\n" + source);
  const auto run = r.run("--json --against " + new_dir);  // old: config's folder
  INFO(run.out);
  REQUIRE(run.status == 0);
  const auto lines = lines_of(run.out);
  REQUIRE(lines.size() == 1);  // no divergence, the summary
  CHECK(lines[0]["summary"] == "same");
  CHECK(lines[0]["divergences"] == 0);
  CHECK(lines[0]["old"]["totals"] == lines[0]["new"]["totals"]);
  CHECK(lines[0]["old"]["totals"]["decisions"] == 59);
  const auto text = r.run("--against " + new_dir);
  CHECK(text.status == 0);
  CHECK(text.out.find("same: every decision matched\n") != std::string::npos);
}

TEST_CASE("replay --against: folders that cannot be compared exit 2 and say why") {
  Replay r;
  const std::string policies = r.dir.file("policies");
  // Different parameters: each is named.
  std::filesystem::create_directories(r.dir.path() / "other");
  write_file(r.dir.file("other/limit.lua"),
             "return { name = 'limit', every = '10s', params = { 'timeout' },\n"
             "  evaluate = function(ctx) end }\n");
  std::string config = read_file(r.dir.file("setpoint.yaml"));
  config += "  timeout: { type: int, initial: 100, min: 50, max: 150, policies: [limit] }\n";
  write_file(r.dir.file("setpoint.yaml"), config);
  const auto params = r.run("--against " + r.dir.file("other"));
  CHECK(params.status == 2);
  CHECK(params.out.find("setpoint replay: cannot compare: the two folders' policies set "
                        "different parameters: only in " +
                        policies + ": limit; only in " + r.dir.file("other") + ": timeout\n") !=
        std::string::npos);
  // A policy that does not load, on either side.
  std::filesystem::create_directories(r.dir.path() / "broken");
  write_file(r.dir.file("broken/limit.lua"), "return { name = 'limit', every = \n");
  const auto broken = r.run("--against " + r.dir.file("broken"));
  CHECK(broken.status == 2);
  CHECK(broken.out.find("setpoint replay: cannot compare: " + r.dir.file("broken") +
                        "/limit.lua did not load: ") != std::string::npos);
  // Bad arguments.
  const auto missing = r.run("--against " + r.dir.file("nowhere"));
  CHECK(missing.status == 2);
  CHECK(missing.out.find("--against " + r.dir.file("nowhere") + ": not a folder") !=
        std::string::npos);
  const auto history = r.run("--against " + policies + " --history " + r.dir.file("h.db"));
  CHECK(history.status == 2);
  CHECK(history.out.find("--history keeps one replay's history") != std::string::npos);
  const auto unread = run_setpoint("replay --config " + r.dir.file("setpoint.yaml") +
                                   " --telemetry /nonexistent.jsonl --against " + policies);
  CHECK(unread.status == 2);
  CHECK(unread.out.find("cannot read /nonexistent.jsonl") != std::string::npos);
}

TEST_CASE(
    "replay --against: a version that fails where the other decides diverges; nothing "
    "compared is a failure") {
  Replay r;
  // The new version errors on every slow evaluation; the old one decides there.
  std::filesystem::create_directories(r.dir.path() / "erring");
  std::string source = read_file(r.dir.file("policies/limit.lua"));
  source.replace(source.find("    ctx:set("), 0, "    if m.p99 > 250 then error('slow') end\n");
  write_file(r.dir.file("erring/limit.lua"), source);
  const auto run = r.run("--json --against " + r.dir.file("erring"));
  INFO(run.out);
  REQUIRE(run.status == 1);
  const auto lines = lines_of(run.out);
  const json& first = lines[0];
  CHECK(first["divergence"] == "2026-11-20T10:05:10.000Z");
  CHECK(first["old"].size() == 0);  // the error's own key: the old side made no error
  const json& second = lines[1];
  CHECK(second["kind"] == "set");
  CHECK(second["new"].size() == 0);  // and the new side no decision
  CHECK(lines.back()["new"]["totals"]["errors"].get<int>() > 0);
  CHECK(lines.back()["old"]["totals"]["errors"] == 0);
  const auto text = r.run("--against " + r.dir.file("erring"));
  CHECK(text.out.find("  new: the evaluation failed: ") != std::string::npos);
  CHECK(text.out.find("slow") != std::string::npos);
  // The same broken version on both sides is the same, and says it failed.
  const auto both =
      r.run("--policies " + r.dir.file("erring") + " --against " + r.dir.file("erring"));
  CHECK(both.status == 0);
  CHECK(both.out.find("  failed evaluations") != std::string::npos);

  // Nothing compared is no "same": an empty file, all-bad lines, a window past the data.
  write_file(r.dir.file("empty.jsonl"), "");
  write_file(r.dir.file("bad.jsonl"), "not json\nnor this\n");
  for (const std::string& file : {r.dir.file("empty.jsonl"), r.dir.file("bad.jsonl")}) {
    const auto none = run_setpoint("replay --config " + r.dir.file("setpoint.yaml") +
                                   " --telemetry " + file + " --against " + r.dir.file("policies"));
    CHECK(none.status == 2);
    CHECK(none.out.find("setpoint replay: nothing to compare: 0 events accepted") !=
          std::string::npos);
    CHECK(none.out.find("comparing") == std::string::npos);  // no heading over nothing
  }
  CHECK(r.run("--from 2030-01-01T00:00:00Z --against " + r.dir.file("policies")).status == 2);
  const auto blank = r.run("--against ''");
  CHECK(blank.status == 2);
  CHECK(blank.out.find("--against is empty: give a folder of policies") != std::string::npos);
}
