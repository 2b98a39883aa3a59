// The examples in the docs are real: each YAML block of docs/configuration.md loads without an
// error, and so does the scenario in docs/simulator.md.
#include <catch2/catch.hpp>
#include <cstdlib>

#include "config/config.hpp"
#include "config/tokens.hpp"
#include "simulator/scenario.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint::runner;

TEST_CASE("docs/configuration.md: every example loads") {
  ::setenv("SETPOINT_REDACTION_KEY", "a-key-of-at-least-16-characters", 1);
  const std::string doc =
      setpoint::testing::read_file(std::string(SETPOINT_SOURCE_DIR) + "/docs/configuration.md");
  int examples = 0;
  int tokens_files = 0;
  for (std::size_t at = doc.find("```yaml\n"); at != std::string::npos;
       at = doc.find("```yaml\n", at)) {
    at += 8;
    const std::string block = doc.substr(at, doc.find("```", at) - at);
    if (block.rfind("tokens:", 0) == 0) {  // the tokens file, not the config: loaded as one
      ::setenv("SETPOINT_CI_TOKEN", "ci-token-0123456789", 1);
      ::setenv("SETPOINT_INGEST_TOKEN", "ingest-token-0123456789", 1);
      setpoint::testing::TempDir dir;
      setpoint::testing::write_file(dir.file("tokens.yaml"), block);
      const auto tokens = Tokens::load(dir.file("tokens.yaml"));
      if (!tokens) FAIL(tokens.error());
      ++tokens_files;
      continue;
    }
    if (block.rfind("# a Kubernetes", 0) == 0) continue;  // what an HPA says, to compare
    INFO(block);
    const auto loaded = parse_config(block, "example.yaml");
    if (!loaded) FAIL(loaded.error());
    ++examples;
  }
  CHECK(examples == 10);  // engine, telemetry, policies, shadow periods, parameters, an HPA's
                          // behavior, actions, autopilot, a status
  CHECK(tokens_files == 1);
}

TEST_CASE("docs/simulator.md: the example scenario loads") {
  const std::string doc =
      setpoint::testing::read_file(std::string(SETPOINT_SOURCE_DIR) + "/docs/simulator.md");
  const auto at = doc.find("```yaml\n") + 8;
  setpoint::testing::TempDir dir;
  setpoint::testing::write_file(dir.file("example.yaml"), doc.substr(at, doc.find("```", at) - at));
  const auto loaded = load_scenario(dir.file("example.yaml"));
  if (!loaded) FAIL(loaded.error());
  const Scenario& s = loaded.value();
  CHECK(s.capacity.size() == 3);
  CHECK(s.knobs.at("concurrency_limit") == "service.concurrency_limit");
  CHECK(s.expect.every_phase.converge_ticks_max == 5);
}

TEST_CASE("docs/autopilot.md: the sliding bounds example loads") {
  const std::string doc =
      setpoint::testing::read_file(std::string(SETPOINT_SOURCE_DIR) + "/docs/autopilot.md");
  const auto at = doc.find("```yaml\n") + 8;
  const auto loaded = parse_config(doc.substr(at, doc.find("```", at) - at), "autopilot.md");
  if (!loaded) FAIL(loaded.error());
  const auto& b = loaded.value().sliding_bounds.at("checkout.max_concurrency");
  CHECK(b.min == 80);
  CHECK(b.max == 120);
  CHECK(b.rules.expand_per_week == Approx(0.25));
}
