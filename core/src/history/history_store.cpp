#include "setpoint/history/history_store.hpp"

#include <sqlite3.h>

#include <cmath>

#include "setpoint/base/regular_file.hpp"

namespace setpoint::history {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS kpi_hourly ("
    "  series TEXT NOT NULL,"
    "  metric TEXT NOT NULL,"
    "  hour INTEGER NOT NULL,"  // the hour's start, epoch seconds
    "  count INTEGER NOT NULL,"
    "  failures INTEGER NOT NULL,"
    "  value_count INTEGER NOT NULL,"
    "  mean REAL, p50 REAL, p99 REAL, max REAL,"  // NULL without values
    "  rollup BLOB NOT NULL,"
    "  PRIMARY KEY (series, hour));"
    "CREATE INDEX IF NOT EXISTS kpi_hourly_hour ON kpi_hourly(hour);";

Error failure(sqlite3* db, const char* what) {
  return Error{std::string(what) + ": " + sqlite3_errmsg(db)};
}

// A prepared statement that finalizes itself.
struct Statement {
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      sqlite3_finalize(stmt);
      stmt = nullptr;
    }
  }
  ~Statement() { sqlite3_finalize(stmt); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* stmt = nullptr;
};

void bind_number(sqlite3_stmt* s, int i, double v) {
  if (std::isfinite(v))
    sqlite3_bind_double(s, i, v);
  else
    sqlite3_bind_null(s, i);
}

std::int64_t seconds(Nanos t) { return t / kNanosPerSecond; }

// An hour column a flush could have written: on the hour, within what Nanos holds (a damaged
// or hand-edited row is an error, never an overflow or a half hour counted twice).
bool plausible_hour(std::int64_t hour) {
  return hour >= 0 && hour < (std::int64_t{1} << 33) && hour % 3600 == 0;
}

}  // namespace

Result<std::unique_ptr<HistoryStore>> HistoryStore::open(const std::string& path) {
  // A FIFO, a device or a folder at the path: said as such, not as SQLite's "disk I/O error".
  if (auto file = check_no_special_file(path); !file) return Error{file.error()};
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string error = "cannot open " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return Error{error};
  }
  std::unique_ptr<HistoryStore> store(new HistoryStore(db));
  if (sqlite3_db_readonly(db, "main") == 1)
    return Error{"cannot open " + path + " for writing (it, or its folder, is read-only)"};
  sqlite3_busy_timeout(db, 5000);  // the flush runs off the engine thread: it may wait
  char* message = nullptr;
  if (sqlite3_exec(db, "PRAGMA journal_mode=WAL;", nullptr, nullptr, &message) != SQLITE_OK ||
      sqlite3_exec(db, kSchema, nullptr, nullptr, &message) != SQLITE_OK) {
    Error error{path + ": kpi_hourly: " + (message ? message : sqlite3_errmsg(db))};
    sqlite3_free(message);
    return error;
  }
  return store;
}

HistoryStore::~HistoryStore() { sqlite3_close(db_); }

Result<void> HistoryStore::write(const std::vector<HourRow>& rows) {
  if (rows.empty()) return {};
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE;", nullptr, nullptr, nullptr) != SQLITE_OK)
    return failure(db_, "kpi_hourly");
  Statement s(db_,
              "INSERT OR REPLACE INTO kpi_hourly (series, metric, hour, count, failures, "
              "value_count, mean, p50, p99, max, rollup) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  Result<void> done;
  if (s.stmt == nullptr) done = failure(db_, "kpi_hourly");
  for (std::size_t i = 0; done && i < rows.size(); ++i) {
    const HourRow& row = rows[i];
    const std::string blob = encode(row.rollup);
    sqlite3_reset(s.stmt);
    sqlite3_bind_text(s.stmt, 1, row.series.data(), static_cast<int>(row.series.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(s.stmt, 2, row.metric.data(), static_cast<int>(row.metric.size()),
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(s.stmt, 3, seconds(row.rollup.start));
    sqlite3_bind_int64(s.stmt, 4, static_cast<std::int64_t>(row.stats.count));
    sqlite3_bind_int64(s.stmt, 5, static_cast<std::int64_t>(row.stats.failures));
    sqlite3_bind_int64(s.stmt, 6, static_cast<std::int64_t>(row.stats.value_count));
    bind_number(s.stmt, 7, row.stats.mean);
    bind_number(s.stmt, 8, row.stats.p50);
    bind_number(s.stmt, 9, row.stats.p99);
    bind_number(s.stmt, 10, row.stats.max);
    sqlite3_bind_blob(s.stmt, 11, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(s.stmt) != SQLITE_DONE) done = failure(db_, "kpi_hourly");
  }
  if (done && sqlite3_exec(db_, "COMMIT;", nullptr, nullptr, nullptr) != SQLITE_OK)
    done = failure(db_, "kpi_hourly");
  if (!done) sqlite3_exec(db_, "ROLLBACK;", nullptr, nullptr, nullptr);
  return done;
}

Result<std::vector<Rollup>> HistoryStore::read(const std::string& series, Nanos from,
                                               Nanos to) const {
  Statement s(db_,
              "SELECT hour, rollup FROM kpi_hourly WHERE series = ? AND hour >= ? AND hour < ? "
              "ORDER BY hour");
  if (s.stmt == nullptr) return failure(db_, "kpi_hourly");
  sqlite3_bind_text(s.stmt, 1, series.data(), static_cast<int>(series.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(s.stmt, 2, seconds(from + kNanosPerSecond - 1));  // the first whole second
  sqlite3_bind_int64(s.stmt, 3, seconds(to + kNanosPerSecond - 1));
  std::vector<Rollup> out;
  for (;;) {
    const int rc = sqlite3_step(s.stmt);
    if (rc == SQLITE_DONE) return out;
    if (rc != SQLITE_ROW) return failure(db_, "kpi_hourly");
    const auto* blob = static_cast<const char*>(sqlite3_column_blob(s.stmt, 1));
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(s.stmt, 1));
    auto rollup = decode(std::string_view(blob == nullptr ? "" : blob, size));
    const std::int64_t hour = sqlite3_column_int64(s.stmt, 0);
    if (!plausible_hour(hour))
      return Error{"kpi_hourly: " + series + ": a row whose hour " + std::to_string(hour) +
                   " is not an hour's start"};
    if (!rollup)
      return Error{"kpi_hourly: " + series + " at " + std::to_string(hour) + ": " + rollup.error()};
    rollup->start = hour * kNanosPerSecond;
    rollup->span = 3600 * kNanosPerSecond;
    out.push_back(std::move(rollup).value());
  }
}

Result<std::size_t> HistoryStore::forget_before(Nanos before) {
  Statement s(db_, "DELETE FROM kpi_hourly WHERE hour < ?");
  if (s.stmt == nullptr) return failure(db_, "kpi_hourly");
  sqlite3_bind_int64(s.stmt, 1, seconds(before));
  if (sqlite3_step(s.stmt) != SQLITE_DONE) return failure(db_, "kpi_hourly");
  return static_cast<std::size_t>(sqlite3_changes(db_));
}

Result<Nanos> HistoryStore::newest_hour() const {
  Statement s(db_, "SELECT MAX(hour) FROM kpi_hourly");
  if (s.stmt == nullptr || sqlite3_step(s.stmt) != SQLITE_ROW) return failure(db_, "kpi_hourly");
  const std::int64_t hour = sqlite3_column_int64(s.stmt, 0);
  if (!plausible_hour(hour))
    return Error{"kpi_hourly: its newest hour " + std::to_string(hour) + " is not an hour's start"};
  return static_cast<Nanos>(hour) * kNanosPerSecond;
}

}  // namespace setpoint::history
