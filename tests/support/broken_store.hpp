#pragma once
// Breaks an audit store from beside it, as a hand-edited or damaged file would: a second
// connection drops the named tables, so each statement the store then runs on them fails at
// once with SQLite's own reason ("no such table: decisions"). A locked or full database fails
// the same way, only slower (after the busy timeout) or less predictably.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <initializer_list>
#include <string>

namespace setpoint::testing {

inline void drop_tables(const std::string& path,
                        std::initializer_list<const char*> tables = {
                            "decisions", "state", "drift_events", "parameters", "proposals",
                            "operator_actions"}) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  for (const char* table : tables) {
    const std::string sql = std::string("DROP TABLE ") + table + ";";
    INFO(sql << ": " << sqlite3_errmsg(db));
    CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  sqlite3_close(db);
}

}  // namespace setpoint::testing

namespace setpoint::testing {

// Takes a table away (renamed) and puts it back, for a failure that heals: a lock held from
// outside does the same, only after the busy timeout.
inline void rename_table(const std::string& path, const std::string& from, const std::string& to) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const std::string sql = "ALTER TABLE " + from + " RENAME TO " + to + ";";
  INFO(sql << ": " << sqlite3_errmsg(db));
  CHECK(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

}  // namespace setpoint::testing
