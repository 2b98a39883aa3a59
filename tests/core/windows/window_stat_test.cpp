#include "setpoint/windows/window_stat.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace setpoint;

TEST_CASE("window stats: each name reads its own field of WindowStats, once") {
  WindowStats s;
  s.rate_per_s = 1, s.success_rate = 2, s.error_rate = 3, s.p50 = 4, s.p90 = 5, s.p95 = 6;
  s.p99 = 7, s.mean = 8, s.min = 9, s.max = 10, s.sum = 11;
  std::set<std::string> names, policy_names;
  std::set<double> values;
  for (const auto& stat : kWindowStats) {
    names.insert(stat.name);
    policy_names.insert(stat.policy_name);
    values.insert(s.*stat.field);
    CHECK(find_window_stat(stat.name) == &stat);
  }
  CHECK(names.size() == std::size(kWindowStats));
  CHECK(policy_names.size() == std::size(kWindowStats));
  CHECK(values.size() == std::size(kWindowStats));  // no field twice, none left out
  CHECK(find_window_stat("p99")->field == &WindowStats::p99);
  CHECK(find_window_stat("rate_per_s")->policy_name == std::string("rate"));
  CHECK(find_window_stat("rate") == nullptr);  // the config says rate_per_s, as /v1/state does
  CHECK(find_window_stat("count") == nullptr);
  CHECK(find_window_stat("") == nullptr);
  CHECK(window_stat_names() ==
        "rate_per_s, success_rate, error_rate, p50, p90, p95, p99, mean, min, max or sum");
}
