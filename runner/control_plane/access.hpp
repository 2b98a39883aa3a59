#pragma once
// Who may do what on the control plane: the bearer token in a request's headers, checked
// against the tokens file before a byte of the body is read. Without a tokens file, reads are
// open and every mutation is refused.
#include <optional>
#include <variant>

#include "config/tokens.hpp"
#include "control_plane/http_server.hpp"

namespace setpoint::runner {

class Access {
 public:
  explicit Access(Tokens tokens) : tokens_(std::move(tokens)) {}

  // `authorization` is the request's Authorization header, if it has one.
  // The token, when it allows `needed`; else the 401 or 403 to answer.
  std::variant<Token, HttpResponse> authorize(const std::optional<std::string>& authorization,
                                              Role needed) const;
  // The 401 or 403 to answer, or none when the request may go on.
  std::optional<HttpResponse> refused(const std::optional<std::string>& authorization,
                                      Role needed) const;
  // Reads need a viewer token once tokens exist; without a tokens file they are open.
  std::optional<HttpResponse> may_read(const std::optional<std::string>& authorization) const;
  // The token the header presents, when it is a known one (the dashboard's session).
  std::optional<Token> identify(const std::optional<std::string>& authorization) const;
  bool open() const { return tokens_.empty(); }  // no tokens file: reads need no token

 private:
  Tokens tokens_;
};

}  // namespace setpoint::runner
