#pragma once
// What the gate checks in a request's head (its request line and headers, up to the blank
// line) before libmicrohttpd parses any of it. MHD itself would cut a header at a NUL and take
// the rest ("Bearer T\0junk" passed as the token T) and takes a bare CR as a line's end.
#include <string>
#include <string_view>

#include "setpoint/base/result.hpp"

namespace setpoint::runner {

// What is wrong with the head, if anything. Beyond the bytes: the headers one request
// may give only once (two Authorization headers, of which the first was used; two lengths), a
// body framed two ways (Content-Length with chunked: request smuggling's shape), a framing
// other than chunked, and a NUL in the target (MHD cut the decoded path at it, so
// /healthz%00x was /healthz).
Result<void> check_head(std::string_view head);

}  // namespace setpoint::runner
