// The control plane's transport: the gate (epoll, waiting for whole heads, eviction) and the
// MHD side share one Impl and its lock (a connection passes from one to the other under it),
// which is why this file is over 500 lines; what the gate checks in a head is request_head.cpp.
#include "control_plane/http_server.hpp"

#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "control_plane/request_head.hpp"
#include "setpoint/base/json_text.hpp"
#include "setpoint/base/number_text.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

using Steady = std::chrono::steady_clock;

// The path split at "/": "/v1/params/x" → {"v1", "params", "x"}.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  for (;;) {
    const std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    path.remove_prefix(slash + 1);
  }
}

// The route's pattern matches the path: its captures, or none.
std::optional<std::vector<std::string>> match(const std::vector<std::string>& pattern,
                                              const std::vector<std::string_view>& path) {
  if (pattern.size() != path.size()) return std::nullopt;
  std::vector<std::string> captures;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == "*") {
      if (path[i].empty()) return std::nullopt;
      captures.emplace_back(path[i]);
    } else if (pattern[i] != path[i]) {
      return std::nullopt;
    }
  }
  return captures;
}

// One request on its way through: what MHD keeps for us between calls (its con_cls).
struct Exchange {
  HttpRequest request;
  const HttpRoute* route = nullptr;
  std::unique_ptr<BodyStream> stream;
  std::size_t received = 0;
  bool cut = false;  // the body passed max_body_bytes: the rest is counted, not kept
};

// A connection MHD serves, for its deadline. `socket` is our own duplicate of its descriptor,
// so that cutting it can never reach another connection that reuses the number.
struct Tracked {
  int socket = -1;
  Steady::time_point since;  // handed to MHD, its headers in
  bool cut = false;
};

// The most a request's headers may take; MHD's own memory per connection holds this much.
constexpr std::size_t kMaxHead = 32 * 1024;

// A canned answer the gate sends itself, and closes: MHD never sees the connection.
void refuse(int fd, int status, const char* reason, std::string_view message) {
  std::string body = "{\"error\":";
  json_text::append_string(body, message);
  body += "}";
  const std::string answer =
      "HTTP/1.1 " + std::to_string(status) + " " + reason +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
}

}  // namespace

std::optional<std::string> HttpRequest::header(std::string_view name) const {
  const char* value = nullptr;
  std::size_t size = 0;
  const std::string key(name);
  if (MHD_lookup_connection_value_n(connection, MHD_HEADER_KIND, key.c_str(), key.size(), &value,
                                    &size) != MHD_YES)
    return std::nullopt;
  return value == nullptr ? std::string() : std::string(value, size);
}

std::optional<std::string> HttpRequest::query(std::string_view name) const {
  const char* value = nullptr;
  std::size_t size = 0;
  const std::string key(name);
  if (MHD_lookup_connection_value_n(connection, MHD_GET_ARGUMENT_KIND, key.c_str(), key.size(),
                                    &value, &size) != MHD_YES) {
    return std::nullopt;
  }
  return value == nullptr ? std::string() : std::string(value, size);
}

HttpResponse json_error(int status, std::string_view message) {
  HttpResponse r;
  r.status = status;
  r.body = "{\"error\":";
  json_text::append_string(r.body, message);
  r.body += "}";
  return r;
}

struct HttpServer::Impl {
  struct Compiled {
    HttpRoute route;
    std::vector<std::string> pattern;
  };
  // A connection at the gate: accepted, its headers not all in yet.
  struct Waiting {
    sockaddr_storage address{};
    socklen_t length = 0;
    Steady::time_point due;
  };

  HttpServerOptions options;
  std::vector<Compiled> routes;
  MHD_Daemon* daemon = nullptr;
  int listener = -1;
  int port = 0;
  std::string start_error;  // what MHD said while starting

  std::mutex mutex;
  std::map<MHD_Connection*, Tracked> connections;
  std::condition_variable wake;
  bool stopping = false;
  std::thread reaper;
  std::atomic<std::uint64_t> cut{0};

  // The gate's own: only its thread touches these.
  int epoll = -1;
  int stop_event = -1;
  std::map<int, Waiting> waiting;
  std::thread gate;

  // The route for the request, or the answer when there is none (404, 405).
  std::optional<HttpResponse> route_for(Exchange& x) {
    const auto path = segments(x.request.path);
    std::string allowed;
    for (const auto& c : routes) {
      auto captures = match(c.pattern, path);
      if (!captures) continue;
      const bool same = c.route.method == x.request.method ||
                        (c.route.method == "GET" && x.request.method == "HEAD");
      if (!same) {
        allowed += (allowed.empty() ? "" : ", ") + c.route.method;
        continue;
      }
      x.route = &c.route;
      x.request.captures = std::move(*captures);
      return std::nullopt;
    }
    if (allowed.empty())
      return json_error(404, "no such endpoint: " +
                                 utf8::printable(x.request.method + " " + x.request.path, 512));
    HttpResponse r = json_error(405, x.request.method + " is not allowed here; use " + allowed);
    r.headers.emplace_back("Allow", allowed);
    return r;
  }

  // The headers are in, the body is not: an answer now ends the request with its body unread.
  std::optional<HttpResponse> begin(Exchange& x) {
    if (auto none = route_for(x)) return none;
    if (x.route->admit) {
      if (auto refused = x.route->admit(x.request)) return refused;
    }
    if (const auto length = x.request.header("Content-Length")) {
      const auto n = parse_integer(*length);  // MHD has refused a malformed one already
      if (!n || static_cast<std::uint64_t>(*n) > options.max_body_bytes) {
        return json_error(413, "the body (" + utf8::printable(*length, 32) +
                                   " bytes) is larger than control_plane.max_body_bytes (" +
                                   std::to_string(options.max_body_bytes) + ")");
      }
    }
    if (x.route->stream) {
      x.stream = x.route->stream(x.request);
      if (!x.stream)
        return json_error(503, "too many bodies are being taken at once; try again in a moment");
    }
    return std::nullopt;
  }

  // A piece of the body; false would drop the connection.
  bool take(Exchange& x, std::string_view bytes) {
    x.received += bytes.size();
    if (x.received > options.max_body_bytes) {
      x.cut = true;  // the rest is read and dropped (within request_timeout), so a 413 can be sent
      return true;
    }
    if (x.stream)
      x.stream->take(bytes);
    else
      x.request.body.append(bytes);
    return true;
  }

  HttpResponse finish(Exchange& x) {
    try {
      if (x.stream) return x.stream->finish(x.cut);
      if (x.cut) {
        return json_error(413, "the body is larger than control_plane.max_body_bytes (" +
                                   std::to_string(options.max_body_bytes) + ")");
      }
      return x.route->handle(x.request);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", x.request.method, utf8::printable(x.request.path, 256),
                    utf8::printable(e.what(), 512));
      return json_error(500, "internal error");
    }
  }

  // A stream's bytes for MHD, as it asks for them (the connection's thread).
  struct Pull {
    std::shared_ptr<ResponseStream> stream;
    std::string pending;
    std::size_t offset = 0;
  };
  static ssize_t pull(void* cls, std::uint64_t, char* buffer, std::size_t max) {
    auto& p = *static_cast<Pull*>(cls);
    try {
      while (p.offset >= p.pending.size()) {
        auto more = p.stream->next();
        if (!more) return MHD_CONTENT_READER_END_OF_STREAM;
        p.pending = std::move(*more);
        p.offset = 0;
      }
    } catch (const std::exception& e) {
      spdlog::error("a stream's answer: {}", utf8::printable(e.what(), 512));
      return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    const std::size_t n = std::min(max, p.pending.size() - p.offset);
    std::memcpy(buffer, p.pending.data() + p.offset, n);
    p.offset += n;
    return static_cast<ssize_t>(n);
  }

  static MHD_Result send(MHD_Connection* connection, const HttpResponse& r) {
    MHD_Response* response = nullptr;
    if (r.stream) {
      auto puller = std::make_unique<Pull>(Pull{r.stream, {}, 0});
      response =
          MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, pull, puller.get(),
                                            [](void* cls) { delete static_cast<Pull*>(cls); });
      if (response != nullptr) (void)puller.release();  // MHD frees it with the response
    } else {
      response = MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()),
                                                 MHD_RESPMEM_MUST_COPY);
    }
    if (response == nullptr) return MHD_NO;
    MHD_add_response_header(response, "Content-Type", r.content_type.c_str());
    // One request per connection: each next one passes the gate (and its deadline) again.
    MHD_add_response_header(response, "Connection", "close");
    for (const auto& [name, value] : r.headers)
      MHD_add_response_header(response, name.c_str(), value.c_str());
    const MHD_Result queued =
        MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
    MHD_destroy_response(response);
    return queued;
  }

  static MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url,
                               const char* method, const char*, const char* upload,
                               std::size_t* upload_size, void** context) {
    Impl& self = *static_cast<Impl*>(cls);
    auto* x = static_cast<Exchange*>(*context);
    if (x == nullptr) {
      x = new Exchange;
      *context = x;
      x->request.method = method;
      x->request.path = url;
      x->request.connection = connection;
      try {
        if (auto early = self.begin(*x)) return send(connection, *early);
      } catch (const std::exception& e) {
        spdlog::error("{} {}: {}", x->request.method, utf8::printable(x->request.path, 256),
                      utf8::printable(e.what(), 512));
        return send(connection, json_error(500, "internal error"));
      }
      return MHD_YES;
    }
    if (*upload_size > 0) {
      const bool go_on = self.take(*x, {upload, *upload_size});
      *upload_size = 0;
      return go_on ? MHD_YES : MHD_NO;
    }
    return send(connection, self.finish(*x));
  }

  static void on_completed(void*, MHD_Connection*, void** context, MHD_RequestTerminationCode) {
    delete static_cast<Exchange*>(*context);
    *context = nullptr;
  }

  static void on_connection(void* cls, MHD_Connection* connection, void**,
                            MHD_ConnectionNotificationCode code) {
    Impl& self = *static_cast<Impl*>(cls);
    std::lock_guard lock(self.mutex);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      const MHD_ConnectionInfo* info =
          MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
      Tracked t;
      t.socket = info == nullptr ? -1 : ::fcntl(info->connect_fd, F_DUPFD_CLOEXEC, 0);
      t.since = Steady::now();
      self.connections[connection] = t;
    } else if (auto it = self.connections.find(connection); it != self.connections.end()) {
      if (it->second.socket >= 0) ::close(it->second.socket);
      self.connections.erase(it);
    }
  }

  // Cuts every connection MHD serves that is past its request deadline: shutdown() wakes the
  // thread serving it, which then closes it (the descriptor it holds stays valid until then).
  void reap() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      wake.wait_for(lock, std::chrono::milliseconds(200));
      const auto now = Steady::now();
      for (auto& [_, t] : connections) {
        if (t.cut || t.socket < 0 ||
            now - t.since < std::chrono::nanoseconds(options.request_timeout))
          continue;
        ::shutdown(t.socket, SHUT_RDWR);
        t.cut = true;
        cut.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }

  std::size_t serving() {
    std::lock_guard lock(mutex);
    return connections.size();
  }

  // The gate: every connection waits here, on one thread, until its request's headers are
  // all in — looked at with MSG_PEEK, so they stay in the socket for MHD to read — and only
  // then gets a thread of MHD's. A slow client costs a descriptor, never a thread; one past
  // its header deadline is answered 408 and closed.
  void guard() {
    epoll_event events[64];
    for (;;) {
      int timeout_ms = -1;
      if (!waiting.empty()) {
        auto first = waiting.begin()->second.due;
        for (const auto& [_, w] : waiting) first = std::min(first, w.due);
        timeout_ms = static_cast<int>(std::max<std::int64_t>(
            0,
            std::chrono::duration_cast<std::chrono::milliseconds>(first - Steady::now()).count() +
                1));
      }
      const int n = ::epoll_wait(epoll, events, 64, timeout_ms);
      for (int k = 0; k < n; ++k) {
        const int fd = events[k].data.fd;
        if (fd == stop_event) return;
        if (fd == listener)
          admit_new();
        else
          look_at(fd, (events[k].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
      }
      const auto now = Steady::now();
      for (auto it = waiting.begin(); it != waiting.end();) {
        if (it->second.due > now) {
          ++it;
          continue;
        }
        ::epoll_ctl(epoll, EPOLL_CTL_DEL, it->first, nullptr);
        refuse(it->first, 408, "Request Timeout",
               "the request's headers did not arrive within control_plane.header_timeout");
        cut.fetch_add(1, std::memory_order_relaxed);
        it = waiting.erase(it);
      }
    }
  }

  void admit_new() {
    for (;;) {
      Waiting w;
      w.length = sizeof w.address;
      const int fd =
          ::accept4(listener, reinterpret_cast<sockaddr*>(&w.address), &w.length, SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN: no more for now
      const std::size_t busy = serving();
      if (busy >= options.max_connections) {
        refuse(fd, 503, "Service Unavailable",
               "too many connections (control_plane.max_connections); try again in a moment");
        continue;
      }
      // Full of connections still waiting for their headers: the one that has waited longest
      // makes room. A real request (a health probe) sends its headers at once and passes the
      // gate at once; refusing the newest instead let 300 idle sockets fail every /healthz.
      if (waiting.size() + busy >= options.max_connections) evict_longest_waiting();
      w.due = Steady::now() + std::chrono::nanoseconds(options.header_timeout);
      epoll_event event{};
      event.events =
          EPOLLIN | EPOLLRDHUP | EPOLLET;  // edge: peeked bytes stay, only new ones wake us
      event.data.fd = fd;
      if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0) {
        ::close(fd);
        continue;
      }
      waiting[fd] = w;
      look_at(fd, false);  // the headers may be there already
    }
  }

  void evict_longest_waiting() {
    auto oldest = waiting.begin();
    for (auto it = waiting.begin(); it != waiting.end(); ++it) {
      if (it->second.due < oldest->second.due) oldest = it;
    }
    if (oldest == waiting.end()) return;
    ::epoll_ctl(epoll, EPOLL_CTL_DEL, oldest->first, nullptr);
    refuse(oldest->first, 503, "Service Unavailable",
           "too many connections are waiting for their headers (control_plane.max_connections); "
           "this one waited longest");
    cut.fetch_add(1, std::memory_order_relaxed);
    waiting.erase(oldest);
  }

  // `ended`: the client will send nothing more (it closed or shut down its side).
  void look_at(int fd, bool ended) {
    const auto it = waiting.find(fd);
    if (it == waiting.end()) return;
    static thread_local std::string head(kMaxHead, '\0');
    const ssize_t n = ::recv(fd, head.data(), head.size(), MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    const std::string_view seen(head.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
    const std::size_t end = seen.find("\r\n\r\n");
    if (n <= 0 || (end == std::string_view::npos && seen.size() < kMaxHead)) {
      if (n > 0 && !ended) return;                     // more to come
      ::epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);  // it ended before its headers did
      if (n > 0)
        refuse(fd, 400, "Bad Request", "the request ended before its headers did");
      else
        ::close(fd);
      waiting.erase(it);
      return;
    }
    ::epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);
    const Waiting w = it->second;
    waiting.erase(it);
    if (end == std::string_view::npos) {
      refuse(fd, 431, "Request Header Fields Too Large",
             "the request's headers are larger than " + std::to_string(kMaxHead / 1024) + " KiB");
      return;
    }
    if (const auto head = check_head(seen.substr(0, end)); !head) {
      refuse(fd, 400, "Bad Request", head.error());
      return;
    }
    MHD_add_connection(daemon, fd, reinterpret_cast<const sockaddr*>(&w.address),
                       w.length);  // MHD owns it now
  }

  static void on_log(void* cls, const char* format, va_list args) {
    char text[512];
    std::vsnprintf(text, sizeof text, format, args);
    std::string_view raw(text);
    while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back())))
      raw.remove_suffix(1);
    const std::string line = utf8::printable(raw, 500);
    auto& self = *static_cast<Impl*>(cls);
    if (self.daemon == nullptr)
      self.start_error = line;  // while starting: why it could not
    else
      spdlog::debug("control plane: {}", line);
  }
};

HttpServer::HttpServer(HttpServerOptions options, std::vector<HttpRoute> routes)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  for (auto& r : routes) {
    std::vector<std::string> pattern;
    for (const auto s : segments(r.pattern)) pattern.emplace_back(s);
    impl_->routes.push_back({std::move(r), std::move(pattern)});
  }
}

HttpServer::~HttpServer() { stop(); }

Result<void> HttpServer::start() {
  Impl& i = *impl_;
  const std::string where = i.options.host + ":" + std::to_string(i.options.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  if (::getaddrinfo(i.options.host.c_str(), std::to_string(i.options.port).c_str(), &hints,
                    &found) != 0 ||
      found == nullptr) {
    return Error{"control_plane.listen: " + i.options.host + " is not an address here"};
  }
  i.listener = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int yes = 1;
  ::setsockopt(i.listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  const bool bound = i.listener >= 0 &&
                     ::bind(i.listener, found->ai_addr, found->ai_addrlen) == 0 &&
                     ::listen(i.listener, 512) == 0;
  ::freeaddrinfo(found);
  if (!bound) {
    const std::string why = std::strerror(errno);
    if (i.listener >= 0) ::close(i.listener);
    i.listener = -1;
    return Error{"control_plane.listen: cannot bind " + where + ": " + why};
  }
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  ::getsockname(i.listener, reinterpret_cast<sockaddr*>(&address), &length);
  i.port =
      ntohs(address.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&address)->sin6_port
                                          : reinterpret_cast<sockaddr_in*>(&address)->sin_port);
  const auto seconds = [](Nanos d) {
    return static_cast<unsigned>(std::max<Nanos>(1, d / kNanosPerSecond));
  };
  // Connections come from the gate (MHD_add_connection), never from a socket of MHD's own.
  const unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                         MHD_USE_POLL | MHD_USE_ITC | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG;
  i.daemon = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &Impl::on_request, &i, MHD_OPTION_CONNECTION_LIMIT,
      i.options.max_connections, MHD_OPTION_CONNECTION_TIMEOUT, seconds(i.options.header_timeout),
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<std::size_t>(2 * kMaxHead),
      MHD_OPTION_THREAD_STACK_SIZE, static_cast<std::size_t>(1u << 20), MHD_OPTION_NOTIFY_COMPLETED,
      &Impl::on_completed, &i, MHD_OPTION_NOTIFY_CONNECTION, &Impl::on_connection, &i,
      MHD_OPTION_EXTERNAL_LOGGER, &Impl::on_log, &i, MHD_OPTION_END);
  if (i.daemon == nullptr) {
    ::close(i.listener);
    i.listener = -1;
    return Error{"control_plane: cannot start the HTTP server" +
                 (i.start_error.empty() ? "" : ": " + i.start_error)};
  }
  i.epoll = ::epoll_create1(EPOLL_CLOEXEC);
  i.stop_event = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  for (const int fd : {i.listener, i.stop_event}) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    ::epoll_ctl(i.epoll, EPOLL_CTL_ADD, fd, &event);
  }
  i.stopping = false;
  i.gate = std::thread([&i] { i.guard(); });
  i.reaper = std::thread([&i] { i.reap(); });
  return {};
}

void HttpServer::stop() {
  Impl& i = *impl_;
  if (i.daemon == nullptr) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto written = ::write(i.stop_event, &one, sizeof one);
  i.gate.join();
  for (const auto& [fd, _] : i.waiting) ::close(fd);
  i.waiting.clear();
  {
    std::lock_guard lock(i.mutex);
    i.stopping = true;
  }
  i.wake.notify_all();
  i.reaper.join();
  MHD_stop_daemon(i.daemon);  // waits for every connection's thread
  i.daemon = nullptr;
  for (int* fd : {&i.listener, &i.epoll, &i.stop_event}) {
    ::close(*fd);
    *fd = -1;
  }
}

int HttpServer::port() const { return impl_->port; }
std::uint64_t HttpServer::cut_connections() const {
  return impl_->cut.load(std::memory_order_relaxed);
}

}  // namespace setpoint::runner
