#include "setpoint/history/history_store.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "support/broken_store.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::history;
using setpoint::testing::TempDir;

namespace {

constexpr Nanos kHour = 3600 * kNanosPerSecond;
constexpr Nanos kDay0 = Nanos{1'795'132'800} * kNanosPerSecond;  // 2026-11-20T00:00:00Z

HourRow row(const std::string& series, int hour, std::uint64_t count) {
  HourRow r;
  r.series = series;
  r.metric = series.substr(0, series.find('{'));
  r.rollup.start = kDay0 + hour * kHour;
  r.rollup.span = kHour;
  r.rollup.count = count;
  r.rollup.outcomes = {{"ok", count}};
  r.stats.count = count;
  return r;
}

}  // namespace

TEST_CASE("history store: hours written are read back by series and span, oldest first") {
  TempDir dir;
  auto store = must(HistoryStore::open(dir.file("s.db")));
  REQUIRE(
      store->write({row("a{}", 0, 10), row("a{}", 1, 11), row("a{}", 2, 12), row("b{}", 1, 99)}));
  const auto hours = must(store->read("a{}", kDay0 + kHour, kDay0 + 3 * kHour));
  REQUIRE(hours.size() == 2);
  CHECK(hours[0].start == kDay0 + kHour);
  CHECK(hours[0].span == kHour);
  CHECK(hours[0].count == 11);
  CHECK(hours[1].count == 12);
  CHECK(must(store->read("c{}", kDay0, kDay0 + 3 * kHour)).empty());
  CHECK(must(store->newest_hour()) == kDay0 + 2 * kHour);
}

TEST_CASE("history store: an hour written again replaces the first, it is not counted twice") {
  TempDir dir;
  auto store = must(HistoryStore::open(dir.file("s.db")));
  REQUIRE(store->write({row("a{}", 0, 10)}));
  REQUIRE(store->write({row("a{}", 0, 15)}));  // a flush run again after a restart
  const auto hours = must(store->read("a{}", kDay0, kDay0 + kHour));
  REQUIRE(hours.size() == 1);
  CHECK(hours[0].count == 15);
}

TEST_CASE("history store: the retention deletes whole hours before the cut, and says how many") {
  TempDir dir;
  auto store = must(HistoryStore::open(dir.file("s.db")));
  REQUIRE(store->write({row("a{}", 0, 1), row("a{}", 1, 1), row("b{}", 1, 1), row("a{}", 2, 1)}));
  CHECK(must(store->forget_before(kDay0 + 2 * kHour)) == 3);
  CHECK(must(store->read("a{}", kDay0, kDay0 + 3 * kHour)).size() == 1);
  CHECK(must(store->newest_hour()) == kDay0 + 2 * kHour);
}

TEST_CASE("history store: a damaged row or a dropped table is an error that names it") {
  TempDir dir;
  auto store = must(HistoryStore::open(dir.file("s.db")));
  REQUIRE(store->write({row("a{}", 0, 1)}));
  {
    auto other = must(HistoryStore::open(dir.file("s.db")));  // the schema is created once
  }
  setpoint::testing::drop_tables(dir.file("s.db"), {"kpi_hourly"});
  CHECK(store->write({row("a{}", 1, 1)}).error() == "kpi_hourly: no such table: kpi_hourly");
  CHECK(store->read("a{}", kDay0, kDay0 + kHour).error() ==
        "kpi_hourly: no such table: kpi_hourly");
  CHECK(store->forget_before(kDay0).error() == "kpi_hourly: no such table: kpi_hourly");
}

TEST_CASE("history store: a FIFO, a device or a folder at the path is refused as such") {
  TempDir dir;
  const std::string fifo = dir.file("h.fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(HistoryStore::open(fifo).error() == fifo + ": is a FIFO, not a regular file");
  CHECK(HistoryStore::open("/dev/zero").error() ==
        "/dev/zero: is a character device, not a regular file");
  CHECK(HistoryStore::open(dir.path().string()).error() ==
        dir.path().string() + ": is a directory, not a regular file");
}

TEST_CASE("history store: a row off the hour is refused by name, not counted as another hour") {
  TempDir dir;
  auto store = must(HistoryStore::open(dir.file("s.db")));
  REQUIRE(store->write({row("a{}", 0, 1)}));
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(dir.file("s.db").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE kpi_hourly SET hour = hour + 1800", nullptr, nullptr, nullptr) ==
          SQLITE_OK);
  sqlite3_close(db);
  CHECK(store->read("a{}", kDay0, kDay0 + kHour).error() ==
        "kpi_hourly: a{}: a row whose hour 1795134600 is not an hour's start");
  CHECK(store->newest_hour().error() ==
        "kpi_hourly: its newest hour 1795134600 is not an hour's start");
}
