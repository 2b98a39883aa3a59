#pragma once
// For the resilience primitives' tests: an aggregator that knows the "rejected" outcome, and
// the outcomes a series recorded over the last minute.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "setpoint/windows/aggregator.hpp"

namespace setpoint::testing {

inline AggregatorOptions with_rejected() {
  AggregatorOptions options;
  options.outcomes.add("rejected", true);
  return options;
}

// By outcome name, for the series `key` (a metric without labels is "name{}").
inline std::map<std::string, std::uint64_t> outcomes(Aggregator& aggregator, const std::string& key,
                                                     Nanos now) {
  std::map<std::string, std::uint64_t> out;
  sketch::Accumulator scratch;
  const auto id = aggregator.find(key);
  REQUIRE(id);
  const auto stats = aggregator.read(*id, now, 60 * kNanosPerSecond, scratch);
  REQUIRE(stats);
  for (std::size_t o = 0; o < aggregator.outcomes().size(); ++o) {
    if (stats->outcomes[o] > 0)
      out[aggregator.outcomes().name(static_cast<OutcomeIndex>(o))] = stats->outcomes[o];
  }
  return out;
}

}  // namespace setpoint::testing
