#!/usr/bin/env bash
# README command 2: set up, build, and run every test (unit and end-to-end).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-tests
scripts/build.sh
cd build
ctest --output-on-failure --timeout 600 -j2
