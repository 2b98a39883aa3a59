#!/usr/bin/env bash
# House rules a compiler cannot check, run by `make test`. Each rule is a class of bug that
# happened once; the check keeps the whole class out, not only the instance that was fixed.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=0
rule() {  # rule "what is wrong and what to do instead" <grep -E pattern> <files...>
  local why=$1 pattern=$2
  shift 2
  local hits
  hits=$(grep -nE "$pattern" "$@" 2>/dev/null)
  if [ -n "$hits" ]; then
    echo "check_rules: $why"
    echo "$hits" | sed 's/^/  /'
    failed=1
  fi
}
sources=$(git ls-files 'core/*.cpp' 'core/*.hpp' 'bindings/*.cpp' 'bindings/*.hpp' 'runner/*.cpp' 'runner/*.hpp' 2>/dev/null ||
          find core bindings runner -name '*.cpp' -o -name '*.hpp')
edge=core/include/setpoint/base/json_document.hpp
others=$(echo "$sources" | grep -v "^$edge$")

# nlohmann's dump() throws on invalid UTF-8 and parse() throws and accepts any depth: a GET of
# /%FF once aborted the daemon this way. Write and read JSON through json_document.hpp.
rule "nlohmann dump() outside json_document.hpp (use setpoint::dump)" '\.dump\(' $others
rule "nlohmann parse() outside json_document.hpp (use parse_json or parse_own_json)" 'json::parse\(' $others
# std::regex recurses per character of its input: a long path or string overflows the stack.
rule "std::regex on text from outside (it recurses per character); match by hand" 'std::regex' $others
# The sto* family throws on bad input and accepts trailing junk; parse with from_chars.
rule "std::stoi/stol/stoll/stoul/stod (throw, and accept trailing junk); use std::from_chars" 'std::sto(i|l|ll|ul|ull|d|f)\(' $others

exit $failed
