# shellcheck shell=bash
# What run_pg.sh measures around each pgbench run: server CPU from /proc, peak
# memory, latency percentiles from pgbench's per-transaction log, medians.
# Sourced after cluster.sh (needs PG_POSTMASTER_PID, PG_USER_NAME, log, die).

# shellcheck disable=SC2034  # used by run_pg.sh
CLK_TCK=$(getconf CLK_TCK)

# CPU ticks (user+system) the server has used so far.  Backends live only as long
# as their pgbench connection, so a before/after sum over live processes would
# lose them: once the postmaster reaps a backend, its time moves into the
# postmaster's cutime/cstime.  Hence postmaster utime+stime+cutime+cstime plus
# utime+stime of the children still alive.  Call it only when no client backend is
# alive (pg_wait_for_no_backends), or a backend reaped between the two reads of
# /proc would be counted twice or not at all.
pg_cpu_ticks() {
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$PG_POSTMASTER_PID" '
        { s = $0; sub(/^.*\) /, "", s); split(s, f, " ")
          if ($1 == pm) total += f[12] + f[13] + f[14] + f[15]
          else if (f[2] == pm) total += f[12] + f[13] }
        END { printf "%d\n", total }'
}

pg_backend_count() {
    local pid n=0 cmd
    for pid in $(pg_child_pids); do
        cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" || true)
        [[ $cmd == "postgres: $PG_USER_NAME "* ]] && n=$((n + 1))
    done
    echo "$n"
}

# Backends exit a moment after their client disconnects; wait (up to 20 s) so the
# CPU reading that follows sees every one of them reaped.
pg_wait_for_no_backends() {
    local tries=0
    while [[ $(pg_backend_count) -ne 0 ]]; do
        tries=$((tries + 1))
        [[ $tries -lt 400 ]] || die "client backends still alive 20 s after pgbench exited"
        sleep 0.05
    done
}

# Memory of the whole server as the sum of PSS (proportional set size) over the
# postmaster and its children: RSS summed over processes would count the shared
# buffers once per backend that touched them.
pg_pss_kb() {
    local pid
    for pid in "$PG_POSTMASTER_PID" $(pg_child_pids); do
        cat "/proc/$pid/smaps_rollup" 2>/dev/null || true
    done | awk '/^Pss:/ { s += $2 } END { printf "%d\n", s }'
}

# Background sampler: every 0.5 s while $1 exists, keeps the maximum in $2.
pg_start_pss_sampler() {
    local flag=$1 out=$2
    (
        max=0
        while [[ -e $flag ]]; do
            v=$(pg_pss_kb)
            ((v > max)) && max=$v
            echo "$max" >"$out"
            sleep 0.5
        done
    ) &
    PSS_SAMPLER_PID=$!
}

pg_stop_pss_sampler() {
    rm -f "$1"
    wait "$PSS_SAMPLER_PID" 2>/dev/null || true
}

# p50 p99 p99.9 (nearest rank) of the latency column of pgbench --log files:
# "client_id transaction_no time script_no time_epoch time_us [schedule_lag]".
# `time` is in µs; under --rate pgbench measures it from the scheduled start, so it
# includes the schedule lag (open-loop latency, no coordinated omission).
latency_percentiles() {
    cat "$@" | awk '{ print $3 }' | sort -n | awk '
        { v[NR] = $1 }
        function rank(p,   r) { r = int(p * NR); if (r < p * NR) r++; if (r < 1) r = 1; return v[r] }
        END { if (NR == 0) { print "NA NA NA"; exit }
              print rank(0.50), rank(0.99), rank(0.999) }'
}

# Median of the numbers on stdin (mean of the middle two for an even count).
median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "NA"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

max_of() {
    sort -g | tail -1
}
