// core/stats against SciPy: every figure in data/scipy_cases.txt (made once by
// scripts/stats_reference.py with Debian's python3-scipy) must come out within 1e-9 relative.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "setpoint/stats/comparison.hpp"
#include "setpoint/stats/distributions.hpp"

using namespace setpoint;
using namespace setpoint::stats;

namespace {

// Within 1e-9 of each other relative to the reference, or both below 1e-300 (SciPy prints an
// underflowed tail as 0).
bool close(double ours, double scipy) {
  if (std::fabs(scipy) < 1e-300) return std::fabs(ours) < 1e-300;
  return std::fabs(ours - scipy) <= 1e-9 * std::fabs(scipy);
}

struct Case {
  std::string name;
  std::map<std::string, std::vector<std::string>> lines;  // key → its words
  std::vector<double> numbers(const std::string& key) const {
    std::vector<double> out;
    for (const auto& word : lines.at(key)) out.push_back(std::stod(word));
    return out;
  }
  double number(const std::string& key, std::size_t at = 0) const {
    return std::stod(lines.at(key).at(at));
  }
  bool none(const std::string& key) const { return lines.at(key).at(0) == "none"; }
};

std::vector<std::vector<std::string>> reference_lines() {
  std::ifstream in(std::string(SETPOINT_SOURCE_DIR) + "/tests/core/stats/data/scipy_cases.txt");
  REQUIRE(in);
  std::vector<std::vector<std::string>> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string w; words >> w;) row.push_back(w);
    out.push_back(row);
  }
  return out;
}

std::vector<Case> reference_cases() {
  std::vector<Case> cases;
  for (const auto& row : reference_lines()) {
    if (row[0] == "case") {
      cases.push_back({row.at(1), {}});
    } else if (!cases.empty() && row[0] != "end" && row[0].find('_') != 0) {
      auto& c = cases.back();
      if (c.lines.count("end") == 0) c.lines[row[0]] = {row.begin() + 1, row.end()};
    }
    if (row[0] == "end" && !cases.empty()) cases.back().lines["end"] = {};
  }
  return cases;
}

}  // namespace

TEST_CASE("stats: the normal and Student's t distributions match SciPy, tails included") {
  int checked = 0;
  for (const auto& row : reference_lines()) {
    if (row[0] == "normal_sf") {
      INFO("normal_sf(" << row[1] << ")");
      CHECK(close(normal_sf(std::stod(row[1])), std::stod(row[2])));
      ++checked;
    } else if (row[0] == "normal_quantile") {
      INFO("normal_quantile(" << row[1] << ")");
      CHECK(close(normal_quantile(std::stod(row[1])), std::stod(row[2])));
      ++checked;
    } else if (row[0] == "student_t_sf") {
      INFO("student_t_sf(" << row[1] << ", df " << row[2] << ")");
      CHECK(close(student_t_sf(std::stod(row[1]), std::stod(row[2])), std::stod(row[3])));
      ++checked;
    }
  }
  CHECK(checked == 13 + 12 + 63);
}

TEST_CASE("stats: Mann-Whitney, Welch, Hodges-Lehmann and quantiles match SciPy on every case") {
  const auto cases = reference_cases();
  REQUIRE(cases.size() == 16);
  for (const auto& c : cases) {
    INFO("case " << c.name);
    const auto control = Sample::of(c.numbers("control"), "control");
    const auto canary = Sample::of(c.numbers("canary"), "canary");
    REQUIRE(control);
    REQUIRE(canary);
    const Comparison r = compare(*control, *canary);
    CHECK(close(r.mann_whitney.u, c.number("u")));
    CHECK(close(r.mann_whitney.p_two_sided, c.number("p_two_sided")));
    CHECK(close(r.mann_whitney.p_greater, c.number("p_greater")));
    CHECK(close(r.mann_whitney.p_less, c.number("p_less")));
    if (c.none("p_two_sided_exact")) {
      CHECK_FALSE(r.mann_whitney.p_two_sided_exact);
    } else {
      REQUIRE(r.mann_whitney.p_two_sided_exact);
      CHECK(close(*r.mann_whitney.p_two_sided_exact, c.number("p_two_sided_exact")));
    }
    if (c.none("welch")) {
      CHECK_FALSE(r.welch);
    } else {
      REQUIRE(r.welch);
      CHECK(close(r.welch->t, c.number("welch", 0)));
      CHECK(close(r.welch->p, c.number("welch", 1)));
      CHECK(close(r.welch->df, c.number("welch", 2)));
    }
    CHECK(close(r.hodges_lehmann.estimate, c.number("hodges_lehmann", 0)));
    CHECK(close(r.hodges_lehmann.lo, c.number("hodges_lehmann", 1)));
    CHECK(close(r.hodges_lehmann.hi, c.number("hodges_lehmann", 2)));
    const auto qc = c.numbers("quantiles_control"), qy = c.numbers("quantiles_canary");
    const double ours_c[] = {r.control.p50, r.control.p90, r.control.p95, r.control.p99};
    const double ours_y[] = {r.canary.p50, r.canary.p90, r.canary.p95, r.canary.p99};
    for (int i = 0; i < 4; ++i) {
      CHECK(close(ours_c[i], qc[i]));
      CHECK(close(ours_y[i], qy[i]));
    }
  }
}
