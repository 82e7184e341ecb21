# shellcheck shell=bash
# Starting and stopping the servers under test, and pinning them to CPUs.
# Sets SERVER_PID, SERVER_PORT and SERVER_CPUS (the server's own CPU list, restored after a
# pinned run); SERVER_TMP holds basaltd's data directory.

SERVER_PID=""
SERVER_TMP=""

# A TCP port nobody listens on, read from /proc/net/tcp (state 0A = LISTEN), so no
# extra tool is needed.
free_port() {
  local listening port hex
  listening=$({ cat /proc/net/tcp /proc/net/tcp6 2>/dev/null || true; } |
    awk '$4 == "0A" { n = split($2, a, ":"); print a[n] }' |
    while read -r hex; do echo $((16#$hex)); done)
  for port in $(seq $((28000 + $$ % 1000)) 29999) $(seq 28000 29999); do
    grep -qx "$port" <<<"$listening" || { echo "$port"; return 0; }
  done
  die "no free TCP port in 28000-29999"
}

wait_for_port() {
  local port=$1 pid=$2 tries=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null ||
      die "server (pid $pid) exited before listening; see $RESULTS_DIR/*.log"
    tries=$((tries + 1))
    ((tries < 200)) || die "nothing listens on port $port after 20 s"
    sleep 0.1
  done
}

# start_server null|basalt
start_server() {
  SERVER_PORT=$(free_port)
  case $1 in
  null)
    "$BENCH_BUILD/null_server" -p "$SERVER_PORT" >"$RESULTS_DIR/null_server.log" 2>&1 &
    SERVER_PID=$!
    ;;
  basalt)
    SERVER_TMP=$(mktemp -d /tmp/basalt-bench.XXXXXX)
    "$REPO/build/server/basaltd" --dbpath "$SERVER_TMP" --bind_ip 127.0.0.1 \
      --port "$SERVER_PORT" >"$RESULTS_DIR/basaltd.log" 2>&1 &
    SERVER_PID=$!
    ;;
  *) die "unknown server '$1'" ;;
  esac
  wait_for_port "$SERVER_PORT" "$SERVER_PID"
  # shellcheck disable=SC2034  # read by run.sh
  SERVER_CPUS=$(taskset -p -c "$SERVER_PID" | sed 's/.*: //')
  log "$1 listening on 127.0.0.1:$SERVER_PORT (pid $SERVER_PID)"
}

stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  local tries=0
  while kill -0 "$SERVER_PID" 2>/dev/null && ((tries++ < 100)); do sleep 0.1; done
  kill -9 "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  [[ -z $SERVER_TMP ]] || rm -rf "$SERVER_TMP"
  SERVER_TMP=""
}

# Issue 9's single-client figures were taken with the server on one CPU and the client on
# another, so neither steals the other's core. Multi-client runs are not pinned.
can_pin() { [[ $1 -eq 1 && $(nproc) -ge 2 && $PIN == 1 ]]; }

# pin_server CPUS: every thread of the server (-a), RocksDB's background threads included.
pin_server() { taskset -a -p -c "$1" "$SERVER_PID" >/dev/null; }
