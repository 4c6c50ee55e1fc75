#!/usr/bin/env bash
# One native run per workload and size, wall time in ms, for clang-19 -O2 and gcc -O2;
# also checks that both builds print the same stdout at every size.
# usage: bench/programs/timing.sh [name.c ...]     (binaries go to $BUILD, default /tmp/tierflow-bench)
set -u
cd "$(dirname "$0")"
BUILD=${BUILD:-/tmp/tierflow-bench}
mkdir -p "$BUILD"
files=("$@")
[ ${#files[@]} -eq 0 ] && files=(*.c)
# ms BIN SIZE: runs once, stdout kept in BIN.SIZE.out, prints wall milliseconds
ms() { local t0 t1; t0=$(date +%s%N); "$1" "$2" >"$1.$2.out" 2>/dev/null; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
printf '%-14s %-6s %8s %8s %8s\n' workload cc short medium long
for src in "${files[@]}"; do
    name=${src%.c}
    clang-19 -O2 -o "$BUILD/$name.t-clang" "$src" -lm
    gcc -O2 -o "$BUILD/$name.t-gcc" "$src" -lm 2>/dev/null
    for cc in clang gcc; do
        printf '%-14s %-6s %8s %8s %8s\n' "$name" "$cc" \
            "$(ms "$BUILD/$name.t-$cc" short)" "$(ms "$BUILD/$name.t-$cc" medium)" "$(ms "$BUILD/$name.t-$cc" long)"
    done
    for size in short medium long; do  # the two builds must agree at every size
        cmp -s "$BUILD/$name.t-clang.$size.out" "$BUILD/$name.t-gcc.$size.out" || echo "$name: stdout differs between clang and gcc at $size"
    done
done
