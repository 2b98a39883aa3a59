#include "control_plane/request_head.hpp"

#include <cctype>
#include <map>
#include <string>

#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<void> check_head(std::string_view head) {
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '\0') return Error{"a NUL in the request's headers"};
    if (head[i] == '\r' && (i + 1 == head.size() || head[i + 1] != '\n'))
      return Error{"a CR not followed by LF in the request's headers"};
  }
  const std::size_t line_end = std::min(head.find("\r\n"), head.size());
  if (lower(head.substr(0, line_end)).find("%00") != std::string::npos)
    return Error{"a NUL (%00) in the request's path or query"};
  std::map<std::string, int> seen;
  for (std::size_t at = line_end + 2; at < head.size();) {
    const std::size_t end = std::min(head.find("\r\n", at), head.size());
    const std::string_view line = head.substr(at, end - at);
    at = end + 2;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // MHD answers a malformed line itself
    std::string name = lower(line.substr(0, colon));
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    if (name == "authorization" || name == "content-length" || name == "transfer-encoding" ||
        name == "host") {
      if (++seen[name] > 1) return Error{"the header " + name + " is given more than once"};
    }
    if (name == "transfer-encoding") {
      // Only chunked is spoken: MHD left "gzip, chunked" waiting for a body it would never read.
      std::string value = lower(line.substr(colon + 1));
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
      if (value != "chunked")
        return Error{"Transfer-Encoding \"" + utf8::printable(value, 100) +
                     "\": only chunked is taken"};
    }
  }
  if (seen.count("content-length") > 0 && seen.count("transfer-encoding") > 0) {
    return Error{"both Content-Length and Transfer-Encoding: a body is framed one way"};
  }
  return {};
}

}  // namespace setpoint::runner
