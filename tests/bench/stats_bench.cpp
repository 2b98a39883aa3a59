// Figures for the canary statistics: one Mann-Whitney test of 10 k values a side, one look of
// the sequential judge at a 3-KPI canary, and the whole of `setpoint compare` on 10 M values
// a side, the bad-input case the issue names ("the 10 M case in seconds").
#include <cmath>
#include <map>
#include <random>

#include "harness.hpp"
#include "setpoint/canary/judge.hpp"
#include "setpoint/stats/comparison.hpp"

namespace setpoint::bench {
namespace {

std::vector<double> lognormal(std::size_t n, double median_ms, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::lognormal_distribution<double> latency(std::log(median_ms), 0.3);
  std::vector<double> values(n);
  for (auto& v : values) v = latency(random);
  return values;
}

// A cohort as the windows hold it: latencies in sketch-like bins (1 % wide), with failures.
canary::Cohort cohort(std::size_t n, double median_ms, std::uint64_t seed) {
  canary::Cohort c;
  std::map<double, std::uint64_t> bins;
  for (double v : lognormal(n, median_ms, seed))
    ++bins[std::exp(std::round(std::log(v) * 100) / 100)];
  c.values.assign(bins.begin(), bins.end());
  c.count = n;
  c.failures = n / 100;
  return c;
}

}  // namespace

void stats_benchmarks(Figures& figures) {
  if (!selected("stats")) return;
  const auto control = lognormal(10'000, 270, 1), canary = lognormal(10'000, 280, 2);
  // From the unsorted values, as a judge gets them: the sort is part of the test's cost.
  figures.set("mann_whitney_10k_us", ns_per_op(1, 15, [&] {
                                       const auto a = stats::Sample::of(control, "control");
                                       const auto b = stats::Sample::of(canary, "canary");
                                       keep(stats::mann_whitney(*a, *b).p_two_sided);
                                     }) / 1000);
  // One look at a canary judged on p99, error rate and mean: 20 k canary and 200 k baseline
  // requests so far, a few hundred bins a side.
  canary::JudgeRules rules;
  for (const char* stat : {"p99", "error_rate", "mean"}) {
    canary::Kpi kpi;
    kpi.series = "http{service=checkout}";
    (void)canary::set_stat(kpi, stat);
    rules.kpis.push_back(kpi);
  }
  rules.planned_looks = 12;
  const canary::Judge judge(rules);
  const auto canary_side = cohort(20'000, 280, 5), baseline_side = cohort(200'000, 270, 6);
  const std::vector<std::pair<canary::Cohort, canary::Cohort>> data(3,
                                                                    {canary_side, baseline_side});
  constexpr int kLooks = 200;
  figures.set("judge_look_us", ns_per_op(kLooks, 7, [&] {
                                 for (int i = 0; i < kLooks; ++i) {
                                   canary::JudgeState state;
                                   keep(judge.look(state, data, false).verdict);
                                 }
                               }) / 1000);
  const auto big_control = lognormal(10'000'000, 270, 3),
             big_canary = lognormal(10'000'000, 280, 4);
  figures.set("compare_10m_s", seconds(3, [&] {
                const auto a = stats::Sample::of(big_control, "control");
                const auto b = stats::Sample::of(big_canary, "canary");
                keep(stats::compare(*a, *b).hodges_lehmann.estimate);
              }));
}

}  // namespace setpoint::bench
