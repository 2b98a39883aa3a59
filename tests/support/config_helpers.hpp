#pragma once
// Parsing config text in tests: ok() for what must load, error_of() for the message of what
// must not.
#include <catch2/catch.hpp>
#include <string>
#include <variant>

#include "config/config.hpp"

namespace setpoint::testing {

inline runner::Config ok(const std::string& yaml) {
  auto result = runner::parse_config(yaml, "test.yaml");
  if (auto* error = std::get_if<runner::ConfigError>(&result)) FAIL(error->message);
  return std::get<runner::Config>(std::move(result));
}

inline std::string error_of(const std::string& yaml) {
  auto result = runner::parse_config(yaml, "test.yaml");
  REQUIRE(std::holds_alternative<runner::ConfigError>(result));
  return std::get<runner::ConfigError>(result).message;
}

}  // namespace setpoint::testing
