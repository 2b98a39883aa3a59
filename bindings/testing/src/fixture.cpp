#include "setpoint/testing/fixture.hpp"

#include <algorithm>
#include <cmath>

#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/windows/window_stat.hpp"

namespace setpoint::bindings::testing {
namespace {

using nlohmann::json;

struct FixtureError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

double number_in(const json& stats, const char* field, const std::string& where) {
  if (!stats.contains(field)) return std::nan("");
  if (!stats[field].is_number()) throw FixtureError(where + "." + field + ": expected a number");
  return stats[field].get<double>();
}

double or_zero(double x) { return std::isnan(x) ? 0 : x; }

WindowStats stats_from(const json& j, OutcomeSet& outcomes, const std::string& where) {
  if (!j.is_object()) throw FixtureError(where + ": expected an object of statistics");
  WindowStats s;
  s.count = static_cast<std::uint64_t>(or_zero(number_in(j, "count", where)));
  // A statistic the fixture leaves out is what a read without it gives: 0 or absent (NaN).
  for (const auto& stat : kWindowStats) {
    if (j.contains(stat.policy_name)) s.*stat.field = number_in(j, stat.policy_name, where);
  }
  if (!j.contains("success_rate")) s.success_rate = s.count ? 1 - s.error_rate : 0;
  if (j.contains("outcomes")) {
    if (!j["outcomes"].is_object()) throw FixtureError(where + ".outcomes: expected an object");
    for (const auto& [name, n] : j["outcomes"].items()) {
      // A fixture may name the outcomes its config declares (rejected, shed, …): they are
      // declared here as they appear.
      if (!outcomes.find(name) && !outcomes.add(name, true))
        throw FixtureError(where + ".outcomes." + name + ": more than 16 outcomes");
      const auto index = outcomes.find(name);
      // A count beyond 2^63 cannot be one (and converting it to an integer would be undefined).
      if (!n.is_number() || !(n.get<double>() >= 0 && n.get<double>() < 9.2e18)) {
        throw FixtureError(where + ".outcomes." + name + ": expected a count");
      }
      s.outcomes[*index] = static_cast<std::uint64_t>(n.get<double>());
    }
  }
  return s;
}

// The records a fixture gives: { decisions = { {id = 1, verdict = "block", …}, … }, … },
// each record a flat table of strings, numbers, booleans and nulls.
std::map<bindings::RecordKind, std::vector<bindings::Record>> parse_records(const json& doc,
                                                                            const std::string& at) {
  using bindings::RecordKind;
  static const std::pair<const char*, RecordKind> kKinds[] = {
      {"decisions", RecordKind::kDecisions},
      {"cycles", RecordKind::kCycles},
      {"rollouts", RecordKind::kRollouts},
      {"drift_events", RecordKind::kDriftEvents},
      {"incidents", RecordKind::kIncidents}};
  if (!doc.is_object()) throw FixtureError(at + ": expected an object of record kinds");
  std::map<RecordKind, std::vector<bindings::Record>> out;
  for (const auto& [name, list] : doc.items()) {
    const auto kind = std::find_if(std::begin(kKinds), std::end(kKinds),
                                   [&](const auto& k) { return name == k.first; });
    if (kind == std::end(kKinds))
      throw FixtureError(at + ": unknown kind \"" + name +
                         "\" (expected decisions, cycles, rollouts, drift_events, incidents)");
    auto& records = out[kind->second];
    if (list.is_object() && list.empty()) continue;  // Lua's {}
    if (!list.is_array()) throw FixtureError(at + "." + name + ": expected a list of records");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string here = at + "." + name + "[" + std::to_string(i + 1) + "]";
      if (!list[i].is_object()) throw FixtureError(here + ": expected a record (an object)");
      bindings::Record r;
      for (const auto& [field, value] : list[i].items()) {
        if (value.is_string())
          r.fields.emplace_back(field, value.get<std::string>());
        else if (value.is_boolean())
          r.fields.emplace_back(field, value.get<bool>());
        else if (value.is_number())
          r.fields.emplace_back(field, value.get<double>());
        else if (value.is_null())
          r.fields.emplace_back(field, bindings::RecordValue{});
        else
          throw FixtureError(here + "." + field + ": expected a string, number, boolean or null");
      }
      records.push_back(std::move(r));
    }
  }
  return out;
}

// bounds: { name: { min, max, operating: { min, max, frozen } } }; the value is the param's.
std::map<std::string, bindings::ParamBounds> parse_bounds(
    const json& doc, const std::map<std::string, ProposedValue>& params, const std::string& where) {
  if (!doc.is_object()) throw FixtureError(where + ": expected an object of parameter names");
  std::map<std::string, bindings::ParamBounds> out;
  for (const auto& [name, b] : doc.items()) {
    const std::string at = where + "." + name;
    if (!b.is_object()) throw FixtureError(at + ": expected { min, max, operating }");
    bindings::ParamBounds bounds;
    bounds.min = number_in(b, "min", at);
    bounds.max = number_in(b, "max", at);
    if (!(bounds.min < bounds.max)) throw FixtureError(at + ": expected numbers min < max");
    const auto param = params.find(name);
    bounds.value = param != params.end() && std::holds_alternative<double>(param->second)
                       ? std::get<double>(param->second)
                       : bounds.min;
    if (b.contains("operating")) {
      const json& o = b["operating"];
      if (!o.is_object()) throw FixtureError(at + ".operating: expected { min, max }");
      bounds.operating_min = number_in(o, "min", at + ".operating");
      bounds.operating_max = number_in(o, "max", at + ".operating");
      if (!(*bounds.operating_min < *bounds.operating_max))
        throw FixtureError(at + ".operating: expected numbers min < max");
      bounds.frozen = o.value("frozen", false);
    }
    out[name] = bounds;
  }
  return out;
}

}  // namespace

Result<Fixture> parse_fixture(const json& doc, OutcomeSet& outcomes, const std::string& where) {
  Fixture f;
  try {
    if (!doc.is_object()) throw FixtureError(where + ": a fixture is an object");
    for (const auto& [key, _] : doc.items()) {
      if (key != "now" && key != "windows" && key != "params" && key != "state" &&
          key != "history" && key != "records" && key != "bounds" && key != "period") {
        throw FixtureError(
            where + ": unknown key \"" + key +
            "\" (expected now, windows, history, params, state, records, bounds, period)");
      }
    }
    if (doc.contains("now")) {
      const json& now = doc["now"];
      std::optional<Nanos> parsed;
      if (now.is_string())
        parsed = parse_rfc3339(now.get<std::string>());
      else if (now.is_number())
        parsed = from_epoch_millis(now.get<double>() * 1000);  // 1970..2199, or none
      if (!parsed) throw FixtureError(where + ": now: expected an RFC 3339 time or epoch seconds");
      f.now = *parsed;
    }
    // Named, not iterated as temporaries: value() returns a copy that must outlive the loop.
    const json windows = doc.value("windows", json::object());
    const json params = doc.value("params", json::object());
    if (!windows.is_object())
      throw FixtureError(where + ": windows: expected an object of series keys");
    if (!params.is_object())
      throw FixtureError(where + ": params: expected an object of parameter values");
    for (const auto& [key, spans] : windows.items()) {
      if (!spans.is_object())
        throw FixtureError(where + ": windows." + key + ": expected spans like {\"1m\": {...}}");
      for (const auto& [span, stats] : spans.items()) {
        const auto parsed = parse_duration(span);
        if (span != "*" && !parsed)
          throw FixtureError(where + ": windows." + key + "." + span + ": not a span like 1m");
        f.windows[key][span == "*" ? span : format_duration(*parsed)] =
            stats_from(stats, outcomes, where + ": windows." + key + "." + span);
      }
    }
    const json history = doc.value("history", json::object());
    if (!history.is_object())
      throw FixtureError(where + ": history: expected an object of series keys");
    for (const auto& [key, spans] : history.items()) {
      if (!spans.is_object())
        throw FixtureError(where + ": history." + key + ": expected spans like {\"7d\": {...}}");
      for (const auto& [span, answer] : spans.items()) {
        const std::string at = where + ": history." + key + "." + span;
        const auto parsed = parse_duration(span);
        if (span != "*" && !parsed) throw FixtureError(at + ": not a span like 7d");
        if (!answer.is_object())
          throw FixtureError(at + ": expected {total, periods, hours_found}");
        FixtureHistory h;
        h.total = stats_from(answer.value("total", json::object()), outcomes, at + ".total");
        json periods = answer.value("periods", json::array());
        if (periods.is_object() && periods.empty()) periods = json::array();  // Lua's {}
        if (!periods.is_array()) throw FixtureError(at + ".periods: expected a list of stats");
        for (std::size_t i = 0; i < periods.size() && i < 10'000; ++i)
          h.periods.push_back(
              stats_from(periods[i], outcomes, at + ".periods[" + std::to_string(i) + "]"));
        if (answer.contains("hours_found")) {
          const double n = number_in(answer, "hours_found", at);
          if (!(n >= 0 && n <= 1e7)) throw FixtureError(at + ".hours_found: expected a count");
          h.hours_given = static_cast<std::size_t>(n);
        }
        f.history[key][span == "*" ? span : format_duration(*parsed)] = std::move(h);
      }
    }
    for (const auto& [name, value] : params.items()) {
      if (value.is_number())
        f.params[name] = value.get<double>();
      else if (value.is_boolean())
        f.params[name] = value.get<bool>();
      else if (value.is_string())
        f.params[name] = value.get<std::string>();
      else
        throw FixtureError(where + ": params." + name + ": expected a number, boolean or string");
    }
    if (doc.contains("state")) {
      if (!doc["state"].is_object()) throw FixtureError(where + ": state: expected an object");
      f.state = dump(doc["state"]);
    }
    if (doc.contains("records")) f.records = parse_records(doc["records"], where + ": records");
    if (doc.contains("bounds"))
      f.bounds = parse_bounds(doc["bounds"], f.params, where + ": bounds");
    if (doc.contains("period")) {
      const json& period = doc["period"];
      const auto span =
          period.is_string() ? parse_duration(period.get<std::string>()) : std::optional<Nanos>();
      if (!span || *span <= 0) throw FixtureError(where + ": period: expected a span like \"7d\"");
      f.period = *span;
    }
  } catch (const FixtureError& e) {
    return Error{std::string(e.what())};
  }
  return f;
}

bindings::PolicyInputs Fixture::inputs(const OutcomeSet& outcomes) const {
  bindings::PolicyInputs in;
  in.outcomes = &outcomes;
  in.now = now;
  in.window = [this](const std::string& key, Nanos span) -> std::optional<WindowStats> {
    if (span <= 0 || span > 86400 * kNanosPerSecond) return std::nullopt;
    const auto series = windows.find(key);
    if (series == windows.end()) return WindowStats{};
    if (const auto it = series->second.find(format_duration(span)); it != series->second.end())
      return it->second;
    if (const auto it = series->second.find("*"); it != series->second.end()) return it->second;
    return WindowStats{};
  };
  in.series = [this](const std::string& metric) {
    std::vector<Labels> out;
    for (const auto& [key, _] : windows) {
      if (auto parsed = parse_series_key(key); parsed && parsed->first == metric)
        out.push_back(std::move(parsed->second));
    }
    return out;
  };
  if (records) {
    // As the store answers: the kind's records (newest first, as the fixture lists them) at
    // or after `since` by their time field, a decision's filters applied, at most `limit`.
    in.records = [this](const bindings::RecordQuery& q) -> Result<std::vector<bindings::Record>> {
      std::vector<bindings::Record> out;
      const auto it = records->find(q.kind);
      if (it == records->end()) return out;
      const auto matches = [&](const bindings::Record& r) {
        for (const auto& [name, value] : r.fields) {
          const auto* d = std::get_if<double>(&value);
          const auto* s = std::get_if<std::string>(&value);
          if ((name == "at" || name == "started_at") && d &&
              static_cast<Nanos>(*d * kNanosPerSecond) < q.since)
            return false;
          if (s && ((name == "policy" && !q.policy.empty() && *s != q.policy) ||
                    (name == "parameter" && !q.parameter.empty() && *s != q.parameter) ||
                    (name == "verdict" && !q.verdict.empty() && *s != q.verdict)))
            return false;
        }
        return true;
      };
      for (const auto& r : it->second) {
        if (out.size() >= q.limit) break;
        if (matches(r)) out.push_back(r);
      }
      return out;
    };
  }
  if (!history.empty()) {
    in.history = [this](const std::string& key, Nanos span,
                        Nanos by) -> Result<history::HistoryAnswer> {
      constexpr Nanos kHour = 3600 * kNanosPerSecond;
      history::HistoryAnswer answer;
      answer.hours_asked = static_cast<std::size_t>(span / kHour);
      const auto series = history.find(key);
      if (series == history.end()) return answer;  // no data for it
      auto it = series->second.find(format_duration(span));
      if (it == series->second.end()) it = series->second.find("*");
      if (it == series->second.end()) return answer;
      const FixtureHistory& h = it->second;
      answer.total = h.total;
      answer.hours_found = h.hours_given.value_or(answer.hours_asked);
      const Nanos from = (now - span) / kHour * kHour;
      for (std::size_t i = 0; i < h.periods.size(); ++i) {
        answer.periods.push_back({from + static_cast<Nanos>(i) * by, by,
                                  static_cast<std::size_t>(by / kHour), h.periods[i]});
      }
      return answer;
    };
  }
  if (period > 0) in.period_start = now - period;
  in.bounds = [this](std::string_view name) -> std::optional<bindings::ParamBounds> {
    const auto it = bounds.find(std::string(name));
    if (it == bounds.end()) return std::nullopt;
    return it->second;
  };
  in.param = [this](std::string_view name) -> std::optional<ProposedValue> {
    const auto it = params.find(std::string(name));
    if (it == params.end()) return std::nullopt;
    return it->second;
  };
  return in;
}

json value_json(const ProposedValue& v) {
  if (const auto* d = std::get_if<double>(&v)) {
    if (std::floor(*d) == *d && std::abs(*d) < 9.007199254740992e15)
      return static_cast<std::int64_t>(*d);
    return *d;
  }
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  return std::get<std::string>(v);
}

json outputs_json(const bindings::PolicyOutputs& out, const std::string& state_json) {
  json proposals = json::array();
  for (const auto& p : out.proposals) {
    json item = {{"kind", kind_name(p.kind)}, {"target", p.target}, {"reason", p.reason}};
    if (p.kind == Proposal::Kind::kBounds) {
      item["min"] = p.bounds_min;
      item["max"] = p.bounds_max;
      if (p.confidence) item["confidence"] = *p.confidence;
    } else if (p.kind == Proposal::Kind::kSet) {
      item["value"] = value_json(p.value);
      if (p.expected) {
        item["expected"] = {{"series", p.expected->series},
                            {"stat", p.expected->stat},
                            {"change", p.expected->change},
                            {"better", p.expected->higher_is_worse ? "lower" : "higher"}};
      }
      if (p.confidence) item["confidence"] = *p.confidence;
    } else {
      item["args"] = json::object();
      for (const auto& [k, v] : p.args) item["args"][k] = value_json(v);
    }
    proposals.push_back(std::move(item));
  }
  json doc = {{"proposals", proposals},
              {"alerts", out.alerts},
              {"logs", out.logs},
              {"evidence", parse_own_json(out.evidence())},
              {"state", parse_own_json(state_json)}};
  if (out.report) doc["report"] = parse_own_json(*out.report);
  return doc;
}

}  // namespace setpoint::bindings::testing
