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
