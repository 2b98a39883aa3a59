// Alerts into the store: one row an episode (the same alert from the same source within ten
// minutes counts on its row), a new row after a quiet spell or for another message.
#include "engine/alert_recorder.hpp"

#include <catch2/catch.hpp>
#include <map>

#include "support/broken_store.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::runner;
using setpoint::testing::TempDir;

namespace {
constexpr Nanos kMinute = 60 * kNanosPerSecond;
}

TEST_CASE(
    "alert recorder: repeats count on their row; a quiet spell or a new message is a new row") {
  TempDir dir;
  auto store = must(AuditStore::open(dir.file("s.db")));
  AlertRecorder alerts(store.get());
  for (int i = 0; i < 5; ++i) CHECK(alerts.record("aimd", "alert", "p99 high", i * kMinute));
  CHECK(alerts.record("aimd", "alert", "p99 very high", 5 * kMinute));
  CHECK(alerts.record("other", "alert", "p99 high", 5 * kMinute));
  CHECK(alerts.record("aimd", "policy_error", "p99 high", 5 * kMinute));
  CHECK(alerts.record("aimd", "alert", "p99 high", 15 * kMinute));  // 11 minutes after the last
  const auto rows = must(store->alerts(0, 100));
  REQUIRE(rows.size() == 5);
  std::map<std::pair<std::string, Nanos>, std::int64_t> counts;
  for (const auto& r : rows) counts[{r.source + "/" + r.kind + "/" + r.message, r.at}] = r.count;
  CHECK(counts[{"aimd/alert/p99 high", 0}] == 5);
  CHECK(counts[{"aimd/alert/p99 high", 15 * kMinute}] == 1);
  CHECK(counts[{"aimd/alert/p99 very high", 5 * kMinute}] == 1);
  // A message is kept printable and bounded: no line breaks or escapes into the record.
  CHECK(alerts.record("evil", "alert", "line\nbreak\x1b[31m" + std::string(5000, 'x'), 0));
  const auto evil = must(store->alerts(0, 100));
  for (const auto& r : evil) {
    if (r.source != "evil") continue;
    CHECK(r.message.find('\n') == std::string::npos);
    CHECK(r.message.find('\x1b') == std::string::npos);
    CHECK(r.message.size() <= 1100);
  }
  AlertRecorder none(nullptr);  // no store: nothing to keep, nothing fails
  CHECK(none.record("aimd", "alert", "x", 0));
  // A store that refuses the write: said (the engine counts it), and the next one tries again.
  setpoint::testing::drop_tables(dir.file("s.db"), {"alerts"});
  CHECK_FALSE(alerts.record("aimd", "alert", "p99 high", 16 * kMinute));  // a repeat's update
  CHECK_FALSE(alerts.record("new", "alert", "first", 16 * kMinute));      // an insert
}
