#!/usr/bin/env bash
# README command 1: set up, build, and start basaltd on 127.0.0.1:27017 with
# its data in ./data. Extra arguments go to basaltd (e.g. --port 27018).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
mkdir -p data
exec build/server/basaltd --dbpath ./data --bind_ip 127.0.0.1 --port 27017 "$@"
