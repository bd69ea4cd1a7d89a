"""Airbyte protocol checks and a runner for connector binaries.

Every stdout line of every connector run goes through check_line(): it
must be UTF-8, one compact JSON object terminated by a newline, valid
against the AirbyteMessage definition of the official protocol schema
(../shared/airbyte/airbyte_protocol.yaml, draft-07, integers strict), and
follow the envelope conventions of PROTOCOL.md section 2.1 (the payload
key that matches "type" is present, no other payload key, RECORD data not
empty).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import jsonschema
import yaml
from jsonschema import Draft7Validator, FormatChecker, validators

REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = REPO_ROOT.parent / "shared" / "airbyte" / "airbyte_protocol.yaml"

PAYLOAD_KEYS = {
    "RECORD": "record",
    "STATE": "state",
    "LOG": "log",
    "SPEC": "spec",
    "CONNECTION_STATUS": "connectionStatus",
    "CATALOG": "catalog",
    "TRACE": "trace",
    "CONTROL": "control",
    "DESTINATION_CATALOG": "destination_catalog",
}

TRACE_PAYLOAD_KEYS = {
    "ERROR": "error",
    "ESTIMATE": "estimate",
    "STREAM_STATUS": "stream_status",
    "ANALYTICS": "analytics",
}


# Lines that start a report of the sanitizer build (-DAB_SANITIZE=ON).
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "runtime error:", "WARNING: ThreadSanitizer",
                     "ERROR: MemorySanitizer")


class ProtocolError(AssertionError):
    """A stdout line breaks the Airbyte protocol."""


# JSON Schema treats 1.0 as an integer; Airbyte consumers do not (CAT
# validates with Python's notion of int), so neither do we.
def _is_strict_int(_checker, value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


StrictDraft7Validator = validators.extend(
    Draft7Validator,
    type_checker=Draft7Validator.TYPE_CHECKER.redefine(
        "integer", _is_strict_int))

# CAT's date-time check: YYYY-M-D, 'T' or space, H:M:S, optional fraction
# and zone, and the value must be a real instant.
_TIMESTAMP_RE = re.compile(
    r"^\d{4}-\d?\d-\d?\d(\s|T)\d?\d:\d?\d:\d?\d(.\d+)?.*$")


def _parse_datetime(value: str) -> bool:
    import datetime as _dt
    text = value.strip()
    if text.endswith(" BC"):
        text = text[:-3]
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    m = re.match(r"^(\d{4})-(\d?\d)-(\d?\d)[T ](\d?\d):(\d?\d):(\d?\d)"
                 r"(\.\d+)?(Z|[+-]\d\d(:?\d\d)?)?$", text)
    if not m:
        return False
    try:
        _dt.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)),
                     int(m.group(4)), int(m.group(5)), int(m.group(6)))
    except ValueError:
        return False
    return True


class RecordFormatChecker(FormatChecker):
    """Draft-07 format checks with CAT's stricter date-time rule."""

    def check(self, instance, format):
        if format == "date-time" and isinstance(instance, str):
            if not (_TIMESTAMP_RE.match(instance)
                    and _parse_datetime(instance)):
                raise jsonschema.exceptions.FormatError(
                    "%r has invalid datetime format" % (instance,))
            return
        super().check(instance, format)


def record_validator(json_schema: dict) -> Draft7Validator:
    """Validator for record data against a stream schema, as CAT does it."""
    return StrictDraft7Validator(json_schema,
                                 format_checker=RecordFormatChecker())


# --------------------------------------------------------------- schema

@lru_cache(maxsize=1)
def protocol_document() -> dict:
    with open(SCHEMA_PATH, "r", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@lru_cache(maxsize=None)
def definition_validator(name: str) -> Draft7Validator:
    """Validator for one definition of the protocol schema; its internal
    "#/definitions/..." references resolve within the same document."""
    doc = protocol_document()
    if name not in doc["definitions"]:
        raise KeyError("no definition %s in %s" % (name, SCHEMA_PATH))
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": doc["definitions"],
        "$ref": "#/definitions/%s" % name,
    }
    Draft7Validator.check_schema(schema)
    return StrictDraft7Validator(schema)


def message_validator() -> Draft7Validator:
    return definition_validator("AirbyteMessage")


# Keywords whose meaning is the same in draft-04 and draft-07. When the
# protocol schema uses only these, a draft-04 compilation by fastjsonschema
# gives exactly the draft-07 verdict with strict integers (draft-04 has no
# "1.0 is an integer" rule), about 50 times faster than jsonschema. It is
# only a fast path: anything it rejects is re-validated by jsonschema, which
# produces the error messages and has the final word.
_DRAFT4_SAME = {"$ref", "additionalProperties", "default", "description",
                "enum", "examples", "existingJavaType", "format", "items",
                "minItems", "oneOf", "properties", "required", "title",
                "type", "value", "definitions", "$schema"}


def _schema_keywords(node: Any, out: set, in_props: bool = False) -> set:
    if isinstance(node, dict):
        for key, value in node.items():
            if not in_props:
                out.add(key)
            _schema_keywords(value, out, in_props=(
                not in_props and key in ("properties", "definitions")))
    elif isinstance(node, list):
        for item in node:
            _schema_keywords(item, out)
    return out


@lru_cache(maxsize=None)
def fast_validator(name: str = "AirbyteMessage"):
    """A compiled validator for one definition, or None if unavailable."""
    try:
        import fastjsonschema
    except ImportError:
        return None
    doc = protocol_document()
    if not _schema_keywords(doc["definitions"], set(), True) <= _DRAFT4_SAME:
        return None
    schema = {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "definitions": doc["definitions"],
        "$ref": "#/definitions/%s" % name,
    }
    # use_default=False: never write defaults into the checked message;
    # use_formats=False: jsonschema does not assert formats either.
    return fastjsonschema.compile(schema, use_default=False,
                                  use_formats=False)


def schema_errors(instance: Any, definition: str = "AirbyteMessage"
                  ) -> list[str]:
    """All schema violations of instance, as readable strings."""
    fast = fast_validator(definition)
    if fast is not None:
        try:
            fast(instance)
            return []
        except Exception:
            pass
    out = []
    for err in definition_validator(definition).iter_errors(instance):
        where = "/".join(str(p) for p in err.absolute_path) or "<root>"
        out.append("%s: %s" % (where, err.message))
    return out


# ---------------------------------------------------------- line checks

_STRING_LITERAL = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
# In valid JSON, whitespace between tokens always touches a structural
# character; a line without such a pair is compact without further work.
_NEAR_STRUCTURAL_WS = re.compile(r'\s[,:{}\[\]]|[,:{}\[\]]\s')


def check_conventions(msg: dict) -> list[str]:
    """Envelope rules of PROTOCOL.md 2.1 the schema does not encode."""
    problems = []
    mtype = msg.get("type")
    want = PAYLOAD_KEYS.get(mtype)
    if want is not None:
        if msg.get(want) is None:
            problems.append("type %s without a %r payload" % (mtype, want))
        for other in PAYLOAD_KEYS.values():
            if other != want and other in msg:
                problems.append("type %s carries a foreign payload key %r"
                                % (mtype, other))
    if mtype == "RECORD" and isinstance(msg.get("record"), dict):
        data = msg["record"].get("data")
        if isinstance(data, dict) and not data:
            problems.append("RECORD with empty data (the platform drops it)")
    if mtype == "TRACE" and isinstance(msg.get("trace"), dict):
        ttype = msg["trace"].get("type")
        tkey = TRACE_PAYLOAD_KEYS.get(ttype)
        if tkey and msg["trace"].get(tkey) is None:
            problems.append("TRACE %s without a %r payload" % (ttype, tkey))
    return problems


def check_line(raw: bytes, lineno: int = 0) -> dict:
    """Validate one raw stdout line (with its trailing newline) and return
    the parsed message; raise ProtocolError on any violation."""
    where = "stdout line %d" % lineno
    if not raw.endswith(b"\n"):
        raise ProtocolError("%s is not terminated by a newline: %r"
                            % (where, raw[:200]))
    body = raw[:-1]
    try:
        text = body.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise ProtocolError("%s is not valid UTF-8 (%s): %r"
                            % (where, exc, body[:200])) from None
    if "\r" in text:
        raise ProtocolError("%s contains a carriage return" % where)
    if not text.startswith("{") or not text.endswith("}"):
        raise ProtocolError("%s is not one JSON object (or has surrounding "
                            "whitespace): %r" % (where, text[:200]))
    try:
        msg = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProtocolError("%s is not valid JSON (%s): %r"
                            % (where, exc, text[:300])) from None
    if not isinstance(msg, dict):
        raise ProtocolError("%s is JSON but not an object" % where)
    if _NEAR_STRUCTURAL_WS.search(text) and \
            re.search(r"\s", _STRING_LITERAL.sub('""', text)):
        raise ProtocolError("%s is not compact JSON (whitespace between "
                            "tokens): %r" % (where, text[:200]))
    errors = schema_errors(msg)
    if errors:
        raise ProtocolError("%s does not match AirbyteMessage:\n  %s\n  "
                            "line: %s" % (where, "\n  ".join(errors[:10]),
                                          text[:500]))
    problems = check_conventions(msg)
    if problems:
        raise ProtocolError("%s: %s\n  line: %s"
                            % (where, "; ".join(problems), text[:500]))
    return msg


def parse_stdout(data: bytes) -> list[dict]:
    """Split raw stdout into lines and check every one of them."""
    if not data:
        return []
    lines = data.split(b"\n")
    if lines[-1] != b"":
        raise ProtocolError("stdout does not end with a newline; last "
                            "bytes: %r" % (data[-200:],))
    messages = []
    for i, line in enumerate(lines[:-1], start=1):
        messages.append(check_line(line + b"\n", i))
    return messages


# --------------------------------------------------------------- runner

@dataclass
class Run:
    """The outcome of one connector invocation."""
    argv: list
    returncode: int
    stdout: bytes
    stderr: str
    duration: float
    messages: list = field(default_factory=list)
    protocol_error: Optional[str] = None

    def of_type(self, mtype: str) -> list[dict]:
        return [m for m in self.messages if m.get("type") == mtype]

    @property
    def records(self) -> list[dict]:
        return [m["record"] for m in self.of_type("RECORD")]

    @property
    def states(self) -> list[dict]:
        return [m["state"] for m in self.of_type("STATE")]

    @property
    def traces(self) -> list[dict]:
        return [m["trace"] for m in self.of_type("TRACE")]

    @property
    def errors(self) -> list[dict]:
        return [t for t in self.traces if t.get("type") == "ERROR"]

    @property
    def statuses(self) -> list[dict]:
        return [t["stream_status"] for t in self.traces
                if t.get("type") == "STREAM_STATUS"]

    @property
    def logs(self) -> list[dict]:
        return [m["log"] for m in self.of_type("LOG")]

    def describe(self, limit: int = 3000) -> str:
        """Short report for assertion messages."""
        out = self.stdout.decode("utf-8", "replace")
        return ("command: %s\nexit code: %s (%.2f s)\nstdout (%d bytes, "
                "head):\n%s\nstderr (tail):\n%s"
                % (" ".join(str(a) for a in self.argv), self.returncode,
                   self.duration, len(self.stdout), out[:limit],
                   self.stderr[-limit:]))

    @property
    def sanitizer_report(self) -> Optional[str]:
        """The first line of a sanitizer report on stderr, if any."""
        for line in self.stderr.splitlines():
            if any(m in line for m in SANITIZER_MARKERS):
                return line
        return None

    def assert_no_sanitizer_report(self) -> "Run":
        report = self.sanitizer_report
        assert report is None, ("sanitizer report on stderr: %s\n%s"
                                % (report, self.describe()))
        return self

    def assert_ok(self) -> "Run":
        """Exit code 0, no ERROR trace, every line valid, no sanitizer
        report."""
        assert self.protocol_error is None, (
            "%s\n%s" % (self.protocol_error, self.describe()))
        self.assert_no_sanitizer_report()
        assert self.returncode == 0, (
            "connector exited with %s\n%s" % (self.returncode,
                                             self.describe()))
        assert not self.errors, ("connector emitted ERROR traces: %s\n%s"
                                 % (self.errors, self.describe()))
        return self


class ConnectorTimeout(AssertionError):
    pass


def run_connector(binary: Path | str, args: Sequence[str],
                  timeout: float = 600, env: Optional[dict] = None,
                  cwd: Optional[Path] = None, check: bool = True) -> Run:
    """Run the binary, wait for it, and check every stdout line.

    With check=True (the default) a protocol violation raises
    ProtocolError at once; with check=False it is recorded in
    Run.protocol_error and the valid prefix of messages is kept, for tests
    that want to look at a failing run first.
    """
    argv = [str(binary)] + [str(a) for a in args]
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    t0 = time.monotonic()
    wall0 = time.time()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=full_env, cwd=cwd, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise ConnectorTimeout("%s did not finish within %.0f s; stderr "
                               "tail:\n%s" % (" ".join(argv), timeout,
                                              err.decode("utf-8",
                                                         "replace")[-3000:]))
    run = Run(argv=argv, returncode=proc.returncode, stdout=out,
              stderr=err.decode("utf-8", "replace"),
              duration=time.monotonic() - t0)
    _parse_into(run, check)
    _check_clock(run, wall0, time.time(), check)
    return run


# emitted_at is wall-clock time in milliseconds (PROTOCOL.md 2.3, 2.6);
# seconds, microseconds or a constant fall outside the run's time window.
CLOCK_SLACK_MS = 2000


def _check_clock(run: Run, wall0: float, wall1: float, check: bool) -> None:
    low = wall0 * 1000 - CLOCK_SLACK_MS
    high = wall1 * 1000 + CLOCK_SLACK_MS
    for i, msg in enumerate(run.messages, start=1):
        payload = msg.get(PAYLOAD_KEYS.get(msg.get("type"), ""), None)
        if not isinstance(payload, dict) or msg["type"] not in (
                "RECORD", "TRACE", "CONTROL"):
            continue
        value = payload.get("emitted_at")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        if not low <= value <= high:
            problem = ("stdout line %d: emitted_at %s is not the wall-clock "
                       "time in milliseconds (the run took place between "
                       "%d and %d)" % (i, value, low + CLOCK_SLACK_MS,
                                       high - CLOCK_SLACK_MS))
            if check:
                raise ProtocolError("%s\n%s" % (problem, run.describe()))
            if run.protocol_error is None:
                run.protocol_error = problem
            return


def _parse_into(run: Run, check: bool) -> None:
    lines = run.stdout.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
        complete = True
    else:
        complete = not run.stdout
    for i, line in enumerate(lines, start=1):
        last = i == len(lines)
        raw = line if (last and not complete) else line + b"\n"
        try:
            run.messages.append(check_line(raw, i))
        except ProtocolError as exc:
            if check:
                raise ProtocolError("%s\n%s" % (exc, run.describe())) \
                    from None
            run.protocol_error = str(exc)
            return


# ------------------------------------------------------------- commands

def write_json(path: Path, obj: Any) -> Path:
    path = Path(path)
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


class Connector:
    """Runs one connector binary's commands with files in a work dir."""

    def __init__(self, binary: Path | str, workdir: Optional[Path] = None,
                 env: Optional[dict] = None):
        self.binary = Path(binary)
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="ab-run-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.env = env or {}
        self._n = 0

    def _file(self, stem: str, obj: Any) -> Path:
        self._n += 1
        path = self.workdir / ("%03d-%s.json" % (self._n, stem))
        if isinstance(obj, bytes):
            # Raw file content, e.g. a deliberately broken config.
            path.write_bytes(obj)
        elif isinstance(obj, Path):
            path.write_bytes(obj.read_bytes())
        else:
            write_json(path, obj)
        return path

    def run(self, args: Sequence[str], timeout: float = 600,
            check: bool = True) -> Run:
        return run_connector(self.binary, args, timeout=timeout,
                             env=self.env, check=check)

    def spec(self, timeout: float = 60, check: bool = True) -> Run:
        return self.run(["spec"], timeout, check)

    def check(self, config: Any, timeout: float = 60,
              check: bool = True) -> Run:
        return self.run(["check", "--config", self._file("config", config)],
                        timeout, check)

    def discover(self, config: Any, timeout: float = 300,
                 check: bool = True) -> Run:
        return self.run(["discover", "--config",
                         self._file("config", config)], timeout, check)

    def read(self, config: Any, catalog: Any, state: Any = None,
             timeout: float = 600, check: bool = True) -> Run:
        args = ["read", "--config", self._file("config", config),
                "--catalog", self._file("catalog", catalog)]
        if state is not None:
            args += ["--state", self._file("state", state)]
        return self.run(args, timeout, check)


def raw_config(text: str) -> bytes:
    """Wrap raw (possibly invalid) config text for Connector.check()."""
    return text.encode("utf-8")


# ------------------------------------------------------------- helpers

def records_by_stream(records: Iterable[dict]) -> dict:
    out: dict = {}
    for rec in records:
        out.setdefault(rec["stream"], []).append(rec)
    return out


def stream_key(namespace: Optional[str], name: str) -> str:
    """CAT's status key: "{namespace}-{name}", None for no namespace."""
    return "%s-%s" % (namespace, name)
