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
    if (cap->shared != nullptr) cap->shared->used -= old;
    return nullptr;
  }
  // used - old + nsize > limit, written so that no term can wrap (old <= used always).
  const auto over = [&](const MemoryCap& c) {
    return nsize > c.limit || c.used - old > c.limit - nsize;
  };
  if (nsize > old && (over(*cap) || (cap->shared != nullptr && over(*cap->shared)))) {
    cap->refused = true;
    return nullptr;  // Lua raises "not enough memory"
  }
  void* block = std::realloc(ptr, nsize);
  if (block == nullptr) return nullptr;
  cap->used = cap->used - old + nsize;
  if (cap->used > cap->peak) cap->peak = cap->used;
  if (cap->shared != nullptr) cap->shared->used = cap->shared->used - old + nsize;
  return block;
}

}  // namespace setpoint::bindings
