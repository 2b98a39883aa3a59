#include "setpoint/snapshot.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "setpoint/timestamp.hpp"

namespace setpoint {
namespace {
nlohmann::json number_or_null(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
}
}  // namespace

std::vector<SeriesWindow> read_all(const Aggregator& aggregator, Nanos now, Nanos span) {
  std::vector<SeriesWindow> out;
  sketch::Accumulator scratch;
  for (auto& info : aggregator.list()) {
    auto stats = aggregator.read(info.id, now, span, scratch);
    if (!stats) return {};
    out.push_back({std::move(info), *stats});
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.series.key < b.series.key; });
  return out;
}

std::string snapshot_json(const Aggregator& aggregator, const std::vector<SeriesWindow>& windows,
                          Nanos now, Nanos span, int indent) {
  const auto& outcomes = aggregator.outcomes();
  nlohmann::json series = nlohmann::json::object();
  for (const auto& [info, s] : windows) {
    nlohmann::json by_outcome = nlohmann::json::object();
    for (std::size_t o = 0; o < outcomes.size(); ++o) {
      by_outcome[outcomes.name(static_cast<OutcomeIndex>(o))] = s.outcomes[o];
    }
    series[info.key] = {
        {"count", s.count},
        {"rate_per_s", s.rate_per_s},
        {"success_rate", s.success_rate},
        {"error_rate", s.error_rate},
        {"p50", number_or_null(s.p50)},
        {"p90", number_or_null(s.p90)},
        {"p95", number_or_null(s.p95)},
        {"p99", number_or_null(s.p99)},
        {"mean", number_or_null(s.mean)},
        {"min", number_or_null(s.min)},
        {"max", number_or_null(s.max)},
        {"outcomes", std::move(by_outcome)},
    };
  }
  nlohmann::json doc = {
      {"at", format_rfc3339(now)},
      {"span_s", static_cast<double>(span) / kNanosPerSecond},
      {"series", std::move(series)},
  };
  return doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace setpoint
