#!/usr/bin/env bash
# scripts/check_layout.py passes on the tree as it is, and fails, naming the file and the line,
# on each kind of fault planted in a copy: a forbidden direction, a cycle, a file in no room, a
# long file that does not say why.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
check="$root/scripts/check_layout.py"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
expect() {  # expect <what> <exit status> <text the output must hold> (on the copy in $work/t)
  local what=$1 status=$2 text=$3 out rc
  out=$(python3 "$check" "$work/t" 2>&1); rc=$?
  if [ "$rc" != "$status" ] || ! grep -qF -- "$text" <<<"$out"; then
    echo "FAIL: $what: exit $rc (want $status), output:"; echo "$out" | sed 's/^/  /'
    failed=1
  else
    echo "ok: $what"
  fi
}
fresh() { rm -rf "$work/t" && mkdir "$work/t" && (cd "$root" && tar cf - core bindings runner) | tar xf - -C "$work/t"; }

fresh
expect "the tree as it is" 0 ""

fresh
line=$(( $(wc -l < "$work/t/core/src/guard/guard.cpp") + 1 ))
echo '#include "setpoint/windows/window.hpp"' >> "$work/t/core/src/guard/guard.cpp"
expect "guard including windows" 1 "core/src/guard/guard.cpp:$line: core/guard may not include core/windows"

fresh
echo '#include "setpoint/bindings/library.hpp"' >> "$work/t/core/src/base/clock.cpp"
expect "core including bindings" 1 "core/base may not include bindings"

fresh
echo '#include "setpoint/audit/decision.hpp"' >> "$work/t/bindings/src/ctx.cpp"
expect "bindings including audit" 1 "bindings may not include core/audit"

fresh
echo '#include "setpoint/effects/effect_pipeline.hpp"' >> "$work/t/core/src/base/clock.cpp"
expect "a cycle" 1 "cycle between folders: core/base -> core/effects"

fresh
echo '#include "setpoint/base/clock.hpp"' > "$work/t/core/src/stray.cpp"
expect "a file in no room" 1 "core/src/stray.cpp: not in any room"

fresh
python3 -c "print('// no reason given'); [print('int x%d;' % i) for i in range(401)]" > "$work/t/core/src/base/long.cpp"
expect "a long file that does not say why" 1 "core/src/base/long.cpp: 402 lines, over 400"

fresh
python3 -c "print('// over 400 lines because it is one table'); [print('int x%d;' % i) for i in range(401)]" > "$work/t/core/src/base/long.cpp"
expect "a long file that says why" 0 ""

exit $failed
