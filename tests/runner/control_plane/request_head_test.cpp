// What the gate refuses in a request's head before libmicrohttpd parses it.
#include "control_plane/request_head.hpp"

#include <catch2/catch.hpp>

using setpoint::runner::check_head;
using namespace std::string_literals;

TEST_CASE("request head: plain requests pass") {
  CHECK(check_head("GET /healthz HTTP/1.1\r\nHost: x"));
  CHECK(check_head(
      "POST /v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nAuthorization: Bearer t"));
  CHECK(check_head("POST /v1/events HTTP/1.1\r\nTransfer-Encoding:  Chunked \r\n"));
  CHECK(check_head("GET /v1/state?span=1m HTTP/1.1\r\nX-Note: a:b\r\nnot a header line"));
}

TEST_CASE("request head: bytes MHD would read another way are refused") {
  CHECK(check_head("GET / HTTP/1.1\r\nAuthorization: Bearer t\0junk"s).error() ==
        "a NUL in the request's headers");
  CHECK(check_head("GET / HTTP/1.1\rHost: x").error() ==
        "a CR not followed by LF in the request's headers");
  CHECK(check_head("GET / HTTP/1.1\r\nHost: x\r").error() ==
        "a CR not followed by LF in the request's headers");
  CHECK(check_head("GET /healthz%00x HTTP/1.1\r\nHost: x").error() ==
        "a NUL (%00) in the request's path or query");
  CHECK(check_head("GET /v1/state?span=%00 HTTP/1.1").error() ==
        "a NUL (%00) in the request's path or query");
}

TEST_CASE("request head: a header given twice, or a body framed two ways, is refused") {
  CHECK(
      check_head("GET / HTTP/1.1\r\nAuthorization: Bearer a\r\nauthorization : Bearer b").error() ==
      "the header authorization is given more than once");
  CHECK(check_head("POST / HTTP/1.1\r\nContent-Length: 2\r\nCONTENT-LENGTH: 0").error() ==
        "the header content-length is given more than once");
  CHECK(check_head("GET / HTTP/1.1\r\nHost: a\r\nHost: b").error() ==
        "the header host is given more than once");
  CHECK(check_head("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked").error() ==
        "both Content-Length and Transfer-Encoding: a body is framed one way");
  CHECK(check_head("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked").error() ==
        "Transfer-Encoding \"gzip, chunked\": only chunked is taken");
  // Headers that may repeat do.
  CHECK(check_head("GET / HTTP/1.1\r\nAccept: a\r\nAccept: b"));
}
