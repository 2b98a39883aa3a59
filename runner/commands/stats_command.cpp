#include "commands/stats_command.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <variant>

#include "commands/recorded_telemetry.hpp"
#include "config/config.hpp"
#include "setpoint/base/duration.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/telemetry/ingest.hpp"
#include "setpoint/windows/snapshot.hpp"

namespace setpoint::runner {
namespace {

std::string cell(double x, const char* format = "%.1f") {
  if (!std::isfinite(x)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, x);
  return buf;
}

void print_table(const std::vector<SeriesWindow>& windows, Nanos now, Nanos span) {
  std::size_t width = 6;
  for (const auto& w : windows) width = std::max(width, w.series->key.size());
  std::printf("Windows of %s ending %s\n\n", format_duration(span).c_str(),
              format_rfc3339(now).c_str());
  std::printf("%-*s %9s %9s %7s %9s %9s %9s %9s %9s %9s\n", static_cast<int>(width), "series",
              "count", "rate/s", "err%", "p50", "p90", "p95", "p99", "mean", "max");
  for (const auto& [series, s] : windows) {
    std::printf("%-*s %9llu %9s %7s %9s %9s %9s %9s %9s %9s\n", static_cast<int>(width),
                series->key.c_str(), static_cast<unsigned long long>(s.count),
                cell(s.rate_per_s).c_str(), cell(100 * s.error_rate, "%.2f").c_str(),
                cell(s.p50).c_str(), cell(s.p90).c_str(), cell(s.p95).c_str(), cell(s.p99).c_str(),
                cell(s.mean).c_str(), cell(s.max).c_str());
  }
  if (windows.empty()) std::printf("(no series)\n");
}

void print_counts(const IngestCounts& counts, std::uint64_t late, const std::string& quarantine) {
  std::printf("\naccepted %llu lines, rejected %llu",
              static_cast<unsigned long long>(counts.accepted),
              static_cast<unsigned long long>(counts.rejected_total()));
  const char* sep = ": ";
  for (std::size_t i = 0; i < kRejectionCount; ++i) {
    if (counts.rejected[i] == 0) continue;
    std::printf("%s%s %llu", sep, std::string(name(static_cast<Rejection>(i))).c_str(),
                static_cast<unsigned long long>(counts.rejected[i]));
    sep = ", ";
  }
  std::printf("\nblank lines %llu, late events (counted in their series' newest bucket) %llu\n",
              static_cast<unsigned long long>(counts.blank), static_cast<unsigned long long>(late));
  if (!quarantine.empty() && counts.rejected_total() > 0) {
    std::printf("rejected lines, with reasons: %s\n", quarantine.c_str());
  }
}

nlohmann::json counts_json(const IngestCounts& counts, std::uint64_t late) {
  nlohmann::json rejected = nlohmann::json::object();
  for (std::size_t i = 0; i < kRejectionCount; ++i) {
    if (counts.rejected[i] > 0)
      rejected[std::string(name(static_cast<Rejection>(i)))] = counts.rejected[i];
  }
  return {{"accepted", counts.accepted},
          {"rejected", rejected},
          {"rejected_total", counts.rejected_total()},
          {"blank", counts.blank},
          {"late_events", late}};
}

}  // namespace

constexpr Nanos kYear2001 = 978'307'200LL * kNanosPerSecond;

int run_stats(const StatsArgs& args) {
  const auto span = parse_duration(args.span);
  if (!span || *span <= 0) {
    std::cerr << "setpoint stats: --span \"" << args.span
              << "\" is not a positive duration like 1m or 15m\n";
    return 2;
  }
  Config config;
  if (!args.config.empty()) {
    auto loaded = load_config(args.config);
    if (!loaded) {
      std::cerr << "setpoint stats: " << loaded.error() << "\n";
      return 2;
    }
    config = std::move(loaded).value();
  }
  if (!config.telemetry.windows.resolution_for(*span)) {
    std::cerr << "setpoint stats: --span " << args.span << " is longer than the longest window ("
              << format_duration(config.telemetry.windows.resolutions.back().horizon()) << ")\n";
    return 2;
  }

  const Redactor redactor = config.redactor();
  Aggregator aggregator(config.aggregator_options());
  EventParser parser(config.telemetry.schema, config.telemetry.outcomes, redactor);
  std::unique_ptr<RejectedLineFile> quarantine;  // none without --rejected
  if (!args.rejected.empty()) {
    auto opened = RejectedLineFile::open(args.rejected, &redactor);
    if (!opened) {
      std::cerr << "setpoint stats: " << opened.error() << "\n";
      return 1;
    }
    quarantine = std::move(opened).value();
  }
  SystemClock clock;
  Ingest ingest(aggregator, parser, quarantine.get(), clock, TimeBase::kEvents);

  const std::string unread =
      read_recorded(args.telemetry, config.telemetry.schema.max_line_bytes, ingest);
  if (quarantine) quarantine->flush();
  if (!unread.empty()) {
    std::cerr << "setpoint stats: " << unread << "\n";
    return 1;
  }

  const Nanos now = ingest.now();
  const auto windows = read_all(aggregator, now, *span);
  if (args.json) {
    auto doc = parse_own_json(snapshot_json(aggregator, windows, now, *span));
    doc["ingest"] = counts_json(ingest.counts(), aggregator.late_events());
    std::cout << dump(doc, 2) << "\n";
  } else {
    print_table(windows, now, *span);
    print_counts(ingest.counts(), aggregator.late_events(), args.rejected);
  }
  // Events before 2001 are rarely real: epoch seconds read as milliseconds land in January 1970.
  if (ingest.counts().accepted > 0 && now < kYear2001 &&
      config.telemetry.schema.ts_unit != TsUnit::kSeconds) {
    std::cerr << "setpoint stats: the newest event is at " << format_rfc3339(now)
              << ": if the timestamps are epoch seconds, set telemetry.mapping.ts_unit: s in the "
                 "config\n";
  }
  return 0;
}

}  // namespace setpoint::runner
