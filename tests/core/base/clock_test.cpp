#include "setpoint/base/clock.hpp"

#include <catch2/catch.hpp>

using namespace setpoint;

TEST_CASE("manual clock moves only when told") {
  ManualClock clock(1000);
  CHECK(clock.wall() == 1000);
  CHECK(clock.monotonic() == 0);
  clock.advance(500);
  CHECK(clock.wall() == 1500);
  CHECK(clock.monotonic() == 500);
  CHECK(clock.coarse_wall() == 1500);
}

TEST_CASE("manual clock: the wall clock may step back, the monotonic one never does") {
  ManualClock clock(10'000);
  clock.set_wall(4'000);
  CHECK(clock.wall() == 4'000);
  CHECK(clock.monotonic() == 0);
  clock.set_wall(5'000);
  CHECK(clock.monotonic() == 1'000);
  clock.advance(-100);
  CHECK(clock.wall() == 4'900);
  CHECK(clock.monotonic() == 1'000);
}

TEST_CASE("system clock reads plausible times") {
  SystemClock clock;
  const Nanos wall = clock.wall();
  CHECK(wall > Nanos{1'700'000'000} * kNanosPerSecond);  // after 2023
  const Nanos coarse = clock.coarse_wall();
  CHECK(std::llabs(coarse - wall) < kNanosPerSecond);
  const Nanos a = clock.monotonic();
  CHECK(clock.monotonic() >= a);
}
