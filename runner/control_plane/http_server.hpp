#pragma once
// The control plane's HTTP transport, on GNU libmicrohttpd. Every byte of a request is
// hostile, and the transport is built so that no client can starve another:
//
//   - one thread per connection, so a slow or half-open client holds only its own thread:
//     /healthz is answered while fifty others trickle a header byte every two seconds;
//   - a gate: every connection waits on one thread of the gate's until its request's headers
//     are all in (peeked, so they stay in the socket), and only then gets a thread; headers
//     that do not arrive within `header_timeout` get a 408, headers with a NUL or a bare CR a
//     400, headers past 32 KiB a 431 — MHD itself would cut a header at a NUL and take the rest;
//   - a cap on connections, and a deadline for the rest of the request (its body and answer,
//     `request_timeout`), after which the connection is cut, whatever it trickles; one request
//     per connection, so each next one passes the gate again;
//   - a route decides on the headers alone (`admit`) before any body is read: a POST without a
//     token is answered 401 with its body unread, however large or chunked it is;
//   - bodies are limited as they arrive (chunked ones too): buffered up to `max_body_bytes`,
//     or handed to the route piece by piece (`stream`) and never buffered whole;
//   - nothing in a request can make a handler throw past the transport: a handler's exception
//     is a 500 with a generic message, logged with the route;
//   - an answer may be a stream (server-sent events), pulled on the connection's own thread
//     and ended by its own deadline, before request_timeout would cut it.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "setpoint/base/clock.hpp"
#include "setpoint/base/result.hpp"

struct MHD_Connection;

namespace setpoint::runner {

struct HttpRequest {
  std::string method;
  std::string path;                   // percent-decoded: any bytes, NUL excepted
  std::vector<std::string> captures;  // what each "*" of the route's pattern matched
  std::string body;                   // buffered routes, once the body is in

  // A header's whole value (a NUL inside included, so it can be refused), or none.
  std::optional<std::string> header(std::string_view name) const;
  // A query argument's decoded value, or none.
  std::optional<std::string> query(std::string_view name) const;

  MHD_Connection* connection = nullptr;
};

// An answer sent as it is made (server-sent events): next() is called on the connection's own
// thread, may wait (a second at most, so a stopping server is not held), and gives the next
// bytes, "" when there are none yet, or none at the end. It must end well before
// request_timeout, which cuts the connection whatever it is doing.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  virtual std::optional<std::string> next() = 0;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<ResponseStream> stream;  // set: the body comes from it, not from `body`
};

// A JSON error answer: {"error": message}, the message made valid UTF-8.
HttpResponse json_error(int status, std::string_view message);

// What a route does with a body as it arrives, when it must not be buffered whole (telemetry).
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  virtual void take(std::string_view bytes) = 0;
  // The body has ended; `cut` when it passed max_body_bytes and the rest was not taken.
  virtual HttpResponse finish(bool cut) = 0;
};

struct HttpRoute {
  std::string method;   // "GET" (HEAD too) or "POST"
  std::string pattern;  // "/v1/proposals/*/approve": each "*" matches one path segment
  // Before any body is read: a response here is the answer, and the body is never read.
  std::function<std::optional<HttpResponse>(HttpRequest&)> admit;
  // With the whole body (at most max_body_bytes; a larger one is answered 413 unread).
  std::function<HttpResponse(HttpRequest&)> handle;
  // Or: the body as it arrives (then `handle` is not used).
  std::function<std::unique_ptr<BodyStream>(HttpRequest&)> stream;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 9464;  // 0: any free port
  std::size_t max_body_bytes = 4u << 20;
  unsigned max_connections = 256;
  Nanos header_timeout = 10 * kNanosPerSecond;   // from connect to the end of the headers
  Nanos request_timeout = 60 * kNanosPerSecond;  // from the end of the headers to the answer
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, std::vector<HttpRoute> routes);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; or why not ("cannot bind 127.0.0.1:9464: Address in use").
  Result<void> start();
  void stop();
  int port() const;
  // Connections cut by a deadline, and refused at the cap, since start (for /metrics).
  std::uint64_t cut_connections() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace setpoint::runner
