#!/usr/bin/env bash
# Checks the benchmark tools end to end in well under a minute: every workload runs for a
# fraction of a second against the null server and against basaltd (2,000 documents), exits 0,
# keeps its assertions, and appends the rows the report reads. Then a loadgen pointed at a
# workload that must fail (W6 reads on an empty collection) has to say so. Not part of ctest:
# it needs libmongoc-dev. Usage: bench/smoke_test.sh (after scripts/build.sh).
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
BENCH_BUILD=$BENCH_DIR/build
RESULTS_DIR=$(mktemp -d /tmp/basalt-bench-smoke.XXXXXX)
log() { printf '[smoke] %s\n' "$*" >&2; }
die() { printf '[smoke] error: %s\n' "$*" >&2; exit 1; }
source "$BENCH_DIR/lib/servers.sh"
trap 'stop_server; rm -rf "$RESULTS_DIR"' EXIT

[[ -x $REPO/build/server/basaltd ]] || die "build Basalt first (scripts/build.sh)"
make -s -C "$BENCH_DIR"
CSV=$RESULTS_DIR/out.csv
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

run() { # server workload clients [extra]
  local server=$1 wl=$2 clients=$3
  shift 3
  local extra=()
  [[ $server != null ]] || extra+=(--no-assert)
  "$BENCH_BUILD/loadgen" --uri "mongodb://127.0.0.1:$SERVER_PORT/" --server "$server" \
    --server-pid "$SERVER_PID" --workload "$wl" --clients "$clients" --rows 2000 --runs 2 \
    --seconds 0.2 --warmup 0 --csv "$CSV" "${extra[@]}" "$@" 2>>"$RESULTS_DIR/log" ||
    fail "$server $wl exited $?: $(tail -3 "$RESULTS_DIR/log")"
}

# expect server workload metric: a positive value must be in the CSV.
expect() {
  awk -F, -v s="$1" -v w="$2" -v m="$3" '$1 == s && $2 == w && $5 == m && $6 > 0 { found = 1 }
    END { exit !found }' "$CSV" || fail "no positive $3 for $1 $2"
}

for server in null basalt; do
  start_server "$server"
  if [[ $server == basalt ]] && "$BENCH_BUILD/loadgen" --uri "mongodb://127.0.0.1:$SERVER_PORT/" \
    --workload W6_id --rows 2000 --runs 1 --seconds 0.2 --warmup 0 --csv /dev/null 2>/dev/null; then
    fail "W6_id on an empty collection reported success"
  fi
  run "$server" load 1 --runs 1
  for wl in W1 W2 W3 update_id W6_id W6_email W7A; do run "$server" "$wl" 2; done
  run "$server" W1 2 --durability j:true
  run "$server" W6_id 2 --rate 200
  run "$server" W4 1
  run "$server" W5 32 --runs 1
  [[ $server == null ]] || for wl in find100k group topk; do run "$server" "$wl" 1; done
  stop_server
  for wl in W1 W2 W3 update_id W6_id W6_email W7A; do
    expect "$server" "$wl" ops_per_sec
    expect "$server" "$wl" cpu_us_per_op
    expect "$server" "$wl" p99_us
  done
  expect "$server" W6_id open_p99_us
  expect "$server" W4 docs_per_sec
  expect "$server" W5 rounds_per_sec
done
for wl in load W4 W5 find100k group topk W6_id W6_email; do expect basalt "$wl" assert_ok; done
for wl in W6_id W6_email; do
  grep -q "^basalt,$wl,2,default,explain_docs_examined,1.00\$" "$CSV" ||
    fail "$wl: explain did not report exactly one document examined"
done
grep -q '^basalt,find100k,1,default,rss_growth_kb,' "$CSV" || fail "no rss_growth_kb for find100k"
grep -q '^basalt,W1,2,j:true,ops_per_sec,' "$CSV" || fail "no j:true row for W1"
if grep -q ',assert_ok,0' "$CSV"; then fail "an assertion failed: $(grep ',assert_ok,0' "$CSV")"; fi
if grep -q '^null,.*,assert_ok,' "$CSV"; then fail "the null server was asserted on"; fi

# The report must build from these rows, with ratios to the null server.
cp "$CSV" "$RESULTS_DIR/raw.csv"
python3 "$BENCH_DIR/report.py" "$RESULTS_DIR" || fail "report.py failed"
w1_row='^| W1 | 2 | default (PG nosync) | [0-9,]* | [0-9,]* | [0-9.]* |'
grep -q "$w1_row" "$RESULTS_DIR/results.md" || fail "results.md has no W1 row with a null ratio"

if ((failures)); then
  echo "smoke_test: $failures check(s) failed" >&2
  exit 1
fi
echo "smoke_test: all checks passed ($(wc -l <"$CSV") rows)"
