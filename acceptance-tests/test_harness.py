"""Tests of the acceptance suite's own machinery, runnable without any
connector binary: the protocol line checks (against the examples of
PROTOCOL.md and broken variants of them), the fast schema path against
jsonschema, the connector runner, config templates and the yml format,
the CAT check functions on hand-written good and bad inputs, and the
MariaDB server helper (start, kill, restart, users, fixture data).
"""

from __future__ import annotations

import copy
import json
import re
import stat
import textwrap
import time
from pathlib import Path

import pytest
import yaml

import atconfig
import checks
import protocol
import servers

PROTOCOL_MD = atconfig.REPO_ROOT.parent / "shared" / "airbyte" / \
    "PROTOCOL.md"
SPEC_FILE = atconfig.REPO_ROOT / "specs" / "source-mysql.json"


def compact(obj) -> bytes:
    return (json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
            + "\n").encode("utf-8")


def protocol_examples() -> list:
    """The JSON message examples of PROTOCOL.md."""
    text = PROTOCOL_MD.read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```json\n(.*?)\n```", text, re.S):
        obj = json.loads(block)
        if isinstance(obj, dict) and obj.get("type") in protocol.PAYLOAD_KEYS:
            out.append(obj)
    return out


EXAMPLES = protocol_examples()


# ============================================================ protocol

def test_examples_found():
    types = {m["type"] for m in EXAMPLES}
    assert {"SPEC", "RECORD", "STATE", "LOG", "TRACE", "CONTROL",
            "CONNECTION_STATUS", "CATALOG"} <= types


@pytest.mark.parametrize("msg", EXAMPLES,
                         ids=[m["type"] for m in EXAMPLES])
def test_protocol_examples_are_valid(msg):
    assert protocol.check_line(compact(msg)) == msg


RECORD = {"type": "RECORD", "record": {"stream": "s", "namespace": "db",
                                       "data": {"id": 1, "t": "a b"},
                                       "emitted_at": 1717236000123}}


def _mut(path, value, base=RECORD):
    obj = copy.deepcopy(base)
    node = obj
    for part in path[:-1]:
        node = node[part]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return obj


BAD_LINES = [
    ("float emitted_at", compact(_mut(["record", "emitted_at"], 1.0)),
     "emitted_at"),
    ("string emitted_at", compact(_mut(["record", "emitted_at"], "1")),
     "emitted_at"),
    ("no stream", compact(_mut(["record", "stream"], KeyError)), "stream"),
    ("data not object", compact(_mut(["record", "data"], [1])), "data"),
    ("empty data", compact(_mut(["record", "data"], {})), "empty data"),
    ("null namespace", compact(_mut(["record", "namespace"], None)),
     "namespace"),
    ("unknown type", compact(_mut(["type"], "RECORDS")), "type"),
    ("foreign payload", compact(dict(RECORD, log={
        "level": "INFO", "message": "x"})), "foreign"),
    ("null foreign payload", compact(dict(RECORD, state=None)), "state"),
    ("missing payload", compact({"type": "LOG"}), "payload"),
    ("lower-case level", compact({"type": "LOG", "log": {
        "level": "info", "message": "x"}}), "level"),
    ("state_type instead of type", compact({"type": "STATE", "state": {
        "state_type": "STREAM", "type": "PER_STREAM"}}), "type"),
    ("string recordCount", compact({"type": "STATE", "state": {
        "type": "STREAM", "stream": {"stream_descriptor": {"name": "s"},
                                     "stream_state": {}},
        "sourceStats": {"recordCount": "1"}}}), "recordCount"),
    ("stream_state not object", compact({"type": "STATE", "state": {
        "type": "STREAM", "stream": {"stream_descriptor": {"name": "s"},
                                     "stream_state": 5}}}), "stream_state"),
    ("trace without emitted_at", compact({"type": "TRACE", "trace": {
        "type": "ERROR", "error": {"message": "m"}}}), "emitted_at"),
    ("error without message", compact({"type": "TRACE", "trace": {
        "type": "ERROR", "emitted_at": 1.0, "error": {}}}), "message"),
    ("bad failure_type", compact({"type": "TRACE", "trace": {
        "type": "ERROR", "emitted_at": 1.0, "error": {
            "message": "m", "failure_type": "config"}}}), "failure_type"),
    ("bad status", compact({"type": "TRACE", "trace": {
        "type": "STREAM_STATUS", "emitted_at": 1.0, "stream_status": {
            "stream_descriptor": {"name": "s"}, "status": "DONE"}}}),
     "status"),
    ("bad connection status", compact({"type": "CONNECTION_STATUS",
                                       "connectionStatus": {
                                           "status": "OK"}}), "status"),
    ("pretty printed", json.dumps(RECORD, indent=1).replace(
        "\n", " ").encode() + b"\n", "compact"),
    ("space after colon", json.dumps(RECORD).encode() + b"\n", "compact"),
    ("two messages", compact(RECORD)[:-1] + compact(RECORD), "Extra data"),
    ("no newline", compact(RECORD)[:-1], "newline"),
    ("CRLF", compact(RECORD)[:-1] + b"\r\n", "carriage"),
    ("invalid UTF-8", compact(RECORD).replace(b"a b", b"a\xff"), "UTF-8"),
    ("raw control char", compact(RECORD).replace(b"a b", b"a\x01b"),
     "JSON"),
    ("not JSON", b"hello world\n", "JSON object"),
    ("JSON array", b"[1,2]\n", "JSON object"),
    ("leading space", b" " + compact(RECORD), "JSON object"),
]


@pytest.mark.parametrize("raw,needle", [(b, n) for _i, b, n in BAD_LINES],
                         ids=[i for i, _b, _n in BAD_LINES])
def test_bad_lines_are_rejected(raw, needle):
    with pytest.raises(protocol.ProtocolError) as exc:
        protocol.check_line(raw, 7)
    assert needle in str(exc.value)
    assert "line 7" in str(exc.value)


def test_whitespace_inside_strings_is_compact():
    msg = _mut(["record", "data"], {"t": "a , b : { [ ] } \t x",
                                    "u": "say \"hi\" , ok"})
    assert protocol.check_line(compact(msg)) == msg


def _variants(obj, path=()):
    """obj with one leaf (or member) replaced, for every place."""
    replacements = [None, True, 1, 1.0, 2.5, "x", "", [], {}, KeyError]
    if isinstance(obj, dict):
        for key, value in obj.items():
            for rep in replacements:
                new = dict(obj)
                if rep is KeyError:
                    del new[key]
                else:
                    new[key] = rep
                yield new
            for sub in _variants(value, path + (key,)):
                new = dict(obj)
                new[key] = sub
                yield new
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            for sub in _variants(value, path + (i,)):
                new = list(obj)
                new[i] = sub
                yield new


def test_fast_path_agrees_with_jsonschema():
    """The compiled draft-04 fast path accepts exactly what jsonschema's
    strict draft-07 validator accepts, on every example of PROTOCOL.md and
    thousands of one-place mutations of them."""
    fast = protocol.fast_validator("AirbyteMessage")
    assert fast is not None, "fastjsonschema missing or schema changed"
    slow = protocol.definition_validator("AirbyteMessage")
    corpus = []
    for msg in EXAMPLES + [RECORD]:
        corpus.append(msg)
        corpus.extend(_variants(msg))
    disagreements = []
    accepted = rejected = 0
    for msg in corpus:
        try:
            fast(copy.deepcopy(msg))
            fast_ok = True
        except Exception:
            fast_ok = False
        slow_ok = slow.is_valid(msg)
        accepted += slow_ok
        rejected += not slow_ok
        if fast_ok != slow_ok:
            disagreements.append((fast_ok, slow_ok, msg))
    assert not disagreements, disagreements[:5]
    assert accepted > 100 and rejected > 100, (accepted, rejected)


def _script(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "fake.sh"
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def live_record(emitted_at=None) -> dict:
    """RECORD stamped now: the runner checks emitted_at against the clock."""
    return _mut(["record", "emitted_at"],
                int(time.time() * 1000) if emitted_at is None else emitted_at)


def test_runner_collects_messages(tmp_path):
    line = compact(live_record()).decode()
    st = compact({"type": "STATE", "state": {
        "type": "STREAM", "stream": {"stream_descriptor": {"name": "s"},
                                     "stream_state": {"c": 1}},
        "sourceStats": {"recordCount": 1.0}}}).decode()
    script = _script(tmp_path, "printf '%%s' '%s%s'\necho oops >&2\n"
                     "exit 3\n" % (line, st))
    run = protocol.run_connector(script, ["read"], timeout=30)
    assert run.returncode == 3
    assert len(run.records) == 1 and len(run.states) == 1
    assert "oops" in run.stderr
    with pytest.raises(AssertionError):
        run.assert_ok()


def test_runner_sees_sanitizer_reports(tmp_path):
    script = _script(tmp_path, "echo '==1==ERROR: AddressSanitizer: "
                     "heap-use-after-free' >&2\n")
    run = protocol.run_connector(script, [], timeout=30)
    assert run.returncode == 0 and "heap-use-after-free" in \
        run.sanitizer_report
    with pytest.raises(AssertionError, match="sanitizer"):
        run.assert_ok()
    clean = protocol.run_connector(_script(tmp_path, "echo hi >&2\n"), [],
                                   timeout=30)
    assert clean.sanitizer_report is None
    clean.assert_ok()


def test_runner_rejects_a_bad_line(tmp_path):
    script = _script(tmp_path, "echo '%s'\necho 'plain text log'\n"
                     % compact(live_record()).decode().strip())
    with pytest.raises(protocol.ProtocolError, match="line 2"):
        protocol.run_connector(script, [], timeout=30)
    run = protocol.run_connector(script, [], timeout=30, check=False)
    assert len(run.messages) == 1 and "line 2" in run.protocol_error


@pytest.mark.parametrize("stamp", [
    int(time.time()), int(time.time() * 1e6), 1717236000123, 0],
    ids=["seconds", "microseconds", "fixed-past", "zero"])
def test_runner_checks_emitted_at_clock(tmp_path, stamp):
    script = _script(tmp_path, "echo '%s'\n"
                     % compact(live_record(stamp)).decode().strip())
    with pytest.raises(protocol.ProtocolError, match="wall-clock"):
        protocol.run_connector(script, [], timeout=30)
    run = protocol.run_connector(script, [], timeout=30, check=False)
    assert "wall-clock" in run.protocol_error


def test_runner_rejects_partial_last_line(tmp_path):
    script = _script(tmp_path, "printf '%s'\n"
                     % compact(RECORD).decode().strip())
    with pytest.raises(protocol.ProtocolError, match="newline"):
        protocol.run_connector(script, [], timeout=30)


def test_runner_timeout_kills(tmp_path):
    script = _script(tmp_path, "sleep 30\n")
    with pytest.raises(protocol.ConnectorTimeout):
        protocol.run_connector(script, [], timeout=1)


def test_connector_writes_input_files(tmp_path):
    script = _script(tmp_path, 'for a in "$@"; do case "$a" in *.json) '
                     'cat "$a" >&2; echo >&2;; esac; done\n')
    conn = protocol.Connector(script, tmp_path / "work")
    run = conn.read({"a": "é"}, {"streams": []}, [])
    assert run.returncode == 0 and run.messages == []
    assert run.stderr.splitlines() == ['{"a": "é"}', '{"streams": []}',
                                       "[]"]
    run = conn.check(protocol.raw_config("{not json"))
    assert run.stderr.strip() == "{not json"


# ===================================================== config and yml

VARS = {"MARIADB_HOST": "127.0.0.1", "MARIADB_PORT": 3307, "X": "y"}


def test_substitute_keeps_types():
    out = atconfig.substitute({"host": "${MARIADB_HOST}",
                               "port": "${MARIADB_PORT}",
                               "url": "db://${MARIADB_HOST}:${MARIADB_PORT}",
                               "list": ["${X}", 1, None]}, VARS)
    assert out == {"host": "127.0.0.1", "port": 3307,
                   "url": "db://127.0.0.1:3307", "list": ["y", 1, None]}
    assert json.dumps(out["port"]) == "3307"


def test_unknown_placeholder_fails():
    with pytest.raises(atconfig.TemplateError):
        atconfig.substitute({"a": "${NOPE}"}, VARS)
    with pytest.raises(atconfig.TemplateError):
        atconfig.substitute({"a": "x${NOPE}"}, VARS)


def test_render_non_json_gives_bytes(tmp_path):
    p = tmp_path / "c.json"
    p.write_text('{"port": ${MARIADB_PORT},')
    assert atconfig.render(p, VARS) == b'{"port": 3307,'
    p.write_text('{"port": "${MARIADB_PORT}"}')
    assert atconfig.render(p, VARS) == {"port": 3307}


MINIMAL_YML = {
    "connector": "source-x",
    "binary": {"env": "SOURCE_X_BIN", "default": "build/bin/source-x"},
    "test_strictness_level": "high",
    "acceptance_tests": {
        "spec": {"tests": [{"config_path": "c.json"}]},
        "connection": {"tests": [{"config_path": "c.json",
                                  "status": "succeed"}]},
        "discovery": {"bypass_reason": "no streams"},
        "basic_read": {"tests": [{"config_path": "c.json",
                                  "expect_records": {
                                      "bypass_reason": "none"}}]},
        "full_refresh": {"tests": [{"config_path": "c.json"}]},
        "incremental": {"bypass_reason": "full refresh only"},
    },
}


def _write_yml(tmp_path, obj) -> Path:
    d = tmp_path / "connectors" / obj.get("connector", "x")
    d.mkdir(parents=True, exist_ok=True)
    p = d / atconfig.CONFIG_NAME
    p.write_text(yaml.safe_dump(obj))
    return p


def test_yml_minimal_loads(tmp_path, monkeypatch):
    cfg = atconfig.load(_write_yml(tmp_path, MINIMAL_YML))
    assert cfg.name == "source-x" and cfg.high
    assert atconfig.strictness_problems(cfg) == []
    assert cfg.bypass_reason("discovery") == "no streams"
    assert cfg.binary() == atconfig.REPO_ROOT / "build/bin/source-x"
    monkeypatch.setenv("SOURCE_X_BIN", "/opt/x")
    assert cfg.binary() == Path("/opt/x")
    assert cfg.timeout("full_refresh", {}) == 1200
    assert cfg.file("c.json") == tmp_path / "connectors/source-x/c.json"


@pytest.mark.parametrize("mutate", [
    lambda y: y.update(typo=1),
    lambda y: y["acceptance_tests"]["spec"]["tests"][0].update(
        config_pth="c"),
    lambda y: y["acceptance_tests"]["connection"]["tests"][0].update(
        status="ok"),
    lambda y: y["acceptance_tests"]["discovery"].update(tests=[
        {"config_path": "c"}]),
    lambda y: y["acceptance_tests"].update(read={}),
    lambda y: y["binary"].pop("env"),
], ids=["unknown-top-key", "typo-in-input", "bad-status",
        "tests-and-bypass", "unknown-section", "missing-env"])
def test_yml_format_errors(tmp_path, mutate):
    obj = copy.deepcopy(MINIMAL_YML)
    mutate(obj)
    with pytest.raises(atconfig.ConfigError):
        atconfig.load(_write_yml(tmp_path, obj))


def test_yml_strictness_rules(tmp_path):
    obj = copy.deepcopy(MINIMAL_YML)
    del obj["acceptance_tests"]["incremental"]
    br = obj["acceptance_tests"]["basic_read"]["tests"][0]
    br["configured_catalog_path"] = "cat.json"
    br["empty_streams"] = [{"name": "e"}]
    br.pop("expect_records")
    problems = atconfig.strictness_problems(atconfig.load(
        _write_yml(tmp_path, obj)))
    text = "\n".join(problems)
    for needle in ("incremental is missing", "configured_catalog_path",
                   "empty stream e", "expect_records must be set"):
        assert needle in text
    obj["test_strictness_level"] = "low"
    assert atconfig.strictness_problems(atconfig.load(
        _write_yml(tmp_path, obj))) == []


def _repo_configs():
    return atconfig.discover_configs()


@pytest.mark.skipif(not SPEC_FILE.exists(),
                    reason="no specs/source-mysql.json")
def test_source_mysql_configs_match_spec_file():
    """The source-mysql test configs validate against the spec the binary
    embeds (checked here without the binary; test_config_match_spec
    repeats it against the spec the binary prints)."""
    cfg = atconfig.load(atconfig.REPO_ROOT / "connectors" / "source-mysql"
                        / atconfig.CONFIG_NAME)
    spec = json.loads(SPEC_FILE.read_text())
    variables = {
        "MARIADB_HOST": "127.0.0.1", "MARIADB_PORT": 3306,
        "MARIADB_USER": "u", "MARIADB_PASSWORD": "p",
        "MARIADB_NOGRANT_USER": "n", "MARIADB_NOGRANT_PASSWORD": "p",
        "CLOSED_PORT": 1}
    problems = []
    for section in atconfig.SECTIONS:
        for inputs in cfg.tests(section):
            if inputs.get("status") in ("failed", "exception"):
                continue
            value = atconfig.render(cfg.file(inputs["config_path"]),
                                    variables)
            problems += ["%s: %s" % (inputs["config_path"], p) for p in
                         checks.check_config_matches_spec(value, spec)]
    assert not problems, problems


@pytest.mark.skipif(not SPEC_FILE.exists(),
                    reason="no specs/source-mysql.json")
def test_source_mysql_spec_file_passes_spec_checks():
    spec = json.loads(SPEC_FILE.read_text())
    cs = spec["connectionSpecification"]
    problems = (checks.check_enum_usage(cs) + checks.check_oneof_usage(cs)
                + checks.check_secrets_marked(spec)
                + checks.check_property_type_not_array(cs)
                + checks.check_object_not_empty(cs)
                + checks.check_array_type(cs)
                + checks.check_forbidden_keywords(cs)
                + checks.check_duplicate_order(cs)
                + checks.check_nested_group(cs)
                + checks.check_display_type(cs) + checks.check_no_refs(spec)
                + checks.check_additional_properties_true(cs))
    assert not problems, problems


def test_catalog_files_are_valid_configured_catalogs():
    for cfg in _repo_configs():
        for section in ("basic_read", "full_refresh", "incremental"):
            for inputs in cfg.tests(section):
                path = inputs.get("configured_catalog_path")
                if not path:
                    continue
                cat = json.loads(cfg.file(path).read_text())
                assert not protocol.schema_errors(
                    cat, "ConfiguredAirbyteCatalog"), path


def test_future_state_files_are_state_messages():
    for cfg in _repo_configs():
        for inputs in cfg.tests("incremental"):
            path = (inputs.get("future_state") or {}).get("future_state_path")
            if not path:
                continue
            states = json.loads(cfg.file(path).read_text())
            assert isinstance(states, list) and states
            for st in states:
                assert not protocol.schema_errors(
                    st, "AirbyteStateMessage"), (path, st)
                assert st["type"] == "STREAM"


def test_expected_records_files_parse():
    for cfg in _repo_configs():
        for inputs in cfg.tests("basic_read"):
            path = (inputs.get("expect_records") or {}).get("path")
            if path:
                recs = atconfig.read_jsonl(cfg.file(path))
                assert recs and all(set(r) >= {"stream", "data"}
                                    for r in recs), path


# ====================================================== spec checks

BAD_SPEC = {
    "documentationUrl": "https://example.org",
    "connectionSpecification": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "password": {"type": "string"},
            "token": {"type": "boolean", "airbyte_secret": True},
            "mode": {"type": ["null", "string"], "enum": ["a", "a"],
                     "order": 1},
            "other": {"type": "string", "order": 1,
                      "format": "date"},
            "nested": {"type": "object", "order": 2},
            "arr": {"type": "array", "items": {"type": "boolean"},
                    "order": 3},
            "any": {"anyOf": [{"type": "string"}], "order": 4},
            "ref": {"$ref": "#/definitions/x", "order": 5},
            "choice": {
                "type": "object", "display_type": "tabs", "order": 6,
                "oneOf": [
                    {"properties": {"kind": {"const": "a"},
                                    "inner": {"type": "string",
                                              "group": "g"}}},
                    {"properties": {"kind": {"type": "string"}}}]},
            "plain": {"type": "string", "display_type": "radio",
                      "order": 7},
            "not": {"type": "string", "order": 8},
        },
    },
}


@pytest.mark.parametrize("check,needle", [
    (lambda s: checks.check_enum_usage(s["connectionSpecification"]),
     "duplicate"),
    (lambda s: checks.check_oneof_usage(s["connectionSpecification"]),
     "const"),
    (checks.check_secrets_marked, "password must be marked"),
    (checks.check_secrets_marked, "token is marked"),
    (lambda s: checks.check_property_type_not_array(
        s["connectionSpecification"]), "second type"),
    (lambda s: checks.check_object_not_empty(s["connectionSpecification"]),
     "nested"),
    (lambda s: checks.check_array_type(s["connectionSpecification"]),
     "arr"),
    (lambda s: checks.check_forbidden_keywords(s["connectionSpecification"]),
     "anyOf"),
    (lambda s: checks.check_duplicate_order(s["connectionSpecification"]),
     "duplicate order 1"),
    (lambda s: checks.check_nested_group(s["connectionSpecification"]),
     "inner/group"),
    (lambda s: checks.check_display_type(s["connectionSpecification"]),
     "tabs"),
    (lambda s: checks.check_display_type(s["connectionSpecification"]),
     "without oneOf"),
    (checks.check_no_refs, "$ref"),
    (lambda s: checks.check_additional_properties_true(
        s["connectionSpecification"]), "not true"),
    (lambda s: checks.date_pattern_warnings(s["connectionSpecification"]),
     "format date"),
], ids=["enum", "oneof", "secret-unmarked", "secret-on-boolean",
        "type-order", "empty-object", "array-items", "forbidden",
        "order", "group", "display-type-value", "display-type-place",
        "ref", "additional-properties", "date-pattern"])
def test_spec_checks_catch(check, needle):
    problems = check(BAD_SPEC)
    assert any(needle in p for p in problems), problems


def test_forbidden_keyword_as_property_name_is_fine():
    spec = {"type": "object", "properties": {"not": {"type": "string"},
                                             "if": {"type": "string"}}}
    assert checks.check_forbidden_keywords(spec) == []


def test_config_match_spec():
    spec = {"connectionSpecification": {
        "type": "object", "required": ["host"],
        "properties": {"host": {"type": "string"},
                       "port": {"type": "integer"}}}}
    assert checks.check_config_matches_spec(
        {"host": "h", "port": 1, "_tech": object()}, spec) == []
    assert checks.check_config_matches_spec({"port": "1"}, spec)


def test_oauth_checks():
    spec = {"connectionSpecification": {"type": "object", "properties": {
        "credentials": {"type": "object", "oneOf": [
            {"properties": {"auth_type": {"const": "token"},
                            "token": {"type": "string"}}},
            {"properties": {"auth_type": {"const": "oauth2.0"},
                            "client_id": {"type": "string"}}}]}}},
        "advanced_auth": {
            "predicate_key": ["credentials", "auth_type"],
            "predicate_value": "oauth2.0",
            "oauth_config_specification": {
                "complete_oauth_server_output_specification": {
                    "properties": {"client_id": {
                        "type": "string",
                        "path_in_connector_config": ["credentials",
                                                     "client_id"]},
                        "missing": {"type": "string",
                                    "path_in_connector_config": ["nope"]}}}}}}
    problems = checks.check_oauth_flow_parameters(spec)
    assert problems == ["advanced_auth path /nope is not in the spec"]
    skip, problem = checks.oauth_default_method_problem(spec)
    assert skip is None and "not the default" in problem


# ================================================ discovery and reads

def stream(name, props, pk=None, cursor=None, ns="db"):
    s = {"name": name, "namespace": ns, "supported_sync_modes":
         ["full_refresh", "incremental"],
         "json_schema": {"type": "object", "properties": props}}
    if pk:
        s["source_defined_primary_key"] = pk
    if cursor:
        s["default_cursor_field"] = cursor
    return s


GOOD_STREAMS = [
    stream("a", {"id": {"type": "integer"},
                 "ts": {"type": ["null", "string"], "format": "date-time"}},
           pk=[["id"]], cursor=["ts"]),
    stream("b", {"k": {"type": "string"}, "v": {"type": ["null", "number"]}}),
]


def test_catalog_checks_pass_good():
    msgs = [{"type": "CATALOG", "catalog": {"streams": GOOD_STREAMS}}]
    assert checks.check_catalog_message(msgs) == []
    for fn in (checks.check_stream_schemas_valid,
               checks.check_cursors_in_schema, checks.check_stream_refs,
               checks.check_primary_keys_in_schema, checks.check_sync_modes,
               checks.check_stream_additional_properties,
               checks.check_primary_key_types):
        assert fn(GOOD_STREAMS) == [], fn


def test_catalog_checks_catch_bad():
    bad = [stream("a", {"id": {"type": "object"}}, pk=[["id"], ["x"]],
                  cursor=["nope"]),
           stream("a", {"r": {"$ref": "#/x"},
                        "n": {"not": {"type": "string"}},
                        "o": {"type": "object",
                              "additionalProperties": False}})]
    bad[1]["supported_sync_modes"] = []
    msgs = [{"type": "CATALOG", "catalog": {"streams": bad}}]
    assert "duplicate" in checks.check_catalog_message(msgs)[0]
    assert checks.check_cursors_in_schema(bad)
    assert checks.check_stream_refs(bad)
    assert checks.check_stream_keyword(bad, "not")
    assert checks.check_primary_keys_in_schema(bad)
    assert checks.check_sync_modes(bad)
    assert checks.check_stream_additional_properties(bad)
    assert any("type" in p for p in checks.check_primary_key_types(bad))
    assert checks.check_stream_schemas_valid(
        [stream("x", {"a": {"type": "strng"}})])


def rec(name, data, ts=1, ns="db"):
    return {"type": "RECORD", "record": {"stream": name, "namespace": ns,
                                         "data": data, "emitted_at": ts}}


def st(name, blob, count, ns="db"):
    return {"type": "STATE", "state": {
        "type": "STREAM", "stream": {"stream_descriptor": {"name": name,
                                                           "namespace": ns},
                                     "stream_state": blob},
        "sourceStats": {"recordCount": float(count)}}}


def status(name, s, ns="db"):
    return {"type": "TRACE", "trace": {
        "type": "STREAM_STATUS", "emitted_at": 1.0, "stream_status": {
            "stream_descriptor": {"name": name, "namespace": ns},
            "status": s}}}


CATALOG = checks.configured_from_discovered(GOOD_STREAMS)


def good_read():
    return [status("a", "STARTED"), status("a", "RUNNING"),
            rec("a", {"id": 1, "ts": "2024-01-01T00:00:00"}),
            rec("a", {"id": 2, "ts": "2024-01-01 00:00:01.5+02:00"}),
            st("a", {"c": 2}, 2), rec("a", {"id": 3, "ts": None}),
            st("a", {"c": 3}, 1), status("a", "COMPLETE"),
            status("b", "STARTED"), status("b", "RUNNING"),
            rec("b", {"k": "x", "v": 1.5}), st("b", {"done": True}, 1),
            status("b", "COMPLETE")]


def _run(msgs):
    r = protocol.Run(argv=[], returncode=0, stdout=b"", stderr="",
                     duration=0)
    r.messages = msgs
    return r


def test_read_checks_pass_good():
    run = _run(good_read())
    assert protocol.check_line(compact(run.messages[3]))
    assert checks.check_records_schema(run.records, CATALOG) == []
    assert checks.check_records_in_catalog(run.records, CATALOG) == []
    assert checks.check_empty_streams(run.records, CATALOG, []) == []
    assert checks.check_primary_key_values(run.records, CATALOG) == []
    assert checks.check_stream_statuses(run.statuses, CATALOG) == []
    assert checks.check_state_messages(run.messages, CATALOG) == []
    assert checks.check_state_bookkeeping(run.messages, CATALOG) == []


@pytest.mark.parametrize("data,needle", [
    ({"id": 1.0, "ts": None}, "integer"),
    ({"id": True, "ts": None}, "integer"),
    ({"id": 1, "ts": "2024-13-01T00:00:00"}, "invalid datetime"),
    ({"id": 1, "ts": "yesterday"}, "invalid datetime"),
    ({"id": 1, "ts": "0000-00-00 00:00:00"}, "invalid datetime"),
    ({"id": 1, "extra": 2}, "not declared"),
    ({"zzz": 1}, "shares no field"),
])
def test_record_schema_check_catches(data, needle):
    problems = checks.check_records_schema(
        [rec("a", data)["record"]], CATALOG)
    assert any(needle in p for p in problems), problems


def test_status_check_catches():
    msgs = good_read()
    catalog = checks.configured_from_discovered(GOOD_STREAMS)
    cases = {
        "missing RUNNING": [m for m in msgs if not (
            m["type"] == "TRACE" and m["trace"]["stream_status"][
                "stream_descriptor"]["name"] == "b" and
            m["trace"]["stream_status"]["status"] == "RUNNING")],
        "no statuses for b": [m for m in msgs if not (
            m["type"] == "TRACE" and m["trace"]["stream_status"][
                "stream_descriptor"]["name"] == "b")],
        "empty namespace": msgs + [status("a", "COMPLETE", ns="")],
        "unknown stream": msgs + [status("zz", "STARTED")],
    }
    for label, variant in cases.items():
        assert checks.check_stream_statuses(_run(variant).statuses,
                                            catalog), label


def test_state_checks_catch():
    msgs = good_read()
    no_final = [m for m in msgs if m is not msgs[6]]
    assert any("no state after" in p for p in
               checks.check_state_bookkeeping(no_final, CATALOG))
    wrong_count = copy.deepcopy(msgs)
    wrong_count[4]["state"]["sourceStats"]["recordCount"] = 5.0
    assert any("recordCount" in p for p in
               checks.check_state_bookkeeping(wrong_count, CATALOG))
    repeated = copy.deepcopy(msgs)
    repeated[6]["state"]["stream"]["stream_state"] = {"c": 2}
    assert any("identical" in p for p in
               checks.check_state_bookkeeping(repeated, CATALOG))
    legacy = msgs + [{"type": "STATE", "state": {"data": {}}}]
    assert any("LEGACY" in p for p in
               checks.check_state_messages(legacy, CATALOG))
    no_stats = copy.deepcopy(msgs)
    del no_stats[4]["state"]["sourceStats"]
    assert any("sourceStats" in p for p in
               checks.check_state_messages(no_stats, CATALOG))
    too_few = [m for m in msgs if m["type"] != "STATE"][:3] + [msgs[4]]
    assert checks.check_state_messages(too_few, CATALOG)


def test_expected_records():
    records = [m["record"] for m in good_read() if m["type"] == "RECORD"]
    exp = [{"stream": "a", "data": {"id": 2}}, {"stream": "a",
                                                "data": {"id": 1}}]
    assert checks.check_expected_records(records, exp, CATALOG) == []
    assert checks.check_expected_records(records, exp, CATALOG,
                                         exact_order=True)
    missing = exp + [{"stream": "a", "data": {"id": 9}}]
    assert checks.check_expected_records(records, missing, CATALOG)
    exp_f = [{"stream": "a", "data": {"id": 1,
                                      "ts": "2024-01-01T00:00:00"}}]
    assert checks.check_expected_records(records, exp_f, CATALOG,
                                         compare_fields=True) == []
    exp_f[0]["data"]["ts"] = "2024-01-01T00:00:00Z"
    assert checks.check_expected_records(records, exp_f, CATALOG,
                                         compare_fields=True)
    exp_int = [{"stream": "b", "data": {"k": "x", "v": 1.5}}]
    assert checks.check_expected_records(records, exp_int, CATALOG,
                                         compare_fields=True) == []
    too_many = exp_int * 2
    assert checks.check_expected_records(records, too_many, CATALOG)
    # 1 and 1.0 compare equal in Python but are different JSON
    exp_type = [{"stream": "a", "data": {"id": 1.0}}]
    assert checks.check_expected_records(records, exp_type, CATALOG,
                                         compare_fields=True)


def test_full_refresh_checks():
    r1 = [{"stream": "a", "data": {"id": 1}, "emitted_at": 10},
          {"stream": "b", "data": {"k": "x"}, "emitted_at": 11}]
    r2 = [{"stream": "a", "data": {"id": 1}, "emitted_at": 12},
          {"stream": "b", "data": {"k": "x"}, "emitted_at": 13}]
    assert checks.check_emitted_at_increase(r1, r2) == []
    assert checks.check_emitted_at_increase(r1, r1)
    assert checks.check_subset(r1, r2, CATALOG) == []
    assert checks.check_subset(r1, r2[:1], CATALOG)
    assert checks.check_subset(r1, r2[1:], CATALOG)
    r3 = [{"stream": "b", "data": {"k": "x", "v": 2}, "emitted_at": 1}]
    r4 = [{"stream": "b", "data": {"k": "x", "v": 3}, "emitted_at": 2}]
    assert checks.check_subset(r3, r4, CATALOG)
    assert checks.check_subset(r3, r4, CATALOG, {"b": [{"name": "v"}]}) \
        == []


def test_state_sampling():
    states = [st("a", {"c": i}, 100)["state"] for i in range(12)]
    pairs = checks.unique_states_with_expected_counts(states)
    assert [c for _s, c in pairs] == [1100.0 - 100 * i for i in range(12)]
    chosen = checks.sample_states(pairs)
    assert chosen and pairs[0] not in chosen and pairs[-1] not in chosen
    dup = [st("a", {"c": 1}, 5)["state"], st("a", {"c": 1}, 0)["state"],
           st("a", {"c": 2}, 3)["state"]]
    pairs = checks.unique_states_with_expected_counts(dup)
    assert [(p[0]["stream"]["stream_state"], p[1]) for p in pairs] == [
        ({"c": 1}, 3.0), ({"c": 2}, 0.0)]
    assert checks.sample_states(pairs) == pairs[-1:]
    with pytest.raises(AssertionError, match="recordCount"):
        checks.unique_states_with_expected_counts(
            [{"type": "STREAM", "stream": {"stream_descriptor": {
                "name": "a"}, "stream_state": {}}}] * 2)


def test_state_input_and_latest():
    states = [m["state"] for m in good_read() if m["type"] == "STATE"]
    latest = checks.latest_states(states)
    assert latest == {"a": {"c": 3}, "b": {"done": True}}
    inp = checks.state_input(latest)
    assert inp[0] == {"type": "STREAM", "stream": {
        "stream_descriptor": {"name": "a"}, "stream_state": {"c": 3}}}
    for msg in inp:
        assert not protocol.schema_errors(msg, "AirbyteStateMessage")


def test_configured_catalogs():
    assert not protocol.schema_errors(CATALOG, "ConfiguredAirbyteCatalog")
    assert CATALOG["streams"][0]["primary_key"] == [["id"]]
    assert CATALOG["streams"][0]["cursor_field"] == ["ts"]
    custom = {"streams": [{"stream": {"name": "b", "json_schema": {},
                                      "supported_sync_modes": [
                                          "full_refresh"]},
                           "sync_mode": "incremental",
                           "destination_sync_mode": "append",
                           "cursor_field": ["k"]}]}
    cat = checks.configured_from_file(custom, GOOD_STREAMS)
    assert cat["streams"][0]["stream"] == GOOD_STREAMS[1]
    inc, problems = checks.with_cursor_fields(checks.incremental_only(cat))
    assert problems == [] and inc["streams"][0]["cursor_field"] == ["k"]
    inc2, problems = checks.with_cursor_fields(checks.incremental_only(
        checks.configured_from_discovered(GOOD_STREAMS)))
    assert problems == ["stream b has neither cursor_field nor "
                        "default_cursor_field"]
    with pytest.raises(ValueError):
        checks.configured_from_file({"streams": [{"stream": {
            "name": "zz"}}]}, GOOD_STREAMS)
    invalid = checks.invalid_catalog()
    assert protocol.schema_errors(invalid, "ConfiguredAirbyteCatalog")


# ============================================================= servers

@pytest.fixture(scope="module")
def lifecycle_server(tmp_path_factory):
    if not servers.have_mariadb():
        pytest.fail("mariadb-server is not installed")
    srv = servers.start_mariadb(tmp_path_factory.mktemp("mdb-life"))
    yield srv
    srv.stop()


def _as_airbyte(srv, sql, db="life"):
    return srv.sql(sql, db, user=servers.AIRBYTE_USER,
                   password=servers.AIRBYTE_PASSWORD)


def test_server_users_and_grants(lifecycle_server):
    srv = lifecycle_server
    srv.create_database("life")
    srv.sql("CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1);",
            "life")
    with pytest.raises(servers.ServerError, match="denied"):
        _as_airbyte(srv, "SELECT * FROM t")
    srv.grant_read_only("life")
    assert _as_airbyte(srv, "SELECT id FROM t").split() == ["1"]
    with pytest.raises(servers.ServerError, match="denied"):
        _as_airbyte(srv, "DELETE FROM t")
    with pytest.raises(servers.ServerError, match="denied"):
        srv.sql("SELECT 1", "life", user=servers.NOGRANT_USER,
                password=servers.NOGRANT_PASSWORD)
    with pytest.raises(servers.ServerError, match="denied"):
        srv.sql("SELECT 1", "life", user=servers.AIRBYTE_USER,
                password="wrong")
    grants = srv.sql("SHOW GRANTS FOR 'airbyte'@'%'")
    assert "GRANT SELECT, SHOW VIEW ON `life`.*" in grants


def test_server_kill_and_restart(lifecycle_server):
    srv = lifecycle_server
    srv.create_database("life2")
    srv.sql("CREATE TABLE t (id INT PRIMARY KEY);"
            "INSERT INTO t SELECT seq FROM seq_1_to_1000;", "life2")
    port, pid = srv.port, srv.proc.pid
    srv.kill()
    assert not srv.is_running()
    srv.start()
    assert srv.port == port and srv.proc.pid != pid
    assert srv.sql("SELECT COUNT(*) FROM t", "life2").strip() == "1000"
    srv.restart()
    assert srv.ping() and srv.port == port
    srv.restart(kill=True)
    assert srv.sql("SELECT COUNT(*) FROM t", "life2").strip() == "1000"


def test_server_start_args(tmp_path):
    srv = servers.MariaDB(tmp_path / "args")
    srv.start(["--max-connections=17"])
    try:
        assert srv.sql("SELECT @@max_connections").strip() == "17"
        srv.restart()
        assert srv.sql("SELECT @@max_connections").strip() == "17"
        srv.restart(extra_args=[])
        assert srv.sql("SELECT @@max_connections").strip() != "17"
    finally:
        srv.stop()
    with pytest.raises(servers.ServerError, match="exited"):
        servers.MariaDB(tmp_path / "args").start(["--no-such-option=1"])


def test_types_db_loads(lifecycle_server):
    srv = lifecycle_server
    srv.load_database("types_db", [Path(__file__).parent / "sql" /
                                   "mysql_types_db.sql"])
    counts = dict(srv.rows(
        "SELECT 'all_types', COUNT(*) FROM all_types UNION ALL "
        "SELECT 'same_cursor', COUNT(*) FROM same_cursor UNION ALL "
        "SELECT 'ties', COUNT(*) FROM same_cursor WHERE updated_at = "
        "'2024-06-01 12:00:00' UNION ALL "
        "SELECT 'int_cursor', COUNT(*) FROM int_cursor UNION ALL "
        "SELECT 'no_pk', COUNT(*) FROM no_pk_table UNION ALL "
        "SELECT 'order', COUNT(*) FROM `Order` UNION ALL "
        "SELECT 'view', COUNT(*) FROM all_types_view", "types_db"))
    assert counts == {"all_types": "7", "same_cursor": "2600",
                      "ties": "2500", "int_cursor": "1500", "no_pk": "5",
                      "order": "3", "view": "7"}
    row = _as_airbyte(srv, "SELECT big_u, latin1_col, date_col, "
                      "time_col FROM all_types WHERE id IN (2, 3, 5) "
                      "ORDER BY id", "types_db").splitlines()
    assert row[0].split("\t")[0] == "18446744073709551615"
    assert row[1].split("\t")[1] == "café déjà vu €"
    assert row[2].split("\t")[2] == "0000-00-00"
    cols = srv.rows("SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema='types_db' AND table_name='Order'")
    assert ["we`ird"] in cols and ["größe"] in cols

