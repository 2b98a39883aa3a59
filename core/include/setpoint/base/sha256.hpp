#pragma once
#include <string>
#include <string_view>

namespace setpoint {

// Lower-case hex SHA-256 of the bytes (OpenSSL's EVP), naming file versions by content.
std::string sha256_hex(std::string_view bytes);

}  // namespace setpoint
