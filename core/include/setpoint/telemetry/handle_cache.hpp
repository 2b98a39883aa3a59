#pragma once
// The ingest's per-thread map from how an event spells its series (metric and raw labels) to
// the series handle: an open-addressing table with a word-at-a-time hash, because this lookup
// runs once per event and std::unordered_map's byte hash and prime modulo showed in profiles.
// The hash is seeded per process, so crafted keys cannot be made to collide on purpose.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "setpoint/windows/series.hpp"

namespace setpoint {

class HandleCache {
 public:
  // Holds at most `capacity` spellings; inserting past that starts over empty.
  explicit HandleCache(std::size_t capacity = 1 << 16);

  const SeriesHandle* find(std::string_view key) const;
  void insert(std::string_view key, SeriesHandle handle);
  std::size_t size() const { return count_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t offset = 0;  // into arena_
    std::uint32_t length = 0;
    SeriesHandle handle;
    bool used = false;
  };
  std::uint64_t hash(std::string_view key) const;
  void clear();

  std::size_t capacity_;
  std::uint64_t seed_;
  std::vector<Slot> slots_;  // a power of two, at most half full
  std::string arena_;
  std::size_t count_ = 0;
};

}  // namespace setpoint
