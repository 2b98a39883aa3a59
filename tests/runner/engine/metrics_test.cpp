// /metrics in the Prometheus text format: escaped labels, exact numbers, every family once.
#include "engine/metrics.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

using namespace setpoint;
using namespace setpoint::runner;

TEST_CASE("metrics: a label value is escaped, and made UTF-8 as the format requires") {
  CHECK(label_value(R"(a"b\c)") == R"(a\"b\\c)");
  CHECK(label_value("two\nlines") == "two\\nlines");
  CHECK(label_value("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(label_value("bad \xff byte") == "bad \xef\xbf\xbd byte");  // U+FFFD
  CHECK(metric_label("policy", "p\"1") == "policy=\"p\\\"1\"");
}

TEST_CASE("metrics: a sample's number reads back exactly; NaN and infinities are spelt out") {
  std::string out;
  metric_sample(out, "x", "", 0.1);
  metric_sample(out, "x", "a=\"1\"", 3);
  metric_sample(out, "x", "", std::nan(""));
  metric_sample(out, "x", "", std::numeric_limits<double>::infinity());
  metric_sample(out, "x", "", -std::numeric_limits<double>::infinity());
  CHECK(out == "x 0.1\nx{a=\"1\"} 3\nx NaN\nx +Inf\nx -Inf\n");
  std::string family;
  metric_family(family, "x_total", "counter", "Things.");
  CHECK(family == "# HELP x_total Things.\n# TYPE x_total counter\n");
}

TEST_CASE("metrics: every family is declared once, before its samples, with its counts") {
  EngineMetrics m;
  m.store_write_failures = 2;
  m.decision_log_failures = 1;
  m.ticks = 7;
  m.policies["aimd"].evaluations = 3;
  IngestCounts ingest;
  ingest.accepted = 5;
  const std::string text = m.render(ingest);
  CHECK(text.find("setpoint_store_write_failures_total 2\n") != std::string::npos);
  CHECK(text.find("setpoint_decision_log_write_failures_total 1\n") != std::string::npos);
  CHECK(text.find("setpoint_engine_ticks_total 7\n") != std::string::npos);
  CHECK(text.find("setpoint_events_ingested_total 5\n") != std::string::npos);
  std::set<std::string> declared;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) == 0) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      INFO(name);
      CHECK(declared.insert(name).second);  // once
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    std::string name = line.substr(0, line.find_first_of("{ "));
    for (const char* part : {"_sum", "_count", "_bucket"}) {  // a summary's or histogram's
      const std::string tail = part;
      if (name.ends_with(tail) && declared.count(name.substr(0, name.size() - tail.size())) > 0)
        name.erase(name.size() - tail.size());
    }
    INFO(line);
    CHECK(declared.count(name) == 1);  // after its TYPE line
  }
}
