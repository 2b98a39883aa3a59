#pragma once
// A Lua allocator with a ceiling: each policy state gets its own, so a policy that builds a
// huge table or string fails with "not enough memory" instead of taking the host down.
#include <cstddef>

namespace setpoint::bindings {

struct MemoryCap {
  std::size_t limit;
  std::size_t used = 0;
  std::size_t peak = 0;
  bool refused = false;         // set when an allocation was refused (cleared by the caller)
  MemoryCap* shared = nullptr;  // a budget counted as well (the same thread's), or none

  // lua_Alloc: (ud, ptr, osize, nsize); frees when nsize is 0, refuses growth past the limit.
  static void* allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize);
};

}  // namespace setpoint::bindings
