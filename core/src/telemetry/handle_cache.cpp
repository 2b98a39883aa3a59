#include "setpoint/telemetry/handle_cache.hpp"

#include <bit>
#include <cstring>
#include <random>

namespace setpoint {

HandleCache::HandleCache(std::size_t capacity)
    : capacity_(capacity),
      seed_((static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()),
      slots_(std::bit_ceil(capacity * 2)) {}

std::uint64_t HandleCache::hash(std::string_view key) const {
  const char* p = key.data();
  std::size_t n = key.size();
  std::uint64_t h = seed_ ^ (n * 0x9e3779b97f4a7c15ull);
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  std::uint64_t w = 0;
  std::memcpy(&w, p, n);
  h = (h ^ w) * 0x94d049bb133111ebull;
  return h ^ (h >> 29);
}

const SeriesHandle* HandleCache::find(std::string_view key) const {
  const std::uint64_t h = hash(key);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (!slot.used) return nullptr;
    if (slot.hash == h && slot.length == key.size() &&
        std::memcmp(arena_.data() + slot.offset, key.data(), key.size()) == 0) {
      return &slot.handle;
    }
  }
}

void HandleCache::clear() {
  for (auto& slot : slots_) slot.used = false;
  arena_.clear();
  count_ = 0;
}

void HandleCache::insert(std::string_view key, SeriesHandle handle) {
  if (count_ >= capacity_ || arena_.size() + key.size() > UINT32_MAX) clear();
  const std::uint64_t h = hash(key);
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = h & mask;
  while (slots_[i].used) i = (i + 1) & mask;
  slots_[i] = Slot{h, static_cast<std::uint32_t>(arena_.size()),
                   static_cast<std::uint32_t>(key.size()), handle, true};
  arena_.append(key);
  ++count_;
}

}  // namespace setpoint
