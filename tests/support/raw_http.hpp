#pragma once
// HTTP written by hand over a loopback socket, for what a client library would never send
// (a header a byte at a time, a NUL, a bare CR) and for timing a request with nothing between.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace setpoint::testing {

// A connection to 127.0.0.1:port whose reads give up after 5 s of silence; -1 if refused.
inline int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

// What arrives on `fd` up to the server's close (or 5 s of silence).
inline std::string read_answer(int fd) {
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
    answer.append(buffer, static_cast<std::size_t>(n));
  return answer;
}

// Sends `request` on a new connection; the answer up to the server's close (or 5 s of silence).
inline std::string raw_request(int port, const std::string& request) {
  const int fd = connect_to(port);
  if (fd < 0) return {};
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer = read_answer(fd);
  ::close(fd);
  return answer;
}

}  // namespace setpoint::testing
