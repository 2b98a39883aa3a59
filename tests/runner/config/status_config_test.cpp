#include "config/status_config.hpp"

#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "support/config_helpers.hpp"

using namespace setpoint;
using namespace setpoint::runner;
using setpoint::testing::error_of;
using setpoint::testing::ok;

namespace {

// A parameter of `type` (with `extra` lines) and a status section `status`, indented under it.
std::string with_status(const std::string& type, const std::string& status,
                        const std::string& extra = "") {
  return "parameters:\n  p:\n    type: " + type + "\n" + extra +
         "    policies: [x]\n    status:\n" + status;
}

}  // namespace

TEST_CASE("status: a bool's rule, an int's and an enum's values, in numeric form") {
  const Config b = ok(with_status("bool", "      when: true\n      message: Checkout is slow\n"));
  const StatusConfig& bs = b.statuses.at("p");
  CHECK(bs.service == "p");
  REQUIRE(bs.rules.size() == 1);
  CHECK(bs.rules[0].value == 1);
  CHECK(bs.rules[0].state == "degraded");
  CHECK(bs.rule_for(0) == nullptr);
  const Config i = ok(with_status(
      "int",
      "      service: checkout\n      values:\n        1: { state: retrying, message: a }\n"
      "        2: { state: fallback, message: b, next_step: c }\n",
      "    initial: 0\n    min: 0\n    max: 2\n"));
  const StatusConfig& is = i.statuses.at("p");
  CHECK(is.service == "checkout");
  REQUIRE(is.rule_for(2) != nullptr);
  CHECK(is.rule_for(2)->state == "fallback");
  CHECK(is.rule_for(2)->next_step == "c");
  const Config e =
      ok(with_status("enum", "      values:\n        red: { state: degraded, message: m }\n",
                     "    choices: [green, yellow, red]\n    initial: green\n"));
  CHECK(e.statuses.at("p").rules[0].value == 2);  // red's index
}

TEST_CASE("status: every mistake is named with its place") {
  CHECK(error_of(
            with_status("float", "      message: m\n", "    initial: 1\n    min: 0\n    max: 2\n"))
            .find("parameters.p.status: a status follows a bool, an int or an enum") !=
        std::string::npos);
  CHECK(error_of(with_status("bool", "      state: broken\n      message: m\n"))
            .find("parameters.p.status.state: expected ok, degraded, retrying or fallback") !=
        std::string::npos);
  CHECK(error_of(with_status("bool", "      state: degraded\n"))
            .find("parameters.p.status.message: needs a message") != std::string::npos);
  CHECK(error_of(with_status("bool", "      message: \"" + std::string(501, 'x') + "\"\n"))
            .find("expected text of 1 to 500 bytes") != std::string::npos);
  CHECK(error_of(with_status("enum", "      values:\n        blue: { message: m }\n",
                             "    choices: [green, red]\n    initial: green\n"))
            .find("parameters.p.status.values.blue: \"blue\" is not one of its choices") !=
        std::string::npos);
  CHECK(error_of(with_status("int", "      values:\n        7: { message: m }\n",
                             "    initial: 0\n    min: 0\n    max: 2\n"))
            .find("parameters.p.status.values.7") != std::string::npos);
  CHECK(
      error_of(with_status("int",
                           "      values:\n        1: { message: m }\n        01: { message: n }\n",
                           "    initial: 0\n    min: 0\n    max: 2\n"))
          .find("this value is given twice") != std::string::npos);
  CHECK(error_of(with_status("bool", "      message: m\n      colour: red\n")).find("colour") !=
        std::string::npos);
  CHECK(
      error_of(with_status("int", "      values: {}\n", "    initial: 0\n    min: 0\n    max: 2\n"))
          .find("needs values") != std::string::npos);
}
