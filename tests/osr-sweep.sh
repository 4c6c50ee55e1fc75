#!/usr/bin/env bash
# OSR sweep: every benchmark workload (short size) and every corpus program (with the parts its `with:` header
# names), both as C and as clang -O1 IR
# (loops in SSA form, phis at the headers), with on-stack replacement forced at several thresholds
# (--sync, so each transfer happens at a fixed point), compared with the clang-19 -O2 build's stdout.
# Prints one line per mismatch and a summary; exits 1 if anything differed. About 4 minutes on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.."
T=scripts/tierflow
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
runs=0 fail=0
for f in bench/programs/*.c tests/corpus/*.c; do  # C only: the C++ corpus runs under CorpusTests
  b=$(basename "$f" .c) args="" cflags="" parts=""
  case $f in
    bench/*) args=short ;;
    *) args=$(sed -n 's#^// args:##p' "$f"); cflags=$(sed -n 's#^// cflags:##p' "$f")
       for p in $(sed -n 's#^// with:##p' "$f"); do parts="$parts tests/corpus/$p"; done ;;
  esac
  # shellcheck disable=SC2086
  clang-19 -O2 $cflags "$f" $parts -o "$W/$b" -lm -pthread 2>/dev/null || { echo "$b: reference does not build"; fail=1; continue; }
  # shellcheck disable=SC2086
  expected=$("$W/$b" $args 2>/dev/null | md5sum)
  # shellcheck disable=SC2086
  clang-19 -O1 $cflags -S -emit-llvm "$f" -o "$W/$b.ll" 2>/dev/null
  for src in "$f" "$W/$b.ll"; do
    extra="$cflags"; [ "$src" != "$f" ] && extra="-l m"
    for th in 5 37 1000 50000; do
      # shellcheck disable=SC2086
      got=$($T run "$src" $parts $extra --sync --osr-threshold $th -- $args 2>/dev/null | md5sum)
      runs=$((runs + 1))
      [ "$got" = "$expected" ] || { echo "MISMATCH $b $(basename "$src") --osr-threshold $th"; fail=1; }
    done
  done
done
echo "osr-sweep: $runs runs, $([ $fail = 0 ] && echo "no mismatch" || echo "MISMATCHES above")"
exit $fail
