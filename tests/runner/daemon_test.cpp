// The real daemon in a temporary directory on a loopback port: ingest over HTTP and from a
// followed file, decisions in the audit and on the API, hot reload, tokens, /metrics through
// promtool, signals, and a crash with restart.
#include "support/daemon.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "setpoint/audit/audit_store.hpp"
#include "setpoint/base/timestamp.hpp"
#include "support/must.hpp"
#include "support/run_binary.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::testing;
using json = nlohmann::json;

namespace {

const std::string kViewer = "viewer-token-0123456789";
const std::string kOperator = "operator-token-0123456789";
const std::string kAdmin = "admin-token-0123456789";
const std::string kIngest = "ingest-token-0123456789";

// A policy that always asks for 10 more: each decision is easy to predict.
std::string raise_policy(const std::string& marker = "") {
  return "-- " + marker +
         "\n"
         "return { name = 'raiser', every = '1s', params = { 'app.limit' },\n"
         "  evaluate = function(ctx)\n"
         "    local m = ctx:window('http.server', { service = 'checkout' }, '1m')\n"
         "    if m.count < 10 then return end\n"
         "    ctx:set('app.limit', ctx:param('app.limit') + 10, { reason = 'more room' })\n"
         "  end }\n";
}

std::string config(const std::string& extra = "") {
  return "engine:\n"
         "  tick: 100ms\n"
         "  mode: enforce\n"
         "  state_path: state/setpoint.db\n"
         "  caps: { per_policy_per_hour: 5 }\n"
         "telemetry:\n"
         "  sources: [{ file: live.jsonl, checkpoint: state/live.checkpoint }]\n"
         "policies:\n"
         "  dir: policies\n"
         "  overrides: { raiser: { mode: enforce } }\n"
         "control_plane:\n"
         "  listen: 127.0.0.1:0\n"
         "  tokens_file: tokens.yaml\n"
         "parameters:\n"
         "  app.limit:\n"
         "    type: int\n"
         "    initial: 100\n"
         "    min: 10\n"
         "    max: 500\n"
         "    up: { max_step: 10, cooldown: 1h }\n"
         "    policies: [raiser]\n"
         "    mode: enforce\n"
         "    actuator: { type: log }\n" +
         extra;
}

std::string format_rfc3339_now() { return format_rfc3339(SystemClock().wall()); }

std::string event(const std::string& service, double ms, const std::string& outcome = "ok") {
  return R"({"ts":")" + format_rfc3339_now() + R"(","metric":"http.server","labels":{"service":")" +
         service + R"("},"value":)" + std::to_string(ms) + R"(,"outcome":")" + outcome + "\"}\n";
}

struct Setup {
  TempDir dir;
  explicit Setup(const std::string& variant = "") {
    std::filesystem::create_directories(dir.path() / "policies");
    std::string text = config();
    if (variant == "control_plane_body_limit")
      text.replace(text.find("  tokens_file:"), 0, "  max_body_bytes: 4096\n");
    write_file(dir.file("setpoint.yaml"), text);
    write_file(dir.file("policies/raiser.lua"), raise_policy());
    write_file(dir.file("tokens.yaml"),
               "tokens:\n"
               "  - { name: vera, role: viewer, token: " +
                   kViewer +
                   " }\n"
                   "  - { name: otto, role: operator, token: " +
                   kOperator +
                   " }\n"
                   "  - { name: ada, role: admin, token: " +
                   kAdmin +
                   " }\n"
                   "  - { name: shipper, role: ingest, token: " +
                   kIngest + " }\n");
    std::string lines;
    for (int i = 0; i < 40; ++i) lines += event("checkout", 100 + i);
    write_file(dir.file("live.jsonl"), lines);
  }
  std::vector<std::string> args() const { return {"--config", "setpoint.yaml"}; }
};

httplib::Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

json get_json(httplib::Client& client, const std::string& path,
              const std::string& token = kViewer) {
  auto res = client.Get(path, bearer(token));
  REQUIRE(res);
  INFO(path << " answered " << res->status << ": " << res->body);
  REQUIRE(res->status == 200);
  return json::parse(res->body);
}

// One request written by hand on a socket, for what httplib's client would never send.
std::string raw_request(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return {};
  ::send(fd, request.data(), request.size(), 0);
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
    answer.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return answer;
}

std::vector<StoredDecision> stored_decisions(const std::string& db) {
  auto store = AuditStore::open(db).value();
  return must(store->decisions({}));
}

}  // namespace

TEST_CASE(
    "daemon: events over HTTP and from a file reach the windows; decisions reach the audit and the "
    "API; SIGTERM exits 0") {
  Setup s;
  Daemon daemon(s.dir.path().string(), s.args());
  REQUIRE(daemon.port() > 0);
  httplib::Client client("127.0.0.1", daemon.port());

  // Two good lines and two bad ones: counted by reason, nothing good lost.
  const std::string body = event("payments", 20) + event("payments", 30) + "{not json\n" +
                           R"({"metric":"x","value":"high"})" + "\n";
  auto posted = client.Post("/v1/events", bearer(kIngest), body, "application/x-ndjson");
  REQUIRE(posted);
  REQUIRE(posted->status == 200);
  const auto counts = json::parse(posted->body);
  CHECK(counts["accepted"] == 2);
  CHECK(counts["rejected_total"] == 2);
  CHECK(counts["rejected"].size() >= 1);
  auto refused = client.Post("/v1/events", body, "application/x-ndjson");
  REQUIRE(refused);
  CHECK(refused->status == 401);

  // The followed file and the posted events are both in the windows.
  REQUIRE(eventually([&] {
    const auto state = get_json(client, "/v1/state?span=1m");
    return state.dump().find("service=checkout") != std::string::npos &&
           state.dump().find("service=payments") != std::string::npos;
  }));
  // The policy ran and its first change was applied; the next ones meet the cooldown.
  REQUIRE(eventually([&] { return get_json(client, "/v1/decisions").size() >= 2; }));
  // Newest first, like every log: the first change is the last in the list.
  const auto decisions = get_json(client, "/v1/decisions?policy=raiser");
  REQUIRE(decisions.size() >= 2);
  CHECK(decisions[decisions.size() - 1]["outcome"] == "applied");
  CHECK(decisions[decisions.size() - 1]["value"] == 110);
  CHECK(decisions[decisions.size() - 2]["verdict"] == "block");
  CHECK(decisions[decisions.size() - 2]["verdict_reason"] == "cooldown");
  CHECK(decisions[0]["id"] > decisions[1]["id"]);
  const auto newest = get_json(client, "/v1/decisions?limit=1");
  REQUIRE(newest.size() == 1);
  CHECK(newest[0]["id"] >= decisions[0]["id"]);
  CHECK(get_json(client, "/v1/decisions?verdict=block").size() >= 1);
  auto bad = client.Get("/v1/decisions?verdict=maybe", bearer(kViewer));
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(json::parse(bad->body)["error"] == "verdict must be allow, clamp or block");
  const auto params = get_json(client, "/v1/params");
  CHECK(params[0]["name"] == "app.limit");
  CHECK(params[0]["value"] == 110);

  // /metrics is valid Prometheus text.
  auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(metrics->body.find(
            "setpoint_decisions_total{policy=\"raiser\",verdict=\"allow\",mode=\"enforce\"} 1") !=
        std::string::npos);
  CHECK(metrics->body.find("setpoint_parameter_value{parameter=\"app.limit\"} 110") !=
        std::string::npos);
  write_file(s.dir.file("metrics.txt"), metrics->body);
  const std::string promtool = "promtool check metrics < " + s.dir.file("metrics.txt") + " > " +
                               s.dir.file("promtool.txt") + " 2>&1";
  const int checked = std::system(promtool.c_str());
  INFO(read_file(s.dir.file("promtool.txt")));
  CHECK(WEXITSTATUS(checked) == 0);

  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit() == 0);
  CHECK(daemon.log().find("SIGTERM: finishing the pass") != std::string::npos);
  // Everything the API showed is in the audit, results included.
  const auto stored = stored_decisions(s.dir.file("state/setpoint.db"));
  REQUIRE(stored.size() >= decisions.size());
  CHECK(stored[0].outcome == "applied");
}

TEST_CASE(
    "daemon: every mutating endpoint answers 401 without a token and 403 with a viewer token") {
  Setup s;
  Daemon daemon(s.dir.path().string(), s.args());
  REQUIRE(daemon.port() > 0);
  httplib::Client client("127.0.0.1", daemon.port());
  for (const std::string path :
       {"/v1/pause", "/v1/resume", "/v1/override", "/v1/proposals/1/approve",
        "/v1/proposals/1/reject", "/v1/params/app.limit/rollback", "/v1/reload", "/v1/events"}) {
    INFO(path);
    auto anonymous = client.Post(path, "{}", "application/json");
    REQUIRE(anonymous);
    CHECK(anonymous->status == 401);
    CHECK(json::parse(anonymous->body).contains("error"));
    auto viewer = client.Post(path, bearer(kViewer), "{}", "application/json");
    REQUIRE(viewer);
    CHECK(viewer->status == 403);
    auto forged = client.Post(path, bearer(kViewer + "x"), "{}", "application/json");
    REQUIRE(forged);
    CHECK(forged->status == 401);
  }
  // An operator may pause but not override; the admin may; each is audited by name.
  auto paused =
      client.Post("/v1/pause", bearer(kOperator),
                  R"({"scope":"parameter","name":"app.limit","direction":"up","for":"10m"})",
                  "application/json");
  REQUIRE(paused);
  CHECK(paused->status == 200);
  auto not_operator =
      client.Post("/v1/override", bearer(kOperator),
                  R"({"parameter":"app.limit","value":50,"for":"5m"})", "application/json");
  REQUIRE(not_operator);
  CHECK(not_operator->status == 403);
  auto overridden =
      client.Post("/v1/override", bearer(kAdmin),
                  R"({"parameter":"app.limit","value":50,"for":"5m"})", "application/json");
  REQUIRE(overridden);
  INFO(overridden->body);
  CHECK(overridden->status == 200);
  auto outside =
      client.Post("/v1/override", bearer(kAdmin),
                  R"({"parameter":"app.limit","value":5000,"for":"5m"})", "application/json");
  REQUIRE(outside);
  CHECK(outside->status == 409);
  auto malformed = client.Post("/v1/pause", bearer(kOperator), "{scope:", "application/json");
  REQUIRE(malformed);
  CHECK(malformed->status == 400);
  const auto params = get_json(client, "/v1/params");
  CHECK(params[0]["value"] == 50);
  CHECK(params[0]["override"]["value"] == 50);
  daemon.signal(SIGTERM);
  REQUIRE(daemon.wait_exit() == 0);
  auto store = AuditStore::open(s.dir.file("state/setpoint.db")).value();
  const auto actions = must(store->operator_actions());
  REQUIRE(actions.size() == 3);  // the malformed body never reached the engine
  CHECK(actions[0].who == "operator:otto");
  CHECK(actions[0].action == "POST /v1/pause");
  CHECK(actions[1].who == "operator:ada");
  CHECK(actions[1].status == 200);
  CHECK(actions[2].status == 409);
  CHECK(actions[2].detail.find("5000") != std::string::npos);
}

TEST_CASE("daemon: an edited policy goes live; a broken edit keeps the old version and shows why") {
  Setup s;
  Daemon daemon(s.dir.path().string(), s.args());
  REQUIRE(daemon.port() > 0);
  httplib::Client client("127.0.0.1", daemon.port());
  const auto version = [&] {
    return get_json(client, "/v1/policies")[0]["version"].get<std::string>();
  };
  const std::string first = version();
  write_file(s.dir.file("policies/raiser.lua"), raise_policy("edited"));
  REQUIRE(eventually([&] { return version() != first; }));
  const std::string second = version();
  write_file(s.dir.file("policies/raiser.lua"), "return { evaluate = function( end }");
  REQUIRE(
      eventually([&] { return !get_json(client, "/v1/policies")[0]["reload"]["ok"].get<bool>(); }));
  const auto policy = get_json(client, "/v1/policies")[0];
  CHECK(policy["version"] == second);
  CHECK(policy["reload"]["message"].get<std::string>().find("raiser.lua:1:") != std::string::npos);
  CHECK(policy["reload"]["message"].get<std::string>().find("the previous version keeps running") !=
        std::string::npos);
  // One reload taken, one refused; loading at start-up is not a reload.
  const auto metrics = client.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("setpoint_policy_reloads_total{result=\"ok\"} 1\n") !=
        std::string::npos);
  CHECK(metrics->body.find("setpoint_policy_reloads_total{result=\"refused\"} 1\n") !=
        std::string::npos);
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit() == 0);
}

TEST_CASE("daemon: kill -9 and a restart keep cooldowns and caps and re-apply nothing") {
  Setup s;
  const std::string db = s.dir.file("state/setpoint.db");
  {
    Daemon daemon(s.dir.path().string(), s.args());
    REQUIRE(daemon.port() > 0);
    REQUIRE(eventually(
        [&] { return std::filesystem::exists(db) && stored_decisions(db).size() >= 2; }));
    daemon.kill9();
  }
  const auto before = stored_decisions(db);
  const auto applied = [](const std::vector<StoredDecision>& all) {
    return std::count_if(all.begin(), all.end(),
                         [](const StoredDecision& d) { return d.outcome == "applied"; });
  };
  REQUIRE(applied(before) == 1);
  Daemon again(s.dir.path().string(), s.args());
  INFO(again.log());
  REQUIRE(again.port() > 0);
  httplib::Client client("127.0.0.1", again.port());
  CHECK(get_json(client, "/v1/params")[0]["value"] == 110);  // the guard's memory came back
  // The file resumes from its checkpoint: new traffic, not the old lines again, fills the windows.
  std::string lines;
  for (int i = 0; i < 20; ++i) lines += event("checkout", 200 + i);
  append_file(s.dir.file("live.jsonl"), lines);
  REQUIRE(eventually([&] { return stored_decisions(db).size() >= before.size() + 2; }));
  const auto after = stored_decisions(db);
  CHECK(applied(after) == 1);
  for (std::size_t i = before.size(); i < after.size(); ++i) {
    CHECK(after[i].verdict == "block");
    CHECK(after[i].json.find("\"verdict_reason\":\"cooldown\"") != std::string::npos);
  }
  again.signal(SIGTERM);
  CHECK(again.wait_exit() == 0);
}

// The signals the daemon takes in its loop (sigtimedwait) must be blocked in every other thread:
// the kernel hands a process's signal to any thread that does not block it, and there its
// default action ends the process mid-pass (the sandbox's watchdog thread, started before the
// mask, once took a SIGHUP that way: the reload never happened and the process died).
TEST_CASE("daemon: every thread but the main one blocks SIGTERM, SIGINT and SIGHUP") {
  Setup s;
  Daemon daemon(s.dir.path().string(), s.args());
  REQUIRE(daemon.port() > 0);
  httplib::Client client("127.0.0.1", daemon.port());
  REQUIRE(eventually(
      [&] { return get_json(client, "/v1/params")[0]["value"] == 110; }));  // a policy ran
  const std::string tasks = "/proc/" + std::to_string(daemon.pid()) + "/task";
  int others = 0;
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    if (task.path().filename() == std::to_string(daemon.pid())) continue;
    const std::string status = read_file((task.path() / "status").string());
    const auto at = status.find("SigBlk:");
    REQUIRE(at != std::string::npos);
    const unsigned long long blocked = std::strtoull(status.c_str() + at + 7, nullptr, 16);
    for (const int sig : {SIGHUP, SIGINT, SIGTERM}) {
      INFO("thread " << task.path().filename().string() << " ("
                     << read_file((task.path() / "comm").string()) << ") signal " << sig);
      CHECK((blocked >> (sig - 1) & 1) == 1);
    }
    ++others;
  }
  CHECK(others >= 3);  // the watchdog, the engine's helpers, the control plane's threads
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit() == 0);
}

TEST_CASE("daemon: SIGHUP with a broken config keeps the old one; a good one is taken") {
  Setup s;
  Daemon daemon(s.dir.path().string(), s.args());
  REQUIRE(daemon.port() > 0);
  httplib::Client client("127.0.0.1", daemon.port());
  REQUIRE(eventually([&] { return get_json(client, "/v1/params")[0]["value"] == 110; }));
  write_file(s.dir.file("setpoint.yaml"), config() + "    colour: red\n");
  daemon.signal(SIGHUP);
  REQUIRE(eventually(
      [&] { return daemon.log().find("SIGHUP: the new config is refused") != std::string::npos; }));
  CHECK(daemon.log().find("unknown key \"colour\"") != std::string::npos);
  CHECK(get_json(client, "/v1/params")[0]["max"] == 500);
  // What check calls fatal refuses a reload too: the next restart would fail on it.
  write_file(s.dir.file("tokens2.yaml"),
             "tokens:\n  - { name: ci, role: admin, token: \"${SETPOINT_TEST_NEVER_SET}\" }\n");
  std::string unset = config();
  unset.replace(unset.find("tokens_file: tokens.yaml"), 24, "tokens_file: tokens2.yaml");
  write_file(s.dir.file("setpoint.yaml"), unset);
  daemon.signal(SIGHUP);
  REQUIRE(eventually(
      [&] { return daemon.log().find("SETPOINT_TEST_NEVER_SET") != std::string::npos; }));
  CHECK(daemon.log().find("SIGHUP: the new config is refused, the old one stays: setpoint.yaml: "
                          "control_plane.tokens_file: ") != std::string::npos);
  std::string bigger = config();
  bigger.replace(bigger.find("max: 500"), 8, "max: 900");
  write_file(s.dir.file("setpoint.yaml"), bigger);
  daemon.signal(SIGHUP);
  REQUIRE(eventually([&] { return get_json(client, "/v1/params")[0]["max"] == 900; }));
  CHECK(get_json(client, "/v1/params")[0]["value"] == 110);  // the guard's memory carried over
  // A change the running listener cannot take is said to wait for a restart.
  bigger.replace(bigger.find("listen: 127.0.0.1:0"), 19, "listen: 127.0.0.1:1");
  write_file(s.dir.file("setpoint.yaml"), bigger);
  daemon.signal(SIGHUP);
  REQUIRE(eventually([&] {
    return daemon.log().find(
               "but control_plane.listen changed: that takes effect only after a restart") !=
           std::string::npos;
  }));
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit() == 0);
}

TEST_CASE(
    "daemon: the CLI clients speak to it with the token from the environment; oversized bodies get "
    "413") {
  Setup s("control_plane_body_limit");
  Daemon daemon(s.dir.path().string(), s.args());
  REQUIRE(daemon.port() > 0);
  const std::string url = " --url http://127.0.0.1:" + std::to_string(daemon.port());
  ::setenv("SETPOINT_TOKEN", kOperator.c_str(), 1);
  // A table for people; --json for machines.
  auto params = run_setpoint("params" + url);
  INFO(params.out);
  CHECK(params.status == 0);
  CHECK(
      params.out.rfind(
          "PARAMETER  VALUE  BOUNDS     OPERATING  VERSION  LAST CHANGE  PINNED  PAUSED  ROLLOUT\n"
          "app.limit  ",
          0) == 0);
  auto as_json = run_setpoint("params --json" + url);
  CHECK(json::parse(as_json.out)[0]["name"] == "app.limit");
  // The URL from the environment too.
  ::setenv("SETPOINT_URL", ("http://127.0.0.1:" + std::to_string(daemon.port())).c_str(), 1);
  auto from_env = run_setpoint("params --json");
  ::unsetenv("SETPOINT_URL");
  CHECK(from_env.status == 0);
  auto paused = run_setpoint("pause --scope policy --name raiser --for 10m" + url);
  CHECK(paused.status == 0);
  CHECK(paused.out.rfind("paused raiser until ", 0) == 0);
  auto pauses = run_setpoint("pauses" + url);
  CHECK(pauses.out.find("policy  raiser  both") != std::string::npos);
  auto resumed = run_setpoint("resume --scope policy --name raiser" + url);
  CHECK(resumed.status == 0);
  CHECK(resumed.out == "lifted 1 pause(s)\n");
  auto reload = run_setpoint("reload" + url);
  CHECK(reload.status == 0);
  auto missing = run_setpoint("approve 999" + url);
  CHECK(missing.status == 1);
  CHECK(missing.out == "setpoint approve: HTTP 404: no proposal 999 (see setpoint proposals)\n");
  auto not_admin = run_setpoint("override app.limit 50 --for 5m" + url);
  CHECK(not_admin.status == 1);
  CHECK(not_admin.out.find("HTTP 403") != std::string::npos);
  ::unsetenv("SETPOINT_TOKEN");
  auto anonymous = run_setpoint("pause" + url);
  CHECK(anonymous.status == 1);
  CHECK(anonymous.out.find("HTTP 401") != std::string::npos);
  auto nobody = run_setpoint("params --url http://127.0.0.1:1");
  CHECK(nobody.status == 1);
  CHECK(nobody.out ==
        "setpoint params: no answer from http://127.0.0.1:1: cannot connect (is `setpoint run` up "
        "and listening there? see control_plane.listen)\n");

  // A POST without Content-Length (curl -X POST with no -d) has an empty body: it is served.
  const std::string raw =
      raw_request(daemon.port(), "POST /v1/reload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                     kOperator + "\r\nConnection: close\r\n\r\n");
  CHECK(raw.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(raw.find("\"reloading\":true") != std::string::npos);

  httplib::Client client("127.0.0.1", daemon.port());
  auto huge =
      client.Post("/v1/events", bearer(kIngest), std::string(8192, 'x'), "application/x-ndjson");
  REQUIRE(huge);
  CHECK(huge->status == 413);
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit() == 0);
}

TEST_CASE(
    "daemon: a proposal waits for approval; a parameter rolls back to a version; reload re-reads "
    "the folder") {
  Setup s;
  std::string text = config();
  text.replace(text.find("    mode: enforce\n    actuator"), 17, "    mode: propose\n");
  write_file(s.dir.file("setpoint.yaml"), text);
  Daemon daemon(s.dir.path().string(), s.args());
  REQUIRE(daemon.port() > 0);
  httplib::Client client("127.0.0.1", daemon.port());
  REQUIRE(eventually([&] { return !get_json(client, "/v1/proposals").empty(); }));
  const auto proposal = get_json(client, "/v1/proposals")[0];
  CHECK(proposal["target"] == "app.limit");
  CHECK(proposal["record"]["outcome"] == "pending");
  const std::string id = std::to_string(proposal["id"].get<std::int64_t>());
  auto approved =
      client.Post("/v1/proposals/" + id + "/approve", bearer(kOperator), "", "application/json");
  REQUIRE(approved);
  INFO(approved->body);
  CHECK(approved->status == 200);
  // Vetted again and applied off the engine thread; the answer waits for the actuator's result.
  CHECK(json::parse(approved->body)["proposal"] == proposal["id"]);
  CHECK(json::parse(approved->body)["decision"]["outcome"] == "applied");
  CHECK(json::parse(approved->body)["decision"]["value"] == 110);
  CHECK(get_json(client, "/v1/decisions?verdict=allow")[0]["outcome"] == "applied");
  auto again =
      client.Post("/v1/proposals/" + id + "/approve", bearer(kOperator), "", "application/json");
  REQUIRE(again);
  CHECK(again->status == 409);
  CHECK(json::parse(again->body)["error"].get<std::string>().rfind(
            "proposal " + id + " was approved already, by operator:otto at ", 0) == 0);
  CHECK(eventually([&] { return get_json(client, "/v1/params")[0]["value"] == 110; }));

  // A version is a decision that set the parameter: back to its 110 after an override to 60.
  auto overridden =
      client.Post("/v1/override", bearer(kAdmin),
                  R"({"parameter":"app.limit","value":60,"for":"1s"})", "application/json");
  REQUIRE(overridden);
  CHECK(overridden->status == 200);
  CHECK(get_json(client, "/v1/params")[0]["value"] == 60);
  // The proposal itself applied nothing (its approval did): it is no version to go back to.
  auto proposed = client.Post("/v1/params/app.limit/rollback", bearer(kAdmin),
                              R"({"version":)" + id + "}", "application/json");
  REQUIRE(proposed);
  CHECK(proposed->status == 409);
  CHECK(json::parse(proposed->body)["error"] ==
        "decision " + id +
            " did not apply its value 110 (its outcome: approved by operator:otto); roll back to a "
            "decision whose outcome is applied (setpoint decisions --target app.limit)");
  const std::string applied =
      std::to_string(json::parse(approved->body)["decision"]["id"].get<std::int64_t>());
  auto rolled = client.Post("/v1/params/app.limit/rollback", bearer(kAdmin),
                            R"({"version":"#)" + applied + R"(","replace_override":true})",
                            "application/json");
  REQUIRE(rolled);
  INFO(rolled->body);
  CHECK(rolled->status == 200);
  CHECK(json::parse(rolled->body)["value"] == 110);
  REQUIRE(
      eventually([&] { return get_json(client, "/v1/decisions")[0]["outcome"] == "rolled back"; }));
  // The store has the result at once; the published views at the end of that pass.
  CHECK(eventually([&] { return get_json(client, "/v1/params")[0]["value"] == 110; }));
  // Held like an override for engine.rollback_hold (30 minutes), so the policy does not undo it.
  CHECK(get_json(client, "/v1/params")[0]["override"]["value"] == 110);
  CHECK(json::parse(rolled->body)["pinned_until"].is_string());
  auto unknown = client.Post("/v1/params/app.limit/rollback", bearer(kAdmin),
                             R"({"version":99999})", "application/json");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  CHECK(json::parse(unknown->body)["error"] == "decision 99999 did not set app.limit");

  // Every applied value is a version named by its content: back to the override's 60 by it.
  const auto history = get_json(client, "/v1/params/app.limit/history");
  INFO(history.dump());
  REQUIRE(history["versions"].size() == 3);  // 110 approved, 60 overridden, 110 rolled back to
  CHECK(history["versions"][0]["outcome"] == "rolled back");
  CHECK(history["versions"][0]["version"] == history["versions"][2]["version"]);  // both 110
  CHECK(history["versions"][1]["value"] == 60);
  CHECK(history["versions"][1]["by"] == "operator:ada");
  const std::string sixty = history["versions"][1]["version"];
  CHECK(sixty.size() == 12);
  auto to = client.Post("/v1/params/app.limit/rollback", bearer(kAdmin),
                        R"({"to":")" + sixty.substr(0, 8) + R"("})", "application/json");
  REQUIRE(to);
  INFO(to->body);
  CHECK(to->status == 200);
  CHECK(json::parse(to->body)["value"] == 60);
  CHECK(json::parse(to->body)["to"].get<std::string>().rfind("version " + sixty, 0) == 0);
  auto no_such = client.Post("/v1/params/app.limit/rollback", bearer(kAdmin), R"({"to":"000000"})",
                             "application/json");
  REQUIRE(no_such);
  CHECK(no_such->status == 404);
  auto not_hex = client.Post("/v1/params/app.limit/rollback", bearer(kAdmin), R"({"to":"zzzzzz"})",
                             "application/json");
  REQUIRE(not_hex);
  CHECK(not_hex->status == 400);
  auto nope = client.Get("/v1/params/nope/history", bearer(kViewer));
  REQUIRE(nope);
  CHECK(nope->status == 404);
  // The autopilot's resources answer even with no autopilot policy.
  const auto autopilot = get_json(client, "/v1/autopilot");
  CHECK(autopilot["enabled"] == true);
  CHECK(autopilot["paused"] == false);
  CHECK(get_json(client, "/v1/autopilot/cycles").empty());
  CHECK(get_json(client, "/v1/state")["autopilot"]["paused"] == false);
  auto resume = client.Post("/v1/autopilot/resume", bearer(kOperator), "", "application/json");
  REQUIRE(resume);
  CHECK(resume->status == 409);
  auto unfreeze =
      client.Post("/v1/params/app.limit/unfreeze", bearer(kAdmin), "", "application/json");
  REQUIRE(unfreeze);
  CHECK(unfreeze->status == 409);
  CHECK(json::parse(unfreeze->body)["error"] ==
        "app.limit has no sliding_bounds: autopilot never freezes it");
  auto bad = client.Get("/v1/autopilot/cycles?status=done", bearer(kOperator));
  REQUIRE(bad);
  CHECK(bad->status == 400);
  // Rollouts answer too: none in flight, and an abort of none is a 404 for an operator only.
  const auto rollouts = get_json(client, "/v1/rollouts");
  CHECK(rollouts["running"].empty());
  CHECK(rollouts["recent"].empty());
  auto abort_none = client.Post("/v1/rollouts/app.limit@2026-01-01T00:00:00.000Z/abort",
                                bearer(kOperator), "", "application/json");
  REQUIRE(abort_none);
  CHECK(abort_none->status == 404);
  CHECK(json::parse(abort_none->body)["error"] ==
        "no rollout app.limit@2026-01-01T00:00:00.000Z is in flight");
  auto viewer_abort =
      client.Post("/v1/rollouts/x/promote", bearer(kViewer), "", "application/json");
  REQUIRE(viewer_abort);
  CHECK(viewer_abort->status == 403);

  auto reloaded = client.Post("/v1/reload", bearer(kOperator), "", "application/json");
  REQUIRE(reloaded);
  CHECK(reloaded->status == 200);
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit() == 0);
}

// A policy's test spinning at the reload gate is stopped when the daemon is: SIGTERM once
// waited out the test's whole CPU allowance (30 s then, 5 s at the gate now).
TEST_CASE("daemon: SIGTERM stops a test that spins at the reload gate") {
  Setup s;
  Daemon daemon(s.dir.path().string(), s.args());
  REQUIRE(daemon.port() > 0);
  write_file(
      s.dir.file("policies/raiser_test.lua"),
      "local t = require 'setpoint.testing'\nt.case('spin', function() while true do end end)\n");
  write_file(s.dir.file("policies/raiser.lua"), raise_policy("-- edited\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the gate is running the test
  const auto asked = std::chrono::steady_clock::now();
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit(std::chrono::seconds(20)) == 0);
  const double took_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count();
  INFO("exit took " << took_s << " s");
  CHECK(took_s < 3.5);  // less than the 5 s the gate would have given the test
}

TEST_CASE(
    "daemon: setpoint triage runs the weekly triage now, prints the week, and its patch is "
    "approved like any proposal") {
  Setup s;
  write_file(s.dir.file("policies/weekly_triage.lua"),
             read_file(std::string(SETPOINT_SOURCE_DIR) + "/policies/weekly_triage.lua"));
  {  // Three verifications that rolled app.limit back to 100, from 300, 260 and 240.
    std::filesystem::create_directories(s.dir.path() / "state");
    auto store = AuditStore::open(s.dir.file("state/setpoint.db")).value();
    for (const double bad : {300.0, 260.0, 240.0}) {
      Decision d;
      d.at = SystemClock().wall() - 3600 * kNanosPerSecond;
      d.policy = "setpoint:verify";
      d.proposal = Proposal::set("setpoint:verify", "app.limit", 100.0, "p99 worse");
      d.verdict.kind = VerdictKind::kAllow;
      d.verdict.current = bad;
      d.verdict.proposed = d.verdict.value = 100;
      d.mode = Mode::kEnforce;
      d.outcome = DecisionOutcome::kRolledBack;
      d.detail = "p99 worse by 30 %: rolled back";
      must(store->record(d));
    }
  }
  Daemon daemon(s.dir.path().string(), s.args());
  REQUIRE(daemon.port() > 0);
  const std::string url = " --url http://127.0.0.1:" + std::to_string(daemon.port());
  httplib::Client client("127.0.0.1", daemon.port());
  auto none = client.Get("/v1/triage", bearer(kViewer));
  REQUIRE(none);
  CHECK(none->status == 404);
  CHECK(none->body.find("no triage report yet") != std::string::npos);

  ::setenv("SETPOINT_TOKEN", kViewer.c_str(), 1);
  const auto refused = run_setpoint("triage --since 7d" + url);
  CHECK(refused.status == 1);
  CHECK(refused.out.find("HTTP 403") != std::string::npos);
  ::setenv("SETPOINT_TOKEN", kOperator.c_str(), 1);
  const auto bad = run_setpoint("triage --since soon" + url);
  CHECK(bad.status == 1);
  CHECK(bad.out ==
        "setpoint triage --since: HTTP 400: since must be a span from 1h to 90d, like "
        "\"7d\", not \"soon\"\n");
  const auto ran = run_setpoint("triage --since 7d" + url);
  INFO(ran.out);
  CHECK(ran.status == 0);
  CHECK(ran.out.find("(weekly_triage, operator:otto)") != std::string::npos);
  CHECK(ran.out.find("3 failures in 7 days: 3 performance degradation.") != std::string::npos);
  CHECK(ran.out.find("Suggested bounds patches") != std::string::npos);
  CHECK(ran.out.find("  * app.limit → [10, 170], confidence 50%: 3 changes made things worse") !=
        std::string::npos);
  CHECK(ran.out.find("waiting for approval: setpoint approve ") != std::string::npos);

  const json report = get_json(client, "/v1/triage");
  REQUIRE(report["patches"].size() == 1);
  const std::string id = std::to_string(report["patches"][0]["decision"].get<std::int64_t>());
  CHECK(report["recent"].size() == 1);
  CHECK(get_json(client, "/v1/triage/" + report["id"].get<std::string>())["id"] == report["id"]);
  const auto markdown = run_setpoint("triage --markdown" + url);
  CHECK(markdown.out.rfind("# Triage ", 0) == 0);
  CHECK(markdown.out.find("\n## Failures by category\n\n| category | count | parameters | by "
                          "reason |\n| --- | --- | --- | --- |\n| canary_rollbacks | 0 |") !=
        std::string::npos);
  CHECK(markdown.out.find("- **app.limit → [10, 170]**, confidence 50%") != std::string::npos);
  CHECK(run_setpoint("triage --json --markdown" + url).status == 2);

  const auto proposals = run_setpoint("proposals" + url);
  CHECK(proposals.out.find("weekly_triage  app.limit bounds [10, 170]") != std::string::npos);
  const auto approved = run_setpoint("approve " + id + url);
  INFO(approved.out);
  CHECK(approved.status == 0);
  const json params = get_json(client, "/v1/params");
  CHECK(params[0]["operating"]["min"] == 10);
  CHECK(params[0]["operating"]["max"] == 170);
  CHECK(params[0]["operating"]["holds"] == "every policy");
  // The report says what became of its patch since it was written.
  const json after = get_json(client, "/v1/triage");
  CHECK(after["patches"][0]["outcome"] == "approved");
  CHECK(after["patches"][0]["decided_by"] == "operator:otto");
  CHECK(run_setpoint("triage" + url).out.find("approved by operator:otto") != std::string::npos);
  ::unsetenv("SETPOINT_TOKEN");
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit() == 0);
}

TEST_CASE(
    "daemon: the dashboard is served from the binary, hardened; its session and overview "
    "answer; control_plane.dashboard: false turns it off") {
  Setup s;
  Daemon daemon(s.dir.path().string(), s.args());
  REQUIRE(daemon.port() > 0);
  httplib::Client client("127.0.0.1", daemon.port());
  auto page = client.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK(page->get_header_value("Content-Security-Policy").find("script-src 'self'") !=
        std::string::npos);
  CHECK(page->get_header_value("X-Content-Type-Options") == "nosniff");
  CHECK(page->body.find("<script type=\"module\" src=\"/assets/app.js\"></script>") !=
        std::string::npos);
  for (const char* asset : {"/assets/app.js", "/assets/pages/decisions.js",
                            "/assets/uPlot.iife.min.js", "/assets/uPlot.min.css"}) {
    auto got = client.Get(asset);
    REQUIRE(got);
    INFO(asset);
    CHECK(got->status == 200);
    CHECK(got->body.size() > 500);
  }
  for (const char* missing : {"/assets/nope.js", "/assets/%2e%2e/setpoint.yaml", "/index.html"}) {
    auto got = client.Get(missing);
    REQUIRE(got);
    INFO(missing);
    CHECK(got->status == 404);
  }
  // The session is open and says whose a token is; the overview needs a viewer.
  CHECK(
      get_json(client, "/v1/session", "") ==
      json({{"token_required", true}, {"accepted", false}, {"name", nullptr}, {"role", nullptr}}));
  CHECK(get_json(client, "/v1/session", kOperator)["role"] == "operator");
  auto anonymous = client.Get("/v1/overview");
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);
  const json overview = get_json(client, "/v1/overview");
  CHECK(overview["mode"] == "enforce");
  CHECK(overview["dry_run"] == false);
  CHECK(overview["healthy"] == true);
  CHECK(overview["policies"] == 1);
  CHECK(overview["decisions_last_hour"].is_object());
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit() == 0);

  std::string text = read_file(s.dir.file("setpoint.yaml"));
  text.replace(text.find("  tokens_file:"), 0, "  dashboard: false\n");
  write_file(s.dir.file("setpoint.yaml"), text);
  Daemon off(s.dir.path().string(), s.args());
  REQUIRE(off.port() > 0);
  httplib::Client other("127.0.0.1", off.port());
  auto none = other.Get("/");
  REQUIRE(none);
  CHECK(none->status == 404);
  CHECK(get_json(other, "/v1/params").size() == 1);  // the API is still there
  CHECK(other.Get("/assets/app.js")->status == 404);
  CHECK(get_json(other, "/v1/overview")["decisions_last_hour"].is_object());  // part of the API
  off.signal(SIGTERM);
  CHECK(off.wait_exit() == 0);
}

TEST_CASE("daemon: /v1/decisions/stream sends each decision as it happens, and again from an id") {
  Setup s;
  Daemon daemon(s.dir.path().string(), s.args());
  REQUIRE(daemon.port() > 0);
  // Reads the stream until `enough` says so (or 20 s pass): what arrived.
  const auto read_stream = [&](const std::string& path, const std::string& token,
                               const std::function<bool(const std::string&)>& enough) {
    httplib::Client client("127.0.0.1", daemon.port());
    client.set_read_timeout(20, 0);
    std::string got;
    auto res = client.Get(path, bearer(token), [&](const char* data, std::size_t n) {
      got.append(data, n);
      return !enough(got);
    });
    return std::make_pair(res ? res->status : 0, got);
  };
  httplib::Client plain("127.0.0.1", daemon.port());
  auto refused = plain.Get("/v1/decisions/stream");
  REQUIRE(refused);
  CHECK(refused->status == 401);
  auto bad = plain.Get("/v1/decisions/stream?after=x", bearer(kViewer));
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(bad->body == R"x({"error":"after must be the id of an event (a whole number)"})x");
  // From the start of the feed: the raiser's decisions as the engine recorded them.
  const auto [status, events] =
      read_stream("/v1/decisions/stream?after=0", kViewer, [](const std::string& got) {
        return got.find("\"policy\":\"raiser\"") != std::string::npos;
      });
  INFO(events);
  CHECK(events.rfind(": decisions as they happen\nid: 0\nretry: 1000\n\n", 0) == 0);
  const auto first = events.find("\nid: 1\ndata: {");
  REQUIRE(first != std::string::npos);
  CHECK(events.find("\"target\":\"app.limit\"") != std::string::npos);
  // Asked again from an id: only what came after it.
  const auto [again_status, again] =
      read_stream("/v1/decisions/stream?after=1", kViewer,
                  [](const std::string& got) { return got.find("\ndata: ") != std::string::npos; });
  INFO(again);
  CHECK(again.rfind(": decisions as they happen\nid: 1\n", 0) == 0);
  // An id this daemon never gave (the page saw the last one's): missed, and from now on.
  const auto [restarted_status, restarted] = read_stream(
      "/v1/decisions/stream?after=999999", kViewer,
      [](const std::string& got) { return got.find("event: missed") != std::string::npos; });
  (void)restarted_status;  // 0: the reader stopped it, as it meant to
  CHECK(restarted.find("event: missed\ndata: {}\n\n") != std::string::npos);
  CHECK(restarted.find("id: 999999") == std::string::npos);
  CHECK(again.find("\nid: 1\ndata:") == std::string::npos);
  CHECK(again.find("\nid: 2\ndata: {") != std::string::npos);
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit() == 0);  // open streams end with the daemon
}

TEST_CASE(
    "daemon: decision streams get an eighth of the connections; /healthz is never crowded "
    "out") {
  Setup s;
  std::string text = read_file(s.dir.file("setpoint.yaml"));
  text.replace(text.find("  tokens_file:"), 0, "  max_connections: 16\n");
  write_file(s.dir.file("setpoint.yaml"), text);
  Daemon daemon(s.dir.path().string(), s.args());
  REQUIRE(daemon.port() > 0);
  // Two streams (16 / 8) held open, each on its own connection, reading until told to stop.
  std::atomic<bool> stop{false};
  std::atomic<int> opened{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      httplib::Client client("127.0.0.1", daemon.port());
      client.set_read_timeout(30, 0);
      (void)client.Get("/v1/decisions/stream", bearer(kViewer), [&](const char*, std::size_t) {
        ++opened;
        return !stop.load();
      });
    });
  }
  REQUIRE(eventually([&] { return opened >= 2; }));
  httplib::Client client("127.0.0.1", daemon.port());
  auto third = client.Get("/v1/decisions/stream", bearer(kViewer));
  REQUIRE(third);
  CHECK(third->status == 503);
  CHECK(third->body.find("2 decision streams are open") != std::string::npos);
  CHECK(third->get_header_value("Retry-After") == "5");
  auto health = client.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  stop = true;
  for (auto& t : readers) t.join();
  // Closed streams give their places back.
  CHECK(eventually([&] {
    httplib::Client again("127.0.0.1", daemon.port());
    again.set_read_timeout(5, 0);
    int status = 0;
    (void)again.Get(
        "/v1/decisions/stream", bearer(kViewer),
        [&](const httplib::Response& r) {
          status = r.status;
          return false;
        },
        [](const char*, std::size_t) { return false; });
    return status == 200;
  }));
  const auto stopped_at = std::chrono::steady_clock::now();
  daemon.signal(SIGTERM);
  CHECK(daemon.wait_exit() == 0);
  CHECK(std::chrono::steady_clock::now() - stopped_at < std::chrono::seconds(5));
}
