#!/usr/bin/env bash
# Exit under load: runs a corpus program RUNS times (default 300) with every O2 and OSR compile ending in an
# LLVM fatal error (so retired workers sit inside LLVM and fresh ones compile while the program ends), with
# the JIT-hosted CLI (`dotnet tierflow.dll`, as the test suite runs it) and two busy loops competing for the
# 2 cores. Every run's stdout and exit code must equal the clang -O2 build's; an abort ("stack smashing
# detected" came from LLVM destructors registered during the run and run by libc's exit while workers were
# in LLVM: docs/design/memory-safety.md, "Shutdown before exit") or a hang (60 s) is printed. Exits 1 on
# any. About 0.6 s a run on 2 cores (3 s before libtierflow-llvm.so). Usage: tests/exit-stress.sh [RUNS] [PROGRAM.c]
set -uo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-300}
f=${2:-tests/corpus/main_args.c}
CLI=src/Tierflow.Cli/bin/Release/net10.0/tierflow.dll
[ -f "$CLI" ] || { echo "build the CLI first: dotnet build src/Tierflow.Cli -c Release"; exit 2; }
W=$(mktemp -d)
( while :; do :; done ) & B1=$!
( while :; do :; done ) & B2=$!
trap 'kill $B1 $B2 2>/dev/null; rm -rf "$W"' EXIT
args=$(sed -n 's#^// args:##p' "$f")
clang-19 -O2 "$f" -o "$W/ref" -lm -pthread || { echo "reference does not build"; exit 1; }
# shellcheck disable=SC2086
expected=$("$W/ref" $args | md5sum; echo "rc=${PIPESTATUS[0]}")
fail=0
for ((i = 1; i <= RUNS; i++)); do
  # shellcheck disable=SC2086
  got=$(timeout 60 dotnet "$CLI" run "$f" --stress --inject-compile-failure '*@O2:fatal,*@osr:fatal' -- $args 2>"$W/err" | md5sum; echo "rc=${PIPESTATUS[0]}")
  if [ "$got" != "$expected" ] || grep -q "smashing\|Aborted\|core dumped" "$W/err"; then
    fail=$((fail + 1))
    echo "run $i: $(echo "$got" | tail -1) (expected $(echo "$expected" | tail -1)): $(grep -v '^\[tierflow\]' "$W/err" | head -2 | tr '\n' ' ')"
  fi
done
echo "exit-stress: $RUNS runs of $(basename "$f"), $fail failed"
[ "$fail" -eq 0 ]
