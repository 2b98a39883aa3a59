#include "setpoint/telemetry/schema.hpp"

#include <catch2/catch.hpp>

using namespace setpoint;

TEST_CASE("a field claimed by two roles is named, not dropped from one of them") {
  TelemetrySchema schema;
  schema.metric_fields = {{"op"}};
  schema.label_fields = {"svc", "op"};
  CHECK(schema.check_roles().error() == "op is both a metric field and a label field");
  schema.label_fields = {"svc"};
  CHECK(schema.check_roles());
  CHECK(TelemetrySchema{}.metric_fields_text() == "metric, or component and action");
}

TEST_CASE("a fresh schema claims no field twice; a numeric timestamp's unit has a short name") {
  CHECK(TelemetrySchema{}.check_roles());
  TelemetrySchema schema;
  schema.value_fields = {"ts"};
  CHECK(schema.check_roles().error() == "ts is both a timestamp field and a value field");
  CHECK(std::string(ts_unit_name(TsUnit::kSeconds)) == "s");
  CHECK(std::string(ts_unit_name(TsUnit::kMillis)) == "ms");
  CHECK(std::string(ts_unit_name(TsUnit::kMicros)) == "us");
  CHECK(std::string(ts_unit_name(TsUnit::kNanos)) == "ns");
  schema.metric_fields = {{"a", "b", "c"}, {"d"}};
  CHECK(schema.metric_fields_text() == "a, b and c, or d");
}
