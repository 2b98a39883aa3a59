// Shadow versions through the daemon and the CLI: a saved version shadows the live one, `setpoint
// policies` shows both and what diverged, GET /v1/policies/NAME/divergences lists it, and
// `setpoint policies promote|discard` is an operator's, refused clearly otherwise.
#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/daemon.hpp"
#include "support/run_binary.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::testing;
using json = nlohmann::json;

namespace {

const std::string kViewer = "viewer-token-0123456789";
const std::string kOperator = "operator-token-0123456789";

std::string setter(int value) {
  return "return { name = 'pinner', every = '1s', params = { 'app.limit' },\n"
         "  evaluate = function(ctx)\n    if ctx:param('app.limit') ~= " +
         std::to_string(value) + " then ctx:set('app.limit', " + std::to_string(value) +
         ") end\n  end }\n";
}

}  // namespace

TEST_CASE("shadow routes: shown, listed, promoted and discarded by an operator only") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "policies");
  std::filesystem::create_directories(dir.path() / "state");
  write_file(dir.file("policies/pinner.lua"), setter(120));
  write_file(dir.file("setpoint.yaml"),
             "engine: { tick: 100ms, state_path: state/setpoint.db }\n"
             "policies: { dir: policies, test_gate: false, shadow: 1h }\n"
             "control_plane: { listen: 127.0.0.1:0, tokens_file: tokens.yaml }\n"
             "parameters:\n"
             "  app.limit: { type: int, initial: 100, min: 10, max: 500, policies: [pinner] }\n");
  write_file(dir.file("tokens.yaml"),
             "tokens:\n  - { name: vera, role: viewer, token: " + kViewer +
                 " }\n  - { name: otto, role: operator, token: " + kOperator + " }\n");
  Daemon daemon(dir.path().string(), {"--config", "setpoint.yaml"});
  REQUIRE(daemon.port() > 0);
  const std::string url = " --url http://127.0.0.1:" + std::to_string(daemon.port());
  ::setenv("SETPOINT_TOKEN", kViewer.c_str(), 1);
  // The live version sets 120 (observe mode: the guard follows it); wait for that.
  REQUIRE(eventually([&] {
    const auto p = json::parse(run_setpoint("params --json" + url).out, nullptr, false);
    return p.is_array() && !p.empty() && p[0].value("value", 0.0) == 120;
  }));

  // A new version that would set 130: a divergence at its first evaluation.
  write_file(dir.file("policies/pinner.lua"), setter(130));
  json shadow;
  REQUIRE(eventually([&] {
    const auto p = json::parse(run_setpoint("policies --json" + url).out, nullptr, false);
    if (!p.is_array() || p.empty() || !p[0]["shadow"].is_object()) return false;
    shadow = p[0]["shadow"];
    return shadow["divergences"].get<int>() >= 1;
  }));
  CHECK(shadow["state"] == "shadowing");
  CHECK(shadow["recent"][0]["live"] == "no proposal");
  CHECK(shadow["recent"][0]["shadow"] == "set 130");
  CHECK(shadow["promotes"] == false);  // at most 0 divergences promote on their own
  const auto text = run_setpoint("policies" + url);
  CHECK(text.out.find("pinner: shadow " + shadow["version"].get<std::string>().substr(0, 12) +
                      " shadowing since ") != std::string::npos);
  CHECK(text.out.find("; setpoint policies promote|discard pinner") != std::string::npos);
  CHECK(text.out.find("app.limit: live no proposal, shadow set 130") != std::string::npos);

  // The divergences, as recorded; a policy that does not exist is a 404 that names it.
  httplib::Client client("127.0.0.1", daemon.port());
  const httplib::Headers viewer{{"Authorization", "Bearer " + kViewer}};
  auto listed = client.Get("/v1/policies/pinner/divergences?limit=1", viewer);
  REQUIRE(listed);
  CHECK(listed->status == 200);
  const json rows = json::parse(listed->body);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["shadow_version"] == shadow["version"]);
  CHECK(rows[0]["target"] == "app.limit");
  auto unknown = client.Get("/v1/policies/nobody/divergences", viewer);
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  CHECK(unknown->body == R"({"error":"no policy is named nobody"})");
  auto bad = client.Get("/v1/policies/pinner/divergences?limit=0", viewer);
  REQUIRE(bad);
  CHECK(bad->status == 400);

  // A viewer may not promote; an operator may; then there is nothing left to promote.
  const auto refused = run_setpoint("policies promote pinner" + url);
  CHECK(refused.status == 1);
  CHECK(refused.out.find("setpoint policies promote: HTTP 403") != std::string::npos);
  ::setenv("SETPOINT_TOKEN", kOperator.c_str(), 1);
  const auto missing = run_setpoint("policies discard nobody" + url);
  CHECK(missing.status == 1);
  CHECK(missing.out == "setpoint policies discard: HTTP 404: no policy is named nobody\n");
  const auto promoted = run_setpoint("policies promote pinner --reason 'reviewed it'" + url);
  INFO(promoted.out);
  CHECK(promoted.status == 0);
  CHECK(promoted.out.find("pinner: promoted " + shadow["version"].get<std::string>().substr(0, 12) +
                          " over ") == 0);
  CHECK(promoted.out.find(": by operator:otto: reviewed it\n") != std::string::npos);
  const auto none = run_setpoint("policies discard pinner" + url);
  CHECK(none.status == 1);
  CHECK(none.out.find("HTTP 409: policy pinner has no shadow version") != std::string::npos);
  REQUIRE(eventually([&] {
    const auto p = json::parse(run_setpoint("params --json" + url).out, nullptr, false);
    return p.is_array() && !p.empty() && p[0].value("value", 0.0) == 130;
  }));

  // Discarded: the live version keeps running.
  write_file(dir.file("policies/pinner.lua"), setter(140));
  REQUIRE(eventually([&] {
    const auto p = json::parse(run_setpoint("policies --json" + url).out, nullptr, false);
    return p.is_array() && !p.empty() && p[0]["shadow"].is_object();
  }));
  const auto discarded = run_setpoint("policies discard pinner" + url);
  CHECK(discarded.status == 0);
  CHECK(discarded.out.find("(by operator:otto): an operator's call; ") != std::string::npos);
}
