#include "setpoint/windows/sketch.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

using namespace setpoint;
using namespace setpoint::sketch;

namespace {

// The exact q-quantile with the sketch's rank convention: the value at rank floor(q·(n−1)).
double exact_quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(q * static_cast<double>(values.size() - 1))];
}

struct Filled {
  std::vector<Bins*> parts;
  ~Filled() {
    for (auto* b : parts) Bins::destroy(b);
  }
};

// Feeds values into `parts` sketches (as a window's buckets would be) and merges them.
double worst_error(const std::vector<double>& values, std::size_t parts) {
  Filled filled;
  for (std::size_t p = 0; p < parts; ++p) filled.parts.push_back(Bins::make(0, kBins));
  for (std::size_t i = 0; i < values.size(); ++i) filled.parts[i % parts]->add(bin_of(values[i]));
  Accumulator acc;
  for (auto* b : filled.parts) acc.add(*b);
  const double lo = *std::min_element(values.begin(), values.end());
  const double hi = *std::max_element(values.begin(), values.end());
  double worst = 0;
  for (double q : {0.5, 0.9, 0.95, 0.99}) {
    const double exact = exact_quantile(values, q);
    worst = std::max(worst, std::abs(acc.quantile(q, lo, hi) - exact) / exact);
  }
  return worst;
}

}  // namespace

TEST_CASE("every value from 1 µs to 1 h maps to a bin within the relative error") {
  // In milliseconds: 0.001 ms to 3.6e6 ms.
  for (double v = 0.001; v <= 3.6e6; v *= 1.0007) {
    const double back = value_of(bin_of(v));
    REQUIRE(std::abs(back - v) / v <= kRelativeError + 1e-12);
  }
  CHECK(kRelativeError < 0.01);
}

TEST_CASE("bins are monotonic in the value") {
  int last = -1;
  for (double v = 1e-6; v < 1e9; v *= 1.01) {
    const int b = bin_of(v);
    REQUIRE(b >= last);
    last = b;
  }
}

TEST_CASE("values outside the resolved range fall in the end bins") {
  CHECK(bin_of(1e-20) == 0);
  CHECK(bin_of(1e20) == kBins - 1);
  CHECK(bin_of(std::numeric_limits<double>::denorm_min()) == 0);
}

TEST_CASE("quantiles of merged lognormal samples are within 1 %") {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(std::log(40.0), 0.8);
  std::vector<double> values(200'000);
  for (auto& v : values) v = latency(rng);
  CHECK(worst_error(values, 60) <= 0.01);
}

TEST_CASE("quantiles of merged Pareto samples are within 1 %") {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> values(200'000);
  for (auto& v : values) v = 0.05 / std::pow(1.0 - u(rng), 1.0 / 1.2);  // heavy tail
  CHECK(worst_error(values, 10) <= 0.01);
}

TEST_CASE("extreme quantiles are clamped to the exact min and max") {
  Bins* bins = Bins::make(0, kBins);
  for (double v : {3.0, 5.0, 7.0}) bins->add(bin_of(v));
  Accumulator acc;
  acc.add(*bins);
  CHECK(acc.quantile(0.0, 3.0, 7.0) == 3.0);
  CHECK(acc.quantile(1.0, 3.0, 7.0) == 7.0);
  CHECK(acc.quantile(0.5, 3.0, 7.0) == Approx(5.0).epsilon(0.01));
  Bins::destroy(bins);
}

TEST_CASE("non-positive values count at the bottom of the distribution") {
  Bins* bins = Bins::make(0, kBins);
  bins->add(bin_of(10.0));
  Accumulator acc;
  acc.add(*bins);
  acc.add_nonpositive(3);
  CHECK(acc.total() == 4);
  CHECK(acc.quantile(0.5, 0.0, 10.0) == 0.0);
  CHECK(acc.quantile(1.0, 0.0, 10.0) == 10.0);
  Bins::destroy(bins);
}

TEST_CASE("an empty accumulator has no quantiles, and reset empties it") {
  Accumulator acc;
  CHECK(std::isnan(acc.quantile(0.5, 0, 1)));
  Bins* bins = Bins::make(100, 10);
  bins->add(105);
  acc.add(*bins);
  CHECK(acc.total() == 1);
  acc.reset();
  CHECK(acc.total() == 0);
  CHECK(std::isnan(acc.quantile(0.5, 0, 1)));
  Bins::destroy(bins);
}

TEST_CASE("growing bins keeps every count") {
  Bins* bins = Bins::make(500, 4);
  bins->add(501);
  bins->add(501);
  bins->add(503);
  Bins* grown = bins->grown_to(10, 900);
  CHECK(grown->covers(10));
  CHECK(grown->covers(900));
  CHECK(grown->count(501 - grown->lo()) == 2);
  CHECK(grown->count(503 - grown->lo()) == 1);
  Bins::destroy(bins);
  Bins::destroy(grown);
}
