"""Fixtures shared by the acceptance tests.

Public fixtures (for every test file in this folder):

  envs            session registry: envs.env(cfg) gives a ConnectorEnv,
                  envs.server(kind) the shared server of that kind
  mariadb         the shared MariaDB server (servers.MariaDB), started
                  once per session with the users of servers.py
  mariadb_factory start(extra_args=(), load=("types_db",)) -> a separate
                  MariaDB (own datadir and port), stopped at session end
  source_mysql    ConnectorEnv of connectors/source-mysql: binary (skips
                  the test when it is not built), databases loaded,
                  config rendering and a protocol.Connector runner

Test cases of the acceptance suite are generated from every
connectors/*/acceptance-test-config.yml: a test that takes
"<section>_case" (spec_case, connection_case, discovery_case,
basic_read_case, full_refresh_case, incremental_case) runs once per test
input of that section; a test that takes "acceptance_config" runs once per
connector.
"""

from __future__ import annotations

import itertools
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import atconfig  # noqa: E402
import protocol  # noqa: E402
import servers   # noqa: E402

CONFIGS = []
CONFIG_ERRORS = {}
for _path in sorted((atconfig.REPO_ROOT / "connectors").glob(
        "*/" + atconfig.CONFIG_NAME)):
    try:
        CONFIGS.append(atconfig.load(_path))
    except (atconfig.ConfigError, OSError, ValueError) as _exc:
        CONFIG_ERRORS[str(_path)] = str(_exc)


def config_by_name(name: str) -> Optional[atconfig.AcceptanceConfig]:
    for cfg in CONFIGS:
        if cfg.name == name:
            return cfg
    return None


# ------------------------------------------------------------ test cases

@dataclass
class Case:
    """One test input of one section of one connector's config."""
    cfg: atconfig.AcceptanceConfig
    section: str
    index: int
    inputs: dict

    @property
    def timeout(self) -> float:
        return self.cfg.timeout(self.section, self.inputs)

    @property
    def config_path(self) -> str:
        return self.inputs["config_path"]

    def __repr__(self) -> str:
        return "Case(%s/%s#%d)" % (self.cfg.name, self.section, self.index)


def _case_id(cfg, section, index, inputs) -> str:
    stem = Path(inputs["config_path"]).stem
    if section == "connection":
        stem += "-" + inputs["status"]
    return "%s/%s" % (cfg.name, stem)


def section_params(section: str) -> list:
    params = []
    seen = set()
    for cfg in CONFIGS:
        reason = cfg.bypass_reason(section)
        if reason:
            params.append(pytest.param(
                None, id="%s/bypassed" % cfg.name,
                marks=pytest.mark.skip(reason="%s: %s bypassed: %s"
                                       % (cfg.name, section, reason))))
            continue
        for index, inputs in enumerate(cfg.tests(section)):
            pid = _case_id(cfg, section, index, inputs)
            if pid in seen:
                pid = "%s-%d" % (pid, index)
            seen.add(pid)
            params.append(pytest.param(Case(cfg, section, index, inputs),
                                       id=pid))
    return params


def pytest_generate_tests(metafunc):
    for section in atconfig.SECTIONS:
        name = "%s_case" % section
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, section_params(section))
    if "acceptance_config" in metafunc.fixturenames:
        metafunc.parametrize("acceptance_config", [
            pytest.param(cfg, id=cfg.name) for cfg in CONFIGS])


# ------------------------------------------------------ connector runtime

class ConnectorEnv:
    """A connector ready to run: binary found, server up, data loaded."""

    def __init__(self, cfg: atconfig.AcceptanceConfig, binary: Path,
                 server_factory: Any, workdir: Path):
        self.cfg = cfg
        self.binary = binary
        self._server_factory = server_factory
        self._server = None
        self.workdir = workdir
        self._counter = itertools.count(1)
        self._spec = None
        self._discovered = {}

    @property
    def server(self) -> Any:
        """The connector's server with its databases loaded, started on
        first use (spec tests never need it); None without a server."""
        if self._server is None and self._server_factory is not None:
            self._server = self._server_factory()
        return self._server

    @property
    def variables(self) -> dict:
        out = {
            "REPO_ROOT": str(atconfig.REPO_ROOT),
            "CONNECTOR_DIR": str(self.cfg.connector_dir),
            "CLOSED_PORT": servers.closed_port(),
        }
        if self.server is not None:
            out.update(self.server.variables())
        return out

    def render(self, relpath: str, **overrides) -> Any:
        """A template file of the connector dir with placeholders filled;
        keyword arguments override top-level keys of a JSON object."""
        value = atconfig.render(self.cfg.file(relpath), self.variables)
        if overrides:
            if not isinstance(value, dict):
                raise TypeError("%s is not a JSON object" % relpath)
            value = dict(value, **overrides)
        return value

    def connector(self, label: str = "run") -> protocol.Connector:
        """A runner with a fresh work directory for its input files."""
        workdir = self.workdir / ("%03d-%s" % (next(self._counter), label))
        return protocol.Connector(self.binary, workdir)

    def spec(self) -> dict:
        """The SPEC payload (cached); the run must be clean."""
        if self._spec is None:
            run = self.connector("spec").spec(timeout=60)
            run.assert_ok()
            specs = [m["spec"] for m in run.of_type("SPEC")]
            assert len(specs) == 1, ("spec emitted %d SPEC messages\n%s"
                                     % (len(specs), run.describe()))
            self._spec = specs[0]
        return self._spec

    def discover(self, config_path: str, timeout: float = 300) -> list:
        """The discovered streams for one config (cached)."""
        if config_path not in self._discovered:
            run = self.connector("discover").discover(
                self.render(config_path), timeout=timeout)
            run.assert_ok()
            cats = [m["catalog"] for m in run.of_type("CATALOG")]
            assert len(cats) == 1, ("discover emitted %d CATALOG messages"
                                    "\n%s" % (len(cats), run.describe()))
            self._discovered[config_path] = (run, cats[0]["streams"])
        return self._discovered[config_path][1]

    def discover_run(self, config_path: str) -> protocol.Run:
        self.discover(config_path)
        return self._discovered[config_path][0]


def binary_or_skip(cfg: atconfig.AcceptanceConfig) -> Path:
    binary = cfg.binary()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        try:
            shown = binary.relative_to(atconfig.REPO_ROOT)
        except ValueError:
            shown = binary
        pytest.skip("%s binary not found at %s (build it, or point $%s at "
                    "it)" % (cfg.name, shown, cfg.binary_env))
    return binary


class Environments:
    """Session registry of servers and connector environments."""

    def __init__(self, tmp_factory):
        self.tmp = tmp_factory
        self.servers = {}
        self.extra = []
        self.envs = {}

    def server(self, kind: str):
        if kind not in self.servers:
            if kind != "mariadb":
                raise RuntimeError("no starter for server kind %r in "
                                   "conftest.Environments" % kind)
            if not servers.have_mariadb():
                pytest.fail("MariaDB server programs are not installed "
                            "(apt-get install mariadb-server)")
            self.servers[kind] = servers.start_mariadb(
                self.tmp.mktemp("mariadb"))
        return self.servers[kind]

    def load(self, cfg: atconfig.AcceptanceConfig, server,
             names: Optional[list] = None) -> None:
        """Load the databases of cfg (or the named ones) once per server."""
        for db in cfg.databases:
            if names is not None and db.name not in names:
                continue
            if db.name in server.loaded:
                continue
            # Generators run in the repository root, so their relative
            # paths read as in the yml; "python3" is this interpreter.
            gens = [[sys.executable if i == 0 and a == "python3" else a
                     for i, a in enumerate(argv)] for argv in db.generate]
            server.load_database(db.name, db.sql, gens,
                                 cwd=atconfig.REPO_ROOT)

    def env(self, cfg: atconfig.AcceptanceConfig) -> ConnectorEnv:
        binary = binary_or_skip(cfg)
        if cfg.name not in self.envs:
            factory = None
            if cfg.server_kind:
                def factory(cfg=cfg):
                    server = self.server(cfg.server_kind)
                    self.load(cfg, server)
                    return server
            self.envs[cfg.name] = ConnectorEnv(
                cfg, binary, factory, self.tmp.mktemp(cfg.name))
        return self.envs[cfg.name]

    def start_extra_mariadb(self, extra_args=(), load=()) -> servers.MariaDB:
        srv = servers.start_mariadb(self.tmp.mktemp("mariadb-extra"),
                                    extra_args=extra_args)
        self.extra.append(srv)
        cfg = config_by_name("source-mysql")
        if load:
            if cfg is None:
                raise RuntimeError("no source-mysql config to load from")
            self.load(cfg, srv, list(load))
        return srv

    def close(self) -> None:
        for srv in self.extra + list(self.servers.values()):
            srv.stop()


@pytest.fixture(scope="session")
def envs(tmp_path_factory):
    reg = Environments(tmp_path_factory)
    yield reg
    reg.close()


@pytest.fixture(scope="session")
def mariadb(envs) -> servers.MariaDB:
    """The shared MariaDB server (users created, databases loaded on
    demand by the connector environments)."""
    return envs.server("mariadb")


@pytest.fixture(scope="session")
def mariadb_factory(envs):
    """start(extra_args=(), load=()) -> a new, separate MariaDB server."""
    def start(extra_args=(), load=()):
        return envs.start_extra_mariadb(extra_args, load)
    return start


@pytest.fixture(scope="session")
def source_mysql(envs) -> ConnectorEnv:
    cfg = config_by_name("source-mysql")
    if cfg is None:
        pytest.fail("connectors/source-mysql/%s is missing or invalid: %s"
                    % (atconfig.CONFIG_NAME, CONFIG_ERRORS))
    return envs.env(cfg)
