#pragma once
// Reading a file that someone outside named (a policy, its tests, a config, a tokens file, an
// authority file, a fixture): only a regular file, and only up to a size. A FIFO would block
// the reader in open() or read() for ever, /dev/zero would never end, a directory reads as
// nothing, a file of /proc or /sys makes itself up as it is read; each is refused with its
// reason. Symlinks are followed: Kubernetes mounts a ConfigMap's files as symlinks into a
// `..data` folder.
#include <cstddef>
#include <string>
#include <vector>

#include "setpoint/base/result.hpp"

namespace setpoint {

// What a file of this stat mode is when it is not a regular one: "a FIFO", "a directory"…
const char* kind_of_file(unsigned mode);

// True when the open file `fd` is one the kernel makes up as it is read (/proc, /sys, debugfs,
// tracefs, cgroups): "regular" and 0 bytes long, it reads as something new each time (the
// daemon's own memory map, re-read as a truncation at every poll).
bool kernel_made(int fd);

// That `path` is inside `folder` once symlinks are resolved, or why not: a policy file or its
// test linked to /etc/shadow would otherwise be read, and shown in syntax errors.
Result<void> check_inside_folder(const std::string& folder, const std::string& path);

// That `path` can be read as a regular file of at most `max_bytes` (or does not exist, when
// `missing_ok`), or why not.
Result<void> check_regular_file(const std::string& path, std::size_t max_bytes,
                                bool missing_ok = false);

// That nothing but a regular file (or nothing) is at `path`, looked at with stat(), never
// opened: for a SQLite file, whose connections' locks a close() of any descriptor on it by the
// same process would drop (the engine's store lost its locks when the history opened the file).
Result<void> check_no_special_file(const std::string& path);

// The whole file, or why not ("policies/a.lua: is a FIFO, not a regular file", "cannot open
// policies/a.lua: No such file or directory").
Result<std::string> read_regular_file(const std::string& path, std::size_t max_bytes);

// A file of our own kept as lines (a buffer, an index, a checkpoint), read under the same
// rules: its non-empty lines without their '\n'. A file that does not exist has no lines and
// no error; anything else that stops the read is the error.
Result<std::vector<std::string>> read_lines(const std::string& path, std::size_t max_bytes);

}  // namespace setpoint
