#pragma once
// Replacing a file so that a crash at any moment leaves either the old content or the new:
// write a temporary file in the same directory, fsync it, rename it over the target, fsync
// the directory. Errors come back as text (read-only file system, full disk…), never half a file.
#include <optional>
#include <string>
#include <string_view>

#include "setpoint/base/result.hpp"

namespace setpoint {

// Done, or what went wrong.
Result<void> write_file_atomically(const std::string& path, std::string_view content);

}  // namespace setpoint
