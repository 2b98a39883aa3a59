#include "setpoint/base/regular_file.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/temp_dir.hpp"

using namespace setpoint;
using setpoint::testing::TempDir;
using setpoint::testing::write_file;

TEST_CASE(
    "a regular file is read whole, through a symlink too (a ConfigMap's files are symlinks)") {
  TempDir dir;
  testing::write_file(dir.file("a.lua"), "return {}\n");
  std::filesystem::create_symlink(dir.file("a.lua"), dir.file("link.lua"));
  std::string error;
  CHECK(read_regular_file(dir.file("a.lua"), 1024, error) == "return {}\n");
  CHECK(read_regular_file(dir.file("link.lua"), 1024, error) == "return {}\n");
  CHECK(regular_file_problem(dir.file("link.lua"), 1024).empty());
  testing::write_file(dir.file("empty"), "");
  CHECK(read_regular_file(dir.file("empty"), 1024, error) == "");
}

TEST_CASE(
    "what is not a regular file is refused at once, never read: a FIFO, a device, a directory") {
  TempDir dir;
  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) ==
          0);  // no writer: a blocking open() would wait for ever
  std::filesystem::create_symlink("/dev/zero", dir.file("zero.lua"));
  std::string error;
  CHECK_FALSE(read_regular_file(dir.file("fifo"), 1024, error));
  CHECK(error == dir.file("fifo") + ": is a FIFO, not a regular file");
  CHECK_FALSE(read_regular_file(dir.file("zero.lua"), 1024, error));
  CHECK(error == dir.file("zero.lua") + ": is a character device, not a regular file");
  CHECK_FALSE(read_regular_file(dir.path().string(), 1024, error));
  CHECK(error == dir.path().string() + ": is a directory, not a regular file");
  CHECK(regular_file_problem(dir.file("fifo"), 1024) ==
        dir.file("fifo") + ": is a FIFO, not a regular file");
}

TEST_CASE(
    "a file over the size cap is refused with the cap, a missing one with the system's words") {
  TempDir dir;
  testing::write_file(dir.file("big"), std::string(2049, 'x'));
  std::string error;
  CHECK_FALSE(read_regular_file(dir.file("big"), 2048, error));
  CHECK(error == dir.file("big") + ": is larger than 2 KiB");
  CHECK(read_regular_file(dir.file("big"), 2049, error)->size() == 2049);
  CHECK_FALSE(read_regular_file(dir.file("gone"), 2048, error));
  CHECK(error == "cannot open " + dir.file("gone") + ": No such file or directory");
  CHECK(regular_file_problem(dir.file("gone"), 10, true).empty());
  CHECK(regular_file_problem(dir.file("gone"), 10) ==
        "cannot open " + dir.file("gone") + ": No such file or directory");
}

TEST_CASE("a file the kernel makes up as it is read is refused: /proc, /sys") {
  std::string error;
  CHECK_FALSE(read_regular_file("/proc/self/status", 1 << 20, error));
  CHECK(error ==
        "/proc/self/status: is a file the kernel makes up as it is read (/proc, /sys), not one on "
        "disk");
  CHECK(regular_file_problem("/proc/self/maps", 1 << 20) ==
        "/proc/self/maps: is a file the kernel makes up as it is read (/proc, /sys), not one on "
        "disk");
}

TEST_CASE("a path inside its folder is one; a symlink or .. out of it is said to lead out") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "policies" / "..data");
  write_file(dir.file("policies/..data/a.lua"), "x");
  std::filesystem::create_symlink("..data/a.lua",
                                  dir.file("policies/a.lua"));  // a ConfigMap's shape
  std::filesystem::create_symlink("/etc/passwd", dir.file("policies/leak.lua"));
  write_file(dir.file("outside.lua"), "x");
  const std::string folder = dir.file("policies");
  CHECK(outside_folder_problem(folder, folder + "/a.lua").empty());
  CHECK(outside_folder_problem(folder, folder + "/not-yet-there.lua").empty());
  CHECK(outside_folder_problem(folder, folder + "/leak.lua") ==
        folder + "/leak.lua: leads out of " + folder + " (a symlink to /etc/passwd?); not read");
  CHECK_FALSE(outside_folder_problem(folder, folder + "/../outside.lua").empty());
}

TEST_CASE("a file of our own is read as its non-empty lines, under the same rules") {
  TempDir dir;
  std::string error = "stale";
  CHECK(read_lines(dir.file("absent.jsonl"), 1024, error).empty());
  CHECK(error.empty());  // not there yet: no lines, no error
  write_file(dir.file("index.jsonl"), "{\"a\":1}\n\n{\"b\":2}\n{\"torn\":");
  CHECK(read_lines(dir.file("index.jsonl"), 1024, error) ==
        std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"torn\":"});
  CHECK(error.empty());
  CHECK(read_lines(dir.file("index.jsonl"), 8, error).empty());
  CHECK(error == dir.file("index.jsonl") + ": is larger than 8 bytes");
  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  CHECK(read_lines(dir.file("fifo"), 1024, error).empty());  // never waits for a writer
  CHECK(error == dir.file("fifo") + ": is a FIFO, not a regular file");
}
