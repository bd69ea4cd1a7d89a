"""End to end through PyAirbyte: the binary as a local executable, read
into PyAirbyte's DuckDB cache, row counts and values checked against the
database.

PyAirbyte (pinned to 0.55.2, see ../shared/airbyte/PYAIRBYTE.md) runs
offline: AIRBYTE_OFFLINE_MODE and DO_NOT_TRACK are set before it is first
imported, its temp and log folders are in the test's temp dir, and every
outbound connection attempt from this process to anything but 127.0.0.1
is refused and recorded (the test fails if there was one).

The data is the generated OnTrack database of the acceptance suite,
copied table by table into a database of this test (so the rows it adds
disturb no other test), plus rows with the awkward values: emoji,
microseconds, NULL booleans, the largest decimal(10,0), nested JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

import protocol
import servers

SRC_DB = "ontrack"
DB = "pyab_ontrack"
STREAMS = ["tasks", "projects", "units", "task_definitions", "users"]
SALT = "pyab-salt-5e1f"
# The ontrack preset (docs/connectors/source-mysql.md) on users, plus one
# policy of our own per action.
EXCLUDED = {"users": ["encrypted_password", "reset_password_token",
                      "unlock_token"],
            "tasks": ["portfolio_evidence"]}
HASHED = {"users": ["email", "username", "login_id", "student_id",
                    "current_sign_in_ip", "last_sign_in_ip"],
          "projects": ["grade_rationale"]}
# Columns compared row by row, with how to compare them.
COMPARED = {
    "tasks": {"project_id": "int", "created_at": "datetime",
              "updated_at": "datetime", "include_in_portfolio": "bool",
              "completion_date": "date", "grade": "int"},
    "projects": {"started": "bool", "unit_id": "int",
                 "last_viewed_at": "datetime", "task_stats": "text"},
    "units": {"name": "text", "description": "text", "active": "bool",
              "start_date": "datetime", "grade_values": "json"},
    "task_definitions": {"name": "text", "weighting": "decimal",
                         "target_date": "datetime",
                         "upload_requirements": "text"},
    "users": {"first_name": "text", "last_name": "text",
              "role_id": "int", "opt_in_to_research": "bool",
              "last_access_at": "datetime"},
}

EMOJI_UNIT = "Unit 😀 emoji 🚀 ünïcödé"
MAX_WEIGHTING = "9999999999"
NEW_TASK_ID = 9_000_001


# ------------------------------------------------------------ PyAirbyte

@pytest.fixture(scope="module")
def ab(tmp_path_factory):
    """The airbyte module, imported offline with its folders in tmp."""
    root = tmp_path_factory.mktemp("pyairbyte")
    env = {"AIRBYTE_OFFLINE_MODE": "1", "DO_NOT_TRACK": "1",
           "AIRBYTE_TEMP_DIR": str(root / "temp"),
           "AIRBYTE_LOGGING_ROOT": str(root / "logs"),
           "AIRBYTE_PROJECT_DIR": str(root / "project"),
           "AIRBYTE_CACHE_ROOT": str(root / "cache")}
    for key, value in env.items():
        if key.endswith(("_DIR", "_ROOT")):
            Path(value).mkdir(parents=True, exist_ok=True)
        os.environ[key] = value
    import airbyte
    from airbyte import constants
    assert constants.AIRBYTE_OFFLINE_MODE, (
        "airbyte was imported before offline mode was set")
    return airbyte


@pytest.fixture
def no_network(monkeypatch):
    """Refuse and record connections to anything but the loopback."""
    attempts = []
    real_connect = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in (
                "127.0.0.1", "::1", "localhost"):
            attempts.append(address)
            raise OSError("network disabled in this test: %r" % (address,))
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield attempts
    assert not attempts, "PyAirbyte tried the network: %s" % attempts


# ------------------------------------------------------------- database

def _copy_tables(server: servers.MariaDB) -> None:
    server.create_database(DB)
    stmts = []
    for table in STREAMS:
        stmts.append("CREATE TABLE %s.%s LIKE %s.%s;"
                     % (DB, table, SRC_DB, table))
        stmts.append("INSERT INTO %s.%s SELECT * FROM %s.%s;"
                     % (DB, table, SRC_DB, table))
    server.sql("\n".join(stmts))


def _add_awkward_rows(server: servers.MariaDB) -> None:
    q = servers.quote_string
    server.sql("SET time_zone = '+00:00';\n" + "\n".join([
        "INSERT INTO units (id, name, description, start_date, created_at,"
        " updated_at, active, grade_values) VALUES"
        " (900001, %s, %s, '2026-02-28 23:59:59.999999',"
        " '2026-03-01 12:34:56.000001', '2026-03-01 12:34:56.000001', NULL,"
        " %s);" % (q(EMOJI_UNIT), q("tab\there, \"quotes\", back\\slash,"
                                   " new\nline 🦘"),
                   q('{"emoji": "😀", "grades": [0, 1, 2, 3], '
                     '"nested": {"x": null, "y": [true, false]}, '
                     '"n": 12.5}')),
        "INSERT INTO task_definitions (id, unit_id, name, weighting,"
        " target_date, created_at, updated_at, start_date) VALUES"
        " (900001, 900001, %s, %s, '2026-03-02 01:02:03.456789',"
        " '2026-03-01 00:00:00.5', '2026-03-01 00:00:00.5',"
        " '2026-03-01 00:00:00'),"
        " (900002, 900001, 'no weighting', NULL, '2026-03-02 00:00:00',"
        " '2026-03-01 00:00:00', '2026-03-01 00:00:00',"
        " '2026-03-01 00:00:00');" % (q("Täsk ✅ 1"), MAX_WEIGHTING),
        "INSERT INTO projects (id, unit_id, created_at, updated_at, started,"
        " grade_rationale) VALUES (900001, 900001, '2026-03-01 00:00:00',"
        " '2026-03-01 00:00:00', NULL, %s);" % q("Great work 👍"),
        "INSERT INTO users (id, email, encrypted_password, created_at,"
        " updated_at, first_name, last_name, username, login_id,"
        " opt_in_to_research) VALUES (900001, 'emoji.user@example.org',"
        " '$2a$11$abcdefghijklmnopqrstuuv0123456789ABCDEFGHIJKLMNOPQRSa',"
        " '2026-03-01 00:00:00', '2026-03-01 00:00:00.000100', %s,"
        " %s, 'emoji_user', NULL, NULL);" % (q("Zoë 🐨"), q("O'Brien")),
    ]), database=DB)


@pytest.fixture(scope="module")
def database(source_mysql) -> servers.MariaDB:
    server = source_mysql.server
    assert SRC_DB in server.loaded, "the acceptance setup did not load %s" % (
        SRC_DB)
    _copy_tables(server)
    _add_awkward_rows(server)
    server.sql("ANALYZE TABLE %s;" % ", ".join(STREAMS), database=DB)
    server.grant_read_only(DB)
    return server


def db_count(server, table: str) -> int:
    return int(server.rows("SELECT COUNT(*) FROM %s.%s" % (DB, table))[0][0])


def db_column(server, table: str, column: str, kind: str) -> dict:
    """id -> exact value (text, or None), read as hex so that any byte,
    tab or newline survives the client's tab-separated output."""
    if kind in ("datetime",):
        expr = "DATE_FORMAT(`%s`, '%%Y-%%m-%%d %%H:%%i:%%s.%%f')" % column
    elif kind == "date":
        expr = "DATE_FORMAT(`%s`, '%%Y-%%m-%%d')" % column
    else:
        expr = "CAST(`%s` AS CHAR)" % column
    out = {}
    for rid, hexval in server.rows(
            "SELECT id, HEX(CONVERT(%s USING utf8mb4)) FROM %s.%s"
            % (expr, DB, table)):
        out[int(rid)] = (None if hexval == "NULL"
                         else bytes.fromhex(hexval).decode("utf-8"))
    return out


# ------------------------------------------------------------- compare

def _norm_cache(value, kind: str):
    """A cache value in the database's text form (None stays None)."""
    if value is None:
        return None
    if kind == "datetime":
        if isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if kind == "date":
        return value.isoformat()[:10] if not isinstance(value, str) \
            else value[:10]
    if kind == "bool":
        assert isinstance(value, bool), "not a boolean: %r" % (value,)
        return "1" if value else "0"
    if kind == "int":
        return str(int(value))
    if kind == "decimal":
        return Decimal(str(value))
    if kind == "json":
        return json.loads(value) if isinstance(value, str) else value
    return value


def _norm_db(value, kind: str):
    if value is None:
        return None
    if kind == "decimal":
        return Decimal(value)
    if kind == "json":
        return json.loads(value)
    return value


def cache_rows(cache, table: str, columns: list) -> dict:
    cols = ", ".join(["id"] + columns)
    return {int(r["id"]): r for r in cache.run_sql_query(
        "SELECT %s FROM main.%s" % (cols, table))}


def compare_table(server, cache, table: str) -> None:
    spec = COMPARED[table]
    cached = cache_rows(cache, table, list(spec))
    for column, kind in spec.items():
        want = db_column(server, table, column, kind)
        assert set(want) == set(cached), (
            "%s: key sets differ: %d only in the database, %d only in the "
            "cache" % (table, len(set(want) - set(cached)),
                       len(set(cached) - set(want))))
        bad = []
        for rid, raw in want.items():
            expected = _norm_db(raw, kind)
            got = _norm_cache(cached[rid][column], kind)
            if expected != got:
                bad.append((rid, expected, got))
        assert not bad, ("%s.%s (%s): %d values differ, e.g. %s"
                         % (table, column, kind, len(bad), bad[:5]))


def check_policies(server, cache) -> None:
    for table, columns in EXCLUDED.items():
        names = {r["column_name"] for r in cache.run_sql_query(
            "SELECT column_name FROM information_schema.columns WHERE "
            "table_schema = 'main' AND table_name = '%s'" % table)}
        assert names, "no table %s in the cache" % table
        for column in columns:
            assert column not in names, ("excluded column %s.%s is in the "
                                         "cache" % (table, column))
    for table, columns in HASHED.items():
        cached = cache_rows(cache, table, columns)
        for column in columns:
            raw = db_column(server, table, column, "text")
            assert any(v is not None for v in raw.values()), (
                "%s.%s is NULL everywhere: the test would prove nothing"
                % (table, column))
            bad = []
            for rid, value in raw.items():
                want = (None if value is None else hashlib.sha256(
                    (SALT + value).encode("utf-8")).hexdigest())
                if cached[rid][column] != want:
                    bad.append((rid, value, cached[rid][column]))
            assert not bad, ("%s.%s: %d values are not sha256(salt + value),"
                             " e.g. %s" % (table, column, len(bad), bad[:3]))


def check_counts(server, cache) -> None:
    for table in STREAMS:
        got = cache.run_sql_query("SELECT COUNT(*) AS n FROM main.%s"
                                  % table)[0]["n"]
        assert got == db_count(server, table), (
            "%s: %d rows in the cache, %d in the database"
            % (table, got, db_count(server, table)))


# ---------------------------------------------------------------- tests

@pytest.fixture(scope="module")
def config(database) -> dict:
    return {
        "host": database.host, "port": database.port, "database": DB,
        "username": servers.AIRBYTE_USER,
        "password": servers.AIRBYTE_PASSWORD,
        "ssl_mode": {"mode": "preferred"},
        "tables": STREAMS,
        "server_time_zone": "UTC",
        "column_policy_preset": "ontrack",
        "column_policies": [
            {"table": "tasks", "column": "portfolio_evidence",
             "action": "exclude"},
            {"table": "projects", "column": "grade_rationale",
             "action": "hash"}],
        "hash_salt": SALT,
        "checkpoint_interval_records": 2500,
    }


# PyAirbyte drops stdout lines it cannot parse without a word, so the
# binary runs under this wrapper, which keeps a copy of every run's stdout
# for protocol.parse_stdout (PYAIRBYTE.md section 6 suggests the same).
WRAPPER = """#!/bin/bash
out="{capture}/$(date +%s%N)-$$"
printf '%s\\n' "$*" > "$out.args"
"{binary}" "$@" 2> "$out.stderr" | tee "$out.stdout"
exit "${{PIPESTATUS[0]}}"
"""


@pytest.fixture
def wrapped(source_mysql, tmp_path):
    """(wrapper path, capture dir); afterwards every captured stdout must
    be valid protocol, line by line."""
    capture = tmp_path / "runs"
    capture.mkdir()
    wrapper = tmp_path / "source-mysql-wrapper"
    wrapper.write_text(WRAPPER.format(
        capture=capture, binary=Path(source_mysql.binary).resolve()))
    wrapper.chmod(0o755)
    yield wrapper
    runs = sorted(capture.glob("*.stdout"))
    commands = [p.with_suffix(".args").read_text().split(" ")[0]
                for p in runs]
    assert "read" in commands, "no read went through the wrapper: %s" % (
        commands)
    for path in runs:
        stderr = path.with_suffix(".stderr").read_text("utf-8", "replace")
        assert "Sanitizer" not in stderr, stderr[-4000:]
        try:
            protocol.parse_stdout(path.read_bytes())
        except protocol.ProtocolError as exc:
            pytest.fail("%s run under PyAirbyte: %s"
                        % (path.with_suffix(".args").read_text().strip(),
                           exc))


def _source(ab, wrapper, config):
    source = ab.get_source("source-mysql", config=config,
                           local_executable=str(wrapper))
    source.check()
    source.select_streams(STREAMS)
    return source


def _cache(ab, tmp_path: Path, name: str):
    from airbyte.caches import DuckDBCache
    return DuckDBCache(db_path=tmp_path / (name + ".duckdb"),
                       cache_dir=tmp_path / (name + "-batches"))


def test_full_refresh_into_duckdb(ab, wrapped, database, config, tmp_path,
                                  no_network):
    source = _source(ab, wrapped, config)
    cache = _cache(ab, tmp_path, "full")
    try:
        result = source.read(cache=cache, force_full_refresh=True)
        assert set(result) == set(STREAMS), list(result)
        total = sum(db_count(database, t) for t in STREAMS)
        assert result.processed_records == total, (
            "%d records read, %d rows in the database"
            % (result.processed_records, total))
        check_counts(database, cache)
        for table in STREAMS:
            compare_table(database, cache, table)
        check_policies(database, cache)
        # The awkward rows, spelled out once more by hand.
        unit = cache.run_sql_query(
            "SELECT name, active, CAST(start_date AS VARCHAR) AS sd "
            "FROM main.units WHERE id = 900001")[0]
        assert unit["name"] == EMOJI_UNIT and unit["active"] is None, unit
        assert unit["sd"].startswith("2026-02-28 23:59:59.999999"), unit
        weighting = cache.run_sql_query(
            "SELECT CAST(weighting AS VARCHAR) AS w FROM main."
            "task_definitions WHERE id = 900001")[0]["w"]
        assert Decimal(weighting) == Decimal(MAX_WEIGHTING), weighting
    finally:
        cache.close()


def test_incremental_reads_pick_up_only_new_rows(ab, wrapped, database,
                                                 config, tmp_path,
                                                 no_network):
    source = _source(ab, wrapped, config)
    cache = _cache(ab, tmp_path, "incremental")
    try:
        first = source.read(cache=cache)
        check_counts(database, cache)
        assert first.processed_records == sum(
            db_count(database, t) for t in STREAMS)
        database.sql(
            "INSERT INTO tasks (id, task_definition_id, project_id,"
            " created_at, updated_at, include_in_portfolio, grade) VALUES"
            " (%d, 900001, 900001, '2030-01-01 00:00:00.654321',"
            " '2030-01-01 00:00:00.654321', NULL, 3);" % NEW_TASK_ID,
            database=DB)
        second = source.read(cache=cache)
        assert second.processed_records == 1, (
            "the second incremental read emitted %d records; only the one "
            "inserted row is new" % second.processed_records)
        check_counts(database, cache)
        row = cache.run_sql_query(
            "SELECT id, grade, include_in_portfolio, "
            "CAST(updated_at AS VARCHAR) AS u FROM main.tasks "
            "WHERE id = %d" % NEW_TASK_ID)
        assert len(row) == 1, row
        assert row[0]["grade"] == 3 and row[0]["include_in_portfolio"] is \
            None, row
        assert row[0]["u"].startswith("2030-01-01 00:00:00.654321"), row
        compare_table(database, cache, "tasks")
    finally:
        cache.close()
