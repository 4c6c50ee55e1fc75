#!/usr/bin/env bash
# Builds every workload five ways and checks it:
#   clang-19 -O0, clang-19 -O2, clang-19 -O3 -march=native, gcc -O2  -> stdout at `short` must be identical
#   clang-19 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -> must run clean at `short`
# usage: bench/programs/check.sh [name.c ...]     (binaries go to $BUILD, default /tmp/tierflow-bench)
set -u
cd "$(dirname "$0")"
BUILD=${BUILD:-/tmp/tierflow-bench}
mkdir -p "$BUILD"
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(*.c)
fail=0
for src in "${files[@]}"; do
    name=${src%.c}
    declare -A cmd=(
        [clang-O0]="clang-19 -O0"
        [clang-O2]="clang-19 -O2"
        [clang-O3-native]="clang-19 -O3 -march=native"
        [gcc-O2]="gcc -O2"
        [asan]="clang-19 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all"
    )
    ref=""
    status="ok"
    for v in clang-O0 clang-O2 clang-O3-native gcc-O2 asan; do
        bin="$BUILD/$name.$v"
        if ! ${cmd[$v]} -Wall -Wextra -o "$bin" "$src" -lm 2>"$bin.cc"; then
            status="build failed ($v)"; cat "$bin.cc"; break
        fi
        [ -s "$bin.cc" ] && { echo "$name: warnings from $v:"; cat "$bin.cc"; }
        if ! "$bin" short >"$bin.out" 2>"$bin.err"; then
            status="exit $? ($v)"; head -20 "$bin.err"; break
        fi
        if [ -z "$ref" ]; then ref="$bin.out"
        elif ! cmp -s "$ref" "$bin.out"; then status="stdout differs: $v vs clang-O0"; diff "$ref" "$bin.out" | head -5; break
        fi
    done
    printf '%-14s %s   %s\n' "$name" "$status" "$(tail -1 "$BUILD/$name.clang-O0.out" 2>/dev/null)"
    [ "$status" = ok ] || fail=1
done
exit $fail
