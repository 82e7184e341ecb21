# shellcheck shell=bash
# Per-workload hooks for run_pg.sh: the pgbench script, the state each run starts
# from, and a check afterwards that the run did what the workload says (a
# benchmark whose statements silently did nothing would report a fine rate).
# Sourced after cluster.sh; uses ROWS from run_pg.sh.

# Fixed order: W1 has its own table; the reads come before W3 and W2 modify users.
WORKLOAD_ORDER=(W1 W6_id W6_email W3 W2)

workload_script() {
    case $1 in
    W1) echo "$BENCH_PG_DIR/sql/w1.sql" ;;
    W2) echo "$BENCH_PG_DIR/sql/w2.sql" ;;
    W3) echo "$BENCH_PG_DIR/sql/w3.sql" ;;
    W6_id) echo "$BENCH_PG_DIR/sql/w6_id.sql" ;;
    W6_email) echo "$BENCH_PG_DIR/sql/w6_email.sql" ;;
    *) die "unknown workload '$1' (known: ${WORKLOAD_ORDER[*]})" ;;
    esac
}

# Open-loop (fixed-rate) latency is measured for the single-document insert and
# the point reads, as issue 9 asks.
workload_has_open_loop() {
    [[ $1 == W1 || $1 == W6_id || $1 == W6_email ]]
}

# Every run starts from the same state, and with a checkpoint just taken so that
# none is forced by the previous run's WAL inside this one.
workload_before_run() {
    case $1 in
    W1) pg_value "TRUNCATE w1" >/dev/null ;;
    W2) pg_value "DELETE FROM users WHERE id > $ROWS" >/dev/null
        pg_value "VACUUM users" >/dev/null ;;
    W3) pg_value "VACUUM users" >/dev/null
        W3_SUM_BEFORE=$(pg_value "SELECT sum(n) FROM users") ;;
    esac
    pg_value "CHECKPOINT" >/dev/null
}

# $2 = transactions pgbench reports as processed.
workload_verify() {
    local wl=$1 txns=$2 got
    case $wl in
    W1) got=$(pg_value "SELECT count(*) FROM w1")
        [[ $got -eq $txns ]] || die "W1: $txns inserts reported but w1 holds $got rows" ;;
    W3) got=$(pg_value "SELECT sum(n) - $W3_SUM_BEFORE FROM users")
        [[ $got -eq $txns ]] || die "W3: $txns increments reported but sum(n) grew by $got" ;;
    W2) # Each upsert inserts with probability 1/2; allow a wide margin around it.
        got=$(pg_value "SELECT count(*) FROM users WHERE id > $ROWS")
        if [[ $txns -ge 1000 ]] && ((got * 10 < txns * 4 || got * 10 > txns * 6)); then
            die "W2: $got of $txns upserts inserted; expected about half"
        fi ;;
    esac
}

# Once after loading: the point reads must find exactly one row, by either key,
# and the preload must be complete.
workloads_check_loaded() {
    local n
    n=$(pg_value "SELECT count(*) FROM users")
    [[ $n -eq $ROWS ]] || die "users holds $n rows, expected $ROWS"
    n=$(pg_value "SELECT count(*) FROM users WHERE email = 'user' || $ROWS || '@example.com'")
    [[ $n -eq 1 ]] || die "lookup by email found $n rows"
    n=$(pg_value "SELECT count(*) FROM users WHERE id = 1")
    [[ $n -eq 1 ]] || die "lookup by id found $n rows"
}

# Pull table and indexes into shared_buffers (CREATE INDEX writes around them), so
# the first measured run does not pay for reading them in.
workloads_prewarm() {
    # Not pg_value: its failure would end the script, and the extension is optional.
    if "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" >/dev/null 2>&1; then
        pg_value "SELECT pg_prewarm(c) FROM unnest(ARRAY['users', 'users_pkey',
                  'users_email', 'w1', 'w1_pkey', 'w1_email']::regclass[]) AS c" >/dev/null
    else
        log "pg_prewarm unavailable; the warm-up runs fill the cache instead"
    fi
}
