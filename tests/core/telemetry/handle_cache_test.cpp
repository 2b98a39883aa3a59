#include "setpoint/telemetry/handle_cache.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace setpoint;

TEST_CASE("the handle cache finds what was inserted, by exact bytes") {
  HandleCache cache(100);
  CHECK(cache.find("a\x1f{}") == nullptr);
  cache.insert("a\x1f{}", SeriesHandle(7, nullptr));
  cache.insert("a\x1f{\"k\":1}", SeriesHandle(8, nullptr));
  REQUIRE(cache.find("a\x1f{}") != nullptr);
  CHECK(cache.find("a\x1f{}")->id() == 7);
  CHECK(cache.find("a\x1f{\"k\":1}")->id() == 8);
  CHECK(cache.find("a\x1f{\"k\":2}") == nullptr);
  CHECK(cache.find("") == nullptr);
  CHECK(cache.size() == 2);
}

TEST_CASE("keys of every length up to a few words, including prefixes of each other") {
  HandleCache cache(1000);
  std::string key;
  for (std::uint32_t i = 0; i < 40; ++i) {
    cache.insert(key, SeriesHandle(i, nullptr));
    key.push_back(static_cast<char>('a' + i % 26));
  }
  key.clear();
  for (std::uint32_t i = 0; i < 40; ++i) {
    REQUIRE(cache.find(key) != nullptr);
    CHECK(cache.find(key)->id() == i);
    key.push_back(static_cast<char>('a' + i % 26));
  }
}

TEST_CASE("a full cache starts over instead of growing") {
  HandleCache cache(4);
  for (std::uint32_t i = 0; i < 4; ++i)
    cache.insert("k" + std::to_string(i), SeriesHandle(i, nullptr));
  CHECK(cache.size() == 4);
  cache.insert("k4", SeriesHandle(4, nullptr));
  CHECK(cache.size() == 1);
  CHECK(cache.find("k0") == nullptr);
  CHECK(cache.find("k4")->id() == 4);
}
