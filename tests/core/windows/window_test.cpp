#include "setpoint/windows/window.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace setpoint;

namespace {

constexpr Nanos kSec = kNanosPerSecond;

struct Reader {
  sketch::Accumulator acc;
  WindowStats read(const Ring& ring, Nanos now, std::uint32_t buckets) {
    WindowStats stats;
    acc.reset();
    ring.accumulate(now, buckets, stats, acc);
    return stats;
  }
};

}  // namespace

TEST_CASE("window config picks the finest resolution that holds the span") {
  WindowConfig config;
  CHECK(config.validate().empty());
  CHECK(config.resolution_for(10 * kSec) == 0u);
  CHECK(config.resolution_for(60 * kSec) == 0u);
  CHECK(config.resolution_for(61 * kSec) == 1u);
  CHECK(config.resolution_for(15 * 60 * kSec) == 1u);
  CHECK(config.resolution_for(24 * 3600 * kSec) == 2u);
  CHECK(!config.resolution_for(24 * 3600 * kSec + 1));
}

TEST_CASE("window config rejects nonsense") {
  WindowConfig config;
  config.resolutions = {};
  CHECK(config.validate() == "at least one resolution is needed");
  config.resolutions = {{kSec, 0}};
  CHECK(config.validate() == "resolution 0: slots must be between 1 and 100000");
  config.resolutions = {{10 * kSec, 6}, {kSec, 60}};
  CHECK(config.validate() == "resolution 1: widths must grow from finest to coarsest");
  config.resolutions = {{0, 6}};
  CHECK(config.validate() == "resolution 0: width must be positive");
}

TEST_CASE("counts are exact at bucket boundaries") {
  Ring ring({kSec, 10}, 3);
  Reader r;
  bool late = false;
  const Nanos base = 1000 * kSec;
  // The last nanosecond of one bucket and the first of the next land in different buckets.
  ring.add_outcome(ring.slot_for(base + kSec - 1, late), OutcomeSet::kOk);
  ring.add_outcome(ring.slot_for(base + kSec, late), OutcomeSet::kOk);
  ring.add_outcome(ring.slot_for(base + kSec, late), OutcomeSet::kError);
  CHECK_FALSE(late);
  CHECK(r.read(ring, base + kSec, 1).count == 2);
  CHECK(r.read(ring, base + kSec, 2).count == 3);
  CHECK(r.read(ring, base + kSec - 1, 1).count == 1);
  const auto two = r.read(ring, base + kSec, 2);
  CHECK(two.outcomes[OutcomeSet::kOk] == 2);
  CHECK(two.outcomes[OutcomeSet::kError] == 1);
}

TEST_CASE("old buckets expire as time moves on, without any write") {
  Ring ring({kSec, 10}, 3);
  Reader r;
  bool late = false;
  const Nanos base = 5000 * kSec;
  for (int s = 0; s < 10; ++s) {
    for (int i = 0; i <= s; ++i)
      ring.add_outcome(ring.slot_for(base + s * kSec, late), OutcomeSet::kOk);
  }
  // Buckets hold 1..10 events; the 10-bucket window at the last second holds all 55.
  CHECK(r.read(ring, base + 9 * kSec, 10).count == 55);
  // Reading later, with no write in between: the oldest buckets fall out one by one.
  CHECK(r.read(ring, base + 10 * kSec, 10).count == 54);
  CHECK(r.read(ring, base + 14 * kSec, 10).count == 55 - (1 + 2 + 3 + 4 + 5));
  CHECK(r.read(ring, base + 19 * kSec, 10).count == 0);
  CHECK(r.read(ring, base + 9 * kSec, 3).count == 10 + 9 + 8);
}

TEST_CASE("an idle gap clears exactly the buckets it skipped") {
  Ring ring({kSec, 10}, 3);
  Reader r;
  bool late = false;
  const Nanos base = 7000 * kSec;
  for (int s = 0; s < 10; ++s)
    ring.add_outcome(ring.slot_for(base + s * kSec, late), OutcomeSet::kOk);
  // Three idle seconds, then one event: the three reused slots must not keep old counts.
  ring.add_outcome(ring.slot_for(base + 13 * kSec, late), OutcomeSet::kOk);
  CHECK(r.read(ring, base + 13 * kSec, 10).count == 7);  // seconds 4..9 and 13
  CHECK(r.read(ring, base + 13 * kSec, 4).count == 1);
  // A gap longer than the whole ring: everything before is gone.
  ring.add_outcome(ring.slot_for(base + 100 * kSec, late), OutcomeSet::kOk);
  CHECK(r.read(ring, base + 100 * kSec, 10).count == 1);
  CHECK_FALSE(late);
}

TEST_CASE("an event from the past counts in the current bucket and is flagged late") {
  Ring ring({kSec, 10}, 3);
  Reader r;
  bool late = false;
  const Nanos base = 9000 * kSec;
  ring.add_outcome(ring.slot_for(base + 5 * kSec, late), OutcomeSet::kOk);
  CHECK_FALSE(late);
  ring.add_outcome(ring.slot_for(base + 2 * kSec, late), OutcomeSet::kTimeout);
  CHECK(late);
  const auto current = r.read(ring, base + 5 * kSec, 1);
  CHECK(current.count == 2);
  CHECK(current.outcomes[OutcomeSet::kTimeout] == 1);
  // The bucket the late event belonged to stays empty.
  CHECK(r.read(ring, base + 2 * kSec, 1).count == 0);
}

TEST_CASE("values: sum, min, max and quantiles per window") {
  Ring ring({kSec, 60}, 3);
  Reader r;
  std::vector<sketch::Bins*> retired;
  bool late = false;
  const Nanos base = 100 * kSec;
  for (int i = 1; i <= 100; ++i) {
    const auto slot = ring.slot_for(base + (i % 4) * kSec, late);
    ring.add_outcome(slot, OutcomeSet::kOk);
    ring.add_value(slot, static_cast<double>(i), sketch::bin_of(i), retired);
  }
  const auto s = r.read(ring, base + 3 * kSec, 4);
  CHECK(s.count == 100);
  CHECK(s.value_count == 100);
  CHECK(s.sum == 5050);
  CHECK(s.min == 1);
  CHECK(s.max == 100);
  CHECK(r.acc.quantile(0.5, s.min, s.max) == Approx(50).epsilon(0.01));
  CHECK(r.acc.quantile(0.99, s.min, s.max) == Approx(99).epsilon(0.01));
  for (auto* b : retired) sketch::Bins::destroy(b);
}

TEST_CASE("a reused slot forgets its old values") {
  Ring ring({kSec, 2}, 3);
  Reader r;
  std::vector<sketch::Bins*> retired;
  bool late = false;
  auto slot = ring.slot_for(0, late);
  ring.add_outcome(slot, OutcomeSet::kOk);
  ring.add_value(slot, 1000.0, sketch::bin_of(1000.0), retired);
  slot = ring.slot_for(2 * kSec, late);  // same slot, two buckets later
  ring.add_outcome(slot, OutcomeSet::kOk);
  ring.add_value(slot, 1.0, sketch::bin_of(1.0), retired);
  const auto s = r.read(ring, 2 * kSec, 1);
  CHECK(s.count == 1);
  CHECK(s.max == 1.0);
  CHECK(s.sum == 1.0);
  CHECK(r.acc.total() == 1);
  for (auto* b : retired) sketch::Bins::destroy(b);
}

TEST_CASE("negative times bucket by floor, not truncation") {
  Ring ring({kSec, 4}, 3);
  Reader r;
  bool late = false;
  ring.add_outcome(ring.slot_for(-1, late), OutcomeSet::kOk);  // bucket -1
  ring.add_outcome(ring.slot_for(0, late), OutcomeSet::kOk);   // bucket 0
  CHECK(r.read(ring, 0, 1).count == 1);
  CHECK(r.read(ring, 0, 2).count == 2);
}
