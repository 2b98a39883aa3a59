#pragma once
// What a policy sees and says during one evaluation, through `ctx`:
//
//   ctx:window(metric, labels, span)  a copy of one series' window: count, rate, error_rate,
//                                     success_rate, sum, mean, min, max, p50, p90, p95, p99,
//                                     outcomes = {ok=…, error=…}; span "1m" or seconds;
//                                     an unknown series reads as count 0
//   ctx:history(metric, labels, span, {by = "1d" | "1h"})
//                                     the durable hourly history over the span (1h to 400d):
//                                     { total = <a window's fields, from merged bins>,
//                                       periods = { {start = epoch s, hours = n, <fields>}, … },
//                                       hours_found, hours_asked }; nil without a history
//   ctx:series(metric)                the label sets of the metric's series: { {service="a"}, … }
//   ctx:decisions{since, policy, parameter, verdict, limit}
//   ctx:cycles{since, limit}  ctx:rollouts{since, limit}  ctx:drift_events{since, limit}
//   ctx:incidents{since, limit}       the durable record, newest first: plain tables of
//                                     strings, numbers and booleans (copies); since = epoch
//                                     seconds or a span back from now ("7d"); at most `limit`
//                                     (default 1000) a call and kMaxRecords an evaluation;
//                                     nil without a store
//   ctx:param(name)                   the parameter's value (the shadow value in observe)
//   ctx:bounds(name)                  a numeric parameter's { value, min, max (hard), operating
//                                     = { min, max, frozen } or nil }
//   ctx:suggest_bounds(name, {min, max}, {rationale=, confidence=})
//                                     propose a bounds patch: always for a person to approve
//   ctx:period()                      a triage policy's window: from, to (epoch seconds)
//   ctx:report(table)                 a triage policy's report (plain data, once a run)
//   ctx:now()                         the engine clock, epoch seconds
//   ctx:set(name, value, {reason=…})  propose a value
//   ctx:act(name, {args…}, {reason=…})  propose a named action
//   ctx:alert(message)                raise an alert
//   ctx:log(message)                  a log line (at most kMaxLogs per evaluation)
//
// Reads are copies; proposals are collected and handed to the guard after the policy returns.
// Every argument is checked; errors name the policy's file and line.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "setpoint/guard/proposal.hpp"
#include "setpoint/history/history_read.hpp"
#include "setpoint/windows/series.hpp"
#include "setpoint/windows/window.hpp"

namespace setpoint::bindings {

// One record of the store as a policy reads it: flat fields, in order.
using RecordValue = std::variant<std::monostate, bool, double, std::string>;  // nil first
struct Record {
  std::vector<std::pair<std::string, RecordValue>> fields;
};
enum class RecordKind { kDecisions, kCycles, kRollouts, kDriftEvents, kIncidents };
struct RecordQuery {
  RecordKind kind = RecordKind::kDecisions;
  Nanos since = 0;
  std::string policy, parameter, verdict;  // decisions only; empty: any
  std::size_t limit = 1000;
};

// A numeric parameter's bounds as a policy reads them.
struct ParamBounds {
  double value = 0, min = 0, max = 0;  // the value now and the hard bounds
  std::optional<double> operating_min, operating_max;
  bool frozen = false;
};

struct PolicyInputs {
  // The window of a series key over a span; none when the span is not readable.
  std::function<std::optional<WindowStats>(const std::string& key, Nanos span)> window;
  // The label sets of a metric's series (empty when none, or when not given).
  std::function<std::vector<Labels>(const std::string& metric)> series;
  // A parameter's current value; none when the parameter is unknown.
  std::function<std::optional<ProposedValue>(std::string_view name)> param;
  // A numeric parameter's bounds; none when it is unknown or not numeric.
  std::function<std::optional<ParamBounds>(std::string_view name)> bounds;
  // A series key's history over the closed hours of the span ending now, by hour or day; an
  // error when the store cannot be read. Unset when no history is kept (ctx:history: nil).
  std::function<Result<history::HistoryAnswer>(const std::string& key, Nanos span, Nanos by)>
      history;
  // The newest records of a kind since a time, at most the query's limit; an error when the
  // store cannot be read. Unset without a store (ctx:decisions and the others: nil).
  std::function<Result<std::vector<Record>>(const RecordQuery& query)> records;
  const OutcomeSet* outcomes = nullptr;
  Nanos now = 0;
  // A triage run's window starts here (it ends now); 0 for any other policy.
  Nanos period_start = 0;
};

// One window (or span of history) the policy read, as it read it: the evidence behind its
// proposals.
struct WindowRead {
  std::string key;  // the series key
  Nanos span = 0;
  std::uint64_t count = 0;
  double error_rate = 0, p50 = 0, p99 = 0, rate = 0;
  bool history = false;         // ctx:history's whole span, recorded as "key@span history"
  std::size_t hours_found = 0;  // history: the hours of the span it held
};

struct PolicyOutputs {
  std::vector<Proposal> proposals;
  std::vector<std::string> alerts;
  std::vector<std::string> logs;
  std::vector<WindowRead> reads;
  std::size_t history_reads = 0;
  std::size_t history_hours = 0;      // hours those reads asked for
  std::size_t records_read = 0;       // records ctx:decisions and the others handed back
  std::optional<std::string> report;  // a triage run's ctx:report, as JSON
  // The reads as a JSON object by "key@span" (a window read twice: the later read), at most
  // kMaxEvidence of them; past that, "omitted" counts the windows left out. Rendered on demand
  // — by whoever records the decision — not on the evaluation's hot path.
  std::string evidence() const;
};

constexpr std::size_t kMaxProposals = 100;
constexpr std::size_t kMaxReads = 4096;       // ctx:window calls in one evaluation
constexpr std::size_t kMaxEvidence = 64;      // distinct windows a decision records
constexpr std::size_t kMaxHistoryReads = 32;  // ctx:history calls in one evaluation
// Hours of history one evaluation may ask for, charged before each read (decoding and merging
// run in C++, outside the Lua hook that enforces the CPU deadline): seven 7-day reads, or one
// of 50 days; a single 400-day read held the engine thread for 180 ms.
constexpr std::size_t kMaxHistoryHours = 1200;
// Records of the store one evaluation may read (a week of a busy engine's blocked decisions
// is a few thousand), and one call may ask for; each is charged to the deadline as it is
// copied, the store's own read is bounded by the limit.
constexpr std::size_t kMaxRecords = 20'000;
constexpr std::size_t kMaxRecordLimit = 10'000;
constexpr std::size_t kMaxLogs = 20;
constexpr std::size_t kMaxTextBytes = 1024;

}  // namespace setpoint::bindings
