#!/usr/bin/env bash
# Full-refresh throughput of source-mysql against the mariadb command-line
# client (and pipelinewise-tap-mysql where it runs), on the OnTrack `tasks`
# table, all against one throwaway MariaDB server started here.
#
# Usage: bench/mysql/run.sh          (from anywhere; see bench/mysql/README.md)
#
# Environment (all optional):
#   SCALE=100            generate_data.py scale (100 gives about 1.06M tasks)
#   SMALL_ROWS=250000    rows of the smaller copy for the memory check (0: none)
#   ROUNDS=3             timed rounds per tool and table size (median reported)
#   SOURCE_MYSQL_BIN     connector binary (default build/bin/source-mysql);
#                        "none" skips the connector
#   CONNECTOR_COMMIT     build the connector at this commit (e.g. HEAD) with
#                        bench/lib/build-commit.sh and measure that binary
#   TAP_MYSQL            tap-mysql executable (default: a venv under
#                        bench/out/, created on first use); "none" skips it
#   CONNECTOR_EXTRA='{}' JSON object merged into the connector config
#                        (e.g. '{"chunk_size":100000}')
#   BUFFER_POOL=1G       innodb_buffer_pool_size of the throwaway server
#   PROFILE=0            1: also `perf record --call-graph dwarf` one
#                        connector run on the large table
#   KEEP_SERVER=0        1: leave the server's data directory in place
#   QUIET_PCT=20         before each timed round, wait until the machine is
#   QUIET_WAIT=300       under QUIET_PCT % busy, for at most QUIET_WAIT s
#
# Everything it writes goes under bench/out/ (gitignored): the cached CSV,
# the tap venv, and bench/out/runs/<time>/ with configs, /usr/bin/time
# output of every round, results.md and (PROFILE=1) the perf report.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
OUT=$BENCH_DIR/out
# shellcheck source=bench/lib/common.sh
. "$BENCH_DIR/lib/common.sh"

SCALE=${SCALE:-100}
SMALL_ROWS=${SMALL_ROWS:-250000}
ROUNDS=${ROUNDS:-3}
CONNECTOR=${SOURCE_MYSQL_BIN:-$REPO/build/bin/source-mysql}
CONNECTOR_COMMIT=${CONNECTOR_COMMIT:-}
TAP=${TAP_MYSQL:-}
CONNECTOR_EXTRA=${CONNECTOR_EXTRA:-'{}'}
BUFFER_POOL=${BUFFER_POOL:-1G}
PROFILE=${PROFILE:-0}
KEEP_SERVER=${KEEP_SERVER:-0}
QUIET_PCT=${QUIET_PCT:-20}
QUIET_WAIT=${QUIET_WAIT:-300}
ONTRACK_DIR=${ONTRACK_DIR:-$REPO/../shared/ontrack}
TAP_PKG=pipelinewise-tap-mysql

DB_USER=bench
DB_PASS=bench
SERVER_DIR=
SERVER_PID=
SOCK=
PORT=
COLS=
TOOLS=()

start_run_dir() {
    mkdir -p "$OUT/runs"
    RUN=$OUT/runs/$(date -u +%Y%m%dT%H%M%SZ)
    mkdir -p "$RUN"
    : >"$RUN/commands"
    bench_log "results and logs: ${RUN#"$REPO"/}"
}

check_tools() {
    bench_need mariadb mariadb-client
    bench_need mariadbd mariadb-server
    bench_need mariadb-install-db mariadb-server
    bench_need mariadb-admin mariadb-client
    bench_need python3 python3
    [ -x /usr/bin/time ] \
        || bench_die "/usr/bin/time not found (apt-get install time)"
    [ -f "$ONTRACK_DIR/schema_mysql.sql" ] \
        || bench_die "no OnTrack schema at $ONTRACK_DIR (set ONTRACK_DIR)"
}

# The generator writes every table (about 2.1 GB and 10 minutes at scale
# 100); only tasks.csv is kept, so a rerun skips this step.
ensure_csv() {
    CSV=$OUT/csv-s$SCALE/tasks.csv
    if [ -s "$CSV" ]; then
        bench_log "cached CSV: ${CSV#"$REPO"/} ($(du -h "$CSV" | cut -f1))"
        return
    fi
    local tmp=$OUT/csv-s$SCALE.tmp
    rm -rf "$tmp"
    bench_log "generating OnTrack data, scale $SCALE (takes minutes)"
    local t0=$SECONDS
    python3 "$ONTRACK_DIR/generate_data.py" --scale "$SCALE" --format csv \
        --out "$tmp"
    bench_log "generated in $((SECONDS - t0)) s, $(du -sh "$tmp" | cut -f1)" \
        "for all tables; keeping tasks.csv only"
    mkdir -p "$OUT/csv-s$SCALE"
    mv "$tmp/tasks.csv" "$CSV"
    rm -rf "$tmp"
}

stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        mariadb-admin --no-defaults --socket="$SOCK" --user=root shutdown \
            2>/dev/null || kill "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ -n "$SERVER_DIR" ] && [ "$KEEP_SERVER" != 1 ]; then
        rm -rf "$SERVER_DIR"
    fi
}

start_server() {
    SERVER_DIR=$(mktemp -d "$OUT/mariadb.XXXXXX")
    SOCK=$SERVER_DIR/mysqld.sock
    PORT=$(bench_free_port)
    trap stop_server EXIT
    trap 'exit 130' INT TERM
    mariadb-install-db --no-defaults --user=root \
        --datadir="$SERVER_DIR/data" --skip-test-db \
        >"$RUN/install-db.log" 2>&1 \
        || bench_die "mariadb-install-db failed, see $RUN/install-db.log"
    mariadbd --no-defaults --user=root --datadir="$SERVER_DIR/data" \
        --socket="$SOCK" --port="$PORT" --bind-address=127.0.0.1 \
        --skip-name-resolve --skip-log-bin --local-infile=1 \
        --innodb-buffer-pool-size="$BUFFER_POOL" \
        --innodb-log-file-size=512M --innodb-flush-log-at-trx-commit=2 \
        --pid-file="$SERVER_DIR/mariadbd.pid" \
        --log-error="$RUN/mariadbd.err" &
    SERVER_PID=$!
    local waited=0
    while [ "$waited" -lt 60 ]; do
        if root_sql "SELECT 1" >/dev/null 2>&1; then
            bench_log "MariaDB up on 127.0.0.1:$PORT (pid $SERVER_PID)"
            return
        fi
        kill -0 "$SERVER_PID" 2>/dev/null \
            || bench_die "mariadbd exited, see $RUN/mariadbd.err"
        sleep 1
        waited=$((waited + 1))
    done
    bench_die "mariadbd did not answer in 60 s"
}

# root_sql SQL [DB]: run SQL as root over the socket (unix_socket auth).
root_sql() {
    mariadb --no-defaults --socket="$SOCK" --user=root --batch \
        --skip-column-names --local-infile=1 ${2:+--database="$2"} -e "$1"
}

load_tasks() {
    root_sql "CREATE DATABASE ontrack CHARACTER SET utf8mb4
              COLLATE utf8mb4_general_ci;
              CREATE USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
              GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'127.0.0.1';"
    mariadb --no-defaults --socket="$SOCK" --user=root --database=ontrack \
        <"$ONTRACK_DIR/schema_mysql.sql"
    local header t0=$SECONDS
    header=$(head -n 1 "$CSV" | tr -d '"\r')
    bench_log "loading tasks.csv into ontrack.tasks"
    root_sql "SET unique_checks = 0; SET foreign_key_checks = 0;
              LOAD DATA LOCAL INFILE '$CSV' INTO TABLE tasks
              CHARACTER SET utf8mb4
              FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"'
              ESCAPED BY '' LINES TERMINATED BY '\n' IGNORE 1 LINES
              ($header);
              SHOW WARNINGS LIMIT 5;" ontrack | tee "$RUN/load-warnings"
    [ -s "$RUN/load-warnings" ] && bench_die "LOAD DATA gave warnings"
    bench_log "loaded $(count_rows ontrack) rows in $((SECONDS - t0)) s"
    if [ "$SMALL_ROWS" -gt 0 ]; then
        root_sql "CREATE DATABASE ontrack_small CHARACTER SET utf8mb4
                  COLLATE utf8mb4_general_ci;
                  CREATE TABLE ontrack_small.tasks LIKE ontrack.tasks;
                  INSERT INTO ontrack_small.tasks
                  SELECT * FROM ontrack.tasks ORDER BY id
                  LIMIT $SMALL_ROWS;"
        bench_log "ontrack_small.tasks: $(count_rows ontrack_small) rows"
    fi
    root_sql "ANALYZE TABLE ontrack.tasks" >/dev/null
    COLS=$(root_sql "SELECT GROUP_CONCAT(CONCAT('\`', column_name, '\`')
                     ORDER BY ordinal_position SEPARATOR ', ')
                     FROM information_schema.columns
                     WHERE table_schema = 'ontrack'
                     AND table_name = 'tasks'")
}

count_rows() {
    root_sql "SELECT COUNT(*) FROM tasks" "$1"
}

client_cmd() {
    CMD=(mariadb --no-defaults --protocol=TCP --host=127.0.0.1
        --port="$PORT" --user="$DB_USER" --password="$DB_PASS" --skip-ssl
        --database="$1" --quick --batch -e "SELECT $COLS FROM tasks")
}

connector_files() {
    local db=$1
    local cfg=$RUN/connector-config-$db.json
    local cat=$RUN/connector-catalog-$db.json
    python3 - "$cfg" "$db" "$PORT" "$DB_USER" "$DB_PASS" \
        "$CONNECTOR_EXTRA" <<'EOF'
import json, sys
path, db, port, user, pw, extra = sys.argv[1:]
cfg = {"host": "127.0.0.1", "port": int(port), "database": db,
       "username": user, "password": pw,
       "ssl_mode": {"mode": "preferred"}, "tables": ["tasks"],
       "server_time_zone": "UTC"}
cfg.update(json.loads(extra))
with open(path, "w") as f:
    json.dump(cfg, f, indent=1)
EOF
    "$CONNECTOR" discover --config "$cfg" >"$RUN/connector-discover-$db.jsonl" \
        || bench_die "connector discover failed ($db)"
    python3 -c 'import json, sys
s = [s for l in open(sys.argv[1]) for m in [json.loads(l)]
     if m.get("type") == "CATALOG" for s in m["catalog"]["streams"]
     if s["name"] == "tasks"][0]
json.dump({"streams": [{"stream": s, "sync_mode": "full_refresh",
                        "destination_sync_mode": "overwrite"}]},
          open(sys.argv[2], "w"))
print(len(s["json_schema"]["properties"]))' \
        "$RUN/connector-discover-$db.jsonl" "$cat" \
        >"$RUN/connector-columns-$db"
    local ncols
    ncols=$(($(tr -cd ',' <<<"$COLS" | wc -c) + 1))
    [ "$(cat "$RUN/connector-columns-$db")" = "$ncols" ] \
        || bench_die "connector catalog for $db.tasks does not have all" \
            "$ncols columns"
}

connector_cmd() {
    CMD=("$CONNECTOR" read --config "$RUN/connector-config-$1.json"
        --catalog "$RUN/connector-catalog-$1.json")
}

# Install pipelinewise-tap-mysql into its own venv on first use. On failure
# the reason is kept in the run's tap-unavailable.txt and the tap is skipped.
ensure_tap() {
    if [ "$TAP" = none ]; then
        return 1
    fi
    if [ -n "$TAP" ]; then
        return 0
    fi
    local venv=$OUT/tap-venv
    TAP=$venv/bin/tap-mysql
    if [ -x "$TAP" ]; then
        return 0
    fi
    bench_log "installing $TAP_PKG into ${venv#"$REPO"/}"
    if ! { python3 -m venv "$venv" \
        && "$venv/bin/pip" install --quiet "$TAP_PKG"; } \
        >"$OUT/tap-install.log" 2>&1; then
        cp "$OUT/tap-install.log" "$RUN/tap-unavailable.txt"
        rm -rf "$venv"
        bench_log "$TAP_PKG did not install; why:" \
            "${RUN#"$REPO"/}/tap-unavailable.txt"
        TAP=none
        return 1
    fi
}

tap_files() {
    local db=$1
    local cfg=$RUN/tap-config-$db.json
    local cat=$RUN/tap-catalog-$db.json
    python3 -c 'import json, sys
json.dump({"host": "127.0.0.1", "port": int(sys.argv[2]),
           "user": sys.argv[3], "password": sys.argv[4],
           "filter_dbs": sys.argv[5]}, open(sys.argv[1], "w"))' \
        "$cfg" "$PORT" "$DB_USER" "$DB_PASS" "$db"
    "$TAP" --config "$cfg" --discover >"$RUN/tap-discover-$db.json" \
        2>"$RUN/tap-discover-$db.err" || return 1
    python3 - "$RUN/tap-discover-$db.json" "$cat" <<'EOF'
import json, sys
src, dst = sys.argv[1:]
streams = [s for s in json.load(open(src))["streams"]
           if s["table_name"] == "tasks"]
for s in streams:
    for m in s["metadata"]:
        m["metadata"]["selected"] = True
        if not m["breadcrumb"]:
            m["metadata"]["replication-method"] = "FULL_TABLE"
json.dump({"streams": streams}, open(dst, "w"))
EOF
}

tap_cmd() {
    CMD=("$TAP" --config "$RUN/tap-config-$1.json"
        --properties "$RUN/tap-catalog-$1.json")
}

# tool_cmd TOOL DB: set CMD to the command line of TOOL reading DB.tasks.
tool_cmd() {
    case $1 in
    mariadb-client) client_cmd "$2" ;;
    source-mysql) connector_cmd "$2" ;;
    tap-mysql) tap_cmd "$2" ;;
    esac
}

# CMD as one shell line, paths relative to the repository root.
show_cmd() {
    local arg line=""
    for arg in "${CMD[@]}"; do
        arg=${arg//"$REPO"\//}
        if [[ ! $arg =~ ^[A-Za-z0-9_./=:@-]+$ ]]; then
            arg="'$arg'"
        fi
        line+="${line:+ }$arg"
    done
    printf '%s' "$line"
}

# Untimed run that counts rows; it also warms the buffer pool and the
# page cache for that tool. The count must equal SELECT COUNT(*).
verify_rows() {
    local tool=$1 db=$2 n want
    tool_cmd "$tool" "$db"
    case $tool in
    mariadb-client) n=$("${CMD[@]}" --skip-column-names | wc -l) ;;
    source-mysql) n=$("${CMD[@]}" | grep -c '"type":"RECORD"' || true) ;;
    tap-mysql)
        n=$("${CMD[@]}" 2>"$RUN/tap-verify-$db.err" \
            | grep -c '"type": *"RECORD"' || true)
        ;;
    esac
    want=$(count_rows "$db")
    echo "$n" >"$RUN/rows-$db-$tool"
    printf '%s %s: %s\n' "$tool" "$db" "$(show_cmd)" >>"$RUN/commands"
    if [ "$n" != "$want" ]; then
        bench_die "$tool read $n rows from $db.tasks, COUNT(*) is $want"
    fi
    bench_log "$tool: $n rows from $db.tasks (matches COUNT(*))"
}

prepare_tools() {
    TOOLS=(mariadb-client)
    if [ -n "$CONNECTOR_COMMIT" ]; then
        CONNECTOR_COMMIT=$(git -C "$REPO" rev-parse \
            "$CONNECTOR_COMMIT^{commit}")
        CONNECTOR=$("$BENCH_DIR/lib/build-commit.sh" "$CONNECTOR_COMMIT")
    fi
    if [ "$CONNECTOR" != none ]; then
        [ -x "$CONNECTOR" ] || bench_die "no connector binary at $CONNECTOR" \
            "(build it, or SOURCE_MYSQL_BIN=none)"
        TOOLS+=(source-mysql)
    fi
    if ensure_tap; then
        TOOLS+=(tap-mysql)
    fi
    printf '%s\n' "${TOOLS[@]}" >"$RUN/tools"
}

prepare_db() {
    local db=$1 tool
    if [ "$CONNECTOR" != none ]; then
        connector_files "$db"
    fi
    if [ "$TAP" != none ] && ! tap_files "$db"; then
        cp "$RUN/tap-discover-$db.err" "$RUN/tap-unavailable.txt"
        bench_log "tap-mysql does not run here, skipping it; why:" \
            "${RUN#"$REPO"/}/tap-unavailable.txt"
        TAP=none
        TOOLS=(mariadb-client)
        if [ "$CONNECTOR" != none ]; then
            TOOLS+=(source-mysql)
        fi
        printf '%s\n' "${TOOLS[@]}" >"$RUN/tools"
    fi
    client_cmd "$db"
    bench_log "warming the buffer pool with one untimed client pass ($db)"
    "${CMD[@]}" >/dev/null
    for tool in "${TOOLS[@]}"; do
        verify_rows "$tool" "$db"
    done
}

# One timed run. Before it, wait for the other work on the machine to calm
# down; around it, count the machine's busy CPU ticks and the server's, so
# the report can show how much CPU went to neither the tool nor the server
# (other work on a shared machine slows a round down).
timed_round() {
    local db=$1 tool=$2 round=$3 tag=$1-$2-$3 pct m0 s0 m1 s1
    pct=$(bench_wait_quiet "$QUIET_PCT" "$QUIET_WAIT")
    tool_cmd "$tool" "$db"
    m0=$(bench_cpu_busy_ticks)
    s0=$(bench_proc_ticks "$SERVER_PID")
    bench_timed "$RUN/time-$tag" "${CMD[@]}" 2>>"$RUN/stderr-$db-$tool" \
        || bench_die "$tool failed in round $round ($db)"
    m1=$(bench_cpu_busy_ticks)
    s1=$(bench_proc_ticks "$SERVER_PID")
    echo "$pct $((m1 - m0)) $((s1 - s0))" >"$RUN/cpu-$tag"
    bench_log "$db round $round $tool:" \
        "$(grep -E 'Elapsed|Maximum resident' "$RUN/time-$tag" \
            | sed 's/.*: //' | paste -sd ' ') (machine ${pct}% busy before)"
}

time_db() {
    local db=$1 round tool
    for round in $(seq 1 "$ROUNDS"); do
        for tool in "${TOOLS[@]}"; do
            timed_round "$db" "$tool" "$round"
        done
    done
}

profile_connector() {
    bench_need perf linux-perf
    connector_cmd ontrack
    bench_log "perf record of one connector run (DWARF call graphs)"
    perf record -F 499 --call-graph dwarf -o "$RUN/perf.data" \
        -- "${CMD[@]}" >/dev/null 2>"$RUN/perf-record.err"
    perf report -i "$RUN/perf.data" --stdio --no-children \
        -g graph,0.5,callee --percent-limit 2 \
        >"$RUN/perf-report.txt" 2>/dev/null
    perf report -i "$RUN/perf.data" --stdio --no-children -g none \
        --percent-limit 0.5 --sort dso,symbol \
        >"$RUN/perf-flat.txt" 2>/dev/null
    bench_log "perf report in ${RUN#"$REPO"/}/perf-flat.txt"
}

write_env() {
    local commit dirty=""
    if [ -n "$CONNECTOR_COMMIT" ]; then
        commit=$CONNECTOR_COMMIT
        dirty=" (exported and built Release by bench/lib/build-commit.sh)"
    else
        commit=$(git -C "$REPO" rev-parse HEAD 2>/dev/null || echo unknown)
        git -C "$REPO" diff --quiet HEAD -- common connectors specs cmake \
            CMakeLists.txt 2>/dev/null || dirty=" (uncommitted changes)"
    fi
    {
        echo "- date (UTC): $(date -u +'%Y-%m-%d %H:%M')"
        echo "- machine: $(nproc) cores," \
            "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')," \
            "$(free -g | awk '/Mem:/ {print $2}') GB RAM"
        echo "- server: MariaDB $(root_sql 'SELECT VERSION()')," \
            "innodb_buffer_pool_size=$BUFFER_POOL, TCP 127.0.0.1," \
            "have_ssl=$(root_sql "SELECT @@have_ssl")"
        echo "- client: $(mariadb --version)"
        echo "- connector: git $commit$dirty"
        if [ "$CONNECTOR" != none ]; then
            echo "- connector config extra: $CONNECTOR_EXTRA"
        fi
        if [ -f "$RUN/tap-unavailable.txt" ]; then
            echo "- tap: not measured, it did not install or run" \
                "(tap-unavailable.txt)"
        fi
        if [ "$TAP" != none ]; then
            echo "- tap: $("$(dirname "$TAP")/pip" show "$TAP_PKG" 2>/dev/null \
                | awk '/^Version/ {print $2}'), $("$(dirname "$TAP")/python" \
                --version)"
        fi
        echo "- rounds: $ROUNDS per tool and table, alternating" \
            "(median of wall time; peak RSS is the max over rounds)"
    } >"$RUN/env.md"
}

main() {
    check_tools
    start_run_dir
    ensure_csv
    start_server
    load_tasks
    prepare_tools
    local dbs=(ontrack)
    if [ "$SMALL_ROWS" -gt 0 ]; then
        dbs+=(ontrack_small)
    fi
    printf '%s\n' "${dbs[@]}" >"$RUN/sizes"
    local db
    for db in "${dbs[@]}"; do
        prepare_db "$db"
    done
    for db in "${dbs[@]}"; do
        time_db "$db"
    done
    if [ "$PROFILE" = 1 ] && [ "$CONNECTOR" != none ]; then
        profile_connector
    fi
    write_env
    {
        cat "$RUN/env.md"
        echo
        python3 "$BENCH_DIR/lib/summarize.py" "$RUN"
        echo
        echo "Commands (one verification run each; timed runs are the same"
        echo "with stdout to /dev/null under /usr/bin/time -v):"
        echo
        sed 's/^/    /' "$RUN/commands"
    } >"$RUN/results.md"
    cat "$RUN/results.md"
}

main "$@"
