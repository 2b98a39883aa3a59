#include "setpoint/windows/snapshot.hpp"

#include "setpoint/base/json_text.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/windows/window_stat.hpp"

namespace setpoint {

std::vector<SeriesWindow> read_all(const Aggregator& aggregator, Nanos now, Nanos span) {
  std::vector<SeriesWindow> out;
  if (!aggregator.windows().resolution_for(span) || span <= 0) return out;
  out.reserve(aggregator.series_count());
  sketch::Accumulator scratch;
  aggregator.for_each_series([&](const Series& series) {
    out.push_back({&series, *aggregator.read(series, now, span, scratch)});
  });
  return out;
}

std::string snapshot_json(const Aggregator& aggregator, const std::vector<SeriesWindow>& windows,
                          Nanos now, Nanos span) {
  using json_text::append_number;
  using json_text::append_string;
  const auto& outcomes = aggregator.outcomes();
  std::string out;
  out.reserve(256 + windows.size() * 320);
  out += "{\"at\":";
  append_string(out, format_rfc3339(now));
  out += ",\"span_s\":";
  append_number(out, static_cast<double>(span) / kNanosPerSecond);
  out += ",\"series\":{";
  bool first = true;
  for (const auto& [series, s] : windows) {
    if (!first) out.push_back(',');
    first = false;
    append_string(out, series->key);
    out += ":{\"count\":";
    append_number(out, s.count);
    for (const auto& stat : kWindowStats) {
      out += ",\"";
      out += stat.name;
      out += "\":";
      append_number(out, s.*stat.field);
    }
    out += ",\"outcomes\":{";
    for (std::size_t o = 0; o < outcomes.size(); ++o) {
      if (o > 0) out.push_back(',');
      append_string(out, outcomes.name(static_cast<OutcomeIndex>(o)));
      out.push_back(':');
      append_number(out, s.outcomes[o]);
    }
    out += "}}";
  }
  out += "}}";
  return out;
}

}  // namespace setpoint
