#!/usr/bin/env bash
# Creates .venv (Python test tooling: pytest, the protocol schema checks,
# PyAirbyte) from acceptance-tests/requirements.txt. Re-installs only when
# the requirements file changed since the last run.
set -euo pipefail
cd "$(dirname "$0")/.."

req=acceptance-tests/requirements.txt
stamp=.venv/.requirements.sha256

python=${PYTHON:-python3}
version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
case "$version" in
    3.10|3.11|3.12) ;;
    *)
        echo "venv: PyAirbyte needs Python 3.10 to 3.12, found $version" >&2
        exit 1
        ;;
esac

want=$(sha256sum "$req" | cut -d' ' -f1)
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    echo "venv: up to date"
    exit 0
fi

"$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q --only-binary=:all: -r "$req"
echo "$want" > "$stamp"
echo "venv: installed $(wc -l < "$req") requirements"
