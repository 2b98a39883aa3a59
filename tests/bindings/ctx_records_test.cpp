// ctx:decisions and the other reads of the durable record (ctx_records.cpp): the query a
// policy's options make, the plain tables it gets back, and every hostile option refused.
#include <catch2/catch.hpp>

#include "checkout_inputs.hpp"
#include "setpoint/bindings/policy_state.hpp"

using namespace setpoint;
using namespace setpoint::bindings;
using namespace checkout_inputs;

namespace {

constexpr Nanos kNow = Nanos{1'795'168'800} * kNanosPerSecond;  // the fixture's clock
constexpr Nanos kDay = 24 * 3600 * kNanosPerSecond;

// A store of `n` records of each kind, remembering the queries it was asked.
struct FakeRecords {
  std::vector<RecordQuery> asked;
  std::size_t n = 2;
  void attach(Fixture& f) {
    f.inputs.records = [this](const RecordQuery& q) -> Result<std::vector<Record>> {
      asked.push_back(q);
      std::vector<Record> out;
      for (std::size_t i = 0; i < std::min(n, q.limit); ++i) {
        out.push_back({{{"id", static_cast<double>(i + 1)},
                        {"verdict", std::string("block")},
                        {"cycle", RecordValue{}},
                        {"shadow", false}}});
      }
      return out;
    };
  }
};

}  // namespace

TEST_CASE("ctx:decisions passes its filters and hands back plain tables, newest first") {
  Fixture f;
  FakeRecords store;
  store.attach(f);
  PolicyOutputs out;
  const RunResult result = run(R"(
    return { evaluate = function(ctx)
      local d = ctx:decisions{ since = "7d", policy = "aimd", parameter = "checkout.limit",
                               verdict = "block", limit = 50 }
      assert(#d == 2 and d[1].id == 1 and d[2].id == 2)
      assert(d[1].verdict == "block" and d[1].cycle == nil and d[1].shadow == false)
      assert(getmetatable(d) == nil and getmetatable(d[1]) == nil)
      ctx:cycles()                          -- a week back by default
      ctx:rollouts{ since = 1795000000 }    -- epoch seconds
      ctx:drift_events{ since = "1h" }
      ctx:incidents{ since = "1d", limit = 1 }
    end })",
                               f, out);
  INFO(result.message);
  REQUIRE(result.ok());
  REQUIRE(store.asked.size() == 5);
  const RecordQuery& d = store.asked[0];
  CHECK(d.kind == RecordKind::kDecisions);
  CHECK(d.since == kNow - 7 * kDay);
  CHECK(d.policy == "aimd");
  CHECK(d.parameter == "checkout.limit");
  CHECK(d.verdict == "block");
  CHECK(d.limit == 50);
  CHECK(store.asked[1].kind == RecordKind::kCycles);
  CHECK(store.asked[1].since == kNow - 7 * kDay);
  CHECK(store.asked[1].limit == 1000);
  CHECK(store.asked[2].kind == RecordKind::kRollouts);
  CHECK(store.asked[2].since == Nanos{1'795'000'000} * kNanosPerSecond);
  CHECK(store.asked[3].kind == RecordKind::kDriftEvents);
  CHECK(store.asked[3].since == kNow - 3600 * kNanosPerSecond);
  CHECK(store.asked[4].kind == RecordKind::kIncidents);
  CHECK(store.asked[4].limit == 1);
  CHECK(out.records_read == 2 + 2 + 2 + 2 + 1);
}

TEST_CASE("ctx:decisions without a store is nil") {
  Fixture f;
  PolicyOutputs out;
  const RunResult result =
      run("return { evaluate = function(ctx) assert(ctx:decisions() == nil) end }", f, out);
  INFO(result.message);
  CHECK(result.ok());
}

TEST_CASE("the record's reads refuse hostile options, and stop at the evaluation's budget") {
  const std::pair<std::string, std::string> cases[] = {
      {"ctx:decisions('7d')", "ctx:decisions: options must be a table like { since = \"7d\" }"},
      {"ctx:cycles{ since = 'soon' }",
       "ctx:cycles: since soon is neither epoch seconds nor a span like \"7d\""},
      {"ctx:cycles{ since = true }",
       "ctx:cycles: since must be epoch seconds or a span like \"7d\", not boolean"},
      {"ctx:rollouts{ since = -1 }", "ctx:rollouts: since -1 is not epoch seconds"},
      {"ctx:rollouts{ since = 0/0 }", "nan is not epoch seconds"},
      {"ctx:rollouts{ limit = '5' }", "ctx:rollouts: limit must be a number, not 5"},
      {"ctx:incidents{ limit = 0 }",
       "ctx:incidents: limit 0 is not a whole number from 1 to 10000"},
      {"ctx:incidents{ limit = 1.5 }", "ctx:incidents: limit 1.5 is not a whole number"},
      {"ctx:incidents{ limit = 10001 }", "is not a whole number from 1 to 10000"},
      {"ctx:decisions{ policy = 5 }", "ctx:decisions: policy must be a string, not number"},
      {"ctx:decisions{ verdict = {} }", "ctx:decisions: verdict must be a string"},
      // 3 calls of 10 000 pass the 20 000 records one evaluation may read.
      {"for i = 1, 3 do ctx:drift_events{ limit = 10000 } end",
       "ctx:drift_events: more than 20000 records read in one evaluation"},
  };
  for (const auto& [call, message] : cases) {
    INFO(call);
    Fixture f;
    FakeRecords store;
    store.n = 100'000;
    store.attach(f);
    PolicyOutputs out;
    const RunResult result = run("return { evaluate = function(ctx) " + call + " end }", f, out);
    REQUIRE_FALSE(result.ok());
    INFO(result.message);
    CHECK(result.message.find(message) != std::string::npos);
  }
  // Options are read raw: an __index that would answer is never asked.
  Fixture f;
  FakeRecords store;
  store.attach(f);
  PolicyOutputs out;
  const RunResult result = run(R"(
    return { evaluate = function(ctx)
      local called = false
      local options = setmetatable({}, { __index = function() called = true return "x" end })
      ctx:decisions(options)
      assert(not called)
    end })",
                               f, out);
  INFO(result.message);
  CHECK(result.ok());
  REQUIRE(store.asked.size() == 1);
  CHECK(store.asked[0].policy.empty());
}
