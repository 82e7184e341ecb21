#!/usr/bin/env bash
# README command 2: set up, build, and run every test: unit, end-to-end and
# the container test; then the same unit and end-to-end suite under
# AddressSanitizer + UndefinedBehaviorSanitizer (one clang build that also
# holds the libFuzzer targets, each fuzzed for BASALT_FUZZ_SECONDS), and the
# concurrency tests under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-tests
scripts/build.sh
(cd build && ctest --output-on-failure --timeout 1800 -j2)

sanitized() {  # sanitized DIR SANITIZERS [cmake args...]
  local dir=$1 sanitizers=$2
  shift 2
  CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBASALT_SANITIZE="$sanitizers" "$@" >/dev/null
}

echo "test: address,undefined sanitizers and fuzzing"
sanitized build-sanitize address,undefined -DBASALT_FUZZ=ON \
  -DBASALT_FUZZ_SECONDS="${BASALT_FUZZ_SECONDS:-30}"
cmake --build build-sanitize -j"$(nproc)"
(cd build-sanitize && ctest --output-on-failure --timeout 1800 -j2 -E container)

echo "test: thread sanitizer on the concurrency tests"
sanitized build-tsan thread
cmake --build build-tsan -j"$(nproc)" --target unit_storage unit_commands basaltd
# The [crash] tests fork a multi-threaded process, which TSan cannot follow; a
# test spec would also run the hidden [.bench] throughput test, which is not a
# correctness test.
# detect_deadlocks=0: TSan's lock-order checker tracks at most 64 mutexes held by one
# thread, and a batched insert holds the stripe locks of up to 512 documents at once (taken
# in ascending order, so they cannot deadlock); beyond 64 the checker aborts the process.
export TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp detect_deadlocks=0"
build-tsan/tests/unit/unit_storage '~[crash]~[bench]'
build-tsan/tests/unit/unit_commands
(cd build-tsan && ctest --output-on-failure --timeout 1800 -j2 \
  -R '^(e2e_node_insert|e2e_node_insert_many|e2e_node_update|e2e_python_test_upsert_pymongo)$')
