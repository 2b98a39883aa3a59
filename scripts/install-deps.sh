#!/usr/bin/env bash
# Installs the Debian 12 packages Setpoint builds and tests with, only those missing,
# so `make demo` and `make test` work on a fresh machine and cost nothing the second time.
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config
  libluajit-5.1-dev liblua5.4-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libsimdjson-dev
  catch2 libsqlite3-dev libcpp-httplib-dev libmicrohttpd-dev libcli11-dev libbenchmark-dev
  clang libclang-rt-14-dev clang-format-14 python3 curl
  prometheus  # promtool, to check /metrics in the integration tests
  chromium    # the dashboard's browser tests (driven headless by puppeteer-core)
)
# Node.js and npm, for the dashboard's locked packages: any install will do (the machine's own,
# or Debian's when there is none).
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The npm packages, exactly as the lock files say (npm ci), only when they are not there yet:
# uPlot for the dashboard (embedded at build time) and puppeteer-core for its tests. No browser
# is downloaded: the tests drive Debian's chromium.
npm_packages() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  for dir in runner/dashboard tests/dashboard; do
    if [ ! -d "$root/$dir/node_modules" ] || [ "$root/$dir/package-lock.json" -nt "$root/$dir/node_modules" ]; then
      echo "install-deps: npm ci in $dir"
      (cd "$root/$dir" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
      touch "$root/$dir/node_modules"
    fi
  done
}

if [ ${#missing[@]} -eq 0 ]; then
  npm_packages
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
npm_packages
