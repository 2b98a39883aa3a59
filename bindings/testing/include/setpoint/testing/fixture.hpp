#pragma once
// A fixture: what a policy sees in one evaluation, written as JSON (or a Lua table in tests):
//   { "now": "2026-11-20T10:00:00Z" | epoch seconds,
//     "windows": { "<series key>": { "<span like 1m, or *>": { "count": …, "p99": …, … } } },
//     "params": { "<name>": value },
//     "state": { … },                        (optional: ctx.state before the evaluation)
//     "records": { "<kind>": [ {…}, … ] },   (what ctx:decisions and the others read)
//     "bounds": { "<name>": { "min": …, "max": …, "operating": { "min": …, "max": … } } },
//     "period": "7d" }                       (a triage run's window, back from now)
// An unknown series reads as count 0, as in the engine.
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <variant>

#include "setpoint/base/result.hpp"
#include "setpoint/bindings/context.hpp"

namespace setpoint::bindings::testing {

constexpr std::size_t kMaxFixtureBytes = 16u << 20;

// What a fixture says ctx:history answers for one series and span: the whole span's stats,
// each period's (an hour or a day apart, oldest first), and how much of the span was held.
struct FixtureHistory {
  WindowStats total;
  std::vector<WindowStats> periods;
  std::size_t hours_found = 0;  // default: all the span's hours
  std::optional<std::size_t> hours_given;
};

struct Fixture {
  Nanos now = 0;
  std::map<std::string, std::map<std::string, WindowStats>> windows;  // key → span → stats
  // key → span → answer; with none, ctx:history is nil (no history kept).
  std::map<std::string, std::map<std::string, FixtureHistory>> history;
  std::map<std::string, ProposedValue> params;
  std::optional<std::string> state;  // JSON
  // What ctx:decisions, ctx:cycles… read, by kind (decisions, cycles, rollouts, drift_events,
  // incidents), newest first as given; with none, those reads are nil (no store).
  std::optional<std::map<bindings::RecordKind, std::vector<bindings::Record>>> records;
  std::map<std::string, bindings::ParamBounds> bounds;  // ctx:bounds (value: the param's)
  Nanos period = 0;                                     // a triage run's window; 0: none

  // Inputs reading this fixture; the fixture must outlive them.
  bindings::PolicyInputs inputs(const OutcomeSet& outcomes) const;
};

// `where` prefixes every error ("fixture.json", "checkout_test.lua:12"). Outcomes the fixture names
// that `outcomes` lacks (a config's own, like rejected) are added to it.
Result<Fixture> parse_fixture(const nlohmann::json& doc, OutcomeSet& outcomes,
                              const std::string& where);

// Proposals, alerts, logs, evidence and the state after, as one JSON document.
nlohmann::json outputs_json(const bindings::PolicyOutputs& out, const std::string& state_json);
nlohmann::json value_json(const ProposedValue& value);

}  // namespace setpoint::bindings::testing
