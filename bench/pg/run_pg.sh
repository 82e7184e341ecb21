#!/usr/bin/env bash
# PostgreSQL 15 reference for Basalt's benchmark suite (issue 9, item 3b): the
# workloads as pgbench scripts against a throw-away cluster, appended to a CSV as
#   postgres,<workload>,<clients>,<sync|nosync>,<metric>,<value>
# Usage: bench/pg/run_pg.sh <csv-path>      (knobs and method: bench/pg/README.md)
# Progress goes to stderr; stdout stays empty.
set -euo pipefail

BENCH_PG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_PG_DIR/cluster.sh"
source "$BENCH_PG_DIR/measure.sh"
source "$BENCH_PG_DIR/workloads.sh"

[[ $# -eq 1 ]] || { echo "usage: $0 <csv-path>" >&2; exit 2; }
CSV=$1
touch -- "$CSV" 2>/dev/null || die "cannot write to $CSV"

# --- knobs: BENCH_QUICK only changes defaults, explicit settings still win ---
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
    RUNS=${BENCH_RUNS:-1} RUN_SECONDS=${BENCH_SECONDS:-2} ROWS=${BENCH_ROWS:-100000}
    WARMUP_SECONDS=${BENCH_WARMUP_SECONDS:-1}
else
    RUNS=${BENCH_RUNS:-3} RUN_SECONDS=${BENCH_SECONDS:-10} ROWS=${BENCH_ROWS:-1000000}
    WARMUP_SECONDS=${BENCH_WARMUP_SECONDS:-2}
fi
WORKLOADS=${BENCH_WORKLOADS:-W1 W2 W3 W6_id W6_email}
DURABILITIES=${BENCH_DURABILITY:-sync nosync}
OPEN_LOOP=${BENCH_OPEN_LOOP:-1}
OPEN_CLIENTS=${BENCH_OPEN_CLIENTS:-16}
OPEN_RATE_W1=${BENCH_OPEN_RATE_W1:-2000}
OPEN_RATE_W6=${BENCH_OPEN_RATE_W6:-10000}
SERVER_CPU=${BENCH_SERVER_CPU:-1}
CLIENT_CPU=${BENCH_CLIENT_CPU:-1}
PROTOCOL=${BENCH_PG_PROTOCOL:-prepared}

require_count() { [[ $2 =~ ^[0-9]+$ && $2 -ge ${3:-1} ]] || die "$1 must be an integer >= ${3:-1}, got '$2'"; }
require_count BENCH_RUNS "$RUNS"
require_count BENCH_SECONDS "$RUN_SECONDS"
require_count BENCH_ROWS "$ROWS"
require_count BENCH_WARMUP_SECONDS "$WARMUP_SECONDS" 0
require_count BENCH_OPEN_CLIENTS "$OPEN_CLIENTS"
require_count BENCH_OPEN_RATE_W1 "$OPEN_RATE_W1"
require_count BENCH_OPEN_RATE_W6 "$OPEN_RATE_W6"
for c in ${BENCH_CLIENTS:-}; do require_count BENCH_CLIENTS "$c"; done
for d in $DURABILITIES; do [[ $d == sync || $d == nosync ]] || die "BENCH_DURABILITY: '$d' is not sync or nosync"; done
for w in $WORKLOADS; do workload_script "$w" >/dev/null; done
[[ $PROTOCOL =~ ^(simple|extended|prepared)$ ]] || die "BENCH_PG_PROTOCOL: '$PROTOCOL'"

clients_for() {
    if [[ -n ${BENCH_CLIENTS:-} ]]; then echo "$BENCH_CLIENTS"
    elif [[ $1 == W1 ]]; then echo "1 4 16 64"
    else echo "1 16"; fi
}
selected() { [[ " $WORKLOADS " == *" $1 "* ]]; }
synchronous_commit_for() { [[ $1 == sync ]] && echo on || echo off; }

# Pinning as issue 9's single-client figures were taken: the whole server (the
# postmaster, its helpers and the backend it forks for pgbench) on SERVER_CPU,
# pgbench on CLIENT_CPU (by default the same CPU, see bench/run.sh).
# Multi-client runs are never pinned.
NCPU=$(nproc)
can_pin() { [[ $1 -eq 1 && $NCPU -ge 2 && ${BENCH_PIN:-1} == 1 ]]; }

emit() { # workload clients durability metric value
    printf 'postgres,%s,%s,%s,%s,%s\n' "$@" >>"$CSV"
}

INVOCATION=0
# One pgbench run; appends "tps txns p50 p99 p999 cpu_us_per_op peak_pss_kb" to
# $RESULTS.  $5 = fixed rate (ops/s over all clients) or 0 for closed loop.
# Never call it in a condition or $(...): `set -e` would not stop it there.
run_once() {
    local wl=$1 clients=$2 durability=$3 seconds=$4 rate=$5
    local dir=$PG_TMP/run threads=$((clients < NCPU ? clients : NCPU)) pin=()
    local before after out tps txns failed
    INVOCATION=$((INVOCATION + 1))
    workload_before_run "$wl"
    pg_wait_for_no_backends
    rm -rf "$dir" && mkdir -p "$dir"
    if can_pin "$clients"; then
        pg_set_affinity "$SERVER_CPU"
        pin=(taskset -c "$CLIENT_CPU")
        threads=1
    fi
    local args=(-n -M "$PROTOCOL" -c "$clients" -j "$threads" -T "$seconds"
        -f "$(workload_script "$wl")" -D "rows=$ROWS" -D i=0
        -D "base=$((1000000000000 + INVOCATION * 100000000000))"
        --log --log-prefix="$dir/latency")
    [[ $rate -eq 0 ]] || args+=(--rate "$rate")

    before=$(pg_cpu_ticks)
    touch "$dir/sampling"
    pg_start_pss_sampler "$dir/sampling" "$dir/pss"
    if ! PGOPTIONS="-c synchronous_commit=$(synchronous_commit_for "$durability")" \
        "${pin[@]}" "$PG_BIN/pgbench" "${args[@]}" >"$dir/out" 2>"$dir/err"; then
        pg_stop_pss_sampler "$dir/sampling"
        cat "$dir/out" "$dir/err" >&2
        die "pgbench failed: $wl, $clients clients, $durability"
    fi
    pg_stop_pss_sampler "$dir/sampling"
    pg_wait_for_no_backends
    after=$(pg_cpu_ticks)
    [[ ${#pin[@]} -eq 0 ]] || pg_set_affinity "$PG_ORIGINAL_CPUS"

    out=$(cat "$dir/out")
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")
    txns=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
    [[ -n $tps && -n $txns ]] || { cat "$dir/out" >&2; die "cannot parse pgbench output"; }
    [[ ${failed:-0} -eq 0 ]] || die "$wl: pgbench reports $failed failed transactions"
    [[ $txns -gt 0 ]] || die "$wl: pgbench processed no transaction"
    workload_verify "$wl" "$txns"

    local percentiles cpu_per_op pss
    percentiles=$(latency_percentiles "$dir"/latency.*)
    cpu_per_op=$(awk -v t=$((after - before)) -v hz="$CLK_TCK" -v n="$txns" \
        'BEGIN { printf "%.2f", t * 1e6 / hz / n }')
    pss=$(cat "$dir/pss" 2>/dev/null || echo 0)
    echo "$tps $txns $percentiles $cpu_per_op $pss" >>"$RESULTS"
    rm -rf "$dir"
}

# A warm-up run (discarded), then RUNS measured runs; medians go to the CSV.
measure() {
    local wl=$1 clients=$2 durability=$3 rate=$4 r
    local mode=closed-loop prefix=""
    if [[ $rate -ne 0 ]]; then mode="open-loop at $rate ops/s"; prefix=open_; fi
    log "$wl, $clients clients, $durability, $mode: $RUNS x ${RUN_SECONDS}s"
    RESULTS=$PG_TMP/results
    if [[ $WARMUP_SECONDS -ne 0 ]]; then
        run_once "$wl" "$clients" "$durability" "$WARMUP_SECONDS" "$rate"
    fi
    : >"$RESULTS"
    for ((r = 1; r <= RUNS; r++)); do
        run_once "$wl" "$clients" "$durability" "$RUN_SECONDS" "$rate"
        log "  run $r: $(tail -1 "$RESULTS" | awk '{ printf "%s ops/s, p50 %s us, p99 %s us, p99.9 %s us, %s us CPU/op", $1, $3, $4, $5, $6 }')"
    done
    field() { awk -v k="$1" '{ print $k }' "$RESULTS"; }
    fmt() { awk -v f="$1" '{ printf f, $1 }'; }
    emit "$wl" "$clients" "$durability" "${prefix}ops_per_sec" "$(field 1 | median | fmt %.1f)"
    if [[ $rate -ne 0 ]]; then
        emit "$wl" "$clients" "$durability" open_target_ops_per_sec "$rate"
    fi
    emit "$wl" "$clients" "$durability" "${prefix}p50_us" "$(field 3 | median | fmt %.0f)"
    emit "$wl" "$clients" "$durability" "${prefix}p99_us" "$(field 4 | median | fmt %.0f)"
    emit "$wl" "$clients" "$durability" "${prefix}p999_us" "$(field 5 | median | fmt %.0f)"
    if [[ $rate -eq 0 ]]; then
        emit "$wl" "$clients" "$durability" cpu_us_per_op "$(field 6 | median | fmt %.2f)"
        emit "$wl" "$clients" "$durability" peak_rss_kb "$(field 7 | max_of)"
    fi
}

check_durability_reaches_server() {
    local want got
    want=$(synchronous_commit_for "$1")
    got=$(PGOPTIONS="-c synchronous_commit=$want" pg_value "SHOW synchronous_commit")
    [[ $got == "$want" ]] || die "asked for synchronous_commit=$want, server says $got"
}

main() {
    PG_TMP=$(mktemp -d /tmp/basalt-pg.XXXXXX)
    trap pg_stop_and_remove EXIT
    trap 'exit 130' INT TERM
    pg_ensure_installed
    pg_create_and_start
    PG_ORIGINAL_CPUS=$(taskset -p -c "$PG_POSTMASTER_PID" | sed 's/.*: //')
    log "loading $ROWS users"
    pg_sql -v rows="$ROWS" -f "$BENCH_PG_DIR/sql/schema.sql"
    workloads_check_loaded
    workloads_prewarm
    local wl durability clients rate
    for wl in "${WORKLOAD_ORDER[@]}"; do
        selected "$wl" || continue
        for durability in $DURABILITIES; do
            check_durability_reaches_server "$durability"
            for clients in $(clients_for "$wl"); do
                measure "$wl" "$clients" "$durability" 0
            done
            if [[ $OPEN_LOOP == 1 ]] && workload_has_open_loop "$wl"; then
                rate=$OPEN_RATE_W6
                [[ $wl != W1 ]] || rate=$OPEN_RATE_W1
                measure "$wl" "$OPEN_CLIENTS" "$durability" "$rate"
            fi
        done
    done
    log "done; rows appended to $CSV"
}

main
