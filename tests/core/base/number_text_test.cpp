#include "setpoint/base/number_text.hpp"

#include <catch2/catch.hpp>

using namespace setpoint;

TEST_CASE("a number read from text is the whole text, or nothing; nothing throws") {
  CHECK(parse_double("2.5") == 2.5);
  CHECK(parse_double("-1e3") == -1000);
  CHECK_FALSE(parse_double(""));
  CHECK_FALSE(parse_double("12abc"));
  CHECK_FALSE(parse_double(" 12"));
  CHECK_FALSE(parse_double("\xff"));
  CHECK(parse_integer("9464") == 9464);
  CHECK(parse_integer("ff", 16) == 255);
  CHECK_FALSE(parse_integer("1.5"));
  CHECK_FALSE(parse_integer("99999999999999999999"));  // out of range: none, not a wrap
  CHECK_FALSE(parse_integer("abc"));
}
