# shellcheck shell=bash
# Helpers shared by the benchmark scripts. Source it from bash:
#   . "$BENCH_DIR/lib/common.sh"
# Nothing here starts processes that outlive the caller.

bench_log() {
    printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

bench_die() {
    bench_log "error: $*"
    exit 1
}

# Print a TCP port on 127.0.0.1 that nothing listens on right now. The kernel
# picks it (bind to port 0), so two runs at once do not collide.
bench_free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# bench_need CMD PACKAGE: fail with the Debian package to install.
bench_need() {
    command -v "$1" >/dev/null 2>&1 \
        || bench_die "'$1' not found (apt-get install $2)"
}

# bench_timed TIMEFILE CMD...: run CMD with stdout to /dev/null under
# /usr/bin/time -v, which writes wall time and peak RSS to TIMEFILE.
# Returns CMD's exit status.
bench_timed() {
    local timefile=$1
    shift
    /usr/bin/time -v -o "$timefile" "$@" >/dev/null
}

# Busy CPU ticks of the whole machine so far (all cores, /proc/stat).
bench_cpu_busy_ticks() {
    awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat
}

# Idle CPU ticks of the whole machine so far (idle + iowait).
bench_cpu_idle_ticks() {
    awk '/^cpu / {print $5 + $6; exit}' /proc/stat
}

# CPU ticks (user + system) a process has used so far.
bench_proc_ticks() {
    awk '{print $14 + $15}' "/proc/$1/stat"
}

# Percent of the machine's CPU that was busy over the next 2 seconds.
bench_busy_pct() {
    local b0 i0 b1 i1
    b0=$(bench_cpu_busy_ticks)
    i0=$(bench_cpu_idle_ticks)
    sleep 2
    b1=$(bench_cpu_busy_ticks)
    i1=$(bench_cpu_idle_ticks)
    echo $(((b1 - b0) * 100 / (b1 - b0 + i1 - i0 + 1)))
}

# bench_wait_quiet MAX_PCT MAX_WAIT: wait (at most MAX_WAIT seconds) until
# the machine is less than MAX_PCT percent busy, so that a timed round does
# not start while other work owns the cores. Prints the last busy percent.
bench_wait_quiet() {
    local max_pct=$1 max_wait=$2 start=$SECONDS pct
    pct=$(bench_busy_pct)
    while [ "$pct" -ge "$max_pct" ] && [ $((SECONDS - start)) -lt "$max_wait" ]
    do
        sleep 3
        pct=$(bench_busy_pct)
    done
    echo "$pct"
}
