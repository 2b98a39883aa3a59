#pragma once
// The value of a Result the test expects to succeed; the test fails with the error otherwise.
#include <catch2/catch.hpp>
#include <utility>

#include "setpoint/base/result.hpp"

template <typename T>
T must(setpoint::Result<T> result) {
  INFO(result.error());
  REQUIRE(result.ok());
  return std::move(result).value();
}

// A Result<void> the test expects to succeed.
inline void must(setpoint::Result<void> result) {
  INFO(result.error());
  REQUIRE(result.ok());
}
