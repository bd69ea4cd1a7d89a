#!/usr/bin/env bash
# The demo: a throwaway MariaDB loaded with generated OnTrack data, synced
# by source-mysql (spec, check, discover, then a read through PyAirbyte
# into a local DuckDB file), and a short summary of OnTrack tasks printed
# from DuckDB. Installs what is missing first. Leaves demo-out/ontrack.duckdb.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
bash scripts/venv.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DAB_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec .venv/bin/python scripts/demo.py "$@"
