#pragma once
// The audit store's SQLite helpers, shared by its source files: a statement that finalizes
// itself and says why it failed, and the loops that read its rows.
#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "setpoint/base/result.hpp"

namespace setpoint::sql {

// A prepared statement that finalizes itself, and says why when it cannot be prepared or run
// (a locked or full database, a corrupt file).
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      sqlite3_finalize(stmt_);
      stmt_ = nullptr;
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binding a statement that failed to prepare is harmless (SQLITE_MISUSE); run() says why.
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind_real(int i, double v) {
    if (std::isfinite(v))
      sqlite3_bind_double(stmt_, i, v);
    else
      sqlite3_bind_null(stmt_, i);
    return *this;
  }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // A statement that returns no rows.
  Result<void> run() {
    if (stmt_ == nullptr || sqlite3_step(stmt_) != SQLITE_DONE) return failure();
    return {};
  }
  // True on a row, false past the last one.
  Result<bool> next() {
    if (stmt_ == nullptr) return failure();
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return failure();
  }
  std::int64_t integer(int i) const { return sqlite3_column_int64(stmt_, i); }
  double real(int i) const {
    return sqlite3_column_type(stmt_, i) == SQLITE_NULL ? std::nan("")
                                                        : sqlite3_column_double(stmt_, i);
  }
  std::string text(int i) const {
    const auto* p = sqlite3_column_text(stmt_, i);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
             : std::string();
  }
  Error failure() const { return Error{sqlite3_errmsg(db_)}; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Every row the statement yields, each made by `read`.
template <typename Row, typename Read>
Result<std::vector<Row>> all_rows(Statement& s, Read read) {
  std::vector<Row> out;
  for (;;) {
    const auto more = s.next();
    if (!more) return Error{more.error()};
    if (!*more) return out;
    out.push_back(read(s));
  }
}

// The first row, or none.
template <typename Row, typename Read>
Result<std::optional<Row>> first_row(Statement& s, Read read) {
  const auto more = s.next();
  if (!more) return Error{more.error()};
  if (!*more) return std::optional<Row>();
  return std::optional<Row>(read(s));
}

}  // namespace setpoint::sql
