// The simulator's invariant check, on its own: it must see a change the guard should have
// refused, or a clean run proves nothing.
#include "simulator/simulation.hpp"

#include <catch2/catch.hpp>

#include "setpoint/guard/guard.hpp"

using namespace setpoint;
using namespace setpoint::runner;

TEST_CASE(
    "simulation: a change closer to the one before than its direction's cooldown is counted") {
  ParameterSpec limit;
  limit.name = "limit";
  limit.type = ParamType::kInt;
  limit.min = 1;
  limit.max = 1000;
  limit.up.cooldown = 10 * kNanosPerSecond;
  limit.down.cooldown = kNanosPerSecond;
  const Guard guard({limit}, {}, {});
  const auto at = [](int s) { return static_cast<Nanos>(s) * kNanosPerSecond; };
  // Down at 0 s, down at 1 s (its 1 s cooldown: fine), up at 5 s (inside the up cooldown of
  // 10 s from the change at 1 s: counted), up at 15 s (fine), down at 15.5 s (inside 1 s: counted).
  const std::vector<Applied> applied = {{at(0), "limit", 100, 90},
                                        {at(1), "limit", 90, 80},
                                        {at(5), "limit", 80, 85},
                                        {at(15), "limit", 85, 90},
                                        {at(15) + kNanosPerSecond / 2, "limit", 90, 70}};
  CHECK(changes_inside_cooldown(applied, guard) == 2);
  CHECK(changes_inside_cooldown({applied[0], applied[1], applied[3]}, guard) == 0);
  // Other parameters' changes do not count against this one's cooldown.
  CHECK(changes_inside_cooldown(
            {{at(0), "limit", 100, 90}, {at(0), "other", 1, 2}, {at(2), "limit", 90, 80}}, guard) ==
        0);
}
