#include "setpoint/windows/series.hpp"

#include <algorithm>

namespace setpoint {
namespace {
void append_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == '\\' || c == ',' || c == '=' || c == '}' || c == '{') out.push_back('\\');
    out.push_back(c);
  }
}
}  // namespace

void append_series_key(std::string& out, std::string_view metric, std::span<LabelView> labels) {
  // Events carry a handful of labels: insertion sort beats std::sort's set-up.
  for (std::size_t i = 1; i < labels.size(); ++i) {
    for (std::size_t j = i; j > 0 && labels[j].first < labels[j - 1].first; --j) {
      std::swap(labels[j], labels[j - 1]);
    }
  }
  append_escaped(out, metric);
  out.push_back('{');
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_escaped(out, labels[i].first);
    out.push_back('=');
    append_escaped(out, labels[i].second);
  }
  out.push_back('}');
}

std::string series_key(std::string_view metric, const Labels& labels) {
  std::vector<LabelView> views(labels.begin(), labels.end());
  std::string key;
  append_series_key(key, metric, views);
  return key;
}

std::optional<std::pair<std::string, Labels>> parse_series_key(std::string_view key) {
  // Reads up to an unescaped stop character; returns false at the end of the key.
  std::size_t i = 0;
  const auto read = [&](std::string& out, std::string_view stops) {
    out.clear();
    while (i < key.size()) {
      const char c = key[i];
      if (c == '\\' && i + 1 < key.size()) {
        out.push_back(key[i + 1]);
        i += 2;
      } else if (stops.find(c) != std::string_view::npos) {
        return true;
      } else {
        out.push_back(c);
        ++i;
      }
    }
    return false;
  };
  std::pair<std::string, Labels> out;
  if (!read(out.first, "{") || key[i] != '{') return std::nullopt;
  ++i;
  if (i < key.size() && key[i] == '}')
    return i + 1 == key.size() ? std::optional(out) : std::nullopt;
  for (;;) {
    std::string name, value;
    if (!read(name, "=") || !read((++i, value), ",}")) return std::nullopt;
    out.second.emplace_back(std::move(name), std::move(value));
    if (key[i] == '}') return i + 1 == key.size() ? std::optional(out) : std::nullopt;
    ++i;
  }
}

WriterId new_writer_id() {
  static std::atomic<WriterId> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

WriterId this_thread_writer() {
  thread_local const WriterId mine = new_writer_id();
  return mine;
}

Shard::Shard(const WindowConfig& windows, std::size_t outcomes, WriterId owner) : owner_(owner) {
  rings_.reserve(windows.resolutions.size());
  for (const auto& resolution : windows.resolutions) {
    rings_.push_back(std::make_unique<Ring>(resolution, outcomes));
  }
}

Shard::~Shard() {
  for (auto* bins : retired_) sketch::Bins::destroy(bins);
}

void Shard::free_retired() {
  // A reader may still hold a pointer to a retired Bins; free only while no read runs.
  std::unique_lock lock(read_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  for (auto* bins : retired_) sketch::Bins::destroy(bins);
  retired_.clear();
}

std::size_t Shard::bytes() const {
  std::size_t total = sizeof(Shard) + rings_.capacity() * sizeof(void*);
  for (const auto& ring : rings_) total += ring->bytes();
  return total;
}

}  // namespace setpoint
