// The allocator's ceiling: its own, and a budget it shares with other states.
#include "setpoint/bindings/memory_cap.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>

using setpoint::bindings::MemoryCap;

TEST_CASE("memory cap: growth past the limit is refused, whatever the sizes (no wrap-around)") {
  MemoryCap cap{1000};
  void* a = MemoryCap::allocate(&cap, nullptr, 0, 600);
  REQUIRE(a != nullptr);
  CHECK(cap.used == 600);
  CHECK(MemoryCap::allocate(&cap, nullptr, 0, 500) == nullptr);
  CHECK(cap.refused);
  cap.refused = false;
  CHECK(MemoryCap::allocate(&cap, nullptr, 0, SIZE_MAX) ==
        nullptr);  // used - old + nsize would wrap
  CHECK(MemoryCap::allocate(&cap, a, 600, SIZE_MAX - 100) == nullptr);
  CHECK(cap.used == 600);
  void* b = MemoryCap::allocate(&cap, a, 600, 1000);  // a block may grow up to the limit
  REQUIRE(b != nullptr);
  CHECK(cap.used == 1000);
  CHECK(cap.peak == 1000);
  CHECK(MemoryCap::allocate(&cap, b, 1000, 0) == nullptr);  // freed
  CHECK(cap.used == 0);
}

TEST_CASE("memory cap: a shared budget bounds several caps together") {
  MemoryCap budget{1000};
  MemoryCap one{800};
  MemoryCap two{800};
  one.shared = &budget;
  two.shared = &budget;
  void* a = MemoryCap::allocate(&one, nullptr, 0, 700);
  REQUIRE(a != nullptr);
  CHECK(budget.used == 700);
  CHECK(MemoryCap::allocate(&two, nullptr, 0, 400) ==
        nullptr);  // within two's own 800, not the budget's 1000
  CHECK(two.refused);
  void* b = MemoryCap::allocate(&two, nullptr, 0, 300);
  REQUIRE(b != nullptr);
  CHECK(budget.used == 1000);
  MemoryCap::allocate(&one, a, 700, 0);
  CHECK(budget.used == 300);
  MemoryCap::allocate(&two, b, 300, 0);
  CHECK(budget.used == 0);
}
