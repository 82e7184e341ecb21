#!/usr/bin/env bash
# Installs what building and testing Basalt needs on Debian/Ubuntu: the apt
# packages that are missing, and the npm test clients pinned in
# tests/e2e/package-lock.json. Safe to run again; does nothing when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libasio-dev libbson-dev libspdlog-dev libyaml-cpp-dev catch2
  librocksdb-dev libsnappy-dev zlib1g-dev libzstd-dev liblz4-dev libbz2-dev libssl-dev
  libpcre2-dev
)
# clang and its runtimes: the sanitizer and libFuzzer builds; the openssl CLI makes the
# TLS test's certificates.
TEST_PACKAGES=(nodejs npm python3 python3-pymongo python3-snappy python3-zstandard
  clang libclang-rt-14-dev openssl)

want=("${BUILD_PACKAGES[@]}")
[[ "${1:-}" == "--with-tests" ]] && want+=("${TEST_PACKAGES[@]}")

missing=()
for pkg in "${want[@]}"; do
  # A tool already on PATH (e.g. node from another source) counts as present.
  case "$pkg" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ "${1:-}" == "--with-tests" ]]; then
  lock=tests/e2e/package-lock.json
  stamp=tests/e2e/node_modules/.basalt-lock
  if [[ ! -f $stamp ]] || ! cmp -s "$lock" "$stamp"; then
    echo "setup: installing npm test clients from $lock"
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
    cp "$lock" "$stamp"
  fi
fi
