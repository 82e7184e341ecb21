#!/usr/bin/env bash
# Checks run_pg.sh end to end on a tiny configuration: it refuses bad input
# without touching the CSV, and a real run appends exactly the rows the contract
# promises (every workload x clients x durability x metric, numeric values, no
# header), then removes its cluster.  Not part of ctest: it starts PostgreSQL and
# takes about a minute.  Usage: bench/pg/test_run_pg.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
CSV=$WORK/out.csv
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

expect_refusal() { # description, expected message, env assignments...
    local what=$1 message=$2
    shift 2
    echo "existing,row" >"$CSV"
    if env "$@" "$HERE/run_pg.sh" "$CSV" 2>"$WORK/err" >/dev/null; then
        fail "$what: exit status 0"
    fi
    grep -q -- "$message" "$WORK/err" || fail "$what: no '$message' in: $(cat "$WORK/err")"
    [[ $(cat "$CSV") == "existing,row" ]] || fail "$what: CSV was modified"
}

expect_refusal "bad BENCH_RUNS" "BENCH_RUNS must be an integer" BENCH_RUNS=x
expect_refusal "bad durability" "is not sync or nosync" BENCH_DURABILITY=maybe
expect_refusal "bad workload" "unknown workload 'W9'" BENCH_WORKLOADS=W9
expect_refusal "bad clients" "BENCH_CLIENTS must be an integer" BENCH_CLIENTS="1 zero"
if "$HERE/run_pg.sh" 2>/dev/null; then fail "no argument: exit status 0"; fi

# A real run: every workload, 1 and 2 clients, both durabilities, 1 s runs.
: >"$CSV"
before=$(find /tmp -maxdepth 1 -name 'basalt-pg.*' | sort)
BENCH_QUICK=1 BENCH_SECONDS=1 BENCH_ROWS=2000 BENCH_WARMUP_SECONDS=0 \
    BENCH_CLIENTS="1 2" BENCH_OPEN_CLIENTS=2 BENCH_OPEN_RATE_W1=200 BENCH_OPEN_RATE_W6=200 \
    "$HERE/run_pg.sh" "$CSV" 2>"$WORK/err" || { cat "$WORK/err" >&2; fail "real run failed"; }
after=$(find /tmp -maxdepth 1 -name 'basalt-pg.*' | sort)
[[ $before == "$after" ]] || fail "cluster directory left behind: $after"

# Every row: six fields, server postgres, a finite non-negative number.
awk -F, 'NF != 6 || $1 != "postgres" || $6 !~ /^[0-9]+(\.[0-9]+)?$/ { print "bad row: " $0; bad = 1 }
         END { exit bad }' "$CSV" >&2 || fail "malformed rows"

expected=$WORK/expected
for wl in W1 W6_id W6_email W3 W2; do
    for dur in sync nosync; do
        for c in 1 2; do
            for m in ops_per_sec p50_us p99_us p999_us cpu_us_per_op peak_rss_kb; do
                echo "$wl,$c,$dur,$m"
            done
        done
        if [[ $wl == W1 || $wl == W6_* ]]; then
            for m in open_ops_per_sec open_target_ops_per_sec open_p50_us open_p99_us open_p999_us; do
                echo "$wl,2,$dur,$m"
            done
        fi
    done
done | sort >"$expected"
cut -d, -f2-5 "$CSV" | sort >"$WORK/got"
diff "$expected" "$WORK/got" >&2 || fail "rows differ from the contract (expected < > got)"

# Throughput and server CPU must be positive: a zero would mean nothing was measured.
awk -F, '($5 == "ops_per_sec" || $5 == "cpu_us_per_op" || $5 == "peak_rss_kb") && $6 + 0 <= 0 {
         print "non-positive: " $0; bad = 1 } END { exit bad }' "$CSV" >&2 || fail "zero measurements"

if [[ $failures -eq 0 ]]; then
    echo "test_run_pg: all checks passed ($(wc -l <"$CSV") rows)"
else
    echo "test_run_pg: $failures check(s) failed" >&2
    exit 1
fi
