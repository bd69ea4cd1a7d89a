"""TLS: every ssl_mode against servers with and without TLS, with a CA,
server and client certificates made by the test (certs.py).

Evidence that a session really used TLS comes from the server side: the
TLS server runs with require_secure_transport=ON, so a plain TCP session
cannot log in at all, and the users the connector logs in as are created
with REQUIRE SSL / REQUIRE X509.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import certs
import servers

DB = "tlsdb"
TABLE = "t"
ROWS = [(1, "one"), (2, "two 😀"), (3, "three")]
TLS_USER = "tls_user"
TLS_PASSWORD = "tls-user-pw.3"
X509_USER = "x509_user"
X509_PASSWORD = "x509-user-pw.5"
TLS_WORDS = ("tls", "ssl", "certificate")


def _setup_db(server: servers.MariaDB, users: list) -> None:
    server.create_database(DB)
    values = ", ".join("(%d, %s)" % (i, servers.quote_string(n))
                       for i, n in ROWS)
    server.sql("CREATE TABLE %s (id INT PRIMARY KEY, name VARCHAR(40));"
               "INSERT INTO %s VALUES %s;" % (TABLE, TABLE, values),
               database=DB)
    for user, password, require in users:
        server.sql("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s %s;"
                   % (servers.quote_string(user),
                      servers.quote_string(password), require))
        server.grant_read_only(DB, user)
    server.grant_read_only(DB)


@pytest.fixture(scope="module")
def pki(tmp_path_factory, source_mysql) -> certs.Pki:
    if not certs.have_openssl():
        pytest.fail("the openssl command is needed to make the test CA")
    made = certs.make_pki(tmp_path_factory.mktemp("pki"))
    certs.verify(made)
    return made


class TlsServer:
    """A MariaDB with TLS on, require_secure_transport=ON, whose
    certificate can be swapped at run time (FLUSH SSL)."""

    def __init__(self, server: servers.MariaDB, pki: certs.Pki, live: Path):
        self.server = server
        self.pki = pki
        self.live = live

    def use_certificate(self, cert: Path, key: Path) -> None:
        shutil.copyfile(cert, self.live / "server.pem")
        shutil.copyfile(key, self.live / "server-key.pem")
        self.server.sql("FLUSH SSL;")


@pytest.fixture(scope="module")
def tls_server(pki, mariadb_factory, tmp_path_factory) -> TlsServer:
    live = tmp_path_factory.mktemp("tls-live")
    shutil.copyfile(pki.server_cert, live / "server.pem")
    shutil.copyfile(pki.server_key, live / "server-key.pem")
    server = mariadb_factory(extra_args=[
        "--ssl-ca=%s" % pki.ca,
        "--ssl-cert=%s" % (live / "server.pem"),
        "--ssl-key=%s" % (live / "server-key.pem"),
        "--require-secure-transport=ON"])
    have = server.rows("SHOW GLOBAL VARIABLES LIKE 'have_ssl'")
    assert have and have[0][1] == "YES", "TLS server without TLS: %s" % have
    _setup_db(server, [
        (TLS_USER, TLS_PASSWORD, "REQUIRE SSL"),
        (X509_USER, X509_PASSWORD, "REQUIRE SUBJECT %s AND ISSUER %s"
         % (servers.quote_string("/O=source-mysql tests/CN="
                                 + certs.CLIENT_CN),
            servers.quote_string("/O=source-mysql tests/CN="
                                 "source-mysql test CA")))])
    return TlsServer(server, pki, live)


@pytest.fixture(scope="module")
def plain_server(mariadb, source_mysql) -> servers.MariaDB:
    """The shared server, which has no TLS at all (MariaDB 10.11 makes no
    certificate of its own, so no --ssl-* option means no TLS)."""
    have = mariadb.rows("SHOW GLOBAL VARIABLES LIKE 'have_ssl'")
    assert have and have[0][1] != "YES", (
        "the shared server offers TLS (%s); the no-TLS cases need one "
        "that does not" % have)
    _setup_db(mariadb, [])
    return mariadb


def _config(host: str, port: int, ssl_mode: dict,
            user: str = TLS_USER, password: str = TLS_PASSWORD) -> dict:
    return {"host": host, "port": port, "database": DB,
            "username": user, "password": password,
            "ssl_mode": ssl_mode, "tables": [TABLE]}


def _check(source_mysql, config: dict, label: str) -> dict:
    """Run check; it must exit 0 with exactly one CONNECTION_STATUS."""
    run = source_mysql.connector(label).check(config, timeout=60)
    assert run.returncode == 0, ("check must exit 0 (a failed connection "
                                 "is a FAILED status)\n%s" % run.describe())
    statuses = [m["connectionStatus"] for m in
                run.of_type("CONNECTION_STATUS")]
    assert len(statuses) == 1, run.describe()
    _assert_no_key_material(run, config)
    return statuses[0]


def _assert_no_key_material(run, config: dict) -> None:
    """The PEM bodies of a client key never appear in the output."""
    text = run.stdout.decode("utf-8", "replace") + run.stderr
    key = (config.get("ssl_mode") or {}).get("client_key") or ""
    for line in key.splitlines():
        if len(line) >= 40 and "-----" not in line:
            assert line not in text, "client key material in output"
    kp = (config.get("ssl_mode") or {}).get("client_key_password")
    if kp:
        assert kp not in text, "client key password in output"


def assert_succeeds(source_mysql, config: dict, label: str) -> None:
    status = _check(source_mysql, config, label)
    assert status["status"] == "SUCCEEDED", (
        "check failed: %s (config ssl_mode %s)"
        % (status.get("message"), config["ssl_mode"].get("mode")))


def assert_fails_clearly(source_mysql, config: dict, label: str,
                         words=TLS_WORDS) -> str:
    status = _check(source_mysql, config, label)
    assert status["status"] == "FAILED", (
        "check succeeded but must fail (ssl_mode %s)"
        % config["ssl_mode"].get("mode"))
    message = status.get("message") or ""
    assert any(w in message.lower() for w in words), (
        "the FAILED message does not say what went wrong (expected one of "
        "%s): %r" % (words, message))
    # Shown with pytest -s, to read what a user would see.
    print("%s: FAILED as expected: %s" % (label, message))
    return message


def assert_reads(source_mysql, config: dict, label: str) -> None:
    """discover + full refresh read of the table: all rows, right values."""
    disc = source_mysql.connector(label + "-discover").discover(config, 60)
    disc.assert_ok()
    streams = [s for m in disc.of_type("CATALOG")
               for s in m["catalog"]["streams"] if s["name"] == TABLE]
    assert len(streams) == 1, disc.describe()
    catalog = {"streams": [{"stream": streams[0],
                            "sync_mode": "full_refresh",
                            "destination_sync_mode": "overwrite"}]}
    run = source_mysql.connector(label + "-read").read(config, catalog,
                                                       timeout=60)
    run.assert_ok()
    got = sorted((r["data"]["id"], r["data"]["name"]) for r in run.records)
    assert got == ROWS, "read over TLS returned %s" % got
    _assert_no_key_material(run, config)


def _ca(pki: certs.Pki, mode: str, which: str = "ca.pem", **extra) -> dict:
    out = {"mode": mode, "ca_certificate": pki.text(which)}
    out.update(extra)
    return out


# ------------------------------------------------------------- verify_*

@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_verify_identity_matching_san(source_mysql, tls_server, host):
    """The certificate names localhost and 127.0.0.1: both verify, and a
    read works (the server refuses any non-TLS session)."""
    config = _config(host, tls_server.server.port,
                     _ca(tls_server.pki, "verify_identity"))
    assert_succeeds(source_mysql, config, "vi-" + host)
    assert_reads(source_mysql, config, "vi-" + host)


def test_verify_ca_with_right_ca(source_mysql, tls_server):
    config = _config("127.0.0.1", tls_server.server.port,
                     _ca(tls_server.pki, "verify_ca"))
    assert_succeeds(source_mysql, config, "vca-ok")


def test_verify_ca_with_wrong_ca_fails(source_mysql, tls_server):
    config = _config("127.0.0.1", tls_server.server.port,
                     _ca(tls_server.pki, "verify_ca", "other-ca.pem"))
    assert_fails_clearly(source_mysql, config, "vca-wrong")
    # The same mistake in read: an ERROR trace and a non-zero exit, not
    # a crash, and a config_error (retrying cannot help).
    disc = source_mysql.connector("vca-wrong-discover").discover(config, 60)
    assert disc.returncode > 0, disc.describe()
    assert "Sanitizer" not in disc.stderr, disc.stderr[-4000:]
    kinds = [e["error"].get("failure_type") for e in disc.errors]
    assert kinds == ["config_error"], (
        "discover with an untrusted server certificate: expected one "
        "config_error trace, got %s\n%s" % (kinds, disc.describe()))


def test_verify_identity_wrong_san_fails(source_mysql, tls_server):
    """Same CA, but the certificate names another host: verify_ca still
    passes, verify_identity must not."""
    pki = tls_server.pki
    tls_server.use_certificate(pki.wrong_san_cert, pki.wrong_san_key)
    try:
        for host in ("127.0.0.1", "localhost"):
            config = _config(host, tls_server.server.port,
                             _ca(pki, "verify_identity"))
            assert_fails_clearly(source_mysql, config, "vi-wrong-" + host,
                                 words=TLS_WORDS + ("host", "name"))
        config = _config("127.0.0.1", tls_server.server.port,
                         _ca(pki, "verify_ca"))
        assert_succeeds(source_mysql, config, "vca-wrong-san")
    finally:
        tls_server.use_certificate(pki.server_cert, pki.server_key)


def test_verify_identity_against_plain_server_fails(source_mysql, pki,
                                                    plain_server):
    config = _config("127.0.0.1", plain_server.port,
                     _ca(pki, "verify_identity"),
                     servers.AIRBYTE_USER, servers.AIRBYTE_PASSWORD)
    assert_fails_clearly(source_mysql, config, "vi-plain")


# ------------------------------------------------- required / preferred

def test_required_without_server_tls_fails(source_mysql, plain_server):
    config = _config("127.0.0.1", plain_server.port, {"mode": "required"},
                     servers.AIRBYTE_USER, servers.AIRBYTE_PASSWORD)
    assert_fails_clearly(source_mysql, config, "req-plain")


def test_required_with_server_tls(source_mysql, tls_server):
    """required encrypts without verifying: no CA needed."""
    config = _config("127.0.0.1", tls_server.server.port,
                     {"mode": "required"})
    assert_succeeds(source_mysql, config, "req-tls")
    assert_reads(source_mysql, config, "req-tls")


def test_preferred_with_plain_server(source_mysql, plain_server):
    config = _config("127.0.0.1", plain_server.port, {"mode": "preferred"},
                     servers.AIRBYTE_USER, servers.AIRBYTE_PASSWORD)
    assert_succeeds(source_mysql, config, "pref-plain")
    assert_reads(source_mysql, config, "pref-plain")


def test_preferred_with_tls_server(source_mysql, tls_server):
    """The server refuses plain sessions and the user requires SSL, so a
    success proves preferred negotiated TLS."""
    config = _config("127.0.0.1", tls_server.server.port,
                     {"mode": "preferred"})
    assert_succeeds(source_mysql, config, "pref-tls")
    assert_reads(source_mysql, config, "pref-tls")


def test_missing_ssl_mode_means_preferred(source_mysql, tls_server,
                                          plain_server):
    for port, user, password in (
            (tls_server.server.port, TLS_USER, TLS_PASSWORD),
            (plain_server.port, servers.AIRBYTE_USER,
             servers.AIRBYTE_PASSWORD)):
        config = _config("127.0.0.1", port, {}, user, password)
        del config["ssl_mode"]
        assert_succeeds(source_mysql, config, "no-mode-%d" % port)


# ---------------------------------------------------- client certificate

def test_client_certificate(source_mysql, tls_server):
    """A user that requires a client certificate from our CA."""
    pki = tls_server.pki
    port = tls_server.server.port

    def cfg(**ssl):
        return _config("127.0.0.1", port, _ca(pki, "verify_identity", **ssl),
                       X509_USER, X509_PASSWORD)

    # Without a certificate the server refuses the login.
    status = _check(source_mysql, cfg(), "x509-none")
    assert status["status"] == "FAILED", status
    good = cfg(client_certificate=pki.text("client.pem"),
               client_key=pki.text("client-key.pem"))
    assert_succeeds(source_mysql, good, "x509-ok")
    assert_reads(source_mysql, good, "x509-ok")
    encrypted = cfg(client_certificate=pki.text("client.pem"),
                    client_key=pki.text("client-key-enc.pem"),
                    client_key_password=certs.CLIENT_KEY_PASSWORD)
    assert_succeeds(source_mysql, encrypted, "x509-enc")
    wrong = cfg(client_certificate=pki.text("client.pem"),
                client_key=pki.text("client-key-enc.pem"),
                client_key_password="not-the-key-password")
    status = _check(source_mysql, wrong, "x509-enc-wrong")
    assert status["status"] == "FAILED", status
