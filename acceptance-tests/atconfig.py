"""Loading and checking connectors/*/acceptance-test-config.yml.

The format is our own, modelled on the Airbyte connector acceptance tests
(CAT): the acceptance_tests sections and their inputs keep CAT's names and
meanings; the top level adds what CAT takes from a Docker image and a
secrets folder: where the binary is, which server the tests start, and
which databases they load. README.md in this folder documents it.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import jsonschema
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_NAME = "acceptance-test-config.yml"

SECTIONS = ("spec", "connection", "discovery", "basic_read", "full_refresh",
            "incremental")

# Default timeouts per section, as in CAT.
DEFAULT_TIMEOUTS = {
    "spec": 60,
    "connection": 60,
    "discovery": 300,
    "basic_read": 600,
    "full_refresh": 1200,
    "incremental": 1200,
}

SERVER_KINDS = ("mariadb",)

_BYPASS = {"type": "string", "minLength": 1}

_NAMED_BYPASS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {"name": {"type": "string"}, "bypass_reason": _BYPASS},
}

_COMMON = {
    "config_path": {"type": "string"},
    "timeout_seconds": {"type": "number", "exclusiveMinimum": 0},
    "description": {"type": "string"},
}


def _inputs(**props) -> dict:
    properties = dict(_COMMON)
    properties.update(props)
    return {"type": "object", "additionalProperties": False,
            "required": ["config_path"], "properties": properties}


_SECTION_INPUTS = {
    "spec": _inputs(
        spec_path={"type": "string"}),
    "connection": {
        **_inputs(status={"enum": ["succeed", "failed", "exception"]}),
        "required": ["config_path", "status"]},
    "discovery": _inputs(
        validate_primary_keys_data_type={"type": "boolean"}),
    "basic_read": _inputs(
        configured_catalog_path={"type": "string"},
        empty_streams={"type": "array", "items": _NAMED_BYPASS},
        expect_records={
            "type": "object", "additionalProperties": False,
            "properties": {
                "path": {"type": "string"},
                "exact_order": {"type": "boolean"},
                "compare_fields": {"type": "boolean"},
                "bypass_reason": _BYPASS}},
        validate_schema={"type": "boolean"},
        validate_stream_statuses={"type": "boolean"},
        validate_state_messages={"type": "boolean"},
        validate_primary_keys_data_type={"type": "boolean"},
        validate_data_points={"type": "boolean"},
        fail_on_extra_columns={"type": "boolean"},
        expect_trace_message_on_failure={"type": "boolean"}),
    "full_refresh": _inputs(
        configured_catalog_path={"type": "string"},
        ignored_fields={
            "type": "object",
            "additionalProperties": {"type": "array",
                                     "items": _NAMED_BYPASS}}),
    "incremental": _inputs(
        configured_catalog_path={"type": "string"},
        future_state={
            "type": "object", "additionalProperties": False,
            "properties": {
                "future_state_path": {"type": "string"},
                "missing_streams": {"type": "array",
                                    "items": _NAMED_BYPASS},
                "bypass_reason": _BYPASS}},
        skip_comprehensive_incremental_tests={"type": "boolean"}),
}


def _section_schema(name: str) -> dict:
    return {
        "type": "object", "additionalProperties": False,
        "properties": {
            "tests": {"type": "array", "minItems": 1,
                      "items": _SECTION_INPUTS[name]},
            "bypass_reason": _BYPASS,
        },
        "oneOf": [{"required": ["tests"]}, {"required": ["bypass_reason"]}],
    }


FILE_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": ["connector", "binary", "acceptance_tests"],
    "properties": {
        "connector": {"type": "string", "pattern": "^[a-z0-9-]+$"},
        "binary": {
            "type": "object", "additionalProperties": False,
            "required": ["env", "default"],
            "properties": {"env": {"type": "string",
                                   "pattern": "^[A-Z_][A-Z0-9_]*$"},
                           "default": {"type": "string"}}},
        "server": {
            "type": "object", "additionalProperties": False,
            "required": ["kind"],
            "properties": {
                "kind": {"enum": list(SERVER_KINDS)},
                "databases": {
                    "type": "array",
                    "items": {
                        "type": "object", "additionalProperties": False,
                        "required": ["name"],
                        "properties": {
                            "name": {"type": "string"},
                            "sql": {"type": "array",
                                    "items": {"type": "string"}},
                            "generate": {
                                "type": "array",
                                "items": {"type": "array", "minItems": 1,
                                          "items": {"type": "string"}}}}}}}},
        "test_strictness_level": {"enum": ["low", "high"]},
        "acceptance_tests": {
            "type": "object", "additionalProperties": False,
            "properties": {name: _section_schema(name) for name in SECTIONS},
        },
    },
}


class ConfigError(ValueError):
    """An acceptance-test-config.yml is malformed or inconsistent."""


@dataclass
class Database:
    name: str
    sql: list = field(default_factory=list)        # absolute Paths
    generate: list = field(default_factory=list)   # argv lists


@dataclass
class AcceptanceConfig:
    path: Path
    raw: dict
    name: str
    connector_dir: Path
    binary_env: str
    binary_default: Path
    server_kind: Optional[str]
    databases: list
    strictness: str

    @property
    def high(self) -> bool:
        return self.strictness == "high"

    def binary(self) -> Path:
        """The binary path: $<env> if set, else the default."""
        value = os.environ.get(self.binary_env)
        if value:
            path = Path(value)
            return path if path.is_absolute() else (Path.cwd() / path)
        return self.binary_default

    def section(self, name: str) -> Optional[dict]:
        return self.raw.get("acceptance_tests", {}).get(name)

    def bypass_reason(self, name: str) -> Optional[str]:
        sec = self.section(name)
        return sec.get("bypass_reason") if sec else None

    def tests(self, name: str) -> list:
        sec = self.section(name)
        return list(sec.get("tests", [])) if sec else []

    def timeout(self, section: str, inputs: dict) -> float:
        return float(inputs.get("timeout_seconds",
                                DEFAULT_TIMEOUTS[section]))

    def file(self, relpath: str) -> Path:
        """A test input path, relative to the connector directory."""
        return (self.connector_dir / relpath).resolve()

    def all_config_paths(self) -> list:
        out = []
        for sec in SECTIONS:
            for inputs in self.tests(sec):
                if inputs["config_path"] not in out:
                    out.append(inputs["config_path"])
        return out


def repo_path(relpath: str) -> Path:
    """A setup path, relative to the repository root."""
    return (REPO_ROOT / relpath).resolve()


def load(path: Path) -> AcceptanceConfig:
    path = Path(path).resolve()
    with open(path, "r", encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    validator = jsonschema.Draft7Validator(FILE_SCHEMA)
    errors = sorted(validator.iter_errors(raw),
                    key=lambda e: list(e.absolute_path))
    if errors:
        raise ConfigError("%s:\n  %s" % (path, "\n  ".join(
            "%s: %s" % ("/".join(str(p) for p in e.absolute_path) or
                        "<root>", e.message) for e in errors)))
    server = raw.get("server") or {}
    databases = []
    for db in server.get("databases", []):
        databases.append(Database(
            name=db["name"],
            sql=[repo_path(p) for p in db.get("sql", [])],
            generate=[list(argv) for argv in db.get("generate", [])]))
    return AcceptanceConfig(
        path=path, raw=raw, name=raw["connector"],
        connector_dir=path.parent,
        binary_env=raw["binary"]["env"],
        binary_default=repo_path(raw["binary"]["default"]),
        server_kind=server.get("kind"),
        databases=databases,
        strictness=raw.get("test_strictness_level", "low"))


def discover_configs(root: Path = REPO_ROOT) -> list:
    """Every connectors/*/acceptance-test-config.yml, sorted by name."""
    return [load(p) for p in sorted((root / "connectors").glob(
        "*/" + CONFIG_NAME))]


def strictness_problems(cfg: AcceptanceConfig) -> list:
    """The rules CAT enforces at test_strictness_level: high, as far as
    they can be checked without running the connector."""
    if not cfg.high:
        return []
    problems = []
    for sec in SECTIONS:
        if cfg.section(sec) is None:
            problems.append("section %s is missing (declare tests or a "
                            "bypass_reason)" % sec)
    for inputs in cfg.tests("basic_read"):
        if inputs.get("configured_catalog_path"):
            problems.append("basic_read may not set configured_catalog_path "
                            "at high strictness")
        if inputs.get("validate_schema") is False:
            problems.append("basic_read: validate_schema must stay true")
        for empty in inputs.get("empty_streams", []):
            if not empty.get("bypass_reason"):
                problems.append("basic_read: empty stream %s needs a "
                                "bypass_reason" % empty["name"])
        expect = inputs.get("expect_records")
        if not expect:
            problems.append("basic_read: expect_records must be set")
        elif not expect.get("path") and not expect.get("bypass_reason"):
            problems.append("basic_read: expect_records needs a path or a "
                            "bypass_reason")
    for inputs in cfg.tests("full_refresh"):
        for stream, fields in inputs.get("ignored_fields", {}).items():
            for fld in fields:
                if not fld.get("bypass_reason"):
                    problems.append("full_refresh: ignored field %s.%s "
                                    "needs a bypass_reason"
                                    % (stream, fld["name"]))
    for inputs in cfg.tests("incremental"):
        fut = inputs.get("future_state")
        if not fut or not (fut.get("future_state_path")
                           or fut.get("bypass_reason")):
            problems.append("incremental: future_state (path or "
                            "bypass_reason) is required")
        for miss in (fut or {}).get("missing_streams", []):
            if not miss.get("bypass_reason"):
                problems.append("incremental: missing stream %s needs a "
                                "bypass_reason" % miss["name"])
    return problems


def missing_files(cfg: AcceptanceConfig) -> list:
    """Input files named in the config that do not exist."""
    names = []
    for sec in SECTIONS:
        for inputs in cfg.tests(sec):
            names.append(inputs["config_path"])
            for key in ("configured_catalog_path", "spec_path"):
                if inputs.get(key):
                    names.append(inputs[key])
            if (inputs.get("expect_records") or {}).get("path"):
                names.append(inputs["expect_records"]["path"])
            if (inputs.get("future_state") or {}).get("future_state_path"):
                names.append(inputs["future_state"]["future_state_path"])
    out = [n for n in names if not cfg.file(n).is_file()]
    for db in cfg.databases:
        out += [str(p) for p in db.sql if not p.is_file()]
    return out


# ------------------------------------------------------------ templates

_PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


class TemplateError(KeyError):
    pass


def _substitute_text(text: str, variables: dict) -> str:
    def repl(m):
        key = m.group(1)
        if key not in variables:
            raise TemplateError("unknown placeholder ${%s} (known: %s)"
                                % (key, ", ".join(sorted(variables))))
        return str(variables[key])
    return _PLACEHOLDER.sub(repl, text)


def substitute(node: Any, variables: dict) -> Any:
    """Fill placeholders in a parsed JSON value. A string that is exactly
    one placeholder takes the variable's own type (so a port becomes a
    JSON number); placeholders inside longer strings are interpolated."""
    if isinstance(node, dict):
        return {substitute(k, variables): substitute(v, variables)
                for k, v in node.items()}
    if isinstance(node, list):
        return [substitute(v, variables) for v in node]
    if isinstance(node, str):
        m = _PLACEHOLDER.fullmatch(node)
        if m:
            if m.group(1) not in variables:
                raise TemplateError("unknown placeholder %s (known: %s)"
                                    % (node, ", ".join(sorted(variables))))
            return variables[m.group(1)]
        return _substitute_text(node, variables)
    return node


def render(path: Path, variables: dict) -> Any:
    """Read a template file. JSON files come back as parsed, filled-in
    values; anything that is not JSON (a deliberately broken config) comes
    back as bytes with placeholders filled in textually."""
    text = Path(path).read_text(encoding="utf-8")
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return _substitute_text(text, variables).encode("utf-8")
    return substitute(parsed, variables)


def read_jsonl(path: Path) -> list:
    out = []
    with open(path, "r", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ConfigError("%s:%d: %s" % (path, lineno, exc))
    return out
