#include "setpoint/bindings/memory_cap.hpp"

#include <cstdlib>

namespace setpoint::bindings {

void* MemoryCap::allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize) {
  auto* cap = static_cast<MemoryCap*>(ud);
  // For a new block Lua passes the object type in osize, not a size.
  const std::size_t old = ptr != nullptr ? osize : 0;
  if (nsize == 0) {
    std::free(ptr);
    cap->used -= old;
    return nullptr;
  }
  if (nsize > old && cap->used - old + nsize > cap->limit) {
    cap->refused = true;
    return nullptr;  // Lua raises "not enough memory"
  }
  void* block = std::realloc(ptr, nsize);
  if (block == nullptr) return nullptr;
  cap->used = cap->used - old + nsize;
  if (cap->used > cap->peak) cap->peak = cap->used;
  return block;
}

}  // namespace setpoint::bindings
