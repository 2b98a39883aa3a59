#include "setpoint/base/result.hpp"

#include <catch2/catch.hpp>
#include <memory>
#include <string>

using namespace setpoint;

namespace {

Result<int> half(int n) {
  if (n % 2 != 0) return Error{"n: " + std::to_string(n) + " is odd"};
  return n / 2;
}

Result<void> even(int n) {
  if (n % 2 != 0) return Error{"odd"};
  return {};
}

}  // namespace

TEST_CASE("result: a value or the error that names the problem") {
  const auto ok = half(8);
  REQUIRE(ok);
  CHECK(ok.ok());
  CHECK(*ok == 4);
  CHECK(ok.error().empty());
  const auto bad = half(7);
  CHECK_FALSE(bad);
  CHECK(bad.error() == "n: 7 is odd");
  CHECK_THROWS_AS(bad.value(), std::bad_optional_access);  // a bug, not an outcome
}

TEST_CASE("result: moves what it holds out, strings and move-only values included") {
  Result<std::string> text = std::string("setpoint");
  CHECK(text->size() == 8);
  const std::string taken = *std::move(text);
  CHECK(taken == "setpoint");
  Result<std::unique_ptr<int>> owned = std::make_unique<int>(5);
  std::unique_ptr<int> p = std::move(owned).value();
  CHECK(*p == 5);
  Result<std::string> failed = Error{"cannot open x: No such file or directory"};
  CHECK(failed.error() == "cannot open x: No such file or directory");
}

TEST_CASE("result: a step with no value is ok or says why") {
  CHECK(even(2));
  CHECK(even(2).error().empty());
  CHECK_FALSE(even(3));
  CHECK(even(3).error() == "odd");
}
