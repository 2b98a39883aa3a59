// The examples in docs/configuration.md are real: each YAML block loads without an error.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "config.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint::runner;

TEST_CASE("docs/configuration.md: every example loads") {
  ::setenv("SETPOINT_REDACTION_KEY", "a-key-of-at-least-16-characters", 1);
  const std::string doc = setpoint::testing::read_file(std::string(SETPOINT_SOURCE_DIR) + "/docs/configuration.md");
  int examples = 0;
  for (std::size_t at = doc.find("```yaml\n"); at != std::string::npos; at = doc.find("```yaml\n", at)) {
    at += 8;
    const std::string block = doc.substr(at, doc.find("```", at) - at);
    if (block.rfind("tokens:", 0) == 0) continue;  // the tokens file, not the config
    INFO(block);
    const auto loaded = parse_config(block, "example.yaml");
    if (const auto* error = std::get_if<ConfigError>(&loaded)) FAIL(error->message);
    ++examples;
  }
  CHECK(examples == 5);  // engine, telemetry, policies, parameters, actions
}
