#!/usr/bin/env bash
# Basalt's benchmark suite in one command (docs/bench.md): installs what it needs, builds
# Basalt and the bench tools, runs every workload against the null server and basaltd (and
# PostgreSQL through bench/pg/run_pg.sh when present), then writes
#   bench/results/raw.csv         server,workload,clients,durability,metric,value (medians)
#   bench/results/results.md      the tables, Basalt as ratios to the null server and PostgreSQL
#   bench/results/throughput.png  throughput against client count
# Knobs are environment variables (BENCH_QUICK=1 for a ~2-minute run); see docs/bench.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
BENCH_BUILD=$BENCH_DIR/build
RESULTS_DIR=${BENCH_OUT:-$BENCH_DIR/results}

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

source "$BENCH_DIR/lib/setup.sh"
source "$BENCH_DIR/lib/servers.sh"

# --- knobs: the same names and meanings as bench/pg/run_pg.sh, so one setting drives both ---
if [[ ${BENCH_QUICK:-0} == 1 ]]; then
  RUNS=${BENCH_RUNS:-1} RUN_SECONDS=${BENCH_SECONDS:-1} WARMUP=${BENCH_WARMUP_SECONDS:-0}
  ROWS=${BENCH_ROWS:-100000}
else
  RUNS=${BENCH_RUNS:-3} RUN_SECONDS=${BENCH_SECONDS:-2} WARMUP=${BENCH_WARMUP_SECONDS:-1}
  ROWS=${BENCH_ROWS:-1000000}
fi
# Order matters: W2 comes last because the documents it inserts stay in bench.users.
ALL_WORKLOADS="W1 W4 insertMany100k_ordered insertMany100k_unordered_dup10 W5 W6_id W6_email"
ALL_WORKLOADS+=" W7C W7B W7A find100k group topk W3 update_id W2"
WORKLOADS=${BENCH_WORKLOADS:-$ALL_WORKLOADS}
DURABILITIES=${BENCH_DURABILITY:-default j:true}
SERVERS=${BENCH_SERVERS:-null basalt}
OPEN_LOOP=${BENCH_OPEN_LOOP:-1}
OPEN_CLIENTS=${BENCH_OPEN_CLIENTS:-16}
OPEN_RATE_W1=${BENCH_OPEN_RATE_W1:-2000}
OPEN_RATE_W6=${BENCH_OPEN_RATE_W6:-10000}
# One-client runs share one CPU between server and client, as issue 9's reference figures were
# taken (null ~41k/s, PostgreSQL 24.3k/s); CPU 1, because CPU 0 takes this VM's interrupts.
SERVER_CPU=${BENCH_SERVER_CPU:-1}
CLIENT_CPU=${BENCH_CLIENT_CPU:-1}
PIN=${BENCH_PIN:-1}
RUN_PG=${BENCH_PG:-1}

is_count() { [[ $1 =~ ^[0-9]+$ && $1 -ge ${2:-1} ]]; }
for v in RUNS RUN_SECONDS ROWS OPEN_CLIENTS OPEN_RATE_W1 OPEN_RATE_W6; do
  is_count "${!v}" || die "$v must be a positive integer, got '${!v}'"
done
is_count "$WARMUP" 0 || die "BENCH_WARMUP_SECONDS must be an integer >= 0"
for c in ${BENCH_CLIENTS:-}; do is_count "$c" || die "BENCH_CLIENTS: '$c'"; done
for d in $DURABILITIES; do
  [[ $d == default || $d == j:true ]] || die "BENCH_DURABILITY: '$d' is not default or j:true"
done
for w in $WORKLOADS; do
  [[ " $ALL_WORKLOADS " == *" $w "* ]] || die "unknown workload '$w' (known: $ALL_WORKLOADS)"
done

# --- the plan: which client counts and durabilities each workload runs at ---
clients_for() {
  case $1 in
  W1) echo "${BENCH_CLIENTS:-1 4 16 64}" ;;
  W2 | W3 | update_id | W6_id | W6_email) echo "${BENCH_CLIENTS:-1 16}" ;;
  W7?) echo "${BENCH_CLIENTS:-16}" ;;
  W5) echo 32 ;;
  *) echo 1 ;;
  esac
}
# Reads and W5's race run at the default write concern only; writes at every durability.
durabilities_for() {
  case $1 in
  W1 | W2 | W3 | update_id | W4 | insertMany*) echo "$DURABILITIES" ;;
  *) echo default ;;
  esac
}
open_rate_for() {
  case $1 in W1) echo "$OPEN_RATE_W1" ;; W6_*) echo "$OPEN_RATE_W6" ;; *) echo 0 ;; esac
}
# The null server returns one canned document, so reads of many documents mean nothing there.
runs_on() { [[ $1 != null ]] || [[ ! " find100k group topk " == *" $2 "* ]]; }

FAILURES=()

# loadgen SERVER WORKLOAD CLIENTS DURABILITY [extra args]
loadgen() {
  local server=$1 wl=$2 clients=$3 durability=$4
  shift 4
  local args=(--uri "mongodb://127.0.0.1:$SERVER_PORT/" --server "$server"
    --server-pid "$SERVER_PID" --workload "$wl" --clients "$clients" --durability "$durability"
    --rows "$ROWS" --runs "$RUNS" --seconds "$RUN_SECONDS" --warmup "$WARMUP" --csv "$RAW" "$@")
  [[ $server != null ]] || args+=(--no-assert)
  local pin=() log=$RESULTS_DIR/loadgen.log logged
  logged=$(wc -l <"$log")
  # The initial load is set-up, not a figure: it gets both CPUs.
  if can_pin "$clients" && [[ $wl != load ]]; then
    pin_server "$SERVER_CPU"
    pin=(taskset -c "$CLIENT_CPU")
  fi
  local rc=0
  "${pin[@]}" "$BENCH_BUILD/loadgen" "${args[@]}" 2>>"$log" || rc=$?
  [[ ${#pin[@]} -eq 0 ]] || pin_server "$SERVER_CPUS"
  case $rc in
  0) ;;
  3) FAILURES+=("$server $wl c=$clients $durability: ASSERTION FAILED") ;;
  *) FAILURES+=("$server $wl c=$clients $durability: loadgen exit $rc") ;;
  esac
  tail -n +$((logged + 1)) "$log" | sed 's/^  */[bench]   /' >&2
}

run_server() {
  local server=$1 wl clients durability rate
  start_server "$server"
  for wl in $WORKLOADS; do
    runs_on "$server" "$wl" || continue
    # bench.users is loaded once, before the first workload that reads it.
    if [[ $wl =~ ^(W2|W3|update_id|W6_.*|W7.|find100k|group|topk)$ && -z ${LOADED:-} ]]; then
      log "$server: loading $ROWS documents into bench.users"
      loadgen "$server" load 1 default --runs 1 --warmup 0  # later options win
      LOADED=1
    fi
    for durability in $(durabilities_for "$wl"); do
      for clients in $(clients_for "$wl"); do
        log "$server $wl, $clients clients, $durability"
        loadgen "$server" "$wl" "$clients" "$durability"
      done
      rate=$(open_rate_for "$wl")
      if [[ $OPEN_LOOP == 1 && $rate -gt 0 ]]; then
        log "$server $wl open loop at $rate ops/s, $OPEN_CLIENTS clients, $durability"
        loadgen "$server" "$wl" "$OPEN_CLIENTS" "$durability" --rate "$rate"
      fi
    done
  done
  LOADED=""
  stop_server
}

# PostgreSQL through the other half of the contract: bench/pg/run_pg.sh appends its rows.
run_postgres() {
  # BENCH_PG_SCRIPT: another copy of run_pg.sh (e.g. from a branch not yet merged).
  local pg=${BENCH_PG_SCRIPT:-$BENCH_DIR/pg/run_pg.sh} wl pg_workloads="" pg_durability=""
  [[ $RUN_PG == 1 ]] || { log "BENCH_PG=0: PostgreSQL skipped"; return 0; }
  [[ -x $pg ]] || { log "no executable $pg: PostgreSQL skipped"; return 0; }
  for wl in $WORKLOADS; do
    [[ " W1 W2 W3 W6_id W6_email " == *" $wl "* ]] && pg_workloads+="$wl "
  done
  [[ -n $pg_workloads ]] || return 0
  [[ " $DURABILITIES " == *" default "* ]] && pg_durability+="nosync "
  [[ " $DURABILITIES " == *" j:true "* ]] && pg_durability+="sync "
  log "PostgreSQL: $pg_workloads"
  BENCH_WORKLOADS=$pg_workloads BENCH_DURABILITY=$pg_durability BENCH_RUNS=$RUNS \
    BENCH_SECONDS=$RUN_SECONDS BENCH_WARMUP_SECONDS=$WARMUP BENCH_ROWS=$ROWS \
    BENCH_OPEN_LOOP=$OPEN_LOOP BENCH_OPEN_CLIENTS=$OPEN_CLIENTS BENCH_OPEN_RATE_W1=$OPEN_RATE_W1 \
    BENCH_OPEN_RATE_W6=$OPEN_RATE_W6 BENCH_SERVER_CPU=$SERVER_CPU BENCH_CLIENT_CPU=$CLIENT_CPU \
    BENCH_PIN=$PIN "$pg" "$RAW" 2> >(sed 's/^/[bench] /' >&2) ||
    FAILURES+=("postgres: bench/pg/run_pg.sh failed")
}

write_environment() {
  {
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) x $(nproc)"
    echo "kernel=$(uname -r)"
    echo "runs=$RUNS"
    echo "seconds=$RUN_SECONDS"
    echo "warmup=$WARMUP"
    echo "rows=$ROWS"
    echo "open_clients=$OPEN_CLIENTS"
    echo "pin=$PIN server_cpu=$SERVER_CPU client_cpu=$CLIENT_CPU"
  } >"$RESULTS_DIR/environment.txt"
}

main() {
  local started=$SECONDS
  trap 'stop_server' EXIT
  trap 'exit 130' INT TERM
  bench_install_packages
  "$REPO/scripts/setup.sh"
  log "building Basalt (scripts/build.sh) and the bench tools"
  "$REPO/scripts/build.sh"
  make -s -C "$BENCH_DIR" >&2
  mkdir -p "$RESULTS_DIR"
  RAW=$RESULTS_DIR/raw.csv
  echo "server,workload,clients,durability,metric,value" >"$RAW"
  : >"$RESULTS_DIR/loadgen.log"
  write_environment
  for server in $SERVERS; do run_server "$server"; done
  run_postgres
  printf '%s\n' "${FAILURES[@]}" >"$RESULTS_DIR/failures.txt"
  python3 "$BENCH_DIR/report.py" "$RESULTS_DIR"
  log "done in $((SECONDS - started)) s: $RESULTS_DIR/results.md, throughput.png, raw.csv"
  if ((${#FAILURES[@]})); then
    printf '[bench] FAILED: %s\n' "${FAILURES[@]}" >&2
    exit 1
  fi
}

main "$@"
