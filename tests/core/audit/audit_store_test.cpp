#include "setpoint/audit/audit_store.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/broken_store.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;

namespace {

constexpr Nanos kSec = kNanosPerSecond;

std::unique_ptr<AuditStore> open_store(const std::string& path) {
  auto opened = AuditStore::open(path);
  if (!opened) FAIL(opened.error());
  return std::move(opened.value());
}

Decision decision(std::string policy, double value, VerdictKind kind, Nanos at) {
  Decision d;
  d.at = at;
  d.policy = std::move(policy);
  d.policy_version = "v1hash";
  d.proposal = Proposal::set(d.policy, "checkout.limit", value, "p99=412ms");
  d.evidence = R"({"http.server{service=checkout}":{"p99":412,"count":1200}})";
  d.verdict.kind = kind;
  d.verdict.reason = kind == VerdictKind::kBlock ? Reason::kCooldown : Reason::kOk;
  d.verdict.current = 100;
  d.verdict.proposed = value;
  d.verdict.value = value;
  d.mode = Mode::kEnforce;
  return d;
}

}  // namespace

TEST_CASE("audit store: schema, WAL, intent then result") {
  TempDir dir;
  auto store = open_store(dir.file("setpoint.db"));
  CHECK(store->schema_version() == 10);
  Decision d = decision("aimd", 120, VerdictKind::kAllow, 5 * kSec);
  const auto id = must(store->record_intent(d));
  REQUIRE(id > 0);
  REQUIRE(must(store->unfinished()).size() == 1);
  CHECK(must(store->unfinished())[0].id == id);
  d.outcome = DecisionOutcome::kApplied;
  d.detail = "version 3f2a";
  d.result_at = 6 * kSec;
  REQUIRE(store->record_result(d));
  CHECK(must(store->unfinished()).empty());
  const auto rows = must(store->decisions({}));
  REQUIRE(rows.size() == 1);
  const auto record = nlohmann::json::parse(rows[0].json);
  CHECK(record["id"] == id);
  CHECK(record["policy"] == "aimd");
  CHECK(record["policy_version"] == "v1hash");
  CHECK(record["target"] == "checkout.limit");
  CHECK(record["proposed"] == 120.0);
  CHECK(record["reason"] == "p99=412ms");
  CHECK(record["evidence"]["http.server{service=checkout}"]["p99"] == 412);
  CHECK(record["verdict"] == "allow");
  CHECK(record["mode"] == "enforce");
  CHECK(record["outcome"] == "applied");
  CHECK(record["detail"] == "version 3f2a");
  CHECK(std::filesystem::exists(dir.file("setpoint.db-wal")));
  Decision missing = d;
  missing.id = 999;
  const auto missed = store->record_result(missing);
  CHECK_FALSE(missed);
  CHECK(missed.error() == "no decision 999");
}

TEST_CASE("audit store: queries by time, policy and verdict") {
  TempDir dir;
  auto store = open_store(dir.file("setpoint.db"));
  for (int i = 0; i < 10; ++i) {
    Decision d = decision(i % 2 ? "aimd" : "shed", 100 + i,
                          i % 3 ? VerdictKind::kAllow : VerdictKind::kBlock, i * kSec);
    d.outcome = DecisionOutcome::kApplied;
    REQUIRE(must(store->record(d)) > 0);
  }
  CHECK(must(store->decisions({})).size() == 10);
  const auto query = [](Nanos since, std::string policy, std::string verdict) {
    DecisionQuery q;
    q.since = since;
    q.policy = std::move(policy);
    q.verdict = std::move(verdict);
    return q;
  };
  CHECK(must(store->decisions(query(5 * kSec, "", ""))).size() == 5);
  CHECK(must(store->decisions(query(0, "aimd", ""))).size() == 5);
  CHECK(must(store->decisions(query(0, "", "block"))).size() == 4);  // i = 0, 3, 6, 9
  CHECK(must(store->decisions(query(0, "aimd", "block"))).size() == 2);
  // Newest first, the limit keeping the newest: like every log.
  DecisionQuery newest = query(0, "", "");
  newest.newest_first = true;
  newest.limit = 3;
  const auto last = must(store->decisions(newest));
  REQUIRE(last.size() == 3);
  CHECK(last[0].id > last[1].id);
  CHECK(last[0].id == must(store->decisions({})).back().id);
  DecisionQuery three;
  three.limit = 3;
  CHECK(must(store->decisions(three)).size() == 3);
}

TEST_CASE("audit store: everything survives reopening; migrations run once") {
  TempDir dir;
  {
    auto store = open_store(dir.file("setpoint.db"));
    Decision d = decision("aimd", 120, VerdictKind::kAllow, kSec);
    must(store->record_intent(d));  // and then the process dies
    REQUIRE(store->save_state("guard", R"({"x":1})", kSec));
    REQUIRE(store->record_drift(kSec, "app.yaml", "changed by hand"));
  }
  auto store = open_store(dir.file("setpoint.db"));
  CHECK(store->schema_version() == 10);
  CHECK(must(store->unfinished()).size() == 1);
  CHECK(must(store->load_state("guard")) == R"({"x":1})");
  CHECK(!must(store->load_state("nothing")));
  CHECK(must(store->drift_count()) == 1);
}

TEST_CASE("audit store: a database from a newer build, or an unusable path, is an error") {
  TempDir dir;
  {
    sqlite3* db = nullptr;
    sqlite3_open(dir.file("new.db").c_str(), &db);
    sqlite3_exec(db, "PRAGMA user_version=99;", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  auto opened = AuditStore::open(dir.file("new.db"));
  REQUIRE(!opened.ok());
  CHECK(opened.error().find("schema version 99, newer than this build knows (10)") !=
        std::string::npos);
  auto bad = AuditStore::open(dir.file("no/such/dir/x.db"));
  REQUIRE(!bad.ok());
  CHECK(bad.error().rfind("cannot open", 0) == 0);
}

TEST_CASE("audit store: a saved state reads back as it was written, across a reopen") {
  TempDir dir;
  // A guard state's shape (guard_state_test keeps the guard's side), with JSON escapes the
  // store must keep as they are, not decode.
  const std::string saved =
      R"({"version":1,"parameters":{"checkout.limit":{"value":150,"last_change":10000000000,)"
      R"("changes":[[10000000000,50]]}},"note":"tab\there, café, été ✓"})";
  {
    auto store = open_store(dir.file("setpoint.db"));
    REQUIRE(store->save_state("guard", saved, 12 * kSec));
  }
  auto store = open_store(dir.file("setpoint.db"));
  CHECK(*must(store->load_state("guard")) == saved);
  CHECK_FALSE(must(store->load_state("policy:none")));
}

TEST_CASE("audit store: operator actions are kept with the token's name, in order") {
  TempDir dir;
  {
    auto store = open_store(dir.file("setpoint.db"));
    REQUIRE(store->record_operator_action(
        {kSec, "alice", "POST /v1/pause", R"({"scope":"global"})", 200}));
    REQUIRE(store->record_operator_action(
        {2 * kSec, "bob", "POST /v1/override", R"({"parameter":"x"})", 400}));
  }
  auto store = open_store(dir.file("setpoint.db"));
  const auto actions = must(store->operator_actions());
  REQUIRE(actions.size() == 2);
  CHECK(actions[0].who == "alice");
  CHECK(actions[0].action == "POST /v1/pause");
  CHECK(actions[0].detail == R"({"scope":"global"})");
  CHECK(actions[1].at == 2 * kSec);
  CHECK(actions[1].status == 400);
}

TEST_CASE("audit store: every write and every read that fails says why, and keeps nothing") {
  TempDir dir;
  auto store = open_store(dir.file("setpoint.db"));
  setpoint::testing::drop_tables(dir.file("setpoint.db"));
  Decision d = decision("aimd", 110, VerdictKind::kAllow, kSec);
  d.id = 7;
  CHECK(store->record_intent(d).error() == "no such table: decisions");
  CHECK(d.id == 0);  // not a decision the store holds
  CHECK(store->record(d).error() == "no such table: decisions");
  d.id = 7;
  CHECK(store->record_result(d).error() == "no such table: decisions");
  CHECK(store->unfinished().error() == "no such table: decisions");
  CHECK(store->decisions({}).error() == "no such table: decisions");
  CHECK(store->decision(7).error() == "no such table: decisions");
  CHECK(store->save_state("guard", "{}", kSec).error() == "no such table: state");
  CHECK(store->load_state("guard").error() == "no such table: state");
  CHECK(store->save_parameter({"checkout.limit", "110", "aimd", "7", kSec}).error() ==
        "no such table: parameters");
  CHECK(store->parameters().error() == "no such table: parameters");
  CHECK(store->save_proposal({7, "pending", kSec, "{}", "", 0}).error() ==
        "no such table: proposals");
  CHECK(store->proposals().error() == "no such table: proposals");
  CHECK(store->proposal(7).error() == "no such table: proposals");
  CHECK(store->record_drift(kSec, "app.yaml", "by hand").error() == "no such table: drift_events");
  CHECK(store->drift_count().error() == "no such table: drift_events");
  CHECK(store->record_operator_action({kSec, "ops", "POST /v1/pause", "{}", 200}).error() ==
        "no such table: operator_actions");
  CHECK(store->operator_actions().error() == "no such table: operator_actions");
}

TEST_CASE("audit store: a decision that cannot be recorded leaves no transaction open") {
  TempDir dir;
  auto store = open_store(dir.file("setpoint.db"));
  setpoint::testing::drop_tables(dir.file("setpoint.db"), {"decisions"});
  Decision d = decision("aimd", 110, VerdictKind::kAllow, kSec);
  REQUIRE_FALSE(store->record(d));
  // Committed, not held in a transaction the failed record left open: another connection
  // (the control plane's reader, the next start) sees it.
  REQUIRE(store->save_state("guard", R"({"x":2})", kSec));
  auto other = open_store(dir.file("setpoint.db"));
  CHECK(must(other->load_state("guard")) == R"({"x":2})");
}

TEST_CASE("audit store: a FIFO or a device at the path is refused as such, not waited on") {
  TempDir dir;
  const std::string fifo = dir.file("s.fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(AuditStore::open(fifo).error() == fifo + ": is a FIFO, not a regular file");
  CHECK(AuditStore::open("/dev/zero").error() ==
        "/dev/zero: is a character device, not a regular file");
}
