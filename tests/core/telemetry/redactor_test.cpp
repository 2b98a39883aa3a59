#include "setpoint/telemetry/redactor.hpp"

#include <catch2/catch.hpp>

using namespace setpoint;

TEST_CASE("the keyed hash is stable, keyed and short") {
  Redactor a({}, "one");
  Redactor b({}, "two");
  CHECK(a.hash("alice") == a.hash("alice"));
  CHECK(a.hash("alice") != a.hash("bob"));
  CHECK(a.hash("alice") != b.hash("alice"));
  CHECK(a.hash("alice").size() == 18);
  CHECK(a.hash("alice").rfind("h:", 0) == 0);
}

TEST_CASE("text redaction replaces values of redacted fields, valid JSON or not") {
  Redactor r({{"email", RedactAction::kDrop}, {"token", RedactAction::kHash}}, "k");
  CHECK(r.redact_text(R"({"email":"a@b.c","x":1})") == R"({"email":"[redacted]","x":1})");
  CHECK(r.redact_text(R"({"labels":{"email" : "a\"b@c"}})") ==
        R"({"labels":{"email" : "[redacted]"}})");
  CHECK(r.redact_text(R"({"token":"abc")") == "{\"token\":\"" + r.hash("abc") + "\"");
  CHECK(r.redact_text(R"({"token":12345,"y":2})") ==
        "{\"token\":\"" + r.hash("12345") + "\",\"y\":2}");
  // A field name that is a value elsewhere is left alone.
  CHECK(r.redact_text(R"({"name":"email"})") == R"({"name":"email"})");
  // Truncated in the middle of the value: redacted to the end.
  CHECK(r.redact_text(R"({"email":"a@b)") == R"({"email":"[redacted]")");
}
