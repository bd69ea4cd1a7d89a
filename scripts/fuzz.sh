#!/usr/bin/env bash
# Build the core's libFuzzer targets and run each for a while.
#
# Usage: scripts/fuzz.sh [SECONDS]   (default 20 per target)
#
# Builds in build-fuzz/ with clang, -DAB_FUZZ=ON -DAB_TESTS=OFF, and only
# the fuzz targets (not the connectors). Each target starts from its seed
# corpus in common/fuzz/corpus/<target>/; new inputs the fuzzer finds go
# to build-fuzz/corpus/<target>/ so the committed seeds stay small. A
# crash leaves its input in build-fuzz/artifacts/ and fails the script.

set -euo pipefail

seconds=${1:-20}
targets=(fuzz_config fuzz_catalog fuzz_state fuzz_jsonw)

case "$seconds" in
'' | *[!0-9]*)
    echo "usage: $0 [SECONDS]" >&2
    exit 2
    ;;
esac

cd "$(dirname "$0")/.."

if ! command -v clang >/dev/null 2>&1; then
    echo "fuzz: clang is required (apt-get install clang)" >&2
    exit 2
fi

CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug \
    -DAB_FUZZ=ON -DAB_TESTS=OFF >/dev/null
cmake --build build-fuzz -j2 --target "${targets[@]}"

mkdir -p build-fuzz/artifacts
failed=()
for t in "${targets[@]}"; do
    work=build-fuzz/corpus/$t
    mkdir -p "$work"
    echo "==> $t for ${seconds}s"
    log=build-fuzz/$t.log
    rc=0
    # -rss_limit_mb: the core caps its buffers far below this, so growth
    # past it is a bug. Leak detection stays on (ASan/LSan).
    build-fuzz/fuzz/"$t" "$work" "common/fuzz/corpus/$t" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -max_len=65536 -print_final_stats=1 \
        -artifact_prefix=build-fuzz/artifacts/"$t"- >"$log" 2>&1 || rc=$?
    grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units)' "$log" || true
    if [ $rc -ne 0 ]; then
        tail -n 40 "$log"
        failed+=("$t")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: FAILED: ${failed[*]} (inputs in build-fuzz/artifacts/)"
    exit 1
fi
echo "fuzz: all targets ran ${seconds}s without a finding"
