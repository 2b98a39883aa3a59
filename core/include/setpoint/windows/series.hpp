#pragma once
// A series is one metric with one label set. Each writer that records into a series gets its
// own Shard of it (all resolutions' rings), so recording never shares a cache line or takes a
// lock; a read merges the shards. A writer is a thread by default, or an identity of its own
// that several threads take turns to hold (an Ingest lent to one HTTP connection at a time):
// a shard per connection thread would grow without end. A SeriesHandle is what a writer keeps
// so that repeated records skip the key lookup.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "setpoint/windows/window.hpp"

namespace setpoint {

// Who writes a shard. Only one thread at a time may record as a given writer.
using WriterId = std::uint64_t;
WriterId new_writer_id();       // a fresh identity, unique in the process
WriterId this_thread_writer();  // the calling thread's own

using Labels = std::vector<std::pair<std::string, std::string>>;
using LabelView = std::pair<std::string_view, std::string_view>;

// The canonical key of a series: `metric{k1=v1,k2=v2}` with labels sorted by name, and
// `\`, `,`, `=`, `{`, `}` in names and values escaped with a backslash.
std::string series_key(std::string_view metric, const Labels& labels);
// The inverse of series_key: the metric and labels of a canonical key; none if malformed.
std::optional<std::pair<std::string, Labels>> parse_series_key(std::string_view key);
// The same, appended to `out`, sorting `labels` in place (for the ingest hot path, which
// builds keys into a reused buffer).
void append_series_key(std::string& out, std::string_view metric, std::span<LabelView> labels);

class alignas(64) Shard {
 public:
  Shard(const WindowConfig& windows, std::size_t outcomes, WriterId owner);
  ~Shard();

  void record(Nanos t, OutcomeIndex outcome) {
    bool late = false;
    for (auto& ring : rings_) ring->add_outcome(ring->slot_for(t, late), outcome);
    if (late) detail::bump(late_events_, std::uint64_t{1});
  }
  void record(Nanos t, double value, OutcomeIndex outcome) {
    bool late = false;
    const int bin = value > 0 ? sketch::bin_of(value) : -1;
    for (auto& ring : rings_) {
      const std::uint32_t slot = ring->slot_for(t, late);
      ring->add_outcome(slot, outcome);
      ring->add_value(slot, value, bin, retired_);
    }
    if (late) detail::bump(late_events_, std::uint64_t{1});
    if (!retired_.empty()) free_retired();
  }

  WriterId owner() const { return owner_; }
  // Reads lock this; the writer frees retired sketch bins only while it can hold it.
  std::mutex& read_mutex() const { return read_mutex_; }
  const Ring& ring(std::size_t i) const { return *rings_[i]; }
  std::uint64_t late_events() const { return late_events_.load(std::memory_order_relaxed); }
  std::size_t bytes() const;

 private:
  void free_retired();

  WriterId owner_;
  std::vector<std::unique_ptr<Ring>> rings_;
  std::atomic<std::uint64_t> late_events_{0};
  std::vector<sketch::Bins*> retired_;  // writer-only
  mutable std::mutex read_mutex_;
};

using SeriesId = std::uint32_t;

struct Series {
  SeriesId id;
  std::string key;
  std::string metric;
  Labels labels;
  mutable std::mutex shards_mutex;  // guards the list, not the shards' contents
  std::vector<std::unique_ptr<Shard>> shards;
};

// Belongs to the thread that resolved it: only that thread may record through it.
class SeriesHandle {
 public:
  SeriesHandle() = default;
  SeriesHandle(SeriesId id, Shard* shard) : id_(id), shard_(shard) {}
  explicit operator bool() const { return shard_ != nullptr; }
  SeriesId id() const { return id_; }
  void record(Nanos t, OutcomeIndex outcome) const { shard_->record(t, outcome); }
  void record(Nanos t, double value, OutcomeIndex outcome) const {
    shard_->record(t, value, outcome);
  }

 private:
  SeriesId id_ = 0;
  Shard* shard_ = nullptr;
};

}  // namespace setpoint
