"""Throwaway database servers for the acceptance tests.

A MariaDB server is created in a temporary directory with
mariadb-install-db, started with mariadbd on 127.0.0.1 and a free port,
and keeps its grant tables: the users below have real passwords, so
authentication and privilege failures behave as in production.

The MariaDB class is meant to be reused by other test files: start()
takes extra mariadbd arguments (TLS files, settings), stop() shuts the
server down cleanly, kill() crashes it with SIGKILL, and restart() brings
it back on the same data directory and port, so a connector that was
connected can reconnect to the same address.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterable, Optional, Sequence

# Read-only account used by the connector configs: SELECT and SHOW VIEW
# on each loaded database, nothing else.
AIRBYTE_USER = "airbyte"
AIRBYTE_PASSWORD = "ab-read-Only.42"

# Account that exists and can log in but holds no privilege at all; the
# connector must report a failed check for it, not crash.
NOGRANT_USER = "nogrants"
NOGRANT_PASSWORD = "no-grants-pw.7"

HOST = "127.0.0.1"

START_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0


class ServerError(RuntimeError):
    """The server could not be set up, started or queried."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def closed_port() -> int:
    """A port with no listener, for "connection refused" configs."""
    return free_port()


def _tool(*names: str) -> str:
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    for name in names:
        for prefix in ("/usr/sbin", "/usr/bin", "/usr/local/bin"):
            path = Path(prefix) / name
            if path.exists():
                return str(path)
    raise ServerError(
        "none of %s found; install the mariadb-server package" % (names,))


def have_mariadb() -> bool:
    """True when the MariaDB server programs are installed."""
    try:
        _tool("mariadbd", "mysqld")
        _tool("mariadb-install-db", "mysql_install_db")
        _tool("mariadb", "mysql")
    except ServerError:
        return False
    return True


def quote_ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def quote_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


class MariaDB:
    """One mariadbd process with its own data directory and port.

    basedir holds data/, the socket, the pid file and error.log. The port
    is chosen once and kept across restarts.
    """

    def __init__(self, basedir: Path | str, port: Optional[int] = None,
                 extra_args: Sequence[str] = ()):
        self.basedir = Path(basedir).resolve()
        self.basedir.mkdir(parents=True, exist_ok=True)
        self.datadir = self.basedir / "data"
        self.port = port or free_port()
        self.host = HOST
        self.socket = self._socket_path()
        self.pid_file = self.basedir / "mariadbd.pid"
        self.error_log = self.basedir / "error.log"
        # Private temp dir: a MariaDB server deletes every "#sql*" file in
        # its tmpdir when it starts, so servers sharing /tmp destroy each
        # other's internal temporary tables.
        self.tmpdir = self.basedir / "tmp"
        self.base_args = list(extra_args)
        self.last_args: list[str] = []
        self.proc: Optional[subprocess.Popen] = None
        self.loaded: set[str] = set()

    def _socket_path(self) -> Path:
        # A Unix socket path must stay under ~107 bytes.
        path = self.basedir / "mariadbd.sock"
        if len(str(path)) < 100:
            return path
        short = Path(tempfile.mkdtemp(prefix="mdb"))
        return short / "sock"

    # ----------------------------------------------------------- lifecycle

    def install(self) -> None:
        """Create the system tables (once per data directory)."""
        if (self.datadir / "mysql").is_dir():
            return
        self.datadir.mkdir(parents=True, exist_ok=True)
        self.tmpdir.mkdir(parents=True, exist_ok=True)
        argv = [_tool("mariadb-install-db", "mysql_install_db"),
                "--no-defaults",
                "--datadir=%s" % self.datadir,
                "--tmpdir=%s" % self.tmpdir,
                "--auth-root-authentication-method=normal",
                "--skip-test-db"]
        if os.geteuid() == 0:
            argv.append("--user=root")
        failures = []
        # One retry on a clean directory, should the bootstrap server fail
        # for reasons outside the tests (a full disk, a busy machine).
        for _attempt in range(2):
            res = subprocess.run(argv, capture_output=True, text=True,
                                 timeout=300)
            if res.returncode == 0:
                return
            failures.append("%s\n%s" % (res.stdout[-3000:],
                                         res.stderr[-3000:]))
            shutil.rmtree(self.datadir, ignore_errors=True)
            self.datadir.mkdir(parents=True, exist_ok=True)
        raise ServerError("mariadb-install-db failed twice:\n%s"
                          % "\n---\n".join(failures))

    def server_argv(self, extra_args: Sequence[str] = ()) -> list[str]:
        argv = [_tool("mariadbd", "mysqld"),
                "--no-defaults",
                "--datadir=%s" % self.datadir,
                "--socket=%s" % self.socket,
                "--port=%d" % self.port,
                "--bind-address=%s" % HOST,
                "--pid-file=%s" % self.pid_file,
                "--log-error=%s" % self.error_log,
                "--tmpdir=%s" % self.tmpdir,
                "--skip-name-resolve",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_general_ci",
                # Throwaway data: trade durability for load speed. 2 (not 0)
                # keeps commits in the OS cache, so kill() loses nothing.
                "--innodb-flush-log-at-trx-commit=2",
                "--innodb-doublewrite=0",
                "--innodb-buffer-pool-size=256M",
                "--max-allowed-packet=64M",
                "--skip-log-bin"]
        if os.geteuid() == 0:
            argv.append("--user=root")
        argv.extend(self.base_args)
        argv.extend(extra_args)
        return argv

    def start(self, extra_args: Sequence[str] = (),
              timeout: float = START_TIMEOUT) -> "MariaDB":
        """Start mariadbd and wait until it accepts connections.

        extra_args are appended to the command line for this start only;
        restart() reuses the arguments of the last start.
        """
        if self.is_running():
            raise ServerError("server already running (pid %d)"
                              % self.proc.pid)
        self.install()
        self.tmpdir.mkdir(parents=True, exist_ok=True)
        self.last_args = list(extra_args)
        log_offset = self._log_size()
        self.proc = subprocess.Popen(
            self.server_argv(extra_args), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        self._wait_ready(timeout, log_offset)
        return self

    def _log_size(self) -> int:
        try:
            return self.error_log.stat().st_size
        except FileNotFoundError:
            return 0

    def log_tail(self, offset: int = 0) -> str:
        try:
            with open(self.error_log, "rb") as fh:
                fh.seek(offset)
                return fh.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def _wait_ready(self, timeout: float, log_offset: int) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(
                    "mariadbd exited with %s during start-up:\n%s"
                    % (self.proc.returncode, self.log_tail(log_offset)))
            if self._accepts_tcp() and self.ping():
                return
            time.sleep(0.1)
        self.kill()
        raise ServerError("mariadbd not ready after %.0f s:\n%s"
                          % (timeout, self.log_tail(log_offset)))

    def _accepts_tcp(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=1):
                return True
        except OSError:
            return False

    def ping(self) -> bool:
        res = subprocess.run(
            [_tool("mariadb-admin", "mysqladmin"), "--no-defaults",
             "--socket=%s" % self.socket, "--user=root",
             "--connect-timeout=2", "ping"],
            capture_output=True, text=True, timeout=30)
        return res.returncode == 0

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Clean shutdown (SIGTERM), waiting for the process to exit."""
        if not self.is_running():
            self.proc = None
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self.proc = None

    def kill(self) -> None:
        """Crash the server (SIGKILL); the next start runs crash recovery."""
        if not self.is_running():
            self.proc = None
            return
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=STOP_TIMEOUT)
        self.proc = None

    def restart(self, extra_args: Optional[Sequence[str]] = None,
                kill: bool = False) -> "MariaDB":
        """Stop (or kill) and start again on the same datadir and port."""
        if kill:
            self.kill()
        else:
            self.stop()
        args = self.last_args if extra_args is None else extra_args
        return self.start(args)

    def destroy(self) -> None:
        """Stop the server and delete its directory."""
        self.stop()
        shutil.rmtree(self.basedir, ignore_errors=True)

    # ------------------------------------------------------------- queries

    def client_argv(self, database: Optional[str] = None,
                    user: str = "root",
                    password: Optional[str] = None) -> list[str]:
        argv = [_tool("mariadb", "mysql"), "--no-defaults",
                "--default-character-set=utf8mb4",
                "--batch", "--raw", "--skip-column-names"]
        if user == "root":
            argv.append("--socket=%s" % self.socket)
        else:
            argv += ["--protocol=TCP", "--host=%s" % HOST,
                     "--port=%d" % self.port]
        argv.append("--user=%s" % user)
        if password is not None:
            argv.append("--password=%s" % password)
        if database:
            argv.append("--database=%s" % database)
        return argv

    def sql(self, statements: str, database: Optional[str] = None,
            user: str = "root", password: Optional[str] = None,
            timeout: float = 600) -> str:
        """Run SQL through the mariadb client; return its stdout."""
        res = subprocess.run(
            self.client_argv(database, user, password), input=statements,
            capture_output=True, text=True, timeout=timeout)
        if res.returncode != 0:
            raise ServerError("SQL failed (%s): %s\n--- statements:\n%s"
                              % (res.returncode, res.stderr.strip(),
                                 statements[:2000]))
        return res.stdout

    def rows(self, query: str, database: Optional[str] = None) -> list[list]:
        """Tab-separated result rows of one query, as lists of strings."""
        out = self.sql(query, database)
        # split("\n"), not splitlines(): values may hold U+2028 and such.
        return [line.split("\t") for line in out.split("\n") if line]

    def load_file(self, path: Path | str, database: str) -> None:
        with open(path, "rb") as fh:
            self._pipe_into_client(fh, database, str(path))

    def load_generated(self, argv: Sequence[str], database: str,
                       cwd: Optional[Path] = None) -> None:
        """Pipe the stdout of a generator command into the client."""
        gen = subprocess.Popen(list(argv), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=cwd)
        try:
            self._pipe_into_client(gen.stdout, database, " ".join(argv))
        finally:
            gen.stdout.close()
            err = gen.stderr.read().decode("utf-8", "replace")
            gen.stderr.close()
            rc = gen.wait(timeout=600)
        if rc != 0:
            raise ServerError("generator %s failed (%d): %s"
                              % (" ".join(argv), rc, err))

    def _pipe_into_client(self, stream, database: str, what: str) -> None:
        res = subprocess.run(self.client_argv(database), stdin=stream,
                             capture_output=True, timeout=1200)
        if res.returncode != 0:
            raise ServerError("loading %s into %s failed: %s"
                              % (what, database,
                                 res.stderr.decode("utf-8", "replace")))

    # ------------------------------------------------------- users and data

    def create_users(self) -> None:
        """The read-only connector user and the user without grants."""
        stmts = []
        for user, password in ((AIRBYTE_USER, AIRBYTE_PASSWORD),
                               (NOGRANT_USER, NOGRANT_PASSWORD)):
            stmts.append("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s;"
                         % (quote_string(user), quote_string(password)))
        self.sql("\n".join(stmts))

    def create_database(self, database: str, drop: bool = True) -> None:
        qdb = quote_ident(database)
        stmts = []
        if drop:
            stmts.append("DROP DATABASE IF EXISTS %s;" % qdb)
        stmts.append("CREATE DATABASE IF NOT EXISTS %s CHARACTER SET utf8mb4"
                     " COLLATE utf8mb4_general_ci;" % qdb)
        self.sql("\n".join(stmts))

    def grant_read_only(self, database: str, user: str = AIRBYTE_USER) -> None:
        self.sql("GRANT SELECT, SHOW VIEW ON %s.* TO %s@'%%';"
                 % (quote_ident(database), quote_string(user)))

    def load_database(self, database: str, sql_files: Iterable[Path] = (),
                      generators: Iterable[Sequence[str]] = (),
                      cwd: Optional[Path] = None) -> float:
        """(Re)create a database, load files and generator output into it,
        grant the read-only user on it. Returns the seconds it took."""
        t0 = time.monotonic()
        self.create_database(database)
        for path in sql_files:
            self.load_file(path, database)
        for argv in generators:
            self.load_generated(argv, database, cwd=cwd)
        tables = self.tables(database)
        if tables:
            # Fresh statistics: row estimates in information_schema are
            # what a connector sees when it sizes its work.
            self.sql("ANALYZE TABLE %s;" % ", ".join(
                "%s.%s" % (quote_ident(database), quote_ident(t))
                for t in tables))
        self.grant_read_only(database)
        self.loaded.add(database)
        return time.monotonic() - t0

    def tables(self, database: str) -> list[str]:
        return [r[0] for r in self.rows(
            "SELECT table_name FROM information_schema.tables WHERE "
            "table_schema = %s AND table_type = 'BASE TABLE' "
            "ORDER BY table_name;" % quote_string(database))]

    # ------------------------------------------------------------ metadata

    def variables(self) -> dict:
        """Template variables a connector config can refer to."""
        return {
            "MARIADB_HOST": self.host,
            "MARIADB_PORT": self.port,
            "MARIADB_SOCKET": str(self.socket),
            "MARIADB_USER": AIRBYTE_USER,
            "MARIADB_PASSWORD": AIRBYTE_PASSWORD,
            "MARIADB_NOGRANT_USER": NOGRANT_USER,
            "MARIADB_NOGRANT_PASSWORD": NOGRANT_PASSWORD,
        }

    def __repr__(self) -> str:
        return "MariaDB(port=%d, basedir=%s, running=%s)" % (
            self.port, self.basedir, self.is_running())


def start_mariadb(basedir: Path | str, extra_args: Sequence[str] = (),
                  port: Optional[int] = None) -> MariaDB:
    """Create, start and prepare a server: users exist, no data loaded."""
    server = MariaDB(basedir, port=port, extra_args=extra_args)
    server.start()
    try:
        server.create_users()
    except Exception:
        server.stop()
        raise
    return server


if __name__ == "__main__":
    # Manual use: python servers.py <dir>  starts a server and waits.
    target = Path(sys.argv[1] if len(sys.argv) > 1
                  else tempfile.mkdtemp(prefix="mariadb-"))
    srv = start_mariadb(target)
    print("MariaDB on %s:%d (socket %s); Ctrl-C stops it"
          % (srv.host, srv.port, srv.socket))
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()
