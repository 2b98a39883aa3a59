#include "setpoint/telemetry/ingest.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "setpoint/base/timestamp.hpp"
#include "support/must.hpp"
#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;

namespace {

const Nanos kNow = *parse_rfc3339("2026-11-20T10:00:00Z");

struct Pipeline {
  TempDir dir;
  ManualClock clock{kNow};
  Aggregator aggregator;
  Redactor redactor;
  EventParser parser;
  std::unique_ptr<RejectedLineFile> quarantine =
      must(RejectedLineFile::open(dir.file("quarantine.jsonl"), &redactor));
  Ingest ingest;
  std::string buffer;

  // With redaction, labels are parsed with each line; without, they are deferred and cached
  // by their raw bytes. Tests run both paths.
  explicit Pipeline(TimeBase base = TimeBase::kClock, AggregatorOptions options = {},
                    TelemetrySchema schema = {}, bool redact = true)
      : aggregator(std::move(options)),
        redactor(redact ? Redactor({{"email", RedactAction::kDrop}}, "key") : Redactor()),
        parser(std::move(schema), OutcomeSet{}, redactor),
        ingest(aggregator, parser, quarantine.get(), clock, base) {}

  bool feed(std::string_view line, std::uint64_t n = 1) {
    buffer.assign(line);
    buffer.append(LineSink::kPadding, '\0');
    return ingest.accept(std::string_view(buffer.data(), line.size()), SourcePos{"test", n});
  }
  std::uint64_t rejected(Rejection r) const {
    return ingest.counts().rejected[static_cast<std::size_t>(r)];
  }
  std::vector<nlohmann::json> quarantined() {
    quarantine->flush();
    std::vector<nlohmann::json> out;
    std::istringstream in(setpoint::testing::read_file(dir.file("quarantine.jsonl")));
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  WindowStats window(const std::string& key, Nanos span) {
    sketch::Accumulator scratch;
    return *aggregator.read(*aggregator.find(key), ingest.now(), span, scratch);
  }
};

}  // namespace

TEST_CASE("accepted events land in their series; bad neighbours change nothing") {
  Pipeline p(TimeBase::kClock, {}, {}, GENERATE(true, false));
  CHECK(p.feed(R"({"metric":"http","labels":{"svc":"a"},"latency_ms":10,"outcome":"ok"})", 1));
  CHECK_FALSE(p.feed(R"({"metric":"http","labels":{"svc":"a"},"latency_ms":"x"})", 2));
  CHECK(p.feed(R"({"metric":"http","labels":{"svc":"a"},"latency_ms":30,"outcome":"error"})", 3));
  CHECK_FALSE(p.feed("\xff\xfe garbage", 4));
  CHECK(p.feed(R"({"metric":"http","labels":{"svc":"b"}})", 5));
  CHECK(p.ingest.counts().accepted == 3);
  CHECK(p.ingest.counts().rejected_total() == 2);
  CHECK(p.rejected(Rejection::kWrongType) == 1);
  auto a = p.window("http{svc=a}", 60 * kNanosPerSecond);
  CHECK(a.count == 2);
  CHECK(a.sum == 40);
  CHECK(a.outcomes[OutcomeSet::kError] == 1);
  CHECK(p.window("http{svc=b}", 60 * kNanosPerSecond).count == 1);
}

TEST_CASE("rejected lines go to the quarantine with reason, place and the line") {
  Pipeline p;
  p.feed(R"({"metric":"a","latency_ms":-3})", 7);
  const auto q = p.quarantined();
  REQUIRE(q.size() == 1);
  CHECK(q[0]["reason"] == "out_of_range");
  CHECK(q[0]["source"] == "test:7");
  CHECK(q[0]["line"] == R"({"metric":"a","latency_ms":-3})");
  CHECK(q[0]["at"] == "2026-11-20T10:00:00.000Z");
  CHECK(q[0]["detail"].get<std::string>().find("latency_ms") != std::string::npos);
}

TEST_CASE("redacted fields never reach the quarantine") {
  Pipeline p;
  p.feed(R"({"metric":"a","email":"alice@example.com","latency_ms":"bad"})");
  const auto q = p.quarantined();
  REQUIRE(q.size() == 1);
  CHECK(q[0]["line"] == R"({"metric":"a","email":"[redacted]","latency_ms":"bad"})");
}

TEST_CASE("invalid UTF-8 is kept in the quarantine as valid JSON") {
  Pipeline p;
  p.feed("{\"metric\":\"\xc3\x28\"}");
  const auto q = p.quarantined();
  REQUIRE(q.size() == 1);
  CHECK(q[0]["reason"] == "invalid_utf8");
}

TEST_CASE("timestamps outside the allowed skew of the clock are rejected") {
  Pipeline p;
  CHECK(p.feed(R"({"metric":"a","ts":"2026-11-20T10:04:59Z"})"));
  CHECK_FALSE(p.feed(R"({"metric":"a","ts":"2026-11-20T10:05:01Z"})"));
  CHECK_FALSE(p.feed(R"({"metric":"a","ts":"2030-01-01T00:00:00Z"})"));
  CHECK(p.feed(R"({"metric":"a","ts":"2026-11-19T10:00:01Z"})"));
  CHECK_FALSE(p.feed(R"({"metric":"a","ts":"2026-11-19T09:59:59Z"})"));
  CHECK_FALSE(p.feed(R"({"metric":"a","ts":"1999-01-01T00:00:00Z"})"));
  CHECK(p.rejected(Rejection::kTimestampFuture) == 2);
  CHECK(p.rejected(Rejection::kTimestampPast) == 2);
}

TEST_CASE("the clock is read once per batch, not per event") {
  Pipeline p;
  p.clock.advance(3600 * kNanosPerSecond);
  // Still the old batch: an event an hour ahead of the batch time is in the future.
  CHECK_FALSE(p.feed(R"({"metric":"a","ts":"2026-11-20T11:00:00Z"})"));
  p.ingest.begin_batch();
  CHECK(p.feed(R"({"metric":"a","ts":"2026-11-20T11:00:00Z"})"));
}

TEST_CASE("event time: the stream's newest event is the clock") {
  Pipeline p(TimeBase::kEvents);
  CHECK(p.feed(R"({"metric":"a","ts":"2025-01-01T00:00:00Z"})"));  // a year before the wall clock
  CHECK(p.ingest.now() == *parse_rfc3339("2025-01-01T00:00:00Z"));
  CHECK(p.feed(R"({"metric":"a","ts":"2025-01-01T00:00:30Z"})"));
  CHECK(p.feed(R"({"metric":"a"})"));  // no timestamp: stamped with the stream's time
  CHECK_FALSE(p.feed(R"({"metric":"a","ts":"2025-01-01T01:00:00Z"})"));  // 1 h ahead of the stream
  CHECK(p.ingest.now() == *parse_rfc3339("2025-01-01T00:00:30Z"));
  CHECK(p.window("a{}", 60 * kNanosPerSecond).count == 3);
}

TEST_CASE("a label explosion stops at the series cap, counted under cardinality") {
  AggregatorOptions options;
  options.max_series = 100;
  Pipeline p(TimeBase::kClock, options, {}, GENERATE(true, false));
  for (int i = 0; i < 1000; ++i) {
    p.feed(R"({"metric":"a","labels":{"user":")" + std::to_string(i) + "\"}}");
  }
  CHECK(p.ingest.counts().accepted == 100);
  CHECK(p.rejected(Rejection::kCardinality) == 900);
  CHECK(p.aggregator.series_count() == 100);
  CHECK(p.aggregator.cardinality_rejections() == 900);
  // Existing series keep accepting.
  CHECK(p.feed(R"({"metric":"a","labels":{"user":"5"}})"));
}

TEST_CASE("blank lines are counted and skipped, not rejected") {
  Pipeline p;
  CHECK_FALSE(p.feed(""));
  CHECK_FALSE(p.feed("  \r"));
  CHECK(p.ingest.counts().blank == 2);
  CHECK(p.ingest.counts().rejected_total() == 0);
}

TEST_CASE("an over-long line is rejected with its size") {
  Pipeline p;
  p.ingest.line_too_long(10'000'000, SourcePos{"f", 3}, R"({"metric":"a","pad":"xxxx)");
  CHECK(p.rejected(Rejection::kLineTooLong) == 1);
  const auto q = p.quarantined();
  REQUIRE(q.size() == 1);
  CHECK(q[0]["detail"] == "the line has 10000000 bytes; the maximum is 1048576");
  CHECK(q[0]["source"] == "f:3");
}

TEST_CASE("the same series under two spellings of its labels is one series") {
  Pipeline p(TimeBase::kClock, {}, {}, GENERATE(true, false));
  CHECK(p.feed(R"({"metric":"m","labels":{"a":"1","b":"2"}})"));
  CHECK(p.feed(R"({"metric":"m","labels":{"b":"2", "a":"1"}})"));
  CHECK(p.feed(R"({"metric":"m","labels":{"a":"1","b":"2"}})"));
  CHECK(p.aggregator.series_count() == 1);
  CHECK(p.window("m{a=1,b=2}", 60 * kNanosPerSecond).count == 3);
}

TEST_CASE("bad labels are rejected every time, not only the first") {
  Pipeline p(TimeBase::kClock, {}, {}, GENERATE(true, false));
  CHECK_FALSE(p.feed(R"({"metric":"m","labels":{"a":{"x":1}}})"));
  CHECK_FALSE(p.feed(R"({"metric":"m","labels":{"a":{"x":1}}})"));
  CHECK(p.rejected(Rejection::kBadLabel) == 2);
  CHECK(p.aggregator.series_count() == 0);
}

TEST_CASE("epoch seconds read as milliseconds: the skew's reason names the setting that fixes it") {
  Pipeline live;  // against the clock: the number itself is 56 years behind
  CHECK_FALSE(live.feed(R"({"ts":1795168800,"metric":"jobs"})"));
  CHECK(live.rejected(Rejection::kTimestampPast) == 1);
  CHECK(live.quarantined().back()["detail"].get<std::string>().find(
            "(the number looks like epoch seconds: set telemetry.mapping.ts_unit: s)") !=
        std::string::npos);
  // In event time, a first line in seconds starts the clock in 1970: every good line after it
  // is decades ahead, and says why.
  Pipeline events(TimeBase::kEvents);
  CHECK(events.feed(R"({"ts":1795168800,"metric":"jobs"})"));
  CHECK_FALSE(events.feed(R"({"ts":1795168801000,"metric":"jobs"})"));
  CHECK(events.quarantined().back()["detail"].get<std::string>().find(
            "(the clock started at the first event, whose number looks like epoch seconds: set "
            "telemetry.mapping.ts_unit: s)") != std::string::npos);
}
