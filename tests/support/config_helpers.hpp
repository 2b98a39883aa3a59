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
  if (!result) FAIL(result.error());
  return std::move(result).value();
}

inline std::string error_of(const std::string& yaml) {
  auto result = runner::parse_config(yaml, "test.yaml");
  REQUIRE(!result.ok());
  return result.error();
}

}  // namespace setpoint::testing
