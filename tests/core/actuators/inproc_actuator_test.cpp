// The inproc actuator (Adaptive handles in the embedding program) and the log-only actuator.
#include "setpoint/actuators/inproc_actuator.hpp"

#include <catch2/catch.hpp>

using namespace setpoint;

TEST_CASE("inproc: vetted values reach Adaptive handles; reads need no lock") {
  Adaptive<double> rate(100.0);
  Adaptive<long long> limit(10);
  Adaptive<bool> degraded(false);
  InprocActuator inproc;
  inproc.bind("rate", rate);
  inproc.bind("limit", limit);
  inproc.bind("degraded", degraded);
  CHECK(inproc.apply({"r", "rate", 80.5, {}, "p", "w", 0}).ok());
  CHECK(rate.get() == 80.5);
  CHECK(inproc.apply({"l", "limit", 12.0, {}, "p", "w", 0}).ok());
  CHECK(limit.get() == 12);
  CHECK(inproc.apply({"d", "degraded", true, {}, "p", "w", 0}).ok());
  CHECK(degraded.get());
  CHECK(inproc.apply({"d", "degraded", 1.0, {}, "p", "w", 0}).detail ==
        "the value's type does not fit the handle degraded");
  CHECK(inproc.apply({"x", "nope", 1.0, {}, "p", "w", 0}).detail ==
        "no in-process handle bound to nope");
  CHECK(std::get<double>(*inproc.read_back("limit")) == 12);
  CHECK(!inproc.read_back("nope"));
}

TEST_CASE("log: records only") {
  LogActuator log;
  CHECK(log.apply({"checkout.limit", "checkout.limit", 1.0, {}, "aimd", "why", 0}).detail ==
        "logged only");
  CHECK(!log.read_back("x"));
}
