"""Secrets never leave the connector: "A password or hashed value never
appears in any output."

A user with a distinctive password (quote and backslash included, so its
JSON-escaped form differs from the raw one) reads an OnTrack-shaped users
table with the ontrack column-policy preset and a distinctive salt. Every
command is run, on success and on error paths, and neither stdout nor
stderr may contain: the password (also when the server echoes it back),
the salt, a raw value of a hashed column, or any value of an excluded
column (bcrypt hashes, reset and unlock tokens).
"""

from __future__ import annotations

import hashlib
import json

import pytest

import servers

DB = "secrets_db"
USER = "secret_reader"
PASSWORD = 'Pw"Zq9\\Leak-7Xk!pass'
WRONG_PASSWORD = "WrongPw-Distinct-4471"
SALT = "salt-Vq7Lw3-Distinct"

# users rows: id, email, encrypted_password, reset_password_token,
# unlock_token, username, login_id, student_id, first_name
USERS = [
    (1, "amelia.quokka.1@example.org",
     "$2a$11$Qm4hFqk3uZ0Jt8xYv1WcUeG0m6sJ9kq1oQ7zR2bV5nL8dT3fH6yKa",
     "rpt-8f14e45fceea167a5a36dedd4bea2543", None,
     "amelia.q.2031", "aq2031login", "s2031001", "Amelia"),
    (2, "bruno.wombat.2@example.org",
     "$2a$11$Zx8pLk2mN4vB6cX1sD3fGuH5jK7lP9oI0uY2tR4eW6qA8sD0fG2hJ",
     None, "unl-c9f0f895fb98ab9159f51fd0297e236d",
     "bruno.w.2032", "bw2032login", "s2032002", "Bruno"),
    (3, "chen.echidna.3@example.org",
     "$2a$11$Lm0nBv9cX8zA7sD6fG5hJuK4lP3oI2uY1tR0eW9qQ8aS7dF6gH5jK",
     None, None, "chen.e.2033", "ce2033login", "s2033003", "Chen"),
]
HASHED = ("email", "username", "login_id", "student_id")
EXCLUDED = ("encrypted_password", "reset_password_token", "unlock_token")
COLUMNS = ("id", "email", "encrypted_password", "reset_password_token",
           "unlock_token", "username", "login_id", "student_id",
           "first_name")


def _forms(text: str) -> set:
    """The ways a string can show up in JSON text or a log line."""
    return {text, json.dumps(text)[1:-1],
            json.dumps(text, ensure_ascii=True)[1:-1]}


def forbidden() -> dict:
    """label -> set of strings that must never appear."""
    out = {"password": _forms(PASSWORD),
           "wrong password": _forms(WRONG_PASSWORD),
           "salt": _forms(SALT)}
    for row in USERS:
        values = dict(zip(COLUMNS, row))
        for col in HASHED + EXCLUDED:
            if values[col]:
                out.setdefault("users.%s value" % col, set()).update(
                    _forms(values[col]))
    return out


def assert_no_secrets(run, what: str) -> None:
    text = run.stdout.decode("utf-8", "replace") + "\n" + run.stderr
    for label, values in forbidden().items():
        for value in values:
            assert value not in text, (
                "%s: the %s appears in the output (%r)\n%s"
                % (what, label, value, run.describe()))


@pytest.fixture(scope="module")
def server(source_mysql) -> servers.MariaDB:
    srv = source_mysql.server
    srv.create_database(DB)
    rows = []
    for row in USERS:
        rows.append("(%s)" % ", ".join(
            "NULL" if v is None else (str(v) if isinstance(v, int)
                                      else servers.quote_string(v))
            for v in row))
    srv.sql(
        "CREATE TABLE users (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
        " email VARCHAR(255) NOT NULL DEFAULT '',"
        " encrypted_password VARCHAR(255) NOT NULL DEFAULT '',"
        " reset_password_token VARCHAR(255), unlock_token VARCHAR(255),"
        " username VARCHAR(255), login_id VARCHAR(255),"
        " student_id VARCHAR(255), first_name VARCHAR(255),"
        " created_at DATETIME(6) NOT NULL DEFAULT '2024-01-01 00:00:00',"
        " updated_at DATETIME(6) NOT NULL DEFAULT '2024-01-01 00:00:00');"
        "INSERT INTO users (%s) VALUES %s;"
        % (", ".join(COLUMNS), ", ".join(rows)), database=DB)
    srv.sql("DROP USER IF EXISTS %s@'%%'; CREATE USER %s@'%%' IDENTIFIED BY "
            "%s;" % (servers.quote_string(USER), servers.quote_string(USER),
                     servers.quote_string(PASSWORD)))
    srv.grant_read_only(DB, USER)
    return srv


def _config(server, **extra) -> dict:
    config = {"host": server.host, "port": server.port, "database": DB,
              "username": USER, "password": PASSWORD,
              "ssl_mode": {"mode": "preferred"}, "tables": ["users"],
              "column_policy_preset": "ontrack", "hash_salt": SALT}
    config.update(extra)
    return config


def _status(run) -> dict:
    statuses = [m["connectionStatus"] for m in
                run.of_type("CONNECTION_STATUS")]
    assert len(statuses) == 1, run.describe()
    return statuses[0]


@pytest.fixture(scope="module")
def users_stream(source_mysql, server) -> dict:
    run = source_mysql.connector("secrets-discover").discover(
        _config(server), timeout=60)
    run.assert_ok()
    assert_no_secrets(run, "discover")
    streams = [s for m in run.of_type("CATALOG")
               for s in m["catalog"]["streams"] if s["name"] == "users"]
    assert len(streams) == 1, run.describe()
    props = streams[0]["json_schema"]["properties"]
    for col in EXCLUDED:
        assert col not in props, ("excluded column %s is in the discovered "
                                  "schema" % col)
    for col in HASHED:
        assert col in props, "hashed column %s missing from schema" % col
    return streams[0]


def _catalog(stream: dict) -> dict:
    return {"streams": [{"stream": stream, "sync_mode": "full_refresh",
                         "destination_sync_mode": "overwrite"}]}


def test_spec_and_check(source_mysql, server):
    conn = source_mysql.connector("secrets-check")
    run = conn.spec()
    run.assert_ok()
    assert_no_secrets(run, "spec")
    run = conn.check(_config(server))
    run.assert_ok()
    assert _status(run)["status"] == "SUCCEEDED", run.describe()
    assert_no_secrets(run, "check")


@pytest.mark.parametrize("case", ["wrong-password", "username-is-password",
                                  "password-echoed-by-server"])
def test_check_errors_do_not_leak(source_mysql, server, case):
    """Failed checks, including server error texts that quote what the
    user typed: the secret must be masked even there."""
    if case == "wrong-password":
        config = _config(server, password=WRONG_PASSWORD)
    elif case == "username-is-password":
        # The password typed into the user name field as well: the
        # server answers "Access denied for user '<password>'@...".
        config = _config(server, username=PASSWORD)
    else:
        # A session setting whose value is the password: the server's
        # error message quotes the value back.
        config = _config(server, connection_params="sql_mode=" + PASSWORD)
    run = source_mysql.connector("secrets-" + case).check(config)
    assert run.returncode == 0, run.describe()
    status = _status(run)
    assert status["status"] == "FAILED", run.describe()
    assert status.get("message"), run.describe()
    assert_no_secrets(run, "check (%s)" % case)
    print("check %s: %s" % (case, status["message"]))


def test_read_hashes_and_excludes(source_mysql, server, users_stream):
    run = source_mysql.connector("secrets-read").read(
        _config(server), _catalog(users_stream), timeout=60)
    run.assert_ok()
    assert_no_secrets(run, "read")
    got = {r["data"]["id"]: r["data"] for r in run.records}
    assert sorted(got) == [row[0] for row in USERS], run.describe()
    for row in USERS:
        values = dict(zip(COLUMNS, row))
        data = got[values["id"]]
        for col in EXCLUDED:
            assert col not in data, "excluded %s emitted: %s" % (col, data)
        for col in HASHED:
            want = hashlib.sha256((SALT + values[col]).encode()).hexdigest()
            assert data.get(col) == want, (
                "users.%s of id %d: expected sha256(salt+value) %s, got %r"
                % (col, values["id"], want, data.get(col)))
        assert data["first_name"] == values["first_name"]


@pytest.mark.parametrize("case", ["wrong-password", "unknown-stream",
                                  "broken-catalog", "password-echoed"])
def test_read_errors_do_not_leak(source_mysql, server, users_stream, case):
    conn = source_mysql.connector("secrets-read-" + case)
    config = _config(server)
    catalog = _catalog(users_stream)
    if case == "wrong-password":
        config["password"] = WRONG_PASSWORD
    elif case == "unknown-stream":
        stream = dict(users_stream, name="no_such_table")
        catalog = _catalog(stream)
    elif case == "broken-catalog":
        catalog = b'{"streams": [{"stream": {"name": "users"'
    else:
        config["connection_params"] = "sql_mode=" + PASSWORD
    run = conn.read(config, catalog, timeout=60)
    assert run.returncode != 0, ("read (%s) must fail\n%s"
                                 % (case, run.describe()))
    # A memory error under the sanitizer build also exits non-zero.
    assert "Sanitizer" not in run.stderr, run.stderr[-4000:]
    assert run.errors, ("read (%s) failed without an ERROR trace\n%s"
                        % (case, run.describe()))
    assert not run.records, run.describe()
    assert_no_secrets(run, "read (%s)" % case)
    print("read %s: %s" % (case, [e["error"].get("message")
                                  for e in run.errors]))


def test_read_logs_what_it_read(source_mysql, server, users_stream):
    """Every run says what it read: a LOG per stream names the table, the
    number of columns emitted, and the columns the policies hashed and
    excluded, without any of their values."""
    run = source_mysql.connector("secrets-provenance").read(
        _config(server), _catalog(users_stream), timeout=60)
    run.assert_ok()
    logs = [m["log"]["message"] for m in run.of_type("LOG")
            if m["log"]["message"].startswith('stream "users" reads ')]
    assert len(logs) == 1, run.describe()
    message = logs[0]
    assert "`%s`.`users`" % DB in message, message
    hashed = message.split("hashed: ")[1].split(";")[0].split(", ")
    excluded = message.split("excluded by policy: ")[1].split(", ")
    assert sorted(hashed) == sorted(HASHED), message
    assert sorted(excluded) == sorted(EXCLUDED), message
    assert_no_secrets(run, "read (provenance log)")
