#!/usr/bin/env bash
# Builds everything and runs every test. On a fresh Debian 12 machine it
# first installs what is missing (Debian packages, the Python test venv).
#
#   scripts/test.sh            everything (what CI runs)
#   AB_SKIP_IMAGE=1 scripts/test.sh   everything but the container image
#
# Steps: builds with gcc and clang (warnings are errors), the cmocka unit
# tests under AddressSanitizer and UBSan, the style and static checks, a
# time-boxed libFuzzer run over the parsers, the acceptance, PyAirbyte,
# fault, TLS and secret tests against throwaway MariaDB servers (with the
# sanitizer build of the connector), and the container image built with
# buildah and smoke-tested against the test database.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
step() {
    local name=$1
    shift
    local t0
    t0=$(date +%s)
    echo
    echo "==> $name"
    "$@"
    echo "<== $name: ok ($(($(date +%s) - t0)) s)"
}

jobs=$(nproc)

step "install missing Debian packages" bash scripts/deps.sh
step "python test environment" bash scripts/venv.sh

step "build: gcc, release" bash -c "
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DAB_TESTS=OFF >/dev/null
    cmake --build build -j$jobs"
step "build: clang, warnings as errors" bash -c "
    CC=clang cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Debug \
        -DAB_TESTS=ON >/dev/null
    cmake --build build-clang -j$jobs"
step "build: gcc, AddressSanitizer + UBSan" bash -c "
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DAB_SANITIZE=ON \
        -DAB_TESTS=ON >/dev/null
    cmake --build build-asan -j$jobs"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

step "unit tests (ASan + UBSan)" \
    ctest --test-dir build-asan --output-on-failure --no-tests=error \
    -j"$jobs"
step "style and static checks" bash scripts/lint.sh
step "fuzz the parsers (time-boxed)" bash scripts/fuzz.sh "${AB_FUZZ_SECONDS:-15}"

step "acceptance, end-to-end, fault and TLS tests (ASan build)" \
    env SOURCE_MYSQL_BIN="$PWD/build-asan/bin/source-mysql" \
    .venv/bin/python -m pytest acceptance-tests -q -p no:cacheprovider

if [ "${AB_SKIP_IMAGE:-0}" != 1 ]; then
    step "container image: build and smoke test" bash scripts/image-test.sh
fi

echo
echo "all tests passed in $(($(date +%s) - started)) s"
