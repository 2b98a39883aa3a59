#include "control_plane/access.hpp"

#include <cctype>
#include <cstring>

namespace setpoint::runner {
namespace {

// "Bearer <token>", the scheme in any case (RFC 7235); the token only of the characters a
// bearer token may have (RFC 6750), so a NUL or a space inside is a malformed header, not a
// shorter token.
std::optional<std::string> bearer_token(const std::string& header) {
  if (header.size() < 8) return std::nullopt;
  for (std::size_t i = 0; i < 6; ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != "bearer"[i]) return std::nullopt;
  }
  std::size_t start = 6;
  if (header[start] != ' ') return std::nullopt;
  while (start < header.size() && header[start] == ' ') ++start;
  std::size_t end = header.size();
  while (end > start && header[end - 1] == ' ') --end;
  if (end == start) return std::nullopt;
  for (std::size_t i = start; i < end; ++i) {
    const auto c = static_cast<unsigned char>(header[i]);
    if (!(std::isalnum(c) || std::strchr("-._~+/=", c) != nullptr) || c == '\0')
      return std::nullopt;
  }
  return header.substr(start, end - start);
}

}  // namespace

std::variant<Token, HttpResponse> Access::authorize(const std::optional<std::string>& header,
                                                    Role needed) const {
  // With no tokens file no token can be right: say so, not only that one is missing.
  const std::string none =
      tokens_.empty()
          ? "; no tokens file is configured (control_plane.tokens_file), so none is known"
          : "";
  if (!header) {
    HttpResponse r =
        json_error(401, "this needs a bearer token (Authorization: Bearer <token>)" + none);
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  const auto presented = bearer_token(*header);
  const auto token = presented ? tokens_.find(*presented) : std::nullopt;
  if (!token) {
    HttpResponse r =
        json_error(401, presented ? "the token is not known" + none
                                  : "the Authorization header is not \"Bearer <token>\"");
    r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return r;
  }
  if (!allows(token->role, needed)) {
    return json_error(403, "the token \"" + token->name + "\" has the role " +
                               role_name(token->role) + "; this needs " + role_name(needed));
  }
  return *token;
}

std::optional<HttpResponse> Access::refused(const std::optional<std::string>& authorization,
                                            Role needed) const {
  auto result = authorize(authorization, needed);
  if (auto* r = std::get_if<HttpResponse>(&result)) return std::move(*r);
  return std::nullopt;
}

std::optional<HttpResponse> Access::may_read(
    const std::optional<std::string>& authorization) const {
  if (tokens_.empty()) return std::nullopt;
  return refused(authorization, Role::kViewer);
}

std::optional<Token> Access::identify(const std::optional<std::string>& authorization) const {
  if (!authorization) return std::nullopt;
  const auto presented = bearer_token(*authorization);
  return presented ? tokens_.find(*presented) : std::nullopt;
}

}  // namespace setpoint::runner
