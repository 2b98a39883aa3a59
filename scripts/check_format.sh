#!/usr/bin/env bash
# Checks that every C++ file in core/, bindings/, runner/, tests/ and examples/ follows
# .clang-format (100 columns, include order); names each file that does not. `--fix` rewrites
# them instead. Run by `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format-14 > /dev/null; then
  echo "check_format: clang-format-14 is not installed (scripts/install-deps.sh installs it)" >&2
  exit 2
fi
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- 'core/*.cpp' 'core/*.hpp' 'bindings/*.cpp' 'bindings/*.hpp' \
  'runner/*.cpp' 'runner/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'examples/*.cpp' 'examples/*.hpp')
if [ "${1:-}" = "--fix" ]; then
  clang-format-14 -i "${files[@]}"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  if ! clang-format-14 --dry-run --Werror "$f" > /dev/null 2>&1; then
    echo "check_format: $f does not follow .clang-format (scripts/check_format.sh --fix)" >&2
    bad=1
  fi
done
exit $bad
