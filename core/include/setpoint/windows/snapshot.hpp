#pragma once
// A read of every series over one span, as the JSON document policies, the CLI and the
// control plane share:
//   {"at":"…","span_s":60,"series":{"<metric>{k=v,…}":{"count":…,"rate_per_s":…,
//    "success_rate":…,"error_rate":…,"p50":…,"p90":…,"p95":…,"p99":…,"mean":…,"min":…,
//    "max":…,"sum":…,"outcomes":{"ok":…,…}}}}   (the statistics of window_stat.hpp)
// Statistics a series has no data for (quantiles of a counter) are null.
#include <string>
#include <vector>

#include "setpoint/windows/aggregator.hpp"

namespace setpoint {

struct SeriesWindow {
  const Series* series;  // series live as long as their aggregator
  WindowStats stats;
};

// Every series, in key order, read over `span` ending at `now`. Empty when the span is
// longer than every horizon (check WindowConfig::resolution_for first).
std::vector<SeriesWindow> read_all(const Aggregator& aggregator, Nanos now, Nanos span);

std::string snapshot_json(const Aggregator& aggregator, const std::vector<SeriesWindow>& windows,
                          Nanos now, Nanos span);

}  // namespace setpoint
