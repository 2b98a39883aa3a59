#include "setpoint/windows/series.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace setpoint;

TEST_CASE("series keys are canonical: sorted labels, escaped separators") {
  CHECK(series_key("http", {{"svc", "a"}, {"az", "1"}}) == "http{az=1,svc=a}");
  CHECK(series_key("http", {}) == "http{}");
  CHECK(series_key("a,b", {{"k", "x=y}"}}) == "a\\,b{k=x\\=y\\}}");
}

TEST_CASE("series keys parse back into metric and labels, escapes included") {
  for (const auto& [metric, labels] :
       std::vector<std::pair<std::string, Labels>>{{"http", {}},
                                                   {"http", {{"az", "1"}, {"svc", "a"}}},
                                                   {"a,b{c}", {{"k", "x=y}"}, {"z\\", ","}}}}) {
    const auto parsed = parse_series_key(series_key(metric, labels));
    REQUIRE(parsed);
    CHECK(parsed->first == metric);
    CHECK(parsed->second == labels);
  }
  CHECK(!parse_series_key("no-brace"));
  CHECK(!parse_series_key("m{a=1"));
  CHECK(!parse_series_key("m{a}"));
  CHECK(!parse_series_key("m{}x"));
}

TEST_CASE("series keys built in place sort the labels they are given") {
  std::vector<LabelView> labels{{"svc", "a"}, {"az", "1"}};
  std::string out = "prefix:";
  append_series_key(out, "http", labels);
  CHECK(out == "prefix:http{az=1,svc=a}");
  CHECK(out.substr(7) == series_key("http", {{"svc", "a"}, {"az", "1"}}));
}

TEST_CASE("writers have identities of their own") {
  const WriterId a = new_writer_id();
  const WriterId b = new_writer_id();
  CHECK(a != b);
  CHECK(this_thread_writer() == this_thread_writer());
}
