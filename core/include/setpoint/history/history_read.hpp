#pragma once
// A policy's question to the history, answered from hourly rollups: per period (an hour or a
// UTC day) and over the whole span, each from merged sketch bins. It says how much of the
// span the store held, so a read past the retention (or before the first flush) returns what
// exists and how much that is, never a silent zero.
#include <cstddef>
#include <vector>

#include "setpoint/history/rollup.hpp"

namespace setpoint::history {

struct Period {
  Nanos start = 0;
  Nanos span = 0;
  std::size_t hours = 0;  // hours with data in it
  WindowStats stats;
};

struct HistoryAnswer {
  std::vector<Period> periods;  // those with data, oldest first
  WindowStats total;            // every hour found, merged (its span: the hours found)
  std::size_t hours_found = 0;
  std::size_t hours_asked = 0;  // whole hours in the span asked for
};

// `hours` as HistoryStore::read returns them for [from, to); `by` is one hour or one day.
HistoryAnswer summarize(const std::vector<Rollup>& hours, Nanos from, Nanos to, Nanos by,
                        const OutcomeSet& outcomes, sketch::Accumulator& scratch);

}  // namespace setpoint::history
