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
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
