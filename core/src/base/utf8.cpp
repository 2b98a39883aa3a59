#include "setpoint/base/utf8.hpp"

#include <algorithm>
#include <cstdint>

namespace setpoint::utf8 {

std::size_t sequence_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n;
  std::uint32_t min;
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) {
    n = 2;
    min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3;
    min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  std::uint32_t code = c & (0x7f >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto next = static_cast<unsigned char>(s[i + k]);
    if ((next & 0xc0) != 0x80) return 0;
    code = (code << 6) | (next & 0x3f);
  }
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return n;
}

bool valid(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string repaired(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = sequence_length(s, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

namespace {

std::uint32_t decode3(std::string_view s, std::size_t i) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[i]) & 0x0f) << 12) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[i + 1]) & 0x3f) << 6) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[i + 2]) & 0x3f));
}

// Bidi controls, line and paragraph separators, zero-width characters and the BOM.
bool invisible(std::uint32_t cp) {
  return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
         (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff || cp == 0x061c;
}

}  // namespace

std::string printable(std::string_view s, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() < max_bytes ? s.size() : max_bytes);
  for (std::size_t i = 0; i < s.size();) {
    if (out.size() >= max_bytes) {
      out += "\xe2\x80\xa6";  // …
      break;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {  // a run of printable ASCII, the common case, copied at once
      std::size_t end = i + 1;
      while (end < s.size() && static_cast<unsigned char>(s[end]) >= 0x20 &&
             static_cast<unsigned char>(s[end]) < 0x7f)
        ++end;
      const std::size_t take = std::min(end - i, max_bytes - out.size());
      out.append(s.substr(i, take));
      i += take;
      continue;
    }
    const std::size_t n = sequence_length(s, i);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          out += "\\x";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
      }
      ++i;
    } else if (n == 2 && c == 0xc2 &&
               static_cast<unsigned char>(s[i + 1]) < 0xa0) {  // U+0080..U+009F
      out += "\\u00";
      const auto low = static_cast<unsigned char>(s[i + 1]);
      out.push_back(kHex[low >> 4]);
      out.push_back(kHex[low & 15]);
      i += 2;
    } else if (const std::uint32_t cp = n == 3 ? decode3(s, i) : 0; invisible(cp)) {
      // Text that reorders or breaks the line around it (a bidi override, U+2028) or hides
      // itself: shown by its code point, so no message can be made to read otherwise.
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(cp >> shift) & 15]);
      i += n;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace setpoint::utf8
