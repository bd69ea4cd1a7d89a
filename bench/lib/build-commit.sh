#!/usr/bin/env bash
# Build a Release source-mysql from one commit, apart from the working tree,
# so a benchmark names exactly the code it measured.
#
# Usage: bench/lib/build-commit.sh [COMMIT]   (default HEAD)
# Prints the binary's path. The tree is exported with `git archive` into
# bench/out/build-<commit>/src and built in bench/out/build-<commit>/build;
# a second call for the same commit reuses it. The repository, its index and
# the working tree are left alone.

set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=bench/lib/common.sh
. "$BENCH_DIR/lib/common.sh"

commit=$(git -C "$REPO" rev-parse --verify "${1:-HEAD}^{commit}")
dir=$BENCH_DIR/out/build-$commit
bin=$dir/build/bin/source-mysql

if [ ! -x "$bin" ]; then
    rm -rf "$dir"
    mkdir -p "$dir/src"
    git -C "$REPO" archive "$commit" | tar -x -C "$dir/src"
    bench_log "building source-mysql at $commit (Release, no tests)"
    cmake -S "$dir/src" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release \
        -DAB_TESTS=OFF >"$dir/cmake.log" 2>&1 \
        || bench_die "cmake configure failed, see $dir/cmake.log"
    cmake --build "$dir/build" -j2 --target source-mysql \
        >>"$dir/cmake.log" 2>&1 \
        || bench_die "build failed, see $dir/cmake.log"
fi
echo "$bin"
