// Fuzzes the telemetry line path: the bytes go through the whole ingest (parse, validate,
// deferred labels, series cache, record) and the quarantine's text redaction. Any crash,
// sanitizer report or broken invariant (a line neither accepted nor rejected once) is a bug.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "setpoint/base/timestamp.hpp"
#include "setpoint/telemetry/ingest.hpp"

using namespace setpoint;

namespace {

struct World {
  ManualClock clock{*parse_rfc3339("2026-11-20T10:00:00Z")};
  Aggregator aggregator{[] {
    AggregatorOptions options;
    options.max_series = 256;
    return options;
  }()};
  EventParser plain{TelemetrySchema{}, OutcomeSet{}};
  EventParser redacting{TelemetrySchema{}, OutcomeSet{},
                        Redactor({{"email", RedactAction::kDrop}, {"user", RedactAction::kHash}},
                                 "fuzz-key-0123456789")};
  Ingest deferred{aggregator, plain, nullptr, clock, TimeBase::kEvents};
  Ingest parsed{aggregator, redacting, nullptr, clock, TimeBase::kClock};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  // Each line gets exactly the padding a source guarantees, and no more, so ASan sees any
  // read past it.
  std::vector<char> line(size + LineSink::kPadding, 'x');
  if (size > 0) std::memcpy(line.data(), data, size);
  const std::string_view text(line.data(), size);
  for (Ingest* ingest : {&world.deferred, &world.parsed}) {
    const auto before = ingest->counts();
    ingest->accept(text, SourcePos{"fuzz", 1});
    const auto& after = ingest->counts();
    const auto handled = (after.accepted - before.accepted) + (after.blank - before.blank) +
                         (after.rejected_total() - before.rejected_total());
    if (handled != 1) std::abort();
  }
  Redactor redactor({{"email", RedactAction::kDrop}, {"token", RedactAction::kHash}}, "k");
  (void)redactor.redact_text(text);
  return 0;
}
