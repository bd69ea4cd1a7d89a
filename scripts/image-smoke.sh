#!/usr/bin/env bash
# Smoke test of a built connector image, run the way the Airbyte platform
# runs it: as the airbyte user, through sh -c "$AIRBYTE_ENTRYPOINT ...",
# with read-only input files.
#
# Usage: scripts/image-smoke.sh IMAGE CONFIG_JSON CATALOG_JSON
#   e.g. scripts/image-smoke.sh thothtech/source-mysql:0.1.0 \
#            secrets/config.json integration/configured_catalog.json
#
# Checks:
#   - image config: labels io.airbyte.name / io.airbyte.version equal
#     dockerRepository / dockerImageTag in METADATA, AIRBYTE_ENTRYPOINT equals
#     the space-joined ENTRYPOINT, USER is airbyte, /bin/sh exists, /airbyte
#     is owned by uid 1000;
#   - spec -> SPEC, check -> CONNECTION_STATUS with status EXPECT_CHECK,
#     discover -> CATALOG, read -> at least MIN_RECORDS RECORD messages;
#     every command exits 0, every stdout line is a JSON object with a
#     "type", and no TRACE ERROR is emitted.
# Then prints the image size and removes the working container.
#
# Environment:
#   METADATA          default connectors/source-mysql/metadata.yaml
#   EXPECT_CHECK      SUCCEEDED (default) or FAILED
#   MIN_RECORDS       default 1
#   BUILDAH_ISOLATION default chroot (the OCI runtime does not work in
#                     every sandbox); the network is the host's, so the
#                     connector reaches a database on 127.0.0.1.
#   KEEP_OUTPUT       directory to keep the command outputs in (optional)

set -euo pipefail

if [ $# -ne 3 ]; then
    echo "usage: $0 IMAGE CONFIG_JSON CATALOG_JSON" >&2
    exit 2
fi
image=$1
config=$2
catalog=$3

root=$(cd "$(dirname "$0")/.." && pwd)
METADATA=${METADATA:-$root/connectors/source-mysql/metadata.yaml}
EXPECT_CHECK=${EXPECT_CHECK:-SUCCEEDED}
MIN_RECORDS=${MIN_RECORDS:-1}
export BUILDAH_ISOLATION=${BUILDAH_ISOLATION:-chroot}

for f in "$config" "$catalog" "$METADATA"; do
    if [ ! -r "$f" ]; then
        echo "cannot read $f" >&2
        exit 2
    fi
done

failures=0
fail() {
    printf 'FAIL: %s\n' "$*"
    failures=$((failures + 1))
}
pass() {
    printf 'ok:   %s\n' "$*"
}

out=$(mktemp -d /tmp/ab-image-smoke.XXXXXX)
ctr=""
cleanup() {
    if [ -n "$ctr" ]; then
        buildah rm "$ctr" >/dev/null || true
    fi
    if [ -n "${KEEP_OUTPUT:-}" ]; then
        mkdir -p "$KEEP_OUTPUT"
        cp "$out"/* "$KEEP_OUTPUT"/ 2>/dev/null || true
    fi
    rm -rf "$out"
}
trap cleanup EXIT

# A top-level key of the data: section of metadata.yaml (plain scalars only).
meta_value() {
    awk -v key="$1" '
        /^data:/ { in_data = 1; next }
        /^[^ #]/ { in_data = 0 }
        in_data && $1 == key ":" {
            v = $2; gsub(/^["\x27]|["\x27]$/, "", v); print v; exit
        }' "$METADATA"
}

# --- image configuration ----------------------------------------------------
if ! buildah inspect --type image "$image" >"$out/inspect.json"; then
    echo "image $image not found in local storage" >&2
    exit 1
fi
want_name=$(meta_value dockerRepository)
want_version=$(meta_value dockerImageTag)
if python3 - "$out/inspect.json" "$want_name" "$want_version" <<'EOF'; then
import json, sys
cfg = json.load(open(sys.argv[1]))["OCIv1"]["config"]
labels = cfg.get("Labels") or {}
env = dict(e.split("=", 1) for e in cfg.get("Env") or [])
entry = " ".join(cfg.get("Entrypoint") or [])
problems = []
if labels.get("io.airbyte.name") != sys.argv[2]:
    problems.append("io.airbyte.name=%r, metadata.yaml says %r"
                    % (labels.get("io.airbyte.name"), sys.argv[2]))
if labels.get("io.airbyte.version") != sys.argv[3]:
    problems.append("io.airbyte.version=%r, metadata.yaml says %r"
                    % (labels.get("io.airbyte.version"), sys.argv[3]))
if not entry or env.get("AIRBYTE_ENTRYPOINT") != entry:
    problems.append("AIRBYTE_ENTRYPOINT=%r but ENTRYPOINT is %r"
                    % (env.get("AIRBYTE_ENTRYPOINT"), entry))
if not entry.startswith("/"):
    problems.append("ENTRYPOINT %r is not an absolute path" % entry)
if cfg.get("User") not in ("airbyte", "1000", "1000:1000"):
    problems.append("USER is %r, not airbyte" % cfg.get("User"))
for p in problems:
    print("  " + p)
print("  labels %s:%s, entrypoint %s, user %s" % (
    labels.get("io.airbyte.name"), labels.get("io.airbyte.version"),
    entry, cfg.get("User")))
sys.exit(1 if problems else 0)
EOF
    pass "image config (labels, AIRBYTE_ENTRYPOINT, USER)"
else
    fail "image config"
fi

ctr=$(buildah from --pull-never "$image")
buildah copy --quiet --chmod 0444 "$ctr" "$config" /airbyte/smoke/config.json
buildah copy --quiet --chmod 0444 "$ctr" "$catalog" \
    /airbyte/smoke/catalog.json

# Run a shell command in the container as the airbyte user, host network.
in_ctr() {
    buildah run --network host --user airbyte "$ctr" -- sh -c "$1"
}

# shellcheck disable=SC2016 # expanded inside the container
if in_ctr 'test -x /bin/sh && test "$(stat -c %u /airbyte)" = 1000 &&
        test "$(id -un)" = airbyte && touch /airbyte/.smoke-write'; then
    pass "/bin/sh present, /airbyte owned and writable by uid 1000"
else
    fail "/bin/sh, /airbyte ownership or airbyte user"
fi

# Run one connector command; check exit status and its messages.
#   $1 name, $2 arguments, $3 expected message type
smoke() {
    local name=$1 args=$2 type=$3 rc=0
    # shellcheck disable=SC2016 # expanded inside the container
    in_ctr '$AIRBYTE_ENTRYPOINT '"$args" \
        >"$out/$name.out" 2>"$out/$name.err" || rc=$?
    if [ $rc -ne 0 ]; then
        fail "$name exited $rc"
        tail -n 5 "$out/$name.err" "$out/$name.out" | sed 's/^/  /'
        return 0
    fi
    if python3 - "$out/$name.out" "$type" "$EXPECT_CHECK" "$MIN_RECORDS" \
        <<'EOF'; then
import json, sys
path, want, want_status, min_records = sys.argv[1:5]
counts, errors, status = {}, [], None
for n, line in enumerate(open(path, encoding="utf-8"), 1):
    try:
        msg = json.loads(line)
    except ValueError:
        errors.append("line %d is not JSON: %.80s" % (n, line))
        continue
    if not isinstance(msg, dict) or "type" not in msg:
        errors.append("line %d has no type" % n)
        continue
    t = msg["type"]
    counts[t] = counts.get(t, 0) + 1
    if t == "TRACE" and msg.get("trace", {}).get("type") == "ERROR":
        errors.append("TRACE ERROR: %s"
                      % msg["trace"].get("error", {}).get("message"))
    if t == "CONNECTION_STATUS":
        status = msg.get("connectionStatus", {}).get("status")
if want not in counts:
    errors.append("no %s message" % want)
if want == "CONNECTION_STATUS" and status != want_status:
    errors.append("status %s, expected %s" % (status, want_status))
if want == "RECORD" and counts.get("RECORD", 0) < int(min_records):
    errors.append("%d records, expected at least %s"
                  % (counts.get("RECORD", 0), min_records))
for e in errors:
    print("  " + e)
print("  messages: " + ", ".join("%s=%d" % kv for kv in sorted(counts.items())))
sys.exit(1 if errors else 0)
EOF
        pass "$name -> $type"
    else
        fail "$name -> $type"
    fi
}

smoke spec "spec" SPEC
smoke check "check --config /airbyte/smoke/config.json" CONNECTION_STATUS
smoke discover "discover --config /airbyte/smoke/config.json" CATALOG
smoke read "read --config /airbyte/smoke/config.json \
--catalog /airbyte/smoke/catalog.json" RECORD

size=$(buildah images --format '{{.Size}}' "$image" | head -n 1)
echo "image $image size: $size"

if [ $failures -ne 0 ]; then
    echo "image smoke: $failures check(s) failed"
    exit 1
fi
echo "image smoke: all checks passed"
