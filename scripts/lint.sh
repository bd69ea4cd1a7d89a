#!/usr/bin/env bash
# Static checks for the C sources. Exits non-zero if any check finds
# something, and prints what failed.
#
# Usage: scripts/lint.sh [CHECK...]
#   CHECK is any of: format complexity cppcheck markers stdout headers
#   (default: all of them, in that order).
#
# Tools (Debian 12 packages): clang-format, pmccabe, cppcheck, a C compiler.
# Only files tracked by git are checked, so a new file is linted once it is
# added to the index.
#
# Limits (house rules): a function may have at most MAX_FUNC_LINES lines and
# a modified McCabe complexity of at most MAX_COMPLEXITY (pmccabe column 1,
# where a whole switch counts once).

set -uo pipefail

MAX_FUNC_LINES=${MAX_FUNC_LINES:-150}
MAX_COMPLEXITY=${MAX_COMPLEXITY:-20}
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
CC=${CC:-cc}

# The only file allowed to write to stdout, and the only one allowed to
# write to stderr (usage text).
STDOUT_OWNER=common/src/out.c
STDERR_OWNER=common/src/cli.c

cd "$(dirname "$0")/.." || exit 2

# Tool diagnostics go with the check that produced them.
exec 2>&1

failed=()

note() {
    printf '==> %s\n' "$*"
}

need_tool() {
    if ! command -v "$1" >/dev/null 2>&1; then
        printf 'lint: required tool "%s" not found (apt-get install %s)\n' \
            "$1" "$2"
        return 1
    fi
}

# Tracked files matching the given pathspecs, one per array element.
tracked() {
    local -n _out=$1
    shift
    mapfile -d '' -t _out < <(git ls-files -z -- "$@")
}

check_format() {
    local files=()
    need_tool "$CLANG_FORMAT" clang-format || return 1
    tracked files 'common/*.[ch]' 'connectors/*.[ch]'
    if [ ${#files[@]} -eq 0 ]; then
        echo "no C files tracked under common/ connectors/"
        return 0
    fi
    echo "$("$CLANG_FORMAT" --version)"
    "$CLANG_FORMAT" --dry-run --Werror "${files[@]}"
}

check_complexity() {
    local files=() report bad rc=0
    need_tool pmccabe pmccabe || return 1
    tracked files 'common/*.[ch]' 'connectors/*.[ch]'
    if [ ${#files[@]} -eq 0 ]; then
        echo "no C files tracked under common/ connectors/"
        return 0
    fi
    # Columns: modified McCabe, traditional McCabe, statements,
    # first line, number of lines, file(line): function.
    report=$(pmccabe "${files[@]}") || rc=1
    if [ $rc -ne 0 ]; then
        echo "pmccabe failed to parse the sources"
        return 1
    fi
    if [ -z "$report" ]; then
        echo "no function definitions found"
        return 0
    fi
    echo "top 5 by modified McCabe complexity (limit $MAX_COMPLEXITY):"
    printf '%s\n' "$report" | sort -t$'\t' -k1,1nr | head -n 5 |
        awk -F'\t' '{ printf "  %4d  %s\n", $1, $6 }'
    echo "top 5 by length in lines (limit $MAX_FUNC_LINES):"
    printf '%s\n' "$report" | sort -t$'\t' -k5,5nr | head -n 5 |
        awk -F'\t' '{ printf "  %4d  %s\n", $5, $6 }'
    bad=$(printf '%s\n' "$report" |
        awk -F'\t' -v mc="$MAX_COMPLEXITY" -v ml="$MAX_FUNC_LINES" '
            $1 > mc || $5 > ml {
                printf "  %s: complexity %d, %d lines\n", $6, $1, $5
            }')
    if [ -n "$bad" ]; then
        echo "functions over the limits:"
        printf '%s\n' "$bad"
        return 1
    fi
}

check_cppcheck() {
    local files=()
    need_tool cppcheck cppcheck || return 1
    tracked files 'common/*.c' 'connectors/*.c'
    if [ ${#files[@]} -eq 0 ]; then
        echo "no .c files tracked under common/ connectors/"
        return 0
    fi
    cppcheck --quiet -j 2 \
        --enable=warning,performance,portability \
        --error-exitcode=1 --inline-suppr --std=c11 \
        --suppress=missingIncludeSystem \
        -I common/include \
        "${files[@]}"
}

check_markers() {
    local files=() hits bad ids id rc=0
    tracked files '*.[ch]'
    if [ ${#files[@]} -eq 0 ]; then
        return 0
    fi
    hits=$(grep -HnwE 'TODO|FIXME|XXX' -- "${files[@]}")
    if [ -n "$hits" ]; then
        echo "bare TODO/FIXME/XXX markers (write a KNOWN-ISSUE(ID) instead):"
        printf '%s\n' "$hits"
        rc=1
    fi
    # Every KNOWN-ISSUE must carry an id such as MY-3.
    bad=$(grep -HnoE 'KNOWN-ISSUE(\([^)]*\)?)?' -- "${files[@]}" |
        grep -vE ':KNOWN-ISSUE\([A-Z][A-Z0-9]*-[0-9]+\)$')
    if [ -n "$bad" ]; then
        echo "KNOWN-ISSUE without an id like KNOWN-ISSUE(MY-3):"
        printf '%s\n' "$bad"
        rc=1
    fi
    # Each id must be described in the docs (Known limitations).
    ids=$(grep -ohE 'KNOWN-ISSUE\([A-Z][A-Z0-9]*-[0-9]+\)' -- "${files[@]}" |
        sed -E 's/KNOWN-ISSUE\((.*)\)/\1/' | sort -u)
    for id in $ids; do
        if ! git grep -qw -e "$id" -- 'docs/*.md'; then
            echo "KNOWN-ISSUE($id) is cited in code but not listed in docs/"
            rc=1
        fi
    done
    return $rc
}

# Print a C file with comments and the contents of string and character
# literals blanked out, keeping line numbers, so that a comment or a usage
# text that mentions stdout is not taken for code that writes to it.
strip_c() {
    perl -0777 -pe '
        s{("(?:\\.|[^"\\\n])*")|(\x27(?:\\.|[^\x27\\\n])*\x27)|(/\*.*?\*/|//[^\n]*)}{
            defined $1 ? q("") :
            defined $2 ? "\x27\x27" :
            do { (my $c = $3) =~ s/[^\n]//g; $c }
        }gse' -- "$1"
}

# Print the given line numbers of a file, indented.
show_lines() {
    local f=$1
    shift
    awk -v want=" $* " '
        index(want, " " FNR " ") { printf "  %d: %s\n", FNR, $0 }' "$f"
}

check_stdout() {
    local files=() f code hits rc=0
    local out_re err_re
    # A name that is not part of a longer identifier: snprintf, vsnprintf,
    # fprintf and fputs do not match printf( or puts(.
    out_re='(^|[^[:alnum:]_])(stdout|STDOUT_FILENO)([^[:alnum:]_]|$)'
    out_re+='|(^|[^[:alnum:]_])(v?printf|puts|putchar)[[:space:]]*\('
    err_re='(^|[^[:alnum:]_])(stderr|STDERR_FILENO)([^[:alnum:]_]|$)'
    err_re+='|(^|[^[:alnum:]_])perror[[:space:]]*\('
    tracked files '*.[ch]'
    for f in "${files[@]}"; do
        if [ "$f" = "$STDOUT_OWNER" ]; then
            continue
        fi
        code=$(strip_c "$f") || return 1
        hits=$(printf '%s\n' "$code" | grep -nE "$out_re" | cut -d: -f1)
        if [ -n "$hits" ]; then
            echo "$f: only $STDOUT_OWNER may write to stdout:"
            show_lines "$f" $hits
            rc=1
        fi
        if [ "$f" = "$STDERR_OWNER" ]; then
            continue
        fi
        hits=$(printf '%s\n' "$code" | grep -nE "$err_re" | cut -d: -f1)
        if [ -n "$hits" ]; then
            echo "$f: only $STDERR_OWNER may write to stderr:"
            show_lines "$f" $hits
            rc=1
        fi
    done
    return $rc
}

check_headers() {
    local files=() h rc=0 deps=()
    need_tool "$CC" gcc || return 1
    tracked files 'common/include/ab/*.h'
    # Include paths of the libraries a public header may name.
    read -r -a deps <<<"$(pkg-config --cflags jansson libmariadb 2>/dev/null)"
    for h in "${files[@]}"; do
        if ! printf '#include <ab/%s>\n' "${h#common/include/ab/}" |
            "$CC" -std=c11 -Wall -Wextra -Werror -Wstrict-prototypes \
                -fsyntax-only -I common/include "${deps[@]}" -x c -; then
            echo "$h does not compile on its own"
            rc=1
        fi
    done
    return $rc
}

all_checks=(format complexity cppcheck markers stdout headers)
if [ $# -gt 0 ]; then
    checks=("$@")
else
    checks=("${all_checks[@]}")
fi

for c in "${checks[@]}"; do
    case " ${all_checks[*]} " in
    *" $c "*) ;;
    *)
        echo "lint: unknown check '$c' (known: ${all_checks[*]})"
        exit 2
        ;;
    esac
    note "$c"
    if ! "check_$c"; then
        failed+=("$c")
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "lint: FAILED: ${failed[*]}"
    exit 1
fi
echo "lint: all checks passed (${checks[*]})"
