#pragma once
// Durable KPI history: each series' hourly rollups in the `kpi_hourly` table of the state
// store (its own connection to the same SQLite file, so the hourly flush never waits on the
// engine's). Besides the rollup itself, each row carries the hour's count, failures and a few
// quantiles as plain columns, for a person reading the table with sqlite3.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "setpoint/base/result.hpp"
#include "setpoint/history/rollup.hpp"

struct sqlite3;

namespace setpoint::history {

struct HourRow {
  std::string series;  // the canonical series key, metric{labels}
  std::string metric;
  Rollup rollup;      // start on the hour, span one hour
  WindowStats stats;  // its stats, for the plain columns
};

class HistoryStore {
 public:
  static Result<std::unique_ptr<HistoryStore>> open(const std::string& path);
  ~HistoryStore();
  HistoryStore(const HistoryStore&) = delete;
  HistoryStore& operator=(const HistoryStore&) = delete;

  // One transaction: each row replaces what the store held for its series and hour (a
  // flush run again after a restart writes the same hour, not a second one).
  Result<void> write(const std::vector<HourRow>& rows);
  // The series' rollups whose hour starts in [from, to), oldest first.
  Result<std::vector<Rollup>> read(const std::string& series, Nanos from, Nanos to) const;
  // Deletes the hours that start before `before`; how many rows went.
  Result<std::size_t> forget_before(Nanos before);
  // The newest hour held for any series (0 when none): where a restarted flush resumes.
  Result<Nanos> newest_hour() const;

 private:
  explicit HistoryStore(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace setpoint::history
