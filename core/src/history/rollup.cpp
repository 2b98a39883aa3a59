#include "setpoint/history/rollup.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "setpoint/windows/aggregator.hpp"

namespace setpoint::history {

Rollup rollup_of(const WindowStats& stats, const sketch::Accumulator& acc,
                 const OutcomeSet& outcomes, Nanos start) {
  Rollup r;
  r.start = start;
  r.span = stats.span;
  r.count = stats.count;
  for (std::size_t o = 0; o < outcomes.size(); ++o) {
    if (stats.outcomes[o] > 0)
      r.outcomes.emplace_back(outcomes.name(static_cast<OutcomeIndex>(o)), stats.outcomes[o]);
  }
  r.value_count = stats.value_count;
  r.sum = stats.sum;
  r.min = stats.min;
  r.max = stats.max;
  r.nonpositive = acc.nonpositive();
  acc.for_each_bin([&](int bin, std::uint64_t n) { r.bins.emplace_back(bin, n); });
  return r;
}

void merge(Rollup& into, const Rollup& other) {
  if (into.span == 0) {
    into = other;
    return;
  }
  const Nanos end = std::max(into.start + into.span, other.start + other.span);
  into.start = std::min(into.start, other.start);
  into.span = end - into.start;
  into.count += other.count;
  for (const auto& [name, n] : other.outcomes) {
    const auto it = std::find_if(into.outcomes.begin(), into.outcomes.end(),
                                 [&](const auto& o) { return o.first == name; });
    if (it == into.outcomes.end())
      into.outcomes.emplace_back(name, n);
    else
      it->second += n;
  }
  into.value_count += other.value_count;
  into.sum += other.sum;
  if (!(into.min <= other.min)) into.min = other.min;  // also replaces NaN
  if (!(into.max >= other.max)) into.max = other.max;
  into.nonpositive += other.nonpositive;
  std::vector<std::pair<int, std::uint64_t>> bins;
  bins.reserve(into.bins.size() + other.bins.size());
  auto a = into.bins.begin();
  auto b = other.bins.begin();
  while (a != into.bins.end() || b != other.bins.end()) {
    if (b == other.bins.end() || (a != into.bins.end() && a->first < b->first)) {
      bins.push_back(*a++);
    } else if (a == into.bins.end() || b->first < a->first) {
      bins.push_back(*b++);
    } else {
      bins.emplace_back(a->first, a->second + b->second);
      ++a;
      ++b;
    }
  }
  into.bins = std::move(bins);
}

WindowStats stats_of(const Rollup& r, const OutcomeSet& outcomes, sketch::Accumulator& scratch) {
  WindowStats stats;
  stats.span = r.span > 0 ? r.span : 1;
  stats.count = r.count;
  for (const auto& [name, n] : r.outcomes) {
    if (const auto o = outcomes.find(name)) stats.outcomes[*o] += n;
  }
  stats.value_count = r.value_count;
  stats.sum = r.sum;
  stats.min = r.min;
  stats.max = r.max;
  scratch.reset();
  for (const auto& [bin, n] : r.bins) scratch.add_bin(bin, n);
  scratch.add_nonpositive(r.nonpositive);
  finish_stats(stats, outcomes, scratch);
  return stats;
}

namespace {

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_double(std::string& out, double v) {
  const auto bits = std::bit_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

// Reads what encode() wrote; every read says when the bytes ran out.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ >= bytes_.size()) return false;
      const auto byte = static_cast<unsigned char>(bytes_[at_++]);
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;  // longer than a 64-bit value
  }
  bool number(double& v) {
    if (bytes_.size() - at_ < 8) return false;
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i)
      bits |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes_[at_ + i])) << (8 * i);
    at_ += 8;
    v = std::bit_cast<double>(bits);
    return true;
  }
  bool text(std::string& s, std::size_t max) {
    std::uint64_t n = 0;
    if (!varint(n) || n > max || n > bytes_.size() - at_) return false;
    s.assign(bytes_.substr(at_, n));
    at_ += n;
    return true;
  }
  bool done() const { return at_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  std::size_t at_ = 0;
};

constexpr unsigned char kVersion = 1;
constexpr std::size_t kMaxOutcomes = 64;
constexpr std::size_t kMaxOutcomeName = 256;

}  // namespace

std::string encode(const Rollup& r) {
  std::string out;
  out.reserve(32 + r.bins.size() * 3);
  out.push_back(static_cast<char>(kVersion));
  put_varint(out, r.count);
  put_varint(out, r.outcomes.size());
  for (const auto& [name, n] : r.outcomes) {
    put_varint(out, name.size());
    out += name;
    put_varint(out, n);
  }
  put_varint(out, r.value_count);
  put_double(out, r.sum);
  put_double(out, r.min);
  put_double(out, r.max);
  put_varint(out, r.nonpositive);
  put_varint(out, r.bins.size());
  int previous = -1;
  for (const auto& [bin, n] : r.bins) {
    put_varint(out, static_cast<std::uint64_t>(bin - previous));  // > 0: ascending
    put_varint(out, n);
    previous = bin;
  }
  return out;
}

Result<Rollup> decode(std::string_view bytes) {
  if (bytes.empty() || static_cast<unsigned char>(bytes[0]) != kVersion)
    return Error{"a rollup of an unknown version"};
  Reader in(bytes.substr(1));
  const Error cut{"a rollup cut short or damaged"};
  Rollup r;
  std::uint64_t n = 0;
  if (!in.varint(r.count) || !in.varint(n) || n > kMaxOutcomes) return cut;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string name;
    std::uint64_t count = 0;
    if (!in.text(name, kMaxOutcomeName) || !in.varint(count)) return cut;
    r.outcomes.emplace_back(std::move(name), count);
  }
  if (!in.varint(r.value_count) || !in.number(r.sum) || !in.number(r.min) || !in.number(r.max) ||
      !in.varint(r.nonpositive) || !in.varint(n) || n > static_cast<std::uint64_t>(sketch::kBins))
    return cut;
  std::int64_t bin = -1;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t delta = 0;
    std::uint64_t count = 0;
    if (!in.varint(delta) || delta == 0 || delta > static_cast<std::uint64_t>(sketch::kBins) ||
        !in.varint(count))
      return cut;
    bin += static_cast<std::int64_t>(delta);
    if (bin >= sketch::kBins) return cut;
    r.bins.emplace_back(static_cast<int>(bin), count);
  }
  if (!in.done()) return Error{"a rollup with bytes after its end"};
  // What a flush writes adds up; a row that does not would read as garbage quantiles.
  const Error inconsistent{"a rollup whose counts do not add up"};
  std::uint64_t outcomes = 0;
  for (const auto& [name, count] : r.outcomes) {
    if (count > r.count - outcomes) return inconsistent;
    outcomes += count;
  }
  std::uint64_t binned = r.nonpositive;
  for (const auto& [bin, count] : r.bins) {
    if (count == 0 || count > r.value_count - binned) return inconsistent;
    binned += count;
  }
  if (outcomes != r.count || binned != r.value_count || r.value_count > r.count)
    return inconsistent;
  if (r.value_count > 0 && !(r.min <= r.max && std::isfinite(r.sum))) return inconsistent;
  return r;
}

}  // namespace setpoint::history
