"""Demo sync of generated OnTrack data through source-mysql.

Starts a throwaway MariaDB (acceptance-tests/servers.py), loads the real
OnTrack schema with generated data, runs the connector's spec, check and
discover by hand, reads the main OnTrack tables through PyAirbyte into a
DuckDB file, and prints a summary of tasks from DuckDB.
"""

import os
import secrets
import subprocess
import sys
import tempfile
import time
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "demo-out"
OUT.mkdir(exist_ok=True)

# PyAirbyte reads these once, at import: no registry, no telemetry.
os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("AIRBYTE_LOGGING_ROOT", str(OUT / "logs"))

sys.path.insert(0, str(ROOT / "acceptance-tests"))
import servers  # noqa: E402

BIN = Path(os.environ.get("SOURCE_MYSQL_BIN", ROOT / "build/bin/source-mysql"))
SHARED = ROOT.parent / "shared" / "ontrack"
STREAMS = ["tasks", "task_statuses", "task_definitions", "projects",
           "units", "users"]


def say(text):
    print(text, flush=True)


def run(args, config=None):
    """Run the binary; return its parsed stdout messages."""
    argv = [str(BIN)] + args
    res = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        raise SystemExit("%s failed (%d):\n%s%s" % (" ".join(args),
                         res.returncode, res.stdout[-2000:],
                         res.stderr[-2000:]))
    return [json.loads(line) for line in res.stdout.splitlines() if line]


def load_ontrack(server):
    say("loading the OnTrack schema and generated data (scale 1) ...")
    seconds = server.load_database(
        "ontrack", sql_files=[SHARED / "schema_mysql.sql"],
        generators=[[sys.executable, str(SHARED / "generate_data.py"),
                     "--scale", "1", "--dialect", "mysql", "--out", "-"]])
    count = server.rows("SELECT COUNT(*) FROM ontrack.tasks")[0][0]
    say("  loaded in %.0f s: %s tasks" % (seconds, count))


def config_for(server, workdir):
    config = {
        "host": server.host, "port": server.port, "database": "ontrack",
        "username": servers.AIRBYTE_USER,
        "password": servers.AIRBYTE_PASSWORD,
        "ssl_mode": {"mode": "preferred"},
        "server_time_zone": "UTC",
        "column_policy_preset": "ontrack",
        "hash_salt": secrets.token_hex(16),
    }
    path = Path(workdir) / "config.json"
    path.write_text(json.dumps(config))
    return config, path


def by_hand(config_path):
    spec = run(["spec"])[0]["spec"]["connectionSpecification"]
    say("spec: %d options (%s)" % (len(spec["properties"]),
        ", ".join(sorted(spec["required"]))))
    status = [m for m in run(["check", "--config", str(config_path)])
              if m["type"] == "CONNECTION_STATUS"][0]["connectionStatus"]
    say("check: %s" % status["status"])
    if status["status"] != "SUCCEEDED":
        raise SystemExit("check failed: %s" % status.get("message"))
    catalog = [m for m in run(["discover", "--config", str(config_path)])
               if m["type"] == "CATALOG"][0]["catalog"]
    say("discover: %d streams in namespace ontrack" % len(catalog["streams"]))
    users = [s for s in catalog["streams"] if s["name"] == "users"][0]
    props = users["json_schema"]["properties"]
    say("  users.encrypted_password in schema: %s (excluded by the "
        "ontrack column policy)" % ("encrypted_password" in props))


def sync(config):
    import airbyte as ab
    from airbyte.caches import DuckDBCache

    source = ab.get_source("source-mysql", config=config,
                           local_executable=str(BIN))
    source.select_streams(STREAMS)
    db_path = OUT / "ontrack.duckdb"
    if db_path.exists():
        db_path.unlink()
    cache = DuckDBCache(db_path=db_path, cache_dir=OUT / "batches")
    t0 = time.monotonic()
    result = source.read(cache=cache, force_full_refresh=True)
    seconds = time.monotonic() - t0
    say("read through PyAirbyte into %s in %.1f s:"
        % (db_path.relative_to(ROOT), seconds))
    for name in STREAMS:
        say("  %-18s %7d rows" % (name, len(result[name])))
    return cache


def summary(cache):
    say("\nOnTrack tasks by status (from DuckDB):")
    rows = cache.run_sql_query(
        "SELECT s.name AS status, COUNT(*) AS tasks FROM main.tasks t "
        "JOIN main.task_statuses s ON s.id = t.task_status_id "
        "GROUP BY s.name ORDER BY tasks DESC")
    for row in rows:
        say("  %-22s %6d" % (row["status"], row["tasks"]))
    say("\nBusiest units (tasks submitted for feedback):")
    rows = cache.run_sql_query(
        "SELECT u.code, u.name, COUNT(*) AS submitted FROM main.tasks t "
        "JOIN main.projects p ON p.id = t.project_id "
        "JOIN main.units u ON u.id = p.unit_id "
        "WHERE t.submission_date IS NOT NULL "
        "GROUP BY u.code, u.name ORDER BY submitted DESC LIMIT 5")
    for row in rows:
        say("  %-8s %-40s %6d" % (row["code"], row["name"][:40],
                                  row["submitted"]))
    row = cache.run_sql_query(
        "SELECT COUNT(*) AS n, MIN(LENGTH(email)) AS lo, "
        "MAX(LENGTH(email)) AS hi FROM main.users")[0]
    say("\nusers.email arrives hashed (salted SHA-256): %d rows, "
        "all %s hex characters long"
        % (row["n"], row["lo"] if row["lo"] == row["hi"] else "?"))


def main():
    if not BIN.exists():
        raise SystemExit("no connector binary at %s; build it first" % BIN)
    with tempfile.TemporaryDirectory(prefix="ontrack-demo-") as workdir:
        say("starting a throwaway MariaDB ...")
        server = servers.start_mariadb(Path(workdir) / "mariadb")
        try:
            load_ontrack(server)
            config, config_path = config_for(server, workdir)
            by_hand(config_path)
            cache = sync(config)
            summary(cache)
        finally:
            server.stop()
    say("\ndone: DuckDB file at demo-out/ontrack.duckdb")


if __name__ == "__main__":
    main()
