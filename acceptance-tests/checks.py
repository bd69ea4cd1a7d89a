"""The checks of the connector acceptance tests, as plain functions.

Each function takes parsed protocol data (a spec, a catalog, records,
states...) and returns a list of problems (empty = pass), so that the
pytest layer stays thin and the checks themselves can be exercised with
hand-written samples (see test_harness.py). Section numbers refer to
PROTOCOL.md section 9.
"""

from __future__ import annotations

import copy
import json
from collections import Counter, defaultdict
from typing import Any, Iterable, Optional

import jsonschema

import protocol

SECRET_NAMES = (
    "client_token", "access_token", "api_token", "token", "secret",
    "client_secret", "password", "key", "service_account_info",
    "service_account", "tenant_id", "certificate", "jwt", "credentials",
    "app_id", "appid", "refresh_token",
)

DATE_PATTERN = "^[0-9]{2}-[0-9]{2}-[0-9]{4}$"
DATETIME_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2})?$"

FORBIDDEN_SPEC_KEYWORDS = ("not", "anyOf", "patternProperties",
                           "prefixItems", "allOf", "if", "then", "else",
                           "dependentSchemas", "dependentRequired")


# ---------------------------------------------------------------- walking

def walk(node: Any, path: tuple = ()):
    """Yield (path, key, value) for every dict entry, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path + (key,), key, value
            yield from walk(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, path + (i,))


def get_path(node: Any, path: Iterable) -> Any:
    for part in path:
        node = node[part]
    return node


def fmt(path: Iterable) -> str:
    return "/" + "/".join(str(p) for p in path)


def keyword_paths(node: Any, key: str, skip_property_names: bool = True
                  ) -> list:
    """Paths of every occurrence of key, ignoring properties so named."""
    out = []
    for path, k, _v in walk(node):
        if k != key:
            continue
        if skip_property_names and len(path) >= 2 and \
                path[-2] == "properties":
            continue
        out.append(path)
    return out


# ------------------------------------------------------------- 9.1 spec

def spec_messages(messages: list) -> list:
    return [m["spec"] for m in messages if m.get("type") == "SPEC"]


def check_config_matches_spec(config: dict, spec: dict) -> list:
    """9.1.2: config (minus "_" keys) validates; the spec is a schema."""
    schema = spec["connectionSpecification"]
    try:
        jsonschema.Draft7Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return ["spec is not a valid draft-07 schema: %s" % exc.message]
    if not isinstance(config, dict):
        return ["config is not a JSON object"]
    cfg = {k: v for k, v in config.items() if not k.startswith("_")}
    validator = jsonschema.Draft7Validator(schema)
    return ["config invalid at %s: %s" % (fmt(e.absolute_path), e.message)
            for e in validator.iter_errors(cfg)]


def check_enum_usage(schema: dict) -> list:
    """9.1.4: enum lists hold distinct values."""
    out = []
    for path in keyword_paths(schema, "enum"):
        values = get_path(schema, path)
        if not isinstance(values, list):
            continue
        seen = [json.dumps(v, sort_keys=True) for v in values]
        if len(set(seen)) != len(seen):
            out.append("%s has duplicate values: %s" % (fmt(path), values))
    return out


def check_oneof_usage(schema: dict) -> list:
    """9.1.5: oneOf/anyOf rules (object parent, common const property)."""
    out = []
    paths = keyword_paths(schema, "oneOf") + keyword_paths(schema, "anyOf")
    for path in paths:
        parent = get_path(schema, path[:-1])
        where = fmt(path)
        if parent.get("type") != "object":
            out.append("%s: the field holding it must have type object"
                       % where)
        variants = get_path(schema, path)
        if not isinstance(variants, list) or not variants:
            out.append("%s is not a non-empty list" % where)
            continue
        if not all(isinstance(v, dict) and "properties" in v
                   for v in variants):
            out.append("%s: every option needs properties" % where)
            continue
        common = set.intersection(*[set(v["properties"]) for v in variants])
        if not common:
            out.append("%s: options share no property" % where)
            continue
        consts = [p for p in sorted(common)
                  if all("const" in v["properties"][p] for v in variants)]
        if len(consts) != 1:
            out.append("%s: need exactly one common property with const, "
                       "found %s" % (where, consts))
            continue
        for n, v in enumerate(variants):
            prop = v["properties"][consts[0]]
            if "default" in prop and prop["default"] != prop["const"]:
                out.append("%s[%d].%s: default differs from const"
                           % (where, n, consts[0]))
            if "enum" in prop and prop["enum"] != [prop["const"]]:
                out.append("%s[%d].%s: enum must be [const]"
                           % (where, n, consts[0]))
    return out


_RESERVED_PATH_PARTS = ("anyOf", "oneOf", "allOf", "not", "properties",
                        "items", "type", "prefixItems")


def _property_name(type_path: tuple) -> Optional[str]:
    for part in reversed(type_path[:-1]):
        if isinstance(part, int) or str(part).isdigit() or \
                part in _RESERVED_PATH_PARTS:
            continue
        return str(part)
    return None


def _can_store_secret(prop: dict) -> bool:
    unsafe = {"string", "integer", "number"}
    ptype = prop.get("type")
    can = (isinstance(ptype, str) and ptype in unsafe) or \
        (isinstance(ptype, list) and bool(set(ptype) & unsafe))
    return can and not bool(prop.get("const"))


def check_secrets_marked(spec: dict) -> list:
    """9.1.6: secret-looking names are airbyte_secret, others are not."""
    props = spec["connectionSpecification"].get("properties", {})
    out = []
    for path, key, _value in walk(props):
        if key != "type":
            continue
        name = _property_name(path)
        if name is None or name.lower() not in SECRET_NAMES:
            continue
        prop = get_path(props, path[:-1])
        if not isinstance(prop, dict):
            continue
        marked = bool(prop.get("airbyte_secret", False))
        possible = _can_store_secret(prop)
        if marked and not possible:
            out.append("%s is marked airbyte_secret but cannot hold a "
                       "secret" % fmt(("properties",) + path[:-1]))
        if possible and not marked:
            out.append("%s must be marked airbyte_secret"
                       % fmt(("properties",) + path[:-1]))
    return out


def check_property_type_not_array(schema: dict) -> list:
    """9.1.7: a property type is one type or [type, "null"]."""
    out = []
    for path, key, value in walk(schema):
        if key != "type" or len(path) < 3 or path[-3] != "properties":
            continue
        if isinstance(value, list):
            if len(value) not in (1, 2):
                out.append("%s: %s is not one type (plus null)"
                           % (fmt(path), value))
            elif len(value) == 2 and value[1] != "null":
                out.append("%s: second type of %s must be \"null\""
                           % (fmt(path), value))
    return out


def check_object_not_empty(schema: dict) -> list:
    """9.1.8: nested objects have properties or oneOf."""
    out = []
    for path, key, value in walk(schema):
        if key != "type" or value != "object" or path == ("type",):
            continue
        parent = get_path(schema, path[:-1])
        if "oneOf" in parent:
            continue
        if not parent.get("properties"):
            out.append("%s is an empty object" % fmt(path[:-1]))
    return out


def check_array_type(schema: dict) -> list:
    """9.1.9: array items are one schema of a simple type or an enum."""
    out = []
    for path, key, value in walk(schema):
        if key != "type" or value != "array":
            continue
        parent = get_path(schema, path[:-1])
        items = parent.get("items")
        if items is None:
            continue
        if isinstance(items, list):
            out.append("%s: items is a list" % fmt(path[:-1]))
        elif items.get("type") not in ("object", "string", "number",
                                       "integer") and "enum" not in items:
            out.append("%s: items must be object/string/number/integer or "
                       "an enum" % fmt(path[:-1]))
    return out


def check_forbidden_keywords(schema: dict) -> list:
    """9.1.10: no not/anyOf/allOf/if/... (except as property names)."""
    out = []
    for kw in FORBIDDEN_SPEC_KEYWORDS:
        out += ["forbidden keyword at %s" % fmt(p)
                for p in keyword_paths(schema, kw)]
    return out


def date_pattern_warnings(schema: dict) -> list:
    """9.1.11 (warning): date formats without the canonical pattern."""
    out = []
    for path, key, value in walk(schema):
        if key != "format" or not isinstance(value, str):
            continue
        parent = get_path(schema, path[:-1])
        pattern = parent.get("pattern")
        if value == "date" and pattern != DATE_PATTERN:
            out.append("%s: format date without pattern %s"
                       % (fmt(path), DATE_PATTERN))
        if value == "date-time" and pattern != DATETIME_PATTERN:
            out.append("%s: format date-time without pattern %s"
                       % (fmt(path), DATETIME_PATTERN))
    return out


def date_format_warnings(schema: dict) -> list:
    """9.1.12 (warning): canonical date patterns without the format."""
    out = []
    for path, key, value in walk(schema):
        if key != "pattern" or not isinstance(value, str):
            continue
        parent = get_path(schema, path[:-1])
        if value == DATE_PATTERN and parent.get("format") != "date":
            out.append("%s: date pattern without format date" % fmt(path))
        if value == DATETIME_PATTERN and \
                parent.get("format") != "date-time":
            out.append("%s: date-time pattern without format date-time"
                       % fmt(path))
    return out


def check_duplicate_order(schema: dict) -> list:
    """9.1.13: no duplicate order among siblings within one group."""
    out = []
    nodes = [((), schema)] + [(p[:-1], get_path(schema, p[:-1]))
                              for p, k, v in walk(schema)
                              if k == "properties" and isinstance(v, dict)]
    for path, definition in nodes:
        if definition.get("type") != "object" or \
                not isinstance(definition.get("properties"), dict):
            continue
        used = defaultdict(set)
        for prop in definition["properties"].values():
            if not isinstance(prop, dict) or "order" not in prop:
                continue
            group = prop.get("group", "")
            if prop["order"] in used[group]:
                out.append("%s has duplicate order %s"
                           % (fmt(path + ("properties",)), prop["order"]))
            used[group].add(prop["order"])
    return out


def check_nested_group(schema: dict) -> list:
    """9.1.14: group only on top-level properties."""
    out = []
    props = schema.get("properties", {})
    for path, key, _value in walk(props, ("properties",)):
        if key != "group":
            continue
        parent = path[:-1]
        if parent and parent[-1] == "properties":
            continue    # a property named "group"
        if parent[:-1] != ("properties",):
            out.append("group defined below the top level at %s"
                       % fmt(path))
    return out


def check_display_type(schema: dict) -> list:
    """9.1.15: display_type only beside oneOf, dropdown or radio."""
    out = []
    props = schema.get("properties", {})
    for path, key, value in walk(props, ("properties",)):
        if key != "display_type":
            continue
        parent_path = path[:-1]
        if parent_path and parent_path[-1] == "properties":
            continue
        parent = get_path(schema, parent_path)
        if "oneOf" not in parent:
            out.append("display_type without oneOf at %s" % fmt(path))
        if value not in ("dropdown", "radio"):
            out.append("display_type %r at %s is not dropdown/radio"
                       % (value, fmt(path)))
    return out


def check_no_refs(node: Any) -> list:
    """9.1.16 and 9.3.4: no $ref anywhere."""
    return ["$ref at %s" % fmt(p)
            for p in keyword_paths(node, "$ref", skip_property_names=False)]


def check_additional_properties_true(schema: Any) -> list:
    """9.1.20 and 9.3.8: additionalProperties, when set, is true."""
    out = []
    for path in keyword_paths(schema, "additionalProperties"):
        if get_path(schema, path) is not True:
            out.append("additionalProperties is not true at %s" % fmt(path))
    return out


def schema_paths(schema: dict, prefix: str = "") -> set:
    """Every object path a config following schema can have, e.g.
    /credentials/client_id (through oneOf options too)."""
    out = set()
    for name, prop in (schema.get("properties") or {}).items():
        path = "%s/%s" % (prefix, name)
        out.add(path)
        if isinstance(prop, dict):
            out |= schema_paths(prop, path)
            for option in prop.get("oneOf", []) or []:
                if isinstance(option, dict):
                    out |= schema_paths(option, path)
    return out


def check_oauth_flow_parameters(spec: dict) -> list:
    """9.1.17: advanced_auth paths exist in connectionSpecification."""
    adv = spec.get("advanced_auth")
    if not adv:
        return []
    wanted = set()
    if adv.get("predicate_key"):
        wanted.add("/" + "/".join(adv["predicate_key"]))
    ocs = adv.get("oauth_config_specification") or {}
    for key in ("oauth_user_input_from_connector_config_specification",
                "complete_oauth_output_specification",
                "complete_oauth_server_output_specification"):
        for prop in ((ocs.get(key) or {}).get("properties") or {}).values():
            if isinstance(prop, dict) and prop.get("path_in_connector_config"):
                wanted.add("/" + "/".join(prop["path_in_connector_config"]))
    missing = wanted - schema_paths(spec["connectionSpecification"])
    return ["advanced_auth path %s is not in the spec" % p
            for p in sorted(missing)]


def oauth_default_method_problem(spec: dict) -> tuple:
    """9.1.18: returns (skip_reason, problem); one of them is None."""
    adv = spec.get("advanced_auth")
    if not adv:
        return "the spec has no advanced_auth", None
    key = adv.get("predicate_key")
    if not key:
        return "advanced_auth has no predicate_key", None
    holder = None
    for path, k, value in walk(spec["connectionSpecification"]):
        if k == key[0] and isinstance(value, dict) and "oneOf" in value:
            holder = value
            break
    if holder is None or not holder["oneOf"]:
        return "the credentials field has no oneOf", None
    node = holder["oneOf"][0]
    for part in key[1:]:
        node = (node.get("properties") or {}).get(part, {})
    const = node.get("const")
    if const != adv.get("predicate_value"):
        return None, ("OAuth is not the default (first) option: option 0 "
                      "has %r, predicate_value is %r"
                      % (const, adv.get("predicate_value")))
    return None, None


# -------------------------------------------------------- 9.3 discovery

def catalog_streams(messages: list) -> list:
    cats = [m["catalog"] for m in messages if m.get("type") == "CATALOG"]
    return cats[0]["streams"] if cats else []


def check_catalog_message(messages: list) -> list:
    """9.3.1: exactly one CATALOG, with streams, unique names."""
    cats = [m["catalog"] for m in messages if m.get("type") == "CATALOG"]
    if len(cats) != 1:
        return ["expected exactly one CATALOG message, got %d" % len(cats)]
    streams = cats[0].get("streams") or []
    if not streams:
        return ["the catalog has no streams"]
    dup = [n for n, c in Counter(s["name"] for s in streams).items()
           if c > 1]
    return ["duplicate stream names: %s" % dup] if dup else []


def check_stream_schemas_valid(streams: list) -> list:
    """9.3.2: every json_schema passes the draft-07 metaschema."""
    out = []
    for s in streams:
        try:
            jsonschema.Draft7Validator.check_schema(s["json_schema"])
        except jsonschema.SchemaError as exc:
            out.append("%s: %s" % (s["name"], exc.message))
    return out


def schema_field(schema: dict, path: list) -> Optional[dict]:
    """The schema of a field path like ["meta", "updated_at"], or None."""
    node = schema
    for part in path:
        props = node.get("properties") if isinstance(node, dict) else None
        if not isinstance(props, dict) or part not in props:
            return None
        node = props[part]
    return node


def check_cursors_in_schema(streams: list) -> list:
    """9.3.3: default_cursor_field exists under properties."""
    out = []
    for s in streams:
        cursor = s.get("default_cursor_field")
        if not cursor:
            continue
        if "properties" not in s["json_schema"]:
            out.append("%s: schema has no top-level properties" % s["name"])
        elif schema_field(s["json_schema"], cursor) is None:
            out.append("%s: default_cursor_field %s not in schema"
                       % (s["name"], cursor))
    return out


def check_stream_refs(streams: list) -> list:
    """9.3.4."""
    out = []
    for s in streams:
        out += ["%s: %s" % (s["name"], p) for p in
                check_no_refs(s["json_schema"])]
    return out


def check_stream_keyword(streams: list, keyword: str) -> list:
    """9.3.5: allOf / not absent (property names ignored)."""
    return ["%s: %s at %s" % (s["name"], keyword, fmt(p))
            for s in streams for p in keyword_paths(s["json_schema"],
                                                    keyword)]


def check_primary_keys_in_schema(streams: list) -> list:
    """9.3.6."""
    out = []
    for s in streams:
        for pk in s.get("source_defined_primary_key") or []:
            if schema_field(s["json_schema"], pk) is None:
                out.append("%s: primary key %s not in schema"
                           % (s["name"], pk))
    return out


def check_sync_modes(streams: list) -> list:
    """9.3.7."""
    return ["%s: supported_sync_modes missing or empty" % s["name"]
            for s in streams if not s.get("supported_sync_modes")]


def check_stream_additional_properties(streams: list) -> list:
    """9.3.8."""
    out = []
    for s in streams:
        out += ["%s: %s" % (s["name"], p) for p in
                check_additional_properties_true(s["json_schema"])]
    return out


def _types_of(definition: dict) -> set:
    t = definition.get("type", [])
    return {t} if isinstance(t, str) else set(t)


def check_primary_key_types(streams: list) -> list:
    """9.3.11: primary key fields are not object/array."""
    out = []
    for s in streams:
        for pk in s.get("source_defined_primary_key") or []:
            definition = schema_field(s["json_schema"], pk)
            if definition is None:
                out.append("%s: primary key %s not in schema"
                           % (s["name"], pk))
            elif _types_of(definition) & {"object", "array"}:
                out.append("%s: primary key %s has type %s"
                           % (s["name"], pk, definition.get("type")))
    return out


# ---------------------------------------------------- configured catalogs

def configured_from_discovered(streams: list, empty: Iterable[str] = ()
                               ) -> dict:
    """CAT's basic_read catalog: every discovered stream except the
    declared empty ones, first supported sync mode, append."""
    skip = set(empty)
    out = []
    for s in streams:
        if s["name"] in skip:
            continue
        cs = {"stream": s, "sync_mode": s["supported_sync_modes"][0],
              "destination_sync_mode": "append"}
        if s.get("default_cursor_field"):
            cs["cursor_field"] = s["default_cursor_field"]
        if s.get("source_defined_primary_key"):
            cs["primary_key"] = s["source_defined_primary_key"]
        out.append(cs)
    return {"streams": out}


def configured_from_file(custom: dict, streams: list) -> dict:
    """A configured catalog file with each stream replaced by the
    discovered one (matched by namespace and name, or name alone when the
    file has no namespace), as CAT does."""
    by_full = {(s.get("namespace"), s["name"]): s for s in streams}
    by_name = defaultdict(list)
    for s in streams:
        by_name[s["name"]].append(s)
    out = copy.deepcopy(custom)
    for cs in out["streams"]:
        name = cs["stream"]["name"]
        ns = cs["stream"].get("namespace")
        if ns is not None:
            found = by_full.get((ns, name))
        else:
            cands = by_name.get(name, [])
            found = cands[0] if len(cands) == 1 else None
        if found is None:
            raise ValueError("configured stream %s.%s is not in the "
                             "discovered catalog" % (ns, name))
        cs["stream"] = copy.deepcopy(found)
    return out


def full_refresh_only(catalog: dict) -> dict:
    out = copy.deepcopy(catalog)
    out["streams"] = [
        cs for cs in out["streams"]
        if "full_refresh" in cs["stream"]["supported_sync_modes"]]
    for cs in out["streams"]:
        cs["sync_mode"] = "full_refresh"
    return out


def incremental_only(catalog: dict) -> dict:
    out = copy.deepcopy(catalog)
    out["streams"] = [
        cs for cs in out["streams"]
        if "incremental" in cs["stream"]["supported_sync_modes"]]
    for cs in out["streams"]:
        cs["sync_mode"] = "incremental"
    return out


def with_cursor_fields(catalog: dict) -> tuple:
    """Fill cursor_field from default_cursor_field; (catalog, problems)."""
    out = copy.deepcopy(catalog)
    problems = []
    for cs in out["streams"]:
        if cs.get("cursor_field"):
            continue
        if cs["stream"].get("default_cursor_field"):
            cs["cursor_field"] = list(cs["stream"]["default_cursor_field"])
        else:
            problems.append("stream %s has neither cursor_field nor "
                            "default_cursor_field" % cs["stream"]["name"])
    return out, problems


def invalid_catalog() -> dict:
    """The catalog of CAT's test_airbyte_trace_message_on_failure."""
    return {"streams": [{
        "stream": {
            "name": "__AIRBYTE__stream_that_does_not_exist",
            "json_schema": {"type": "object",
                            "properties": {"f1": {"type": "string"}}},
            "supported_sync_modes": ["full_refresh"],
        },
        "sync_mode": "INVALID",
        "destination_sync_mode": "INVALID",
    }]}


# ------------------------------------------------------- 9.4 basic read

def _field_paths(data: Any, prefix: str = "") -> set:
    out = set()
    if isinstance(data, dict):
        for k, v in data.items():
            path = "%s/%s" % (prefix, k)
            out.add(path)
            out |= _field_paths(v, path)
    return out


def _schema_object_paths(schema: dict, prefix: str = "") -> set:
    out = set()
    for name, prop in (schema.get("properties") or {}).items():
        path = "%s/%s" % (prefix, name)
        out.add(path)
        if isinstance(prop, dict):
            out |= _schema_object_paths(prop, path)
    return out


def check_records_schema(records: list, catalog: dict,
                         extra_columns: bool = True) -> list:
    """9.4.2: each record shares a path with its schema and validates
    (strict integers, CAT date-time format). With extra_columns, a
    top-level field that the schema does not declare is also reported."""
    streams = {cs["stream"]["name"]: cs["stream"] for cs in
               catalog["streams"]}
    validators = {n: protocol.record_validator(s["json_schema"])
                  for n, s in streams.items()}
    paths = {n: _schema_object_paths(s["json_schema"])
             for n, s in streams.items()}
    first = {}
    errors_by_stream = defaultdict(dict)
    for rec in records:
        name = rec["stream"]
        if name not in validators:
            continue
        data = rec["data"]
        if paths[name] and not (_field_paths(data) & paths[name]):
            first.setdefault(name, "record shares no field with the "
                             "schema: %s" % _short(data))
        for err in validators[name].iter_errors(data):
            key = "/".join(str(p) for p in err.schema_path)
            if key not in errors_by_stream[name]:
                errors_by_stream[name][key] = "%s: %s (record: %s)" % (
                    fmt(err.absolute_path), err.message, _short(data))
        if extra_columns:
            declared = set((streams[name]["json_schema"].get("properties")
                            or {}).keys())
            extra = set(data) - declared
            if extra and "extra:" + name not in first:
                first["extra:" + name] = (
                    "%s: record fields not declared in the schema: %s"
                    % (name, sorted(extra)))
    out = ["%s: %s" % (n, msg) for n, msg in first.items()
           if not n.startswith("extra:")]
    out += [msg for n, msg in first.items() if n.startswith("extra:")]
    for name, errs in errors_by_stream.items():
        out += ["%s: %s" % (name, e) for e in list(errs.values())[:5]]
    return out


def _short(data: Any, limit: int = 400) -> str:
    text = json.dumps(data, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "..."


def check_records_in_catalog(records: list, catalog: dict) -> list:
    """Records only for configured streams, namespace exactly as in the
    configured catalog (PROTOCOL.md 2.3; the platform fails otherwise)."""
    configured = {(cs["stream"].get("namespace"), cs["stream"]["name"])
                  for cs in catalog["streams"]}
    bad = Counter()
    for rec in records:
        key = (rec.get("namespace"), rec["stream"])
        if key not in configured:
            bad[key] += 1
    return ["%d record(s) for unconfigured stream namespace=%r name=%r"
            % (n, k[0], k[1]) for k, n in bad.items()]


def check_empty_streams(records: list, catalog: dict,
                        allowed_empty: Iterable[str]) -> list:
    """9.4.3: every configured stream produced records."""
    have = {r["stream"] for r in records}
    want = {cs["stream"]["name"] for cs in catalog["streams"]}
    missing = want - have - set(allowed_empty)
    return (["streams without records: %s" % sorted(missing)]
            if missing else [])


def pk_value(data: dict, pk: list) -> tuple:
    out = []
    for path in pk:
        node: Any = data
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        out.append(node)
    return tuple(out)


def hashable(value: Any) -> Any:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def check_primary_key_values(records: list, catalog: dict) -> list:
    """9.4.4: PK values are scalars and not null in all components."""
    out = []
    pks = {cs["stream"]["name"]: cs["stream"].get("source_defined_primary_key")
           for cs in catalog["streams"]}
    reported = set()
    for rec in records:
        pk = pks.get(rec["stream"])
        if not pk or rec["stream"] in reported:
            continue
        values = pk_value(rec["data"], pk)
        if any(isinstance(v, (dict, list)) for v in values):
            out.append("%s: primary key value is an object/array: %s"
                       % (rec["stream"], values))
            reported.add(rec["stream"])
        elif all(v is None for v in values):
            out.append("%s: primary key null in all parts: %s"
                       % (rec["stream"], _short(rec["data"])))
            reported.add(rec["stream"])
    return out


def check_data_points(records: list, catalog: dict) -> list:
    """9.4.5 (optional): every declared top-level field is non-null in at
    least one record of its stream."""
    out = []
    for cs in catalog["streams"]:
        name = cs["stream"]["name"]
        declared = set((cs["stream"]["json_schema"].get("properties")
                        or {}).keys())
        seen = set()
        for rec in records:
            if rec["stream"] == name:
                seen |= {k for k, v in rec["data"].items() if v is not None}
        if declared - seen:
            out.append("%s: fields never non-null: %s"
                       % (name, sorted(declared - seen)))
    return out


def check_expected_records(records: list, expected: list, catalog: dict,
                           exact_order: bool = False,
                           compare_fields: bool = False) -> list:
    """9.4.6: expected records (jsonl {"stream","data"}) are present.

    Streams with a source-defined PK: every expected PK appears (in order
    with exact_order). Streams without PK: fail only when fewer records
    were read than expected. compare_fields (our extension) also requires,
    for each expected record, an actual record with the same PK (or, with
    no PK, any actual record) whose values equal every field the expected
    record lists.
    """
    out = []
    actual_by = defaultdict(list)
    for rec in records:
        actual_by[rec["stream"]].append(rec["data"])
    expected_by = defaultdict(list)
    for rec in expected:
        expected_by[rec["stream"]].append(rec["data"])
    streams = {cs["stream"]["name"]: cs["stream"] for cs in
               catalog["streams"]}
    for name, exp in expected_by.items():
        if name not in streams:
            out.append("expected records for %s, which is not in the "
                       "configured catalog" % name)
            continue
        act = actual_by.get(name, [])
        pk = streams[name].get("source_defined_primary_key")
        if pk:
            exp_pks = [hashable(pk_value(d, pk)) for d in exp]
            act_pks = [hashable(pk_value(d, pk)) for d in act]
            if exact_order:
                if act_pks[:len(exp_pks)] != exp_pks:
                    out.append("%s: actual primary keys do not start with "
                               "the expected ones in order" % name)
            else:
                missing = set(exp_pks) - set(act_pks)
                if missing:
                    out.append("%s: expected primary keys not read: %s"
                               % (name, sorted(missing)[:10]))
        elif len(exp) > len(act):
            out.append("%s: read %d records, expected at least %d"
                       % (name, len(act), len(exp)))
        if compare_fields:
            out += _compare_fields(name, exp, act, pk)
    return out


def _compare_fields(name: str, exp: list, act: list,
                    pk: Optional[list]) -> list:
    out = []
    if pk:
        index = {hashable(pk_value(d, pk)): d for d in act}
        for e in exp:
            a = index.get(hashable(pk_value(e, pk)))
            if a is None:
                continue
            diffs = {k: (v, a.get(k, "<absent>")) for k, v in e.items()
                     if k not in a or a[k] != v or type(a[k]) is not type(v)}
            if diffs:
                out.append("%s pk=%s: field values differ (expected, "
                           "actual): %s" % (name, pk_value(e, pk),
                                            _short(diffs, 800)))
    else:
        for e in exp:
            if not any(all(k in a and a[k] == v for k, v in e.items())
                       for a in act):
                out.append("%s: no record matches expected %s"
                           % (name, _short(e)))
    return out


def check_stream_statuses(statuses: list, catalog: dict) -> list:
    """9.4.7: per configured stream STARTED, RUNNING..., COMPLETE (at
    least three), keyed "{namespace}-{name}" exactly as configured."""
    seq = defaultdict(list)
    for st in statuses:
        d = st["stream_descriptor"]
        seq[protocol.stream_key(d.get("namespace"), d["name"])].append(
            st["status"])
    want = {protocol.stream_key(cs["stream"].get("namespace"),
                                cs["stream"]["name"])
            for cs in catalog["streams"]}
    out = []
    if set(seq) != want:
        if want - set(seq):
            out.append("streams without statuses: %s"
                       % sorted(want - set(seq)))
        if set(seq) - want:
            out.append("statuses for unconfigured streams: %s"
                       % sorted(set(seq) - want))
    for key, sts in seq.items():
        if key not in want:
            continue
        if len(sts) < 3 or sts[0] != "STARTED" or sts[-1] != "COMPLETE" \
                or any(s != "RUNNING" for s in sts[1:-1]):
            out.append("%s: statuses %s, expected STARTED, RUNNING..., "
                       "COMPLETE" % (key, sts))
    return out


def check_state_messages(messages: list, catalog: dict) -> list:
    """9.4.8: at least one state per configured stream, none LEGACY, each
    with sourceStats and a populated state.stream."""
    states = [m["state"] for m in messages if m.get("type") == "STATE"]
    out = []
    if len(states) < len(catalog["streams"]):
        out.append("%d state message(s) for %d configured stream(s)"
                   % (len(states), len(catalog["streams"])))
    for i, st in enumerate(states):
        if st.get("type", "LEGACY") == "LEGACY":
            out.append("state #%d is LEGACY" % i)
        if not isinstance(st.get("sourceStats"), dict):
            out.append("state #%d has no sourceStats" % i)
        if not isinstance(st.get("stream"), dict) or \
                not st["stream"].get("stream_descriptor"):
            out.append("state #%d has no state.stream.stream_descriptor"
                       % i)
        if len(out) > 20:
            break
    return out


def check_state_bookkeeping(messages: list, catalog: dict) -> list:
    """Per-stream state rules of PROTOCOL.md 5.1, 5.2 and 5.4, on the
    ordered message list: every stream that emitted records ends with a
    state after its last record; states name configured streams; a state
    is an object; identical consecutive states have no records between
    them; sourceStats.recordCount equals the records emitted for that
    stream since its previous state."""
    configured = {(cs["stream"].get("namespace"), cs["stream"]["name"])
                  for cs in catalog["streams"]}
    names = {n for _ns, n in configured}
    since = Counter()
    last_state = {}
    last_record_pos = {}
    last_state_pos = {}
    out = []
    for pos, m in enumerate(messages):
        if m.get("type") == "RECORD":
            r = m["record"]
            since[r["stream"]] += 1
            last_record_pos[r["stream"]] = pos
        elif m.get("type") == "STATE":
            st = m["state"]
            if st.get("type") != "STREAM" or not isinstance(
                    st.get("stream"), dict):
                continue
            d = st["stream"]["stream_descriptor"]
            name = d["name"]
            if (d.get("namespace"), name) not in configured:
                out.append("state for unconfigured stream namespace=%r "
                           "name=%r" % (d.get("namespace"), name))
            blob = st["stream"].get("stream_state")
            if not isinstance(blob, dict):
                out.append("%s: stream_state is not an object: %r"
                           % (name, blob))
            count = (st.get("sourceStats") or {}).get("recordCount")
            if count is not None and count != since[name]:
                out.append("%s: state #%d says recordCount=%s but %d "
                           "record(s) were emitted since the previous state"
                           % (name, pos, count, since[name]))
            if name in last_state and last_state[name] == blob and \
                    since[name] > 0:
                out.append("%s: identical state repeated after %d new "
                           "record(s)" % (name, since[name]))
            last_state[name] = blob
            last_state_pos[name] = pos
            since[name] = 0
        if len(out) > 20:
            break
    for name, rpos in last_record_pos.items():
        if name in names and last_state_pos.get(name, -1) < rpos:
            out.append("%s: no state after the last record" % name)
    return out


# ------------------------------------------------- 9.5 full refresh

def check_emitted_at_increase(records_1: list, records_2: list) -> list:
    if not records_1:
        return ["the first read produced no records"]
    if not records_2:
        return ["the second read produced no records"]
    max1 = max(r["emitted_at"] for r in records_1)
    min2 = min(r["emitted_at"] for r in records_2)
    if not max1 < min2:
        return ["emitted_at does not increase between reads: max of read "
                "1 = %d, min of read 2 = %d" % (max1, min2)]
    return []


def check_subset(records_1: list, records_2: list, catalog: dict,
                 ignored: Optional[dict] = None) -> list:
    """Records of read 1 appear in read 2: by configured primary key, or
    as whole records minus ignored fields for streams without one."""
    ignored = ignored or {}
    out = []
    by1 = defaultdict(list)
    by2 = defaultdict(list)
    for r in records_1:
        by1[r["stream"]].append(r["data"])
    for r in records_2:
        by2[r["stream"]].append(r["data"])
    for cs in catalog["streams"]:
        name = cs["stream"]["name"]
        pk = cs.get("primary_key")
        drop = {f["name"] for f in ignored.get(name, [])}
        if pk:
            k1 = {hashable(pk_value(d, pk)) for d in by1[name]}
            k2 = {hashable(pk_value(d, pk)) for d in by2[name]}
        else:
            k1 = Counter(hashable({k: v for k, v in d.items()
                                   if k not in drop}) for d in by1[name])
            k2 = Counter(hashable({k: v for k, v in d.items()
                                   if k not in drop}) for d in by2[name])
        missing = k1 - k2
        if missing:
            sample = sorted(missing)[:5]
            out.append("%s: %d record(s) of read 1 missing from read 2, "
                       "e.g. %s" % (name, len(missing), sample))
    return out


# ------------------------------------------------- 9.6 incremental

def latest_states(states: list) -> dict:
    """Stream name -> its last stream_state (STREAM states only)."""
    out = {}
    for st in states:
        if st.get("type") == "STREAM" and isinstance(st.get("stream"), dict):
            out[st["stream"]["stream_descriptor"]["name"]] = \
                st["stream"].get("stream_state") or {}
    return out


def state_input(per_stream: dict) -> list:
    """The --state array CAT builds from per-stream states: descriptor by
    name, namespace only when the state carries stream_namespace."""
    out = []
    for name, blob in per_stream.items():
        desc = {"name": name}
        if isinstance(blob, dict) and "stream_namespace" in blob:
            desc["namespace"] = blob["stream_namespace"]
        out.append({"type": "STREAM", "stream": {"stream_descriptor": desc,
                                                 "stream_state": blob}})
    return out


def records_differ(records_1: list, records_2: list) -> bool:
    """Order-insensitive comparison of record data (CAT's DeepDiff)."""
    a = Counter(hashable(r["data"]) for r in records_1)
    b = Counter(hashable(r["data"]) for r in records_2)
    return a != b


def _blob(st: dict) -> Any:
    return st["stream"]["stream_state"] if st.get("stream") else st


def _count(st: dict) -> float:
    stats = st.get("sourceStats")
    if not isinstance(stats, dict) or "recordCount" not in stats:
        raise AssertionError("state without sourceStats.recordCount: %s"
                             % _short(st))
    return stats["recordCount"]


def unique_states_with_expected_counts(states: list) -> list:
    """CAT's state selection for test_read_sequential_slices: collapse
    runs of identical states (adding their record counts), drop states
    that cover no record, and pair each remaining state with the number of
    records expected after it."""
    states = copy.deepcopy(states)
    if len(states) <= 1:
        return [(st, 0.0) for st in states if _count(st)]
    unique = []
    cur = 0
    while cur < len(states) - 1:
        nxt = cur + 1
        while _blob(states[cur]) == _blob(states[nxt]) and \
                nxt < len(states) - 1:
            nxt += 1
        states[cur]["sourceStats"] = {"recordCount": sum(
            _count(s) for s in states[cur:nxt])}
        unique.append(states[cur])
        if nxt == len(states) - 1 and _blob(states[cur]) != \
                _blob(states[nxt]):
            unique.append(states[nxt])
        cur = nxt
    nonzero = [s for s in unique if _count(s)]
    total = sum(_count(s) for s in nonzero)
    return [(s, total - sum(_count(x) for x in nonzero[:i + 1]))
            for i, s in enumerate(nonzero)]


MIN_BATCHES_TO_TEST = 5


def sample_states(pairs: list) -> list:
    """Fewer than 3: only the last; else every n-th, never the first or
    the last (CAT's sampling)."""
    if len(pairs) < 3:
        return pairs[-1:]
    rate = (len(pairs) // MIN_BATCHES_TO_TEST) or 1
    return [p for i, p in enumerate(pairs)
            if i != 0 and i % rate == 0 and i != len(pairs) - 1]


def future_state_problems(states: list, catalog: dict,
                          missing: Iterable[dict], high: bool) -> list:
    """At high strictness the future state covers every incremental
    stream or lists it in missing_streams with a reason."""
    if not high:
        return []
    out = []
    missing = list(missing)
    if not all(m.get("bypass_reason") for m in missing):
        out.append("every missing_streams entry needs a bypass_reason")
    wanted = {cs["stream"]["name"] for cs in catalog["streams"]
              if "incremental" in cs["stream"]["supported_sync_modes"]}
    have = {s["stream"]["stream_descriptor"]["name"] for s in states}
    undeclared = wanted - have - {m["name"] for m in missing}
    if undeclared:
        out.append("future state lacks streams %s" % sorted(undeclared))
    return out
