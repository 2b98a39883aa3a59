#include "setpoint/base/utf8.hpp"

#include <catch2/catch.hpp>

using namespace setpoint;

TEST_CASE("UTF-8 is valid only in its shortest form, below U+10FFFF, without surrogates") {
  CHECK(utf8::valid("plain ascii"));
  CHECK(utf8::valid("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK_FALSE(utf8::valid("\xff"));
  CHECK_FALSE(utf8::valid("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(utf8::valid("\xed\xa0\x80"));      // a UTF-16 surrogate
  CHECK_FALSE(utf8::valid("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(utf8::valid("\xe2\x82"));          // cut short
  CHECK_FALSE(utf8::valid("\x80"));              // a stray continuation byte
  CHECK(utf8::repaired("a\xff"
                       "b\xe2\x82") ==
        "a\xef\xbf\xbd"
        "b\xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("printable text is one line a terminal shows as it is") {
  CHECK(utf8::printable("ok: h\xc3\xa9llo") == "ok: h\xc3\xa9llo");
  CHECK(utf8::printable("two\nlines\r\n") == "two\\nlines\\r\\n");
  CHECK(utf8::printable("\x1b[31mred\x1b[0m\t\x7f") == "\\x1b[31mred\\x1b[0m\\t\\x7f");
  CHECK(utf8::printable(std::string("nul\0byte", 8)) == "nul\\x00byte");
  CHECK(utf8::printable("\xc2\x9b"
                        "2J") == "\\u009b2J");  // C1 CSI: some terminals act on it
  CHECK(utf8::printable("bad\xff") == "bad\xef\xbf\xbd");
  CHECK(utf8::printable(std::string(10, 'x'), 4) == "xxxx\xe2\x80\xa6");
  CHECK(utf8::printable("abcd", 4) == "abcd");  // exactly the cap: nothing cut
  CHECK(utf8::printable("ab\ncd\xc3\xa9"
                        "ef",
                        5) == "ab\\nc\xe2\x80\xa6");  // the cap inside a run after an escape
  CHECK(utf8::valid(utf8::printable("\xed\xa0\x80\xc3")));
  // What reorders or breaks a line around it, or hides: its code point, never itself.
  CHECK(utf8::printable("id \xe2\x80\xae"
                        "cba") == "id \\u202ecba");  // RIGHT-TO-LEFT OVERRIDE
  CHECK(utf8::printable("a\xe2\x80\xa8"
                        "b") == "a\\u2028b");  // LINE SEPARATOR
  CHECK(utf8::printable("\xef\xbb\xbf"
                        "x\xe2\x80\x8b") == "\\ufeffx\\u200b");  // BOM, ZERO WIDTH SPACE
  CHECK(utf8::printable("\xe2\x82\xac") == "\xe2\x82\xac");      // the euro sign stays itself
}
