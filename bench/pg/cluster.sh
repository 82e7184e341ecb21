# shellcheck shell=bash
# Throw-away PostgreSQL 15 cluster for the benchmark: install, initdb, start, stop.
# Sourced by run_pg.sh; every function logs to stderr only, because stdout is not
# ours (the caller's CSV goes to a file, but keep stdout clean for composition).
# Never touches a system cluster: its own data directory, port and socket directory.

PG_VERSION=15
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
PG_USER_NAME=bench            # superuser name inside the throw-away cluster
PG_DB_NAME=bench

log() { printf '[pg] %s\n' "$*" >&2; }
die() { printf '[pg] error: %s\n' "$*" >&2; exit 1; }

# Debian's packages, installed only when missing; a fresh bookworm has neither.
pg_ensure_installed() {
    if [[ -x $PG_BIN/postgres && -x $PG_BIN/pgbench && -x $PG_BIN/initdb ]]; then
        return 0
    fi
    [[ $EUID -eq 0 ]] || die "PostgreSQL $PG_VERSION is not installed and we are not root to apt-get it"
    log "installing postgresql-$PG_VERSION and postgresql-client-$PG_VERSION with apt-get"
    # The package's postinst may create (and start) the system 'main' cluster; we
    # leave that cluster alone and run our own beside it on another port.
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 ||
        die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "postgresql-$PG_VERSION" "postgresql-client-$PG_VERSION" >&2 ||
        die "apt-get install postgresql-$PG_VERSION failed"
    [[ -x $PG_BIN/postgres && -x $PG_BIN/pgbench ]] ||
        die "postgresql-$PG_VERSION installed but $PG_BIN/postgres or pgbench is missing"
}

# initdb refuses to run as root, so as root the server runs as Debian's `postgres`
# system user (created by the package); otherwise as whoever runs the script.
pg_as_owner() {
    if [[ $EUID -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# A TCP port nobody listens on, read from /proc/net/tcp{,6} (state 0A = LISTEN) so
# that no extra tool (ss, netstat) is needed on a fresh system.
pg_pick_free_port() {
    local listening port
    local hex
    listening=$({ cat /proc/net/tcp /proc/net/tcp6 2>/dev/null || true; } |
        awk '$4 == "0A" { n = split($2, a, ":"); print a[n] }' |
        while read -r hex; do echo $((16#$hex)); done)
    for port in $(seq $((54300 + $$ % 500)) 54999) $(seq 54300 54999); do
        grep -qx "$port" <<<"$listening" || { echo "$port"; return 0; }
    done
    die "no free TCP port in 54300-54999"
}

# Creates the cluster in $PG_TMP (set by the caller) and starts it.
# Sizing (see README.md): everything the workloads touch fits in shared_buffers,
# and checkpoints are spaced so none lands inside a 10 s run by timer or WAL volume.
pg_create_and_start() {
    [[ $EUID -ne 0 ]] || id postgres >/dev/null 2>&1 ||
        die "no 'postgres' system user; is postgresql-$PG_VERSION installed?"
    PG_DATA=$PG_TMP/data
    PG_SOCKET_DIR=$PG_TMP/socket
    mkdir -p "$PG_SOCKET_DIR"
    [[ $EUID -ne 0 ]] || chown postgres: "$PG_TMP" "$PG_SOCKET_DIR"
    chmod 755 "$PG_TMP"

    log "initdb in $PG_DATA"
    pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_USER_NAME" --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$PG_TMP/initdb.log" 2>&1 ||
        { cat "$PG_TMP/initdb.log" >&2; die "initdb failed"; }

    PG_PORT=$(pg_pick_free_port)
    pg_as_owner tee -a "$PG_DATA/postgresql.conf" >/dev/null <<EOF

# --- Basalt benchmark settings (bench/pg/README.md says why) ---
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 100
shared_buffers = ${BENCH_PG_SHARED_BUFFERS:-1GB}
effective_cache_size = 4GB
work_mem = 16MB
maintenance_work_mem = 256MB
max_wal_size = 8GB
min_wal_size = 1GB
checkpoint_timeout = 30min
wal_buffers = 16MB
fsync = on
synchronous_commit = on
full_page_writes = on
logging_collector = off
log_min_messages = warning
EOF
    log "starting postgres on 127.0.0.1:$PG_PORT (socket in $PG_SOCKET_DIR)"
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_TMP/server.log" -w -t 60 start \
        >/dev/null 2>&1 || { cat "$PG_TMP/server.log" >&2; die "postgres did not start"; }
    PG_POSTMASTER_PID=$(head -1 "$PG_DATA/postmaster.pid")
    [[ $PG_POSTMASTER_PID =~ ^[0-9]+$ ]] || die "cannot read postmaster pid"
    PG_STARTED=1
    export PGHOST=127.0.0.1 PGPORT=$PG_PORT PGUSER=$PG_USER_NAME
    "$PG_BIN/createdb" "$PG_DB_NAME" || die "createdb $PG_DB_NAME failed"
    export PGDATABASE=$PG_DB_NAME
}

# Fast shutdown, then the directory goes; safe to call twice and from a trap.
pg_stop_and_remove() {
    if [[ ${PG_STARTED:-0} -eq 1 ]]; then
        pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            log "pg_ctl stop failed; see $PG_TMP/server.log"
        PG_STARTED=0
    fi
    if [[ -n ${PG_TMP:-} && -d $PG_TMP && ${BENCH_PG_KEEP:-0} != 1 ]]; then
        rm -rf -- "$PG_TMP"
    fi
}

# psql that fails loudly and prints nothing unless asked (-At for values).
pg_sql() {
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@" >&2 || die "psql failed: $*"
}
pg_value() {
    "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -c "$1" || die "psql failed: $1"
}

# Affinity for the postmaster and every process it has forked; backends forked
# later inherit the postmaster's mask, so this pins the next pgbench's backends too.
pg_set_affinity() {
    local cpus=$1 pid
    for pid in $PG_POSTMASTER_PID $(pg_child_pids); do
        taskset -a -p -c "$cpus" "$pid" >/dev/null 2>&1 || true
    done
}

# cat, not awk on the files: a process may exit between glob and open, and mawk
# aborts on a file it cannot open.  Fields after "comm)": f[2] is the ppid.
pg_child_pids() {
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$PG_POSTMASTER_PID" \
        '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); if (f[2] == pm) print $1 }'
}
