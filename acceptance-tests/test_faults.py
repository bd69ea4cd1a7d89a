"""Faults in the middle of a read, and the read that resumes after them.

Each case starts a read, lets a few STATE messages through, then breaks
something: the server is killed (SIGKILL), the TCP connection is cut by a
proxy, the connector gets SIGTERM, or the connector is killed. Then a
second read starts from the last STATE the first one emitted.

What must hold (the issue: "every row arrives (primary-key sets compared)
and nothing is duplicated beyond the last checkpoint"):

* every stdout line of both runs is a valid Airbyte message;
* a failed run exits non-zero with an ERROR trace (transient_error when
  the database went away) and marks the stream INCOMPLETE;
* the union of both runs' records is exactly the table's key set, each
  run on its own has no duplicate, and the only keys that come twice are
  keys the first run emitted after its last checkpoint;
* every record carries the values of its row.

The first run is paused by not reading its stdout: once the pipe and the
connector's output buffer are full, the connector waits in write(2), so
the fault lands while most of the table is still unread.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Optional

import pytest

import protocol
import servers
import tcp_proxy

DB = "faults"
BIG = "big"              # full refresh cases
TIES = "same_cursor"     # incremental case, updated_at indexed: chunks
TIES_NOIDX = "same_cursor_noidx"  # the same rows unindexed: one query
BIG_ROWS = 50000
TIE_EARLY = 200          # distinct cursor values before the tie group
TIE_ROWS = 5000          # rows sharing one cursor value
TIE_LATE = 200           # distinct cursor values after it
TIE_VALUE = "2024-05-01 10:15:00.123456"
CHECKPOINT = 1000
TIE_CHECKPOINT = 500
CHUNK = 2000
PAUSE_AFTER_STATES = 3
RUN_TIMEOUT = 90


# ------------------------------------------------------------- database

def _load(server: servers.MariaDB) -> None:
    server.create_database(DB)
    # Keys with gaps (id = 2n) so a reader that assumes dense keys shows.
    server.sql(
        "CREATE TABLE %s (id INT NOT NULL PRIMARY KEY,"
        " v VARCHAR(40) NOT NULL, n BIGINT NOT NULL,"
        " pad CHAR(40) NOT NULL) ENGINE=InnoDB;"
        "INSERT INTO %s SELECT 2 * seq, CONCAT('row-', 2 * seq), seq * seq,"
        " REPEAT('p', 40) FROM seq_1_to_%d;"
        % (BIG, BIG, BIG_ROWS), database=DB)
    ties = {"t": TIES, "early": TIE_EARLY, "tie": TIE_VALUE,
            "ties": TIE_ROWS, "late": TIE_LATE}
    server.sql(
        "CREATE TABLE {t} (id INT NOT NULL PRIMARY KEY,"
        " updated_at DATETIME(6) NOT NULL, v VARCHAR(40) NOT NULL,"
        " pad VARCHAR(300) NOT NULL, KEY (updated_at)) ENGINE=InnoDB;"
        # early rows: distinct cursor values before the tie
        "INSERT INTO {t} SELECT seq, '2024-04-01 00:00:00' + INTERVAL seq"
        " SECOND, CONCAT('row-', seq), REPEAT('e', 300)"
        " FROM seq_1_to_{early};"
        # the tie group
        "INSERT INTO {t} SELECT {early} + seq, '{tie}',"
        " CONCAT('row-', {early} + seq), REPEAT('t', 300)"
        " FROM seq_1_to_{ties};"
        # late rows: newer cursor values
        "INSERT INTO {t} SELECT 100000 + seq, '2024-06-01 00:00:00' +"
        " INTERVAL seq SECOND, CONCAT('row-', 100000 + seq),"
        " REPEAT('l', 300) FROM seq_1_to_{late};".format(**ties),
        database=DB)
    server.sql(
        "CREATE TABLE {n} LIKE {t}; ALTER TABLE {n} DROP INDEX updated_at;"
        "INSERT INTO {n} SELECT * FROM {t};".format(n=TIES_NOIDX, t=TIES),
        database=DB)
    server.sql("ANALYZE TABLE %s, %s, %s;" % (BIG, TIES, TIES_NOIDX),
               database=DB)
    server.grant_read_only(DB)


def _ids(server: servers.MariaDB, table: str) -> set:
    return {int(r[0]) for r in server.rows(
        "SELECT id FROM %s.%s" % (DB, table))}


@pytest.fixture(scope="module")
def fault_server(mariadb_factory, source_mysql) -> servers.MariaDB:
    """A server of our own: the tests kill and restart it."""
    server = mariadb_factory()
    _load(server)
    return server


@pytest.fixture(scope="module")
def all_ids(fault_server) -> dict:
    return {name: _ids(fault_server, name) for name in (BIG, TIES,
                                                         TIES_NOIDX)}


def _config(host: str, port: int, **extra) -> dict:
    config = {
        "host": host, "port": port, "database": DB,
        "username": servers.AIRBYTE_USER,
        "password": servers.AIRBYTE_PASSWORD,
        "ssl_mode": {"mode": "preferred"},
        "tables": [BIG, TIES, TIES_NOIDX],
        "checkpoint_interval_records": CHECKPOINT,
        "chunk_size": CHUNK,
    }
    config.update(extra)
    return config


@pytest.fixture(scope="module")
def streams(source_mysql, fault_server) -> dict:
    run = source_mysql.connector("faults-discover").discover(
        _config(fault_server.host, fault_server.port), timeout=60)
    run.assert_ok()
    cats = [m["catalog"] for m in run.of_type("CATALOG")]
    assert len(cats) == 1, run.describe()
    found = {s["name"]: s for s in cats[0]["streams"]}
    assert {BIG, TIES, TIES_NOIDX} <= set(found), (
        "discover did not list %s, %s and %s: %s"
        % (BIG, TIES, TIES_NOIDX, sorted(found)))
    return found


def _catalog(stream: dict, incremental: bool = False) -> dict:
    entry = {"stream": stream, "destination_sync_mode": "append",
             "primary_key": [["id"]]}
    if incremental:
        entry["sync_mode"] = "incremental"
        entry["cursor_field"] = ["updated_at"]
    else:
        entry["sync_mode"] = "full_refresh"
        entry["destination_sync_mode"] = "overwrite"
    return {"streams": [entry]}


# --------------------------------------------------------- a live read

class LiveRun:
    """A connector read whose stdout is consumed line by line.

    A reader thread checks every complete line with protocol.check_line
    as it arrives. With pause_after_states=n it stops reading after the
    n-th STATE message until resume() is called, so the connector blocks
    on its full stdout pipe.
    """

    def __init__(self, argv: list, workdir: Path,
                 pause_after_states: Optional[int] = None):
        self.argv = [str(a) for a in argv]
        self.stderr_path = workdir / "stderr.txt"
        self._stderr = open(self.stderr_path, "wb")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(
            self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self._stderr, start_new_session=True)
        self.raw: list[bytes] = []
        self.messages: list[dict] = []
        self.problems: list[str] = []
        self.tail = b""
        self.signalled: Optional[int] = None
        self.states_seen = 0
        self._pause_at = pause_after_states
        self._gate = threading.Event()
        self._gate.set()
        self.paused = threading.Event()
        self.eof = threading.Event()
        self._thread = threading.Thread(target=self._reader, daemon=True)
        self._thread.start()

    def _reader(self) -> None:
        stream = self.proc.stdout
        while True:
            line = stream.readline()
            if not line:
                break
            if not line.endswith(b"\n"):
                self.tail = line
                break
            self.raw.append(line)
            try:
                msg = protocol.check_line(line, len(self.raw))
            except protocol.ProtocolError as exc:
                self.problems.append(str(exc))
                continue
            self.messages.append(msg)
            if msg.get("type") == "STATE":
                self.states_seen += 1
                if self._pause_at and self.states_seen >= self._pause_at:
                    self._pause_at = None
                    self._gate.clear()
                    self.paused.set()
                    self._gate.wait()
        self.eof.set()
        self.paused.set()

    def wait_paused(self, timeout: float = RUN_TIMEOUT) -> None:
        assert self.paused.wait(timeout), (
            "no %s STATE messages within %.0f s\n%s"
            % (PAUSE_AFTER_STATES, timeout, self.describe()))
        assert not self.eof.is_set(), (
            "the read ended before the fault could be injected (%d "
            "states)\n%s" % (self.states_seen, self.describe()))

    def resume(self) -> None:
        self._gate.set()

    def signal(self, sig: int) -> None:
        self.signalled = sig
        self.proc.send_signal(sig)

    def finish(self, timeout: float = RUN_TIMEOUT) -> "LiveRun":
        self.resume()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self._thread.join(10)
            pytest.fail("connector still running %.0f s after the fault "
                        "(killed)\n%s" % (timeout, self.describe()))
        self._thread.join(30)
        self._stderr.close()
        self.duration = time.monotonic() - self.t0
        return self

    @property
    def returncode(self) -> Optional[int]:
        return self.proc.returncode

    @property
    def stderr(self) -> str:
        try:
            return self.stderr_path.read_text("utf-8", "replace")
        except OSError:
            return ""

    def of_type(self, mtype: str) -> list:
        return [m for m in self.messages if m.get("type") == mtype]

    @property
    def records(self) -> list:
        return [m["record"] for m in self.of_type("RECORD")]

    @property
    def errors(self) -> list:
        return [m["trace"] for m in self.of_type("TRACE")
                if m["trace"].get("type") == "ERROR"]

    @property
    def statuses(self) -> list:
        return [m["trace"]["stream_status"] for m in self.of_type("TRACE")
                if m["trace"].get("type") == "STREAM_STATUS"]

    def describe(self) -> str:
        head = b"".join(self.raw[:5]).decode("utf-8", "replace")
        last = b"".join(self.raw[-8:]).decode("utf-8", "replace")
        return ("command: %s\nexit code: %s, %d lines, %d states\n"
                "first lines:\n%s\nlast lines:\n%s\ntrailing fragment: %r\n"
                "stderr tail:\n%s"
                % (" ".join(self.argv), self.returncode, len(self.raw),
                   self.states_seen, head[:1500], last[-3000:],
                   self.tail[:200], self.stderr[-2000:]))

    def assert_lines_valid(self, allow_partial_tail: bool = False) -> None:
        # Under the sanitizer build a memory error also ends in exit 1,
        # which a failure case would take for the expected failure.
        assert "Sanitizer" not in self.stderr, (
            "sanitizer report:\n%s" % self.stderr[-4000:])
        assert not self.problems, ("invalid stdout lines:\n%s\n%s"
                                   % ("\n".join(self.problems[:3]),
                                      self.describe()))
        if not allow_partial_tail:
            assert not self.tail, ("stdout ends in an unterminated line "
                                   "(not flushed line by line?)\n%s"
                                   % self.describe())


def start_read(source_mysql, label: str, config: dict, catalog: dict,
               state: Optional[list] = None,
               pause_after_states: Optional[int] = PAUSE_AFTER_STATES
               ) -> LiveRun:
    conn = source_mysql.connector(label)
    args = ["read",
            "--config", protocol.write_json(conn.workdir / "config.json",
                                            config),
            "--catalog", protocol.write_json(conn.workdir / "catalog.json",
                                             catalog)]
    if state is not None:
        args += ["--state", protocol.write_json(conn.workdir / "state.json",
                                                state)]
    return LiveRun([conn.binary] + args, conn.workdir, pause_after_states)


# ------------------------------------------------------------- analysis

def _stream_states(run, name: str) -> list:
    out = []
    for m in run.of_type("STATE"):
        st = m["state"]
        desc = (st.get("stream") or {}).get("stream_descriptor") or {}
        if desc.get("name") == name:
            out.append(st)
    return out


def split_at_last_checkpoint(run, name: str) -> tuple:
    """(ids before the last STATE of the stream, ids after it, that
    STATE message) in the order the run emitted them."""
    ids: list = []
    cut = 0
    last = None
    for m in run.messages:
        if m["type"] == "RECORD" and m["record"]["stream"] == name:
            ids.append(m["record"]["data"]["id"])
        elif m["type"] == "STATE":
            desc = ((m["state"].get("stream") or {})
                    .get("stream_descriptor") or {})
            if desc.get("name") == name:
                cut = len(ids)
                last = m["state"]
    return ids[:cut], ids[cut:], last


def assert_values(run, name: str) -> None:
    for rec in run.records:
        if rec["stream"] != name:
            continue
        data = rec["data"]
        assert rec.get("namespace") == DB, rec
        assert data.get("v") == "row-%d" % data["id"], (
            "record does not carry its row's values: %s" % data)


def _dups(ids: list) -> list:
    seen: set = set()
    out = []
    for i in ids:
        if i in seen:
            out.append(i)
        seen.add(i)
    return out


def assert_resumed_exactly(first, second, name: str, expected: set) -> dict:
    """The checks of the module docstring; returns the numbers."""
    pre, post, last_state = split_at_last_checkpoint(first, name)
    assert last_state is not None, "first run emitted no STATE for %s" % name
    second_ids = [r["data"]["id"] for r in second.records
                  if r["stream"] == name]
    first_ids = pre + post
    assert not _dups(first_ids), ("first run emitted keys twice: %s"
                                  % _dups(first_ids)[:20])
    assert not _dups(second_ids), ("resumed run emitted keys twice: %s"
                                   % _dups(second_ids)[:20])
    assert len(first_ids) < len(expected), (
        "the fault did not land mid-read: the first run emitted all %d "
        "rows" % len(first_ids))
    union = set(first_ids) | set(second_ids)
    missing = expected - union
    extra = union - expected
    assert not missing, ("%d rows never arrived (e.g. %s); last checkpoint "
                         "%s" % (len(missing), sorted(missing)[:20],
                                 json.dumps(last_state)))
    assert not extra, "records for keys not in the table: %s" % sorted(
        extra)[:20]
    again = set(pre) & set(second_ids)
    assert not again, (
        "%d rows covered by the last checkpoint were read again (e.g. %s);"
        " checkpoint %s" % (len(again), sorted(again)[:20],
                            json.dumps(last_state)))
    both = set(first_ids) & set(second_ids)
    assert both <= set(post)
    assert_values(first, name)
    assert_values(second, name)
    numbers = {"first": len(first_ids), "before_checkpoint": len(pre),
            "after_checkpoint": len(post), "second": len(second_ids),
            "duplicated": len(both)}
    # Shown with pytest -s: how much each run read around the fault.
    print("%s: %s; errors %s; checkpoint %s"
          % (name, numbers, [e["error"].get("message") for e in
                             first.errors], json.dumps(last_state)))
    return numbers


def assert_failed_cleanly(run: LiveRun, name: str,
                          failure_type: Optional[str] = "transient_error",
                          allow_signal: Optional[int] = None) -> None:
    """Non-zero exit, ERROR trace of the given failure type, the stream
    INCOMPLETE and never COMPLETE, every line valid and terminated."""
    run.assert_lines_valid()
    rc = run.returncode
    if allow_signal is not None and rc == -allow_signal:
        pass
    else:
        assert rc is not None and rc > 0, (
            "expected a non-zero exit status (not death by a signal), got "
            "%s\n%s" % (rc, run.describe()))
    if failure_type is not None:
        types = [e["error"].get("failure_type") for e in run.errors]
        assert failure_type in types, (
            "expected an ERROR trace with failure_type %s, got %s\n%s"
            % (failure_type, types, run.describe()))
    for err in run.errors:
        assert err["error"].get("message"), err
    mine = [s["status"] for s in run.statuses
            if s["stream_descriptor"]["name"] == name]
    assert "INCOMPLETE" in mine, ("stream %s not marked INCOMPLETE "
                                  "(statuses %s)\n%s"
                                  % (name, mine, run.describe()))
    assert "COMPLETE" not in mine, ("failed stream %s marked COMPLETE\n%s"
                                    % (name, run.describe()))


def assert_completed(run, name: str) -> None:
    if isinstance(run, LiveRun):
        run.assert_lines_valid()
        assert run.returncode == 0 and not run.errors, run.describe()
    else:
        run.assert_ok()
    mine = [s["status"] for s in run.statuses
            if s["stream_descriptor"]["name"] == name]
    assert mine and mine[-1] == "COMPLETE", (
        "statuses of %s: %s" % (name, mine))


def resume(source_mysql, label: str, config: dict, catalog: dict,
           last_state: dict) -> protocol.Run:
    conn = source_mysql.connector(label)
    run = conn.read(config, catalog, [last_state], timeout=RUN_TIMEOUT)
    run.assert_ok()
    return run


# ----------------------------------------------------------------- tests

def test_server_killed_mid_read(source_mysql, fault_server, streams,
                                all_ids):
    """The kill finds the connector between two keyset queries (a result
    set of a few hundred kB is in the socket buffers long before it is
    read); the cut-after-bytes case below breaks a result set in the
    middle."""
    config = _config(fault_server.host, fault_server.port)
    catalog = _catalog(streams[BIG])
    first = start_read(source_mysql, "kill-server-1", config, catalog)
    try:
        first.wait_paused()
        fault_server.kill()
    finally:
        first.finish()
        if not fault_server.is_running():
            fault_server.restart()
    assert_failed_cleanly(first, BIG)
    _, _, last = split_at_last_checkpoint(first, BIG)
    second = resume(source_mysql, "kill-server-2", config, catalog, last)
    assert_completed(second, BIG)
    assert_resumed_exactly(first, second, BIG, all_ids[BIG])


@pytest.mark.parametrize("how", ["after-bytes", "after-states"])
def test_connection_cut_mid_read(source_mysql, fault_server, streams,
                                 all_ids, how):
    catalog = _catalog(streams[BIG])
    with tcp_proxy.TcpProxy(fault_server.port) as proxy:
        config = _config(proxy.host, proxy.port)
        if how == "after-bytes":
            # About a third of the table's bytes on the wire; the cut
            # lands inside a result set, in the middle of a row.
            proxy.cut_after(1200 * 1000 + 77, then_refuse=True)
            first = start_read(source_mysql, "cut-bytes-1", config, catalog,
                               pause_after_states=None)
            first.finish()
            assert proxy.cuts, "the proxy never cut (%d bytes seen)" % (
                proxy.server_bytes)
        else:
            first = start_read(source_mysql, "cut-states-1", config,
                               catalog)
            try:
                first.wait_paused()
                proxy.refuse()
                proxy.cut()
            finally:
                first.finish()
        assert_failed_cleanly(first, BIG)
        proxy.allow()
        _, _, last = split_at_last_checkpoint(first, BIG)
        second = resume(source_mysql, "cut-%s-2" % how, config, catalog,
                        last)
    assert_completed(second, BIG)
    assert_resumed_exactly(first, second, BIG, all_ids[BIG])


def test_sigterm_mid_read(source_mysql, fault_server, streams, all_ids):
    config = _config(fault_server.host, fault_server.port)
    catalog = _catalog(streams[BIG])
    first = start_read(source_mysql, "sigterm-1", config, catalog)
    try:
        first.wait_paused()
        first.signal(signal.SIGTERM)
    finally:
        first.finish(timeout=30)
    # Stopped on request: no particular failure type is demanded, but the
    # output must be complete lines, the stream INCOMPLETE and the exit
    # status non-zero (or death by the same SIGTERM after flushing).
    assert_failed_cleanly(first, BIG, failure_type=None,
                          allow_signal=signal.SIGTERM)
    print("after SIGTERM: exit %s, statuses %s, errors %s"
          % (first.returncode, first.statuses, first.errors))
    _, _, last = split_at_last_checkpoint(first, BIG)
    second = resume(source_mysql, "sigterm-2", config, catalog, last)
    assert_completed(second, BIG)
    assert_resumed_exactly(first, second, BIG, all_ids[BIG])


ONE_QUERY_LOG = "reading it in one ordered query"


def assert_read_path(run, name: str) -> None:
    """The unindexed copy is read in one ordered query, the indexed table
    in chunks; the connector says which in an INFO log."""
    said = [m["log"]["message"] for m in run.of_type("LOG")
            if ONE_QUERY_LOG in m["log"]["message"]]
    if name == TIES_NOIDX:
        assert said and name in said[0], (
            "no one-query log for %s\n%s" % (name, run.describe()))
    else:
        assert not said, "%s is indexed but read in one query: %s" % (
            name, said)


@pytest.mark.parametrize("table", [TIES, TIES_NOIDX])
def test_incremental_stop_inside_cursor_ties(source_mysql, fault_server,
                                             streams, all_ids, table):
    """5000 rows share one updated_at; checkpoints every 500 fall inside
    that group, so the state must say where in the group to go on, in
    chunks (indexed cursor) and in one query (unindexed cursor)."""
    config = _config(fault_server.host, fault_server.port,
                     checkpoint_interval_records=TIE_CHECKPOINT,
                     chunk_size=700)
    catalog = _catalog(streams[table], incremental=True)
    first = start_read(source_mysql, "ties-1-" + table, config, catalog,
                       pause_after_states=PAUSE_AFTER_STATES + 1)
    try:
        first.wait_paused()
        first.signal(signal.SIGKILL)
    finally:
        first.finish(timeout=30)
    assert first.returncode == -signal.SIGKILL, first.describe()
    first.assert_lines_valid(allow_partial_tail=True)
    assert_read_path(first, table)
    pre, post, last = split_at_last_checkpoint(first, table)
    tie_ids = set(range(TIE_EARLY + 1, TIE_EARLY + TIE_ROWS + 1))
    assert set(pre) & tie_ids and tie_ids - set(pre), (
        "the last checkpoint is not inside the tie group (%d rows before "
        "it), the case is not exercised\n%s" % (len(pre), first.describe()))
    second = resume(source_mysql, "ties-2-" + table, config, catalog, last)
    assert_completed(second, table)
    assert_read_path(second, table)
    assert_resumed_exactly(first, second, table, all_ids[table])
    final = _stream_states(second, table)[-1]["stream"]["stream_state"]
    assert "2024-06-01" in json.dumps(final), (
        "final state does not hold the newest cursor value: %s" % final)


@pytest.mark.parametrize("how", ["sigterm", "cut"])
def test_incremental_one_query_fault(source_mysql, fault_server, streams,
                                     all_ids, how):
    """The unindexed cursor is read in one query without LIMIT: SIGTERM
    and a cut connection in the middle of it still end with the last
    row written as the final STATE, and the resumed read is exact."""
    catalog = _catalog(streams[TIES_NOIDX], incremental=True)
    with tcp_proxy.TcpProxy(fault_server.port) as proxy:
        config = _config(proxy.host, proxy.port,
                         checkpoint_interval_records=TIE_CHECKPOINT)
        if how == "cut":
            # Cut once about half of the table's 1.9 MB has crossed the
            # proxy: in the middle of the one result set.
            proxy.cut_after(900 * 1000 + 77, then_refuse=True)
        first = start_read(source_mysql, "one-query-%s-1" % how, config,
                           catalog, pause_after_states=(
                               PAUSE_AFTER_STATES if how == "sigterm"
                               else None))
        try:
            if how == "sigterm":
                first.wait_paused()
                first.signal(signal.SIGTERM)
        finally:
            first.finish(timeout=30)
        if how == "cut":
            assert proxy.cuts, "the proxy never cut (%d bytes seen)" % (
                proxy.server_bytes)
        assert_failed_cleanly(
            first, TIES_NOIDX,
            failure_type=None if how == "sigterm" else "transient_error",
            allow_signal=signal.SIGTERM if how == "sigterm" else None)
        assert_read_path(first, TIES_NOIDX)
        proxy.allow()
        pre, post, last = split_at_last_checkpoint(first, TIES_NOIDX)
        # The final STATE certifies every row written: nothing after it.
        assert not post, ("%d records after the final STATE\n%s"
                          % (len(post), first.describe()))
        second = resume(source_mysql, "one-query-%s-2" % how, config,
                        catalog, last)
    assert_completed(second, TIES_NOIDX)
    assert_resumed_exactly(first, second, TIES_NOIDX, all_ids[TIES_NOIDX])
