#include "setpoint/audit/decision_log_file.hpp"

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::read_file;
using setpoint::testing::TempDir;

TEST_CASE("decision log: each record is one line, appended") {
  TempDir dir;
  testing::write_file(dir.file("decisions.jsonl"), "{\"id\":1}\n");
  DecisionLogFile log(dir.file("decisions.jsonl"));
  REQUIRE(log.ok());
  CHECK(log.write("{\"id\":2}"));
  log.sink()("{\"id\":3}");
  CHECK(read_file(dir.file("decisions.jsonl")) == "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n");
  CHECK(log.failed_writes() == 0);
}

TEST_CASE("decision log: a file it cannot open says so; a write that fails is counted") {
  TempDir dir;
  DecisionLogFile missing(dir.file("no/such/folder/decisions.jsonl"));
  CHECK_FALSE(missing.ok());
  CHECK(missing.error() == "cannot open the decision log " +
                               dir.file("no/such/folder/decisions.jsonl") +
                               ": No such file or directory");
  CHECK_FALSE(missing.write("{}"));

  DecisionLogFile full("/dev/full");  // every write: ENOSPC
  REQUIRE(full.ok());
  CHECK_FALSE(full.write("{\"id\":1}"));
  CHECK_FALSE(full.write("{\"id\":2}"));
  CHECK(full.failed_writes() == 2);
  CHECK(full.error() == "cannot write the decision log /dev/full: No space left on device");
}
