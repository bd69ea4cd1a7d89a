"""Connector acceptance tests (PROTOCOL.md section 9) for every
connectors/*/acceptance-test-config.yml.

Each test runs the real connector binary; every stdout line of every run
is checked against the Airbyte protocol schema by protocol.run_connector.
Tests skip only when the connector binary has not been built.
"""

from __future__ import annotations

import json
import time
import warnings

import pytest

import atconfig
import checks
import conftest
from conftest import Case


def _env(envs, case: Case):
    return envs.env(case.cfg)


def _fail_on(problems: list, what: str) -> None:
    if problems:
        shown = problems[:40]
        more = len(problems) - len(shown)
        pytest.fail("%s:\n  %s%s" % (what, "\n  ".join(shown),
                                      "\n  ... %d more" % more
                                      if more > 0 else ""))


# ====================================================== configuration

def test_config_files_load():
    """Every acceptance-test-config.yml parses and follows the format."""
    assert not conftest.CONFIG_ERRORS, "\n".join(
        "%s: %s" % kv for kv in conftest.CONFIG_ERRORS.items())
    assert conftest.CONFIGS, "no connectors/*/acceptance-test-config.yml"


def test_config_strictness(acceptance_config):
    """The rules of test_strictness_level: high (PROTOCOL.md 9.9)."""
    _fail_on(atconfig.strictness_problems(acceptance_config),
             "%s violates high strictness" % acceptance_config.name)


def test_config_files_exist(acceptance_config):
    _fail_on(atconfig.missing_files(acceptance_config),
             "files named in %s do not exist" % acceptance_config.path)


# ================================================================ spec

class TestSpec:
    """9.1"""

    def test_spec(self, envs, spec_case):
        """9.1.1: exactly one SPEC message, clean exit."""
        env = _env(envs, spec_case)
        run = env.connector("spec").spec(timeout=spec_case.timeout)
        run.assert_ok()
        specs = checks.spec_messages(run.messages)
        assert len(specs) == 1, "expected exactly one SPEC, got %d" % len(
            specs)
        others = [m["type"] for m in run.messages
                  if m["type"] not in ("SPEC", "LOG")]
        assert not others, "spec printed other messages: %s" % others

    def test_config_match_spec(self, envs, spec_case):
        """9.1.2: the test configs validate against the spec; the spec is
        a valid schema. Checks the spec test's config and every config the
        connector's tests expect to work (connection "failed" and
        "exception" configs may be deliberately broken)."""
        env = _env(envs, spec_case)
        spec = env.spec()
        paths = [spec_case.config_path]
        for section in atconfig.SECTIONS:
            for inputs in spec_case.cfg.tests(section):
                if inputs.get("status") in ("failed", "exception"):
                    continue
                if inputs["config_path"] not in paths:
                    paths.append(inputs["config_path"])
        problems = []
        for path in paths:
            problems += ["%s: %s" % (path, p) for p in
                         checks.check_config_matches_spec(
                             env.render(path), spec)]
        _fail_on(problems, "configs do not match the spec")

    def test_match_expected(self, envs, spec_case):
        """9.1.3: the emitted spec equals the file at spec_path."""
        if not spec_case.inputs.get("spec_path"):
            pytest.skip("no spec_path in the config")
        env = _env(envs, spec_case)
        expected = json.loads(spec_case.cfg.file(
            spec_case.inputs["spec_path"]).read_text(encoding="utf-8"))
        assert env.spec() == expected

    def test_enum_usage(self, envs, spec_case):
        """9.1.4"""
        spec = _env(envs, spec_case).spec()
        _fail_on(checks.check_enum_usage(spec["connectionSpecification"]),
                 "duplicate enum values")

    def test_oneof_usage(self, envs, spec_case):
        """9.1.5"""
        spec = _env(envs, spec_case).spec()
        _fail_on(checks.check_oneof_usage(spec["connectionSpecification"]),
                 "oneOf rules")

    def test_secret_is_properly_marked(self, envs, spec_case):
        """9.1.6"""
        spec = _env(envs, spec_case).spec()
        _fail_on(checks.check_secrets_marked(spec), "secret marking")

    def test_property_type_is_not_array(self, envs, spec_case):
        """9.1.7"""
        spec = _env(envs, spec_case).spec()
        _fail_on(checks.check_property_type_not_array(
            spec["connectionSpecification"]), "property types")

    def test_object_not_empty(self, envs, spec_case):
        """9.1.8"""
        spec = _env(envs, spec_case).spec()
        _fail_on(checks.check_object_not_empty(
            spec["connectionSpecification"]), "empty objects")

    def test_array_type(self, envs, spec_case):
        """9.1.9"""
        spec = _env(envs, spec_case).spec()
        _fail_on(checks.check_array_type(spec["connectionSpecification"]),
                 "array items")

    def test_forbidden_complex_types(self, envs, spec_case):
        """9.1.10"""
        spec = _env(envs, spec_case).spec()
        _fail_on(checks.check_forbidden_keywords(
            spec["connectionSpecification"]), "forbidden keywords")

    def test_date_pattern(self, envs, spec_case):
        """9.1.11 (warning only)"""
        spec = _env(envs, spec_case).spec()
        for msg in checks.date_pattern_warnings(
                spec["connectionSpecification"]):
            warnings.warn(msg)

    def test_date_format(self, envs, spec_case):
        """9.1.12 (warning only)"""
        spec = _env(envs, spec_case).spec()
        for msg in checks.date_format_warnings(
                spec["connectionSpecification"]):
            warnings.warn(msg)

    def test_duplicate_order(self, envs, spec_case):
        """9.1.13"""
        spec = _env(envs, spec_case).spec()
        _fail_on(checks.check_duplicate_order(
            spec["connectionSpecification"]), "duplicate order")

    def test_nested_group(self, envs, spec_case):
        """9.1.14"""
        spec = _env(envs, spec_case).spec()
        _fail_on(checks.check_nested_group(spec["connectionSpecification"]),
                 "nested group")

    def test_display_type(self, envs, spec_case):
        """9.1.15"""
        spec = _env(envs, spec_case).spec()
        _fail_on(checks.check_display_type(spec["connectionSpecification"]),
                 "display_type")

    def test_defined_refs_exist_in_json_spec_file(self, envs, spec_case):
        """9.1.16: no $ref anywhere in the spec."""
        spec = _env(envs, spec_case).spec()
        _fail_on(checks.check_no_refs(spec), "$ref in spec")

    def test_oauth_flow_parameters(self, envs, spec_case):
        """9.1.17"""
        spec = _env(envs, spec_case).spec()
        if not spec.get("advanced_auth"):
            pytest.skip("the spec has no advanced_auth")
        _fail_on(checks.check_oauth_flow_parameters(spec),
                 "advanced_auth paths")

    def test_oauth_is_default_method(self, envs, spec_case):
        """9.1.18"""
        spec = _env(envs, spec_case).spec()
        skip, problem = checks.oauth_default_method_problem(spec)
        if skip:
            pytest.skip(skip)
        assert problem is None, problem

    def test_additional_properties_is_true(self, envs, spec_case):
        """9.1.20"""
        spec = _env(envs, spec_case).spec()
        _fail_on(checks.check_additional_properties_true(
            spec["connectionSpecification"]), "additionalProperties")

    def test_protocol_version(self, envs, spec_case):
        """PROTOCOL.md 0: a declared protocol_version must be <= 0.3.0,
        or the platform refuses the connector."""
        spec = _env(envs, spec_case).spec()
        version = spec.get("protocol_version")
        if version is None:
            return
        parts = tuple(int(p) for p in str(version).split("."))
        assert parts <= (0, 3, 0), ("protocol_version %s is outside the "
                                    "platform's 0.0.0..0.3.0" % version)


# ========================================================== connection

class TestConnection:
    """9.2"""

    def test_check(self, envs, connection_case):
        env = _env(envs, connection_case)
        status = connection_case.inputs["status"]
        config = env.render(connection_case.config_path)
        run = env.connector("check").check(
            config, timeout=connection_case.timeout)
        run.assert_no_sanitizer_report()
        statuses = [m["connectionStatus"]
                    for m in run.of_type("CONNECTION_STATUS")]
        if status in ("succeed", "failed"):
            assert run.returncode == 0, (
                "check must exit 0 (also for FAILED)\n%s" % run.describe())
            assert len(statuses) == 1, (
                "expected exactly one CONNECTION_STATUS, got %d\n%s"
                % (len(statuses), run.describe()))
            want = "SUCCEEDED" if status == "succeed" else "FAILED"
            assert statuses[0]["status"] == want, (
                "status %s, expected %s: %s" % (
                    statuses[0]["status"], want,
                    statuses[0].get("message")))
            if status == "failed":
                assert statuses[0].get("message"), (
                    "a FAILED status should say why")
        else:
            traces = run.traces
            assert len(traces) == 1, (
                "expected exactly one TRACE message, got %d\n%s"
                % (len(traces), run.describe()))
            assert traces[0]["type"] == "ERROR" and \
                traces[0].get("error", {}).get("message"), (
                    "the trace must be an ERROR with a message: %s"
                    % traces[0])
            assert run.returncode != 0, (
                "a fatal error must end with a non-zero exit code\n%s"
                % run.describe())


# =========================================================== discovery

class TestDiscovery:
    """9.3"""

    def test_discover(self, envs, discovery_case):
        """9.3.1: exactly one CATALOG, streams, unique names."""
        env = _env(envs, discovery_case)
        run = env.connector("discover").discover(
            env.render(discovery_case.config_path),
            timeout=discovery_case.timeout)
        run.assert_ok()
        _fail_on(checks.check_catalog_message(run.messages), "catalog")

    def _streams(self, envs, case):
        return _env(envs, case).discover(case.config_path, case.timeout)

    def test_streams_have_valid_json_schemas(self, envs, discovery_case):
        """9.3.2"""
        _fail_on(checks.check_stream_schemas_valid(
            self._streams(envs, discovery_case)), "invalid stream schemas")

    def test_defined_cursors_exist_in_schema(self, envs, discovery_case):
        """9.3.3"""
        _fail_on(checks.check_cursors_in_schema(
            self._streams(envs, discovery_case)), "cursor fields")

    def test_defined_refs_exist_in_schema(self, envs, discovery_case):
        """9.3.4"""
        _fail_on(checks.check_stream_refs(
            self._streams(envs, discovery_case)), "$ref in stream schemas")

    @pytest.mark.parametrize("keyword", ["allOf", "not"])
    def test_defined_keyword_exist_in_schema(self, envs, discovery_case,
                                             keyword):
        """9.3.5"""
        _fail_on(checks.check_stream_keyword(
            self._streams(envs, discovery_case), keyword),
            "%s in stream schemas" % keyword)

    def test_primary_keys_exist_in_schema(self, envs, discovery_case):
        """9.3.6"""
        _fail_on(checks.check_primary_keys_in_schema(
            self._streams(envs, discovery_case)), "primary keys")

    def test_streams_has_sync_modes(self, envs, discovery_case):
        """9.3.7"""
        _fail_on(checks.check_sync_modes(
            self._streams(envs, discovery_case)), "sync modes")

    def test_additional_properties_is_true(self, envs, discovery_case):
        """9.3.8"""
        _fail_on(checks.check_stream_additional_properties(
            self._streams(envs, discovery_case)), "additionalProperties")

    def test_primary_keys_data_type(self, envs, discovery_case):
        """9.3.11"""
        if discovery_case.inputs.get("validate_primary_keys_data_type",
                                     True) is False:
            pytest.skip("validate_primary_keys_data_type is false")
        _fail_on(checks.check_primary_key_types(
            self._streams(envs, discovery_case)), "primary key types")


# ========================================================== basic read

class TestBasicRead:
    """9.4"""

    def _catalog(self, env, case) -> dict:
        streams = env.discover(case.config_path)
        custom = case.inputs.get("configured_catalog_path")
        if custom:
            if case.cfg.high:
                pytest.fail("high strictness: basic_read may not use a "
                            "custom configured catalog")
            return checks.configured_from_file(
                env.render(custom), streams)
        empty = [e["name"] for e in case.inputs.get("empty_streams", [])]
        unknown = set(empty) - {s["name"] for s in streams}
        if unknown:
            pytest.fail("empty_streams names streams that discover does "
                        "not return: %s" % sorted(unknown))
        return checks.configured_from_discovered(streams, empty)

    def _expected(self, case, catalog) -> list:
        exp = case.inputs.get("expect_records") or {}
        if case.cfg.high and not exp:
            pytest.fail("high strictness: expect_records must be set")
        if not exp.get("path"):
            return []
        records = atconfig.read_jsonl(case.cfg.file(exp["path"]))
        if case.cfg.high:
            empty = {e["name"] for e in case.inputs.get("empty_streams", [])}
            seeded = {r["stream"] for r in records}
            unseeded = {cs["stream"]["name"] for cs in catalog["streams"]} \
                - seeded - empty
            if unseeded:
                pytest.fail("high strictness: streams without expected "
                            "records (add them to %s or declare them "
                            "empty): %s" % (exp["path"], sorted(unseeded)))
        return records

    def test_read(self, envs, basic_read_case):
        case = basic_read_case
        inputs = case.inputs
        env = _env(envs, case)
        catalog = self._catalog(env, case)
        expected = self._expected(case, catalog)
        run = env.connector("read").read(
            env.render(case.config_path), catalog, timeout=case.timeout)
        run.assert_ok()
        records = run.records
        # 9.4.1
        assert records, "at least one record should be read"
        _fail_on(checks.check_records_in_catalog(records, catalog),
                 "records outside the configured catalog")
        # 9.4.2
        if inputs.get("validate_schema", True):
            _fail_on(checks.check_records_schema(
                records, catalog,
                extra_columns=inputs.get("fail_on_extra_columns", True)),
                "records do not match their stream schemas")
        # 9.4.3
        _fail_on(checks.check_empty_streams(
            records, catalog,
            [e["name"] for e in inputs.get("empty_streams", [])]),
            "streams without records")
        # 9.4.4
        if inputs.get("validate_primary_keys_data_type", True):
            _fail_on(checks.check_primary_key_values(records, catalog),
                     "primary key values")
        # 9.4.5
        if inputs.get("validate_data_points", False):
            _fail_on(checks.check_data_points(records, catalog),
                     "fields never populated")
        # 9.4.6
        if expected:
            exp = inputs["expect_records"]
            _fail_on(checks.check_expected_records(
                records, expected, catalog,
                exact_order=exp.get("exact_order", False),
                compare_fields=exp.get("compare_fields", False)),
                "expected records")
        # 9.4.7
        if inputs.get("validate_stream_statuses", True):
            _fail_on(checks.check_stream_statuses(run.statuses, catalog),
                     "stream statuses")
        # 9.4.8
        if inputs.get("validate_state_messages", True):
            _fail_on(checks.check_state_messages(run.messages, catalog),
                     "state messages")
            _fail_on(checks.check_state_bookkeeping(run.messages, catalog),
                     "state bookkeeping")

    def test_airbyte_trace_message_on_failure(self, envs, basic_read_case):
        case = basic_read_case
        if case.inputs.get("expect_trace_message_on_failure", True) is False:
            pytest.skip("expect_trace_message_on_failure is false")
        env = _env(envs, case)
        run = env.connector("read-invalid").read(
            env.render(case.config_path), checks.invalid_catalog(),
            timeout=case.timeout)
        run.assert_no_sanitizer_report()
        assert run.errors, ("an invalid catalog must produce at least one "
                            "ERROR trace\n%s" % run.describe())
        assert run.returncode != 0, ("a fatal error must end with a "
                                     "non-zero exit code\n%s"
                                     % run.describe())
        assert not run.records, "records emitted for an invalid catalog"


# ======================================================== full refresh

def _configured(env, case) -> dict:
    streams = env.discover(case.config_path)
    custom = case.inputs.get("configured_catalog_path")
    if custom:
        return checks.configured_from_file(env.render(custom), streams)
    return checks.configured_from_discovered(streams)


class TestFullRefresh:
    """9.5"""

    def test_sequential_reads(self, envs, full_refresh_case):
        case = full_refresh_case
        env = _env(envs, case)
        catalog = checks.full_refresh_only(_configured(env, case))
        assert catalog["streams"], "no stream supports full_refresh"
        config = env.render(case.config_path)
        run1 = env.connector("read-1").read(config, catalog,
                                            timeout=case.timeout)
        run1.assert_ok()
        time.sleep(0.1)
        run2 = env.connector("read-2").read(config, catalog,
                                            timeout=case.timeout)
        run2.assert_ok()
        _fail_on(checks.check_emitted_at_increase(run1.records,
                                                  run2.records),
                 "emitted_at")
        _fail_on(checks.check_subset(run1.records, run2.records, catalog,
                                     case.inputs.get("ignored_fields")),
                 "records of the first read missing from the second")


# ========================================================= incremental

def _incremental_catalog(env, case) -> dict:
    catalog = checks.incremental_only(_configured(env, case))
    catalog, problems = checks.with_cursor_fields(catalog)
    _fail_on(problems, "incremental streams without a cursor")
    assert catalog["streams"], "no stream supports incremental"
    return catalog


class TestIncremental:
    """9.6"""

    def test_two_sequential_reads(self, envs, incremental_case):
        """9.6.1: read 2 from the final states of read 1 returns
        different record data."""
        case = incremental_case
        env = _env(envs, case)
        catalog = _incremental_catalog(env, case)
        config = env.render(case.config_path)
        run1 = env.connector("inc-1").read(config, catalog,
                                           timeout=case.timeout)
        run1.assert_ok()
        assert run1.states, "the first read should produce a state"
        assert run1.records, "the first read should produce records"
        _fail_on(checks.check_state_bookkeeping(run1.messages, catalog),
                 "state bookkeeping of the first read")
        state = checks.state_input(checks.latest_states(run1.states))
        run2 = env.connector("inc-2").read(config, catalog, state,
                                           timeout=case.timeout)
        run2.assert_ok()
        differ = checks.records_differ(run1.records, run2.records)
        assert differ, ("records did not change between reads (%d records "
                        "both times); state: %s" % (len(run1.records), state))

    def test_read_sequential_slices(self, envs, incremental_case):
        """9.6.2: per stream, a read from each sampled intermediate state
        returns at least the records emitted after it, and not the same
        record set as the full read."""
        case = incremental_case
        if case.inputs.get("skip_comprehensive_incremental_tests"):
            pytest.skip("skip_comprehensive_incremental_tests is set")
        env = _env(envs, case)
        catalog = _incremental_catalog(env, case)
        config = env.render(case.config_path)
        tested = 0
        for cs in catalog["streams"]:
            name = cs["stream"]["name"]
            one = {"streams": [cs]}
            run1 = env.connector("slices-%s" % name).read(
                config, one, timeout=case.timeout)
            run1.assert_ok()
            if not run1.records or not run1.states:
                continue
            pairs = checks.unique_states_with_expected_counts(run1.states)
            chosen = checks.sample_states(pairs)
            assert chosen, ("%s: no usable state checkpoint (all states "
                            "have recordCount 0?)" % name)
            per_stream = {}
            for idx, (st, expected) in enumerate(chosen):
                blob = st["stream"].get("stream_state")
                if blob:
                    per_stream[st["stream"]["stream_descriptor"]["name"]] \
                        = blob
                state = checks.state_input(per_stream)
                run_n = env.connector("slice-%s-%d" % (name, idx)).read(
                    config, one, state, timeout=case.timeout)
                run_n.assert_ok()
                assert len(run_n.records) >= expected, (
                    "%s: read %d of %d from state %s returned %d records, "
                    "expected at least %d" % (name, idx + 1, len(chosen),
                                              state, len(run_n.records),
                                              expected))
                differ = checks.records_differ(run1.records, run_n.records)
                assert differ, ("%s: a read from state %s returned the same "
                                "%d records as the full read"
                                % (name, state, len(run_n.records)))
                tested += 1
        assert tested, "no stream produced records and states to slice"

    def test_state_with_abnormally_large_values(self, envs,
                                                incremental_case):
        """9.6.3: a future state yields no records and at least one
        state."""
        case = incremental_case
        fut = case.inputs.get("future_state") or {}
        if fut.get("bypass_reason"):
            pytest.skip("future_state bypassed: %s" % fut["bypass_reason"])
        if not fut.get("future_state_path"):
            if case.cfg.high:
                pytest.fail("high strictness: future_state is required")
            pytest.skip("no future_state configured")
        env = _env(envs, case)
        configured = _configured(env, case)
        states = env.render(fut["future_state_path"])
        _fail_on(checks.future_state_problems(
            states, configured, fut.get("missing_streams", []),
            case.cfg.high), "future state file")
        catalog = checks.incremental_only(configured)
        run = env.connector("future").read(
            env.render(case.config_path), catalog, states,
            timeout=case.timeout)
        run.assert_ok()
        assert not run.records, (
            "a future state must yield no records; got %d, first: %s"
            % (len(run.records), run.records[0]))
        assert run.states, "the read should still produce a STATE"
