#pragma once
// One series over one period (an hour, or hours merged): what its window buckets held, the
// quantile sketch's bins included, so rollups merge exactly as buckets do. A 7-day p99 is read
// from 168 merged hours' bins, never as an average of 168 p99s.
//
// Outcomes are kept by name, not by index: a config that adds an outcome next month still
// reads last month's rollups right.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "setpoint/base/clock.hpp"
#include "setpoint/base/result.hpp"
#include "setpoint/windows/outcomes.hpp"
#include "setpoint/windows/sketch.hpp"
#include "setpoint/windows/window.hpp"

namespace setpoint::history {

struct Rollup {
  Nanos start = 0;  // the period's start
  Nanos span = 0;   // its length
  std::uint64_t count = 0;
  std::vector<std::pair<std::string, std::uint64_t>> outcomes;  // by name, only those seen
  std::uint64_t value_count = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
  std::uint64_t nonpositive = 0;                    // zero and negative values: not binned
  std::vector<std::pair<int, std::uint64_t>> bins;  // sketch bins, ascending, counts > 0
};

// The rollup of a window read (its stats and the bins left in `acc`) for [start, start+span).
Rollup rollup_of(const WindowStats& stats, const sketch::Accumulator& acc,
                 const OutcomeSet& outcomes, Nanos start);
// Adds `other` into `into`: counts and bins summed, extremes kept, the period widened.
void merge(Rollup& into, const Rollup& other);
// The stats a window read would have given over the rollup's period. `scratch` is reused.
WindowStats stats_of(const Rollup& rollup, const OutcomeSet& outcomes,
                     sketch::Accumulator& scratch);

// A compact form for the store (varints, deltas between bins; the period is not in it):
// a busy latency hour is a few hundred bytes. decode() checks every length and bin, so a
// damaged row is an error, never a read past the end.
std::string encode(const Rollup& rollup);
Result<Rollup> decode(std::string_view bytes);

}  // namespace setpoint::history
