// A scenario file: what the simulator runs, read as strictly as the config.
#include "simulator/scenario.hpp"

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

using namespace setpoint;
using namespace setpoint::runner;
using setpoint::testing::write_file;

TEST_CASE("a scenario refuses a key given twice") {
  setpoint::testing::TempDir dir;
  write_file(dir.file("s.yaml"), "name: a\nname: b\n");
  const auto scenario = load_scenario(dir.file("s.yaml"));
  REQUIRE(!scenario.ok());
  CHECK(scenario.error().find("s.yaml:2:1: key \"name\" is given twice") != std::string::npos);
}
