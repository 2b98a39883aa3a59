#include "setpoint/base/json_text.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "setpoint/base/json_document.hpp"

using namespace setpoint;

namespace {
std::string str(std::string_view text) {
  std::string out;
  json_text::append_string(out, text);
  return out;
}
std::string num(double x) {
  std::string out;
  json_text::append_number(out, x);
  return out;
}
}  // namespace

TEST_CASE("strings are escaped to valid JSON") {
  CHECK(str("plain") == "\"plain\"");
  CHECK(str("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(str(std::string("\n\t\x01", 3)) == "\"\\u000a\\u0009\\u0001\"");
  CHECK(str("h\xc3\xa9llo \xe2\x82\xac") == "\"h\xc3\xa9llo \xe2\x82\xac\"");
  CHECK(str("bad\xff\xfe") == "\"bad\xef\xbf\xbd\xef\xbf\xbd\"");
  CHECK(str("\xed\xa0\x80") == "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // a UTF-16 surrogate
  CHECK(str("\xc3") == "\"\xef\xbf\xbd\"");                                  // cut short
  // Whatever goes in, nlohmann reads the result back.
  CHECK(nlohmann::json::parse(str("x\xff\"\x1f")).get<std::string>() == "x\xef\xbf\xbd\"\x1f");
}

TEST_CASE("numbers round-trip, non-finite ones are null") {
  CHECK(num(0.1) == "0.1");
  CHECK(num(12.0) == "12");
  CHECK(std::stod(num(1.0 / 3)) == 1.0 / 3);
  CHECK(num(std::nan("")) == "null");
  CHECK(num(INFINITY) == "null");
  std::string out;
  json_text::append_number(out, std::uint64_t{18446744073709551615ull});
  CHECK(out == "18446744073709551615");
}

TEST_CASE(
    "the nesting of a JSON text is measured without parsing it; brackets in strings do not count") {
  CHECK(json_text::nesting_depth("1") == 0);
  CHECK(json_text::nesting_depth(R"({"a":[1,{"b":[]}]})") == 4);
  CHECK(json_text::nesting_depth(R"(["[[[[", "\"[[[", {}])") == 2);
  CHECK(json_text::nesting_depth(std::string(70'000, '[')) == 70'000);
  CHECK(json_text::nesting_depth("]]]}}") == 0);
}

TEST_CASE("parse_json says what is wrong and where, in words without the library's label") {
  const auto bad = setpoint::parse_json("{\"a\": tru}");
  CHECK_FALSE(bad);
  CHECK(bad.error().rfind("parse error at line 1, column 10: ", 0) == 0);
  CHECK(bad.error().find("json.exception") == std::string::npos);
  const auto big = setpoint::parse_json("1e400");
  CHECK_FALSE(big);
  CHECK(big.error() == "number overflow parsing '1e400'");
  const auto bytes = setpoint::parse_json("[\"\xff\"]");
  CHECK_FALSE(bytes);
  CHECK(bytes.error().find('\xff') ==
        std::string::npos);  // the bad byte quoted back is made printable
}
