#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time: run_fuzzer.sh BINARY FUZZ_DIR SECONDS.
# Reads the committed seeds (FUZZ_DIR/corpus/<target>) and past crashes
# (FUZZ_DIR/regressions/<target>) and writes new inputs to a scratch corpus,
# so the tree is never modified. A crash fails the test and leaves the input
# under $TMPDIR, printed, to be added to regressions/ once fixed.
set -euo pipefail
binary=$1 fuzz_dir=$2 seconds=$3
name=$(basename "$binary")
scratch=$(mktemp -d "${TMPDIR:-/tmp}/basalt-$name.XXXXXX")
trap 'rm -rf "$scratch/corpus"' EXIT
mkdir -p "$scratch/corpus"
inputs=("$scratch/corpus")
for dir in "$fuzz_dir/corpus/$name" "$fuzz_dir/regressions/$name"; do
  [[ -d $dir ]] && inputs+=("$dir")
done
# -rss_limit_mb and -timeout turn unbounded memory and hangs into failures.
if ! "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$scratch/" "${inputs[@]}"; then
  echo "run_fuzzer: $name failed; crashing input kept in $scratch" >&2
  exit 1
fi
rm -rf "$scratch"
