// core/stats by hand: cases small enough to check on paper, and every kind of bad sample.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "setpoint/stats/comparison.hpp"
#include "setpoint/stats/distributions.hpp"

using namespace setpoint;
using namespace setpoint::stats;

namespace {
Sample sample(std::vector<double> values) { return *Sample::of(std::move(values), "test"); }
}  // namespace

TEST_CASE("stats: a sample refuses emptiness and non-finite values, naming the place") {
  CHECK(Sample::of({}, "control").error() == "control: the sample is empty");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(Sample::of({1, 2, nan}, "canary").error() ==
        "canary: value 3 of 3 is not a finite number (NaN)");
  CHECK(Sample::of({-inf, 2}, "canary").error() ==
        "canary: value 1 of 2 is not a finite number (-inf)");
  CHECK(Sample::of({nan, nan}, "control").error() ==
        "control: value 1 of 2 is not a finite number (NaN)");
  const auto one = Sample::of({4}, "x");
  REQUIRE(one);
  CHECK(one->mean() == 4);
  CHECK(std::isnan(one->variance()));
}

TEST_CASE("stats: the exact null distribution of U, by hand") {
  // m = 2, n = 2: the six orderings have U = 0, 1, 2, 2, 3, 4.
  CHECK(exact_u_counts(2, 2) == std::vector<double>{1, 1, 2, 1, 1});
  // m = 1: every U from 0 to n once.
  CHECK(exact_u_counts(1, 3) == std::vector<double>{1, 1, 1, 1});
  // The counts of 50 × 50 sum to C(100, 50) ≈ 1.0089e29 and are symmetric.
  const auto big = exact_u_counts(50, 50);
  double all = 0;
  for (double c : big) all += c;
  CHECK(all == Approx(1.0089134454556419e29).epsilon(1e-12));
  CHECK(big[17] == big[2500 - 17]);
}

TEST_CASE("stats: Mann-Whitney on separated samples and on all-equal ones") {
  const auto r = mann_whitney(sample({1, 2, 3}), sample({4, 5, 6}));
  CHECK(r.u == 0);
  CHECK_FALSE(r.ties);
  CHECK(*r.p_two_sided_exact == Approx(0.1));  // 2 of the C(6,3) = 20 orderings are as extreme
  CHECK(r.p_less < r.p_greater);
  const auto same = mann_whitney(sample({7, 7, 7}), sample({7, 7}));
  CHECK(same.u == 3);  // 6 pairs, all ties, half each
  CHECK(same.ties);
  CHECK(same.p_two_sided == 1);
  CHECK(same.p_greater == 1);
  CHECK(same.p_less == 1);
  CHECK_FALSE(same.p_two_sided_exact);
}

TEST_CASE("stats: Welch says why it is not defined") {
  CHECK(welch(sample({1}), sample({1, 2, 3})).error() ==
        "Welch's t-test needs at least two values on each side");
  CHECK(welch(sample({2, 2}), sample({3, 3, 3})).error() ==
        "Welch's t-test is not defined: both samples are constant");
  const auto one_constant = welch(sample({2, 2, 2}), sample({1, 2, 3}));
  REQUIRE(one_constant);
  CHECK(one_constant->t == Approx(0).margin(1e-12));
  CHECK(one_constant->df == Approx(2));
}

TEST_CASE("stats: Hodges-Lehmann by hand, and the k-th difference against a full listing") {
  // Differences canary − control of {1, 2} and {4, 7}: 3, 2, 6, 5 → median (3 + 5) / 2.
  const auto shift = hodges_lehmann(sample({1, 2}), sample({4, 7}));
  CHECK(shift.estimate == 4);
  CHECK(shift.lo == 2);  // two values a side: the interval is the whole range
  CHECK(shift.hi == 6);
  std::mt19937_64 random(7);
  std::normal_distribution<double> normal(0, 1);
  std::uniform_int_distribution<int> small(0, 9);
  for (int round = 0; round < 20; ++round) {
    std::vector<double> x, y;
    const int m = 1 + round * 7 % 61, n = 1 + round * 13 % 47;
    for (int i = 0; i < m; ++i) x.push_back(round % 2 ? normal(random) : small(random));
    for (int i = 0; i < n; ++i) y.push_back(round % 2 ? normal(random) : small(random));
    std::vector<double> all;
    for (double b : y)
      for (double a : x) all.push_back(b - a);
    std::sort(all.begin(), all.end());
    const Sample control = sample(x), canary = sample(y);
    for (std::size_t k = 0; k < all.size(); k += 1 + all.size() / 17) {
      INFO("m " << m << " n " << n << " k " << k);
      CHECK(kth_difference(control, canary, k) == all[k]);
    }
    CHECK(kth_difference(control, canary, all.size() - 1) == all.back());
  }
}

TEST_CASE("stats: Hodges-Lehmann is exact at 10 k × 10 k (100 M pairs) without listing them") {
  std::mt19937_64 random(11);
  std::normal_distribution<double> control_values(100, 10), canary_values(103, 10);
  std::vector<double> x(10000), y(10000);
  for (auto& v : x) v = control_values(random);
  for (auto& v : y) v = canary_values(random);
  const Sample control = sample(x), canary = sample(y);
  const auto shift = hodges_lehmann(control, canary);
  // The median of 100 M differences, checked by counting: half of them on each side.
  std::uint64_t below = 0, above = 0;
  for (double b : canary.sorted()) {
    const auto& c = control.sorted();
    below += c.end() - std::upper_bound(c.begin(), c.end(), b - shift.estimate);
    above += std::lower_bound(c.begin(), c.end(), b - shift.estimate) - c.begin();
  }
  CHECK(below <= 50'000'000);
  CHECK(above <= 50'000'000);
  CHECK(shift.estimate == Approx(3).margin(0.5));
  CHECK(shift.lo < shift.estimate);
  CHECK(shift.hi > shift.estimate);
}

TEST_CASE("stats: the k-th difference among millions of ties") {
  // 3000 × 4000 values from {0, 1, 2}: the differences are -2 .. 2 in known numbers.
  std::vector<double> x, y;
  for (int i = 0; i < 3000; ++i) x.push_back(i % 3);
  for (int i = 0; i < 4000; ++i) y.push_back(i % 4 == 0 ? 0 : i % 4 == 1 ? 1 : 2);
  const Sample control = sample(x), canary = sample(y);
  std::map<double, std::uint64_t> count;
  for (double b : y)
    for (double a : x) ++count[b - a];
  std::uint64_t seen = 0;
  for (const auto& [value, n] : count) {
    INFO("value " << value);
    CHECK(kth_difference(control, canary, seen) == value);
    CHECK(kth_difference(control, canary, seen + n - 1) == value);
    seen += n;
  }
  CHECK(seen == 12'000'000);
}

TEST_CASE("stats: numpy's linear quantiles by hand") {
  const Sample s = sample({10, 20, 30, 40});
  CHECK(quantile(s, 0) == 10);
  CHECK(quantile(s, 1) == 40);
  CHECK(quantile(s, 0.5) == 25);
  CHECK(quantile(s, 0.9) == Approx(37));
  CHECK(std::isnan(quantile(s, 1.5)));
  CHECK(quantile(sample({5}), 0.99) == 5);
}

TEST_CASE("stats: the distributions at their edges") {
  CHECK(normal_quantile(0) == -std::numeric_limits<double>::infinity());
  CHECK(normal_quantile(1) == std::numeric_limits<double>::infinity());
  CHECK(std::isnan(normal_quantile(-0.1)));
  CHECK(std::isnan(student_t_sf(1, 0)));
  CHECK(student_t_sf(std::numeric_limits<double>::infinity(), 3) == 0);
  CHECK(student_t_sf(1.5, std::numeric_limits<double>::infinity()) == normal_sf(1.5));
  CHECK(regularized_beta(0.3, 0.7, 1, 1) == Approx(0.3));  // I_x(1, 1) = x
}

TEST_CASE("stats: values beyond double precision are refused, never a NaN shown as p = 1") {
  CHECK(Sample::of({1e308, 1.5e308, 1.7e308}, "control").error() ==
        "control: the values are too large for their mean and variance in double precision");
  CHECK_FALSE(Sample::of({1e200, 2e200, 3e200}, "control"));  // their squares overflow
  // Each side's variance fits, but Welch's df squares it again: once "df -nan, p 1".
  const auto w = welch(sample({1e78, 2e78, 3e78}), sample({1, 2, 3}));
  CHECK(w.error() == "Welch's t-test is not defined: the values are beyond double precision");
  CHECK(mann_whitney(sample({1e150, 2e150}), sample({3e150})).p_two_sided <= 1);
}
