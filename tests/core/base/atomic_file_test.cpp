#include "setpoint/base/atomic_file.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::read_file;
using setpoint::testing::TempDir;

TEST_CASE("atomic file: the new content replaces the old whole, and no temporary is left") {
  TempDir dir;
  testing::write_file(dir.file("limits.json"), "{\"old\":1}");
  CHECK(write_file_atomically(dir.file("limits.json"), "{\"new\":2}\n"));
  CHECK(read_file(dir.file("limits.json")) == "{\"new\":2}\n");
  CHECK(write_file_atomically(dir.file("fresh.yaml"), ""));  // a new, empty file
  CHECK(read_file(dir.file("fresh.yaml")) == "");
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    CHECK(entry.path().filename().string().find(".tmp") == std::string::npos);
    ++files;
  }
  CHECK(files == 2);
}

TEST_CASE("atomic file: a folder it cannot write to says why, and the old file is untouched") {
  TempDir dir;
  std::filesystem::create_directory(dir.file("ro"));
  testing::write_file(dir.file("ro/limits.json"), "kept");
  ::chmod(dir.file("ro").c_str(), 0500);
  const std::string error = write_file_atomically(dir.file("ro/limits.json"), "lost").error();
  ::chmod(dir.file("ro").c_str(), 0700);
  if (::geteuid() == 0) {
    CHECK(error == "");  // root writes anywhere: nothing to refuse
    return;
  }
  CHECK(error.rfind("cannot create " + dir.file("ro/.limits.json.setpoint-"), 0) == 0);
  CHECK(error.find(": Permission denied") != std::string::npos);
  CHECK(read_file(dir.file("ro/limits.json")) == "kept");
  CHECK(write_file_atomically(dir.file("no/such/dir/x"), "y").error().rfind("cannot create", 0) ==
        0);
}
