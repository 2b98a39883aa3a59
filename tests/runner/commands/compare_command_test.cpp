// Runs the real `setpoint compare` on files written here: the exact JSON, the figures SciPy
// gave for the same samples (tests/core/stats/data/scipy_cases.txt, case "textbook"), and
// every kind of bad file refused with its place.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "support/run_binary.hpp"
#include "support/temp_dir.hpp"

using setpoint::testing::TempDir;
using setpoint::testing::write_file;

namespace {
const auto run = setpoint::testing::run_setpoint;
}  // namespace

TEST_CASE("compare --json prints exactly the documented keys, with SciPy's figures") {
  TempDir dir;
  const auto control = dir.file("control.txt"), canary = dir.file("canary.txt");
  write_file(control, "# latencies of the control, ms\n6.2\n7.9\n\n8.3\r\n9.1\n  10.4\n11.7\n");
  write_file(canary, "5.1\n5.8\n6.0\n7.2\n# a comment\n7.7\n8.0\n8.8");
  const auto result = run("compare " + control + " " + canary + " --json");
  REQUIRE(result.status == 0);
  const auto doc = nlohmann::json::parse(result.out);
  std::vector<std::string> keys;
  for (const auto& [key, _] : doc.items()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  CHECK(keys == std::vector<std::string>{"hl_ci", "hodges_lehmann", "n_canary", "n_control",
                                         "p_greater", "p_less", "p_two_sided", "p_two_sided_exact",
                                         "quantiles", "u", "welch"});
  CHECK(doc["n_control"] == 6);
  CHECK(doc["n_canary"] == 7);
  CHECK(doc["u"] == 35.0);
  CHECK(doc["p_two_sided"].get<double>() == Approx(0.05378408886239828).epsilon(1e-9));
  CHECK(doc["p_two_sided_exact"].get<double>() == Approx(0.05128205128205128).epsilon(1e-9));
  CHECK(doc["p_greater"].get<double>() == Approx(0.02689204443119914).epsilon(1e-9));
  CHECK(doc["p_less"].get<double>() == Approx(0.9808406184252932).epsilon(1e-9));
  CHECK(doc["welch"]["t"].get<double>() == Approx(2.118423985286274).epsilon(1e-9));
  CHECK(doc["welch"]["p"].get<double>() == Approx(0.06415338682007504).epsilon(1e-9));
  CHECK(doc["welch"]["df"].get<double>() == Approx(8.724869313421806).epsilon(1e-9));
  CHECK(doc["hodges_lehmann"].get<double>() == Approx(-2.0).epsilon(1e-9));
  CHECK(doc["hl_ci"][0].get<double>() == Approx(-4.4).epsilon(1e-9));
  CHECK(doc["hl_ci"][1].get<double>() == Approx(0.1).epsilon(1e-9));
  CHECK(doc["quantiles"]["control"]["p50"] == 8.7);
  CHECK(doc["quantiles"]["control"]["p99"].get<double>() == Approx(11.635));
  CHECK(doc["quantiles"]["canary"]["p90"].get<double>() == Approx(8.32));
  CHECK(doc["quantiles"]["canary"].size() == 4);
}

TEST_CASE("compare prints a readable summary without --json") {
  TempDir dir;
  const auto control = dir.file("a"), canary = dir.file("b");
  write_file(control, "1\n2\n3\n4\n");
  write_file(canary, "5\n6\n7\n8\n9\n");
  const auto result = run("compare " + control + " " + canary);
  REQUIRE(result.status == 0);
  CHECK(result.out.find("Mann-Whitney U (control) 0\n") != std::string::npos);
  CHECK(result.out.find("p two-sided 0.0199645 (exact 0.015873)") != std::string::npos);
  CHECK(result.out.find("Hodges-Lehmann shift (canary - control) 4.5, 95 % interval [2, 7]") !=
        std::string::npos);
}

TEST_CASE("compare names what it cannot define: one value a side, all values equal") {
  TempDir dir;
  const auto one = dir.file("one"), same = dir.file("same");
  write_file(one, "3.5\n");
  write_file(same, "2\n2\n2\n");
  auto result = run("compare " + one + " " + one + " --json");
  REQUIRE(result.status == 0);
  auto doc = nlohmann::json::parse(result.out);
  CHECK(doc["welch"]["t"].is_null());
  CHECK(doc["welch"]["p"].is_null());
  CHECK(doc["p_two_sided"] == 1.0);
  CHECK(doc["p_two_sided_exact"].is_null());  // a tie: no exact distribution
  result = run("compare " + same + " " + same);
  REQUIRE(result.status == 0);
  CHECK(result.out.find("Welch: Welch's t-test is not defined: both samples are constant") !=
        std::string::npos);
  CHECK(result.out.find("p two-sided 1\n") != std::string::npos);
}

TEST_CASE("compare refuses a bad line with its line number, and a file it cannot read") {
  TempDir dir;
  const auto good = dir.file("good"), bad = dir.file("bad");
  write_file(good, "1\n2\n3\n");
  const std::pair<std::string, std::string> cases[] = {
      {"1\n2\nabc\n4\n", ":3: \"abc\" is not a number"},
      {"1\n# two\n12ms\n", ":3: \"12ms\" is not a number"},
      {"1\nnan\n", ":2: \"nan\" is not a finite number"},
      {"-inf\n", ":1: \"-inf\" is not a finite number"},
      {"1 2\n", ":1: \"1 2\" is not a number"},
      {"\xff\xfe\n", ":1: \"\xef\xbf\xbd\xef\xbf\xbd\" is not a number"},
      {std::string(300, '1') + "\n", ":1: the line is longer than 256 bytes; one number per line"},
      {"# only a comment\n\n", ": no numbers in the file (only blank lines and comments)"},
      {"", ": no numbers in the file (only blank lines and comments)"},
      // A byte-order mark begins a file, not a later line.
      {"1\n\xef\xbb\xbf"
       "2\n",
       ":2: a byte-order mark (U+FEFF) inside the file, not at its start"},
  };
  for (const auto& [text, message] : cases) {
    INFO(text);
    write_file(bad, text);
    const auto result = run("compare " + good + " " + bad);
    CHECK(result.status == 2);
    CHECK(result.out == "setpoint compare: " + bad + message + "\n");
  }
  auto result = run("compare " + dir.file("missing") + " " + good);
  CHECK(result.status == 1);
  CHECK(result.out.find("missing") != std::string::npos);
  const auto fifo = dir.file("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  result = run("compare " + good + " " + fifo);  // refused, never a read that waits for ever
  CHECK(result.status == 1);
  CHECK(result.out == "setpoint compare: " + fifo + " is a FIFO, not a regular file: not read\n");
  result = run("compare " + good + " " + dir.path().string());
  CHECK(result.status == 1);
  CHECK(result.out == "setpoint compare: " + dir.path().string() +
                          " is a directory, not a regular file: not read\n");
  // A spreadsheet's export, with its byte-order mark: read as the numbers it holds.
  write_file(bad,
             "\xef\xbb\xbf"
             "4\r\n5\r\n6\r\n");
  result = run("compare " + good + " " + bad + " --json");
  CHECK(result.status == 0);
  CHECK(result.out.find("\"n_canary\":3") != std::string::npos);
  result = run("compare " + good);
  CHECK(result.status != 0);
}

TEST_CASE("compare takes a million values a side") {
  TempDir dir;
  const auto control = dir.file("control"), canary = dir.file("canary");
  std::string a, b;
  for (int i = 0; i < 1'000'000; ++i) {
    a += std::to_string(200 + (i * 7919LL) % 1000) + "\n";
    b += std::to_string(210 + (i * 104729LL) % 1000) + "\n";
  }
  write_file(control, a);
  write_file(canary, b);
  const auto result = run("compare " + control + " " + canary + " --json");
  REQUIRE(result.status == 0);
  const auto doc = nlohmann::json::parse(result.out);
  CHECK(doc["n_control"] == 1'000'000);
  CHECK(doc["hodges_lehmann"] == 10.0);  // both uniform on 1000 integers, 10 apart
  CHECK(doc["quantiles"]["control"]["p50"] == 699.5);
  CHECK(doc["p_less"].get<double>() < 1e-10);
}
