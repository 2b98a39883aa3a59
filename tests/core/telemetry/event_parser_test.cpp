#include "setpoint/telemetry/event_parser.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "setpoint/base/timestamp.hpp"

using namespace setpoint;

namespace {

// Parses one line from a padded copy, as sources hand them over, then its labels if their
// parsing was deferred (as the ingest does for a series it has not seen).
struct Parse {
  EventParser parser;
  Event event;
  std::string buffer;
  explicit Parse(TelemetrySchema schema = {}, Redactor redactor = {})
      : parser(std::move(schema), OutcomeSet{}, std::move(redactor)) {}
  std::optional<Rejection> operator()(std::string_view line) {
    buffer.assign(line);
    buffer.append(EventParser::kPadding, '\0');
    if (auto reason = parser.parse(std::string_view(buffer.data(), line.size()), event))
      return reason;
    return parser.parse_labels(event);
  }
};

}  // namespace

TEST_CASE("a canonical event parses") {
  Parse parse;
  REQUIRE(!parse(
      R"({"ts":"2026-11-20T10:00:00Z","metric":"http.server","labels":{"service":"checkout","code":503,"canary":true},"latency_ms":12.5,"outcome":"error","trace_id":"t1"})"));
  CHECK(parse.event.metric == "http.server");
  CHECK(parse.event.ts == parse_rfc3339("2026-11-20T10:00:00Z"));
  CHECK(parse.event.value == 12.5);
  CHECK(parse.event.outcome == OutcomeSet::kError);
  REQUIRE(parse.event.labels.size() == 3);
  CHECK(parse.event.labels[0] == LabelView{"service", "checkout"});
  CHECK(parse.event.labels[1] == LabelView{"code", "503"});
  CHECK(parse.event.labels[2] == LabelView{"canary", "true"});
}

TEST_CASE("the issue's component/action record is ingested as it is") {
  Parse parse;
  REQUIRE(!parse(
      R"({"timestamp":"2026-11-20T10:00:00Z","trace_id":"a1","session_id":"s9","component":"checkout","action":"pay","result":"error","latency_ms":812,"error_code":"E503","schema_version":2})"));
  CHECK(parse.event.metric == "checkout.pay");
  CHECK(parse.event.outcome == OutcomeSet::kError);
  CHECK(parse.event.value == 812);
  CHECK(parse.event.schema_version == 2);
  CHECK(parse.event.ts == parse_rfc3339("2026-11-20T10:00:00Z"));
}

TEST_CASE("epoch milliseconds, aliases and defaults") {
  Parse parse;
  REQUIRE(!parse(R"({"ts":1795168800000,"metric":"jobs","outcome":"success"})"));
  CHECK(parse.event.ts == Nanos{1'795'168'800} * kNanosPerSecond);
  CHECK(parse.event.outcome == OutcomeSet::kOk);
  CHECK(!parse.event.value);
  REQUIRE(!parse(R"({"metric":"jobs"})"));
  CHECK(!parse.event.ts);
  CHECK(parse.event.outcome == OutcomeSet::kOk);
}

TEST_CASE("a mapping from config points roles at other fields") {
  TelemetrySchema schema;
  schema.metric_fields = {{"svc", "op"}};
  schema.value_fields = {"duration"};
  schema.outcome_fields = {"status"};
  schema.label_fields = {"region"};
  Parse parse(schema);
  REQUIRE(!parse(R"({"svc":"cart","op":"add","duration":3,"status":"timeout","region":"eu"})"));
  CHECK(parse.event.metric == "cart.add");
  CHECK(parse.event.value == 3);
  CHECK(parse.event.outcome == OutcomeSet::kTimeout);
  REQUIRE(parse.event.labels.size() == 1);
  CHECK(parse.event.labels[0] == LabelView{"region", "eu"});
}

TEST_CASE("each kind of bad line is rejected with its reason") {
  Parse parse;
  struct Case {
    const char* line;
    Rejection reason;
  };
  const Case cases[] = {
      {R"({"metric":"a",)", Rejection::kMalformedJson},
      {R"(not json at all)", Rejection::kMalformedJson},
      {R"({"metric":"a"} trailing)", Rejection::kMalformedJson},
      {R"([1,2,3])", Rejection::kNotObject},
      {R"("just a string")", Rejection::kNotObject},
      {R"({"metric":"a","metric":"b"})", Rejection::kDuplicateKey},
      {R"({"metric":"a","labels":{"k":"1","k":"2"}})", Rejection::kDuplicateKey},
      {R"({"labels":{}})", Rejection::kMissingField},
      {R"({"component":"checkout"})", Rejection::kMissingField},
      {R"({"metric":5})", Rejection::kWrongType},
      {R"({"metric":"a","latency_ms":"12"})", Rejection::kWrongType},
      {R"({"metric":"a","labels":[1]})", Rejection::kWrongType},
      {R"({"metric":"a","ts":true})", Rejection::kWrongType},
      {R"({"metric":"a","schema_version":"2"})", Rejection::kWrongType},
      {R"({"metric":"a","trace_id":{}})", Rejection::kWrongType},
      {R"({"metric":"a","latency_ms":1e400})", Rejection::kBadNumber},
      {R"({"metric":"a","latency_ms":NaN})", Rejection::kMalformedJson},
      {R"({"metric":"a","latency_ms":Infinity})", Rejection::kMalformedJson},
      {R"({"metric":"a","latency_ms":-1})", Rejection::kOutOfRange},
      {R"({"metric":"a","latency_ms":1e13})", Rejection::kOutOfRange},
      {R"({"metric":"a","ts":"yesterday"})", Rejection::kBadTimestamp},
      {R"({"metric":"a","ts":-5})", Rejection::kBadTimestamp},
      {R"({"metric":"a","outcome":"meh"})", Rejection::kUnknownOutcome},
      {R"({"metric":"a","labels":{"k":{"deep":1}}})", Rejection::kBadLabel},
      {R"({"metric":"a","labels":{"k":null}})", Rejection::kBadLabel},
      {R"({"metric":""})", Rejection::kBadLabel},
  };
  for (const auto& c : cases) {
    INFO(c.line);
    auto reason = parse(c.line);
    REQUIRE(reason);
    CHECK(name(*reason) == name(c.reason));
    CHECK(!parse.parser.detail().empty());
  }
}

TEST_CASE("invalid UTF-8 and binary garbage are rejected") {
  Parse parse;
  auto reason = parse("{\"metric\":\"a\xff\xfe\"}");
  REQUIRE(reason);
  CHECK(*reason == Rejection::kInvalidUtf8);
  const std::string garbage("\x00\x01\x02\x89PNG\r\n\x1a", 11);
  CHECK(parse(garbage));
}

TEST_CASE("label limits") {
  TelemetrySchema schema;
  schema.max_labels = 2;
  schema.max_label_bytes = 8;
  Parse parse(schema);
  CHECK(parse(R"({"metric":"a","labels":{"a":"1","b":"2","c":"3"}})") == Rejection::kTooManyLabels);
  CHECK(parse(R"({"metric":"a","labels":{"a":"123456789"}})") == Rejection::kLabelTooLong);
  CHECK(parse(R"({"metric":"abcdefghi"})") == Rejection::kLabelTooLong);
  CHECK(!parse(R"({"metric":"a","labels":{"a":"12345678"}})"));
}

TEST_CASE("schema versions and required fields from config") {
  TelemetrySchema schema;
  schema.schema_versions = {2, 3};
  schema.required = {"trace_id"};
  schema.require_ts = true;
  Parse parse(schema);
  CHECK(!parse(R"({"ts":1,"metric":"a","schema_version":2,"trace_id":"x"})"));
  CHECK(parse(R"({"ts":1,"metric":"a","schema_version":1,"trace_id":"x"})") ==
        Rejection::kSchemaVersion);
  CHECK(parse(R"({"ts":1,"metric":"a"})") == Rejection::kMissingField);
  CHECK(parse(R"({"metric":"a","trace_id":"x"})") == Rejection::kMissingField);
}

TEST_CASE("redacted labels are dropped or hashed before they reach the series key") {
  Redactor redactor({{"user_id", RedactAction::kHash}, {"email", RedactAction::kDrop}}, "k3y");
  Parse parse({}, redactor);
  REQUIRE(!parse(R"({"metric":"a","labels":{"user_id":"u-42","email":"x@y.z","svc":"s"}})"));
  REQUIRE(parse.event.labels.size() == 2);
  CHECK(parse.event.labels[0].first == "user_id");
  CHECK(parse.event.labels[0].second == redactor.hash("u-42"));
  CHECK(parse.event.labels[0].second != "u-42");
  CHECK(parse.event.labels[1] == LabelView{"svc", "s"});
}

TEST_CASE("unknown fields are ignored and a line of only them lacks a metric") {
  Parse parse;
  CHECK(!parse(R"({"metric":"a","extra":{"nested":[1,2,{"x":null}]},"more":1})"));
  CHECK(parse(R"({"extra":1})") == Rejection::kMissingField);
}

TEST_CASE("without redaction, labels are deferred as raw bytes; with it, parsed at once") {
  EventParser plain({}, OutcomeSet{});
  CHECK(plain.defers_labels());
  std::string line = R"({"metric":"a","labels":{"k" : "v"}})";
  const std::size_t size = line.size();
  line.append(EventParser::kPadding, '\0');
  Event event;
  REQUIRE(!plain.parse(std::string_view(line.data(), size), event));
  CHECK(event.labels_deferred);
  CHECK(event.labels_raw == R"({"k" : "v"})");
  CHECK(event.labels.empty());
  REQUIRE(!plain.parse_labels(event));
  CHECK(event.labels == std::vector<LabelView>{{"k", "v"}});

  EventParser redacting({}, OutcomeSet{},
                        Redactor({{"user", RedactAction::kDrop}}, "0123456789abcdef"));
  CHECK_FALSE(redacting.defers_labels());
  REQUIRE(!redacting.parse(std::string_view(line.data(), size), event));
  CHECK_FALSE(event.labels_deferred);
  CHECK(event.labels == std::vector<LabelView>{{"k", "v"}});
}

TEST_CASE("keys with escapes still match the schema's names") {
  Parse parse;
  REQUIRE(!parse(R"({"m\u0065tric":"a","latency_ms":1})"));
  CHECK(parse.event.metric == "a");
  CHECK(parse.event.value == 1);
}

TEST_CASE("a field the schema does not use must still be JSON, and one object is the whole line") {
  Parse parse;
  const auto detail = [&](std::string_view line) {
    const auto reason = parse(line);
    CHECK(reason == Rejection::kMalformedJson);
    return parse.parser.detail();
  };
  CHECK(detail(R"({"metric":"a","value":1,"junk":tru})") ==
        "field \"junk\": a word that is not true, false or null");
  CHECK(detail(R"({"metric":"a","junk":nul})") ==
        "field \"junk\": a word that is not true, false or null");
  CHECK(detail(R"({"metric":"a","junk":{"x":[1,2,fals]}})") ==
        "field \"junk\": a word that is not true, false or null");
  CHECK(detail(R"({"metric":"a","junk":"\q"})") == "field \"junk\": a string with a bad escape");
  CHECK(detail(R"({"metric":"a","value":1}{"metric":"b","value":2})") ==
        "more after the JSON object: one object per line");
  CHECK(detail(R"({"metric":"a"} x)") ==
        "not valid JSON (a bracket, comma or colon out of place, or the line is cut short)");
  CHECK(!parse(R"({"metric":"a","junk":{"x":[1,2.5e3,"s",true,false,null,{}]}}   )"));
}

TEST_CASE("a rejection says what is wrong with the line in words, not the parser's") {
  Parse parse;
  CHECK(parse(R"({"metric":"a","value":)") == Rejection::kMalformedJson);
  CHECK(parse.parser.detail().find("The JSON element") == std::string::npos);
  CHECK(parse(R"({"metric":"a","value":"high"})") == Rejection::kWrongType);
  CHECK(parse.parser.detail() == "field \"value\": expected a number");
}

TEST_CASE(
    "numeric timestamps in the configured unit; milliseconds that look like seconds are marked") {
  TelemetrySchema seconds;
  seconds.ts_unit = TsUnit::kSeconds;
  Parse parse(seconds);
  REQUIRE(!parse(R"({"ts":1795168800,"metric":"jobs"})"));
  CHECK(parse.event.ts == Nanos{1'795'168'800} * kNanosPerSecond);
  CHECK_FALSE(parse.event.ts_maybe_seconds);
  Parse millis;
  REQUIRE(!millis(R"({"ts":1795168800,"metric":"jobs"})"));  // epoch seconds read as ms: 1970-01-21
  CHECK(millis.event.ts_maybe_seconds);
  REQUIRE(!millis(R"({"ts":1795168800000,"metric":"jobs"})"));
  CHECK_FALSE(millis.event.ts_maybe_seconds);
  CHECK(millis(R"({"ts":1795168800000000,"metric":"jobs"})") ==
        Rejection::kBadTimestamp);  // microseconds
  CHECK(millis.parser.detail() ==
        "field \"ts\": epoch ms out of range (telemetry.mapping.ts_unit says what a number counts: "
        "s, ms, us or ns)");
}

TEST_CASE(
    "a status code is an outcome: 5xx is an error by default, ranges from config, the narrowest "
    "wins") {
  TelemetrySchema schema;
  schema.outcome_codes = {{500, 599, "error"}, {504, 504, "timeout"}, {429, 429, "error"}};
  Parse parse(schema);
  REQUIRE(!parse(R"({"metric":"http","status":200,"outcome":200})"));
  CHECK(parse.event.outcome == OutcomeSet::kOk);
  REQUIRE(!parse(R"({"metric":"http","outcome":503})"));
  CHECK(parse.event.outcome == OutcomeSet::kError);
  REQUIRE(!parse(R"({"metric":"http","outcome":504})"));
  CHECK(parse.event.outcome == OutcomeSet::kTimeout);
  REQUIRE(!parse(R"({"metric":"http","outcome":"429"})"));  // digits in a string, too
  CHECK(parse.event.outcome == OutcomeSet::kError);
  CHECK(parse(R"({"metric":"http","outcome":5.5})") == Rejection::kWrongType);
  Parse defaults;
  REQUIRE(!defaults(R"({"metric":"http","result":502})"));
  CHECK(defaults.event.outcome == OutcomeSet::kError);
}

TEST_CASE("a constant metric name, and a missing metric named by the line's own mapping") {
  TelemetrySchema schema;
  schema.metric_fields = {{"op"}};
  schema.label_fields = {"svc"};
  Parse without(schema);
  CHECK(without(R"({"svc":"a","value":1})") == Rejection::kMissingField);
  CHECK(without.parser.detail() ==
        "no metric: the line has none of op (telemetry.mapping.metric names them; metric_name "
        "gives every line one name)");
  schema.metric_fields = {{"service", "op"}};
  schema.metric_name = "rpc";
  schema.label_fields = {"svc", "method"};
  Parse parse(schema);
  REQUIRE(!parse(R"({"svc":"a","method":"get","value":1})"));
  CHECK(parse.event.metric == "rpc");
  REQUIRE(parse.event.labels.size() == 2);
  REQUIRE(!parse(R"({"service":"s","op":"o","svc":"a","method":"get"})"));
  CHECK(parse.event.metric == "s.o");
}
