#include "setpoint/telemetry/rejection.hpp"

#include <catch2/catch.hpp>
#include <set>

using namespace setpoint;

TEST_CASE("rejections: each reason has its own snake_case name, as counters show it") {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < kRejectionCount; ++i) {
    const std::string_view n = name(static_cast<Rejection>(i));
    INFO(i);
    CHECK_FALSE(n.empty());
    CHECK(n.find_first_not_of("abcdefghijklmnopqrstuvwxyz_0123456789") == std::string_view::npos);
    names.insert(n);
  }
  CHECK(names.size() == kRejectionCount);
  CHECK(name(Rejection::kMalformedJson) == "malformed_json");
  CHECK(name(Rejection::kTimestampFuture) == "ts_future");
  CHECK(name(Rejection::kCardinality) == "cardinality");
}
