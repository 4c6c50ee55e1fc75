#!/usr/bin/env bash
# Concurrency stress (issue 4): the thread programs of the corpus, 2 to 16 threads calling hot functions
# directly, through function pointers and recursively while their tiers swap and frames leave loops by OSR,
# run ROUNDS times (default 200) in each mode below. Every run's stdout and exit code must equal the clang -O2
# build's; a crash, a hang (60 s) or a wrong result is printed. Exits 1 on any. `tests/thread-stress.sh 20`
# takes about 3 minutes on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.."
T=scripts/tierflow
ROUNDS=${1:-200}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
modes=(
  ""
  "--stress"
  "--stress --compile-threads 2"
  "--stress --sync"
  "--thresholds 5,10,20 --osr-threshold 50"
  "--stress --inject-random-failures 0.3:7"
  "--stress --inject-compile-failure *@O2:fatal,*@osr:fatal"
)
runs=0 fail=0
for f in tests/corpus/threads_stress.c tests/corpus/pthreads_hot.c tests/corpus/osr_threads.c tests/corpus/thread_local.c; do
  b=$(basename "$f" .c)
  args=$(sed -n 's#^// args:##p' "$f")
  clang-19 -O2 "$f" -o "$W/$b" -lm -pthread || { echo "$b: reference does not build"; exit 1; }
  # shellcheck disable=SC2086
  expected=$("$W/$b" $args | md5sum; echo "rc=${PIPESTATUS[0]}")
  for mode in "${modes[@]}"; do
    for ((i = 0; i < ROUNDS; i++)); do
      # shellcheck disable=SC2086
      got=$(timeout 60 $T run "$f" $mode -- $args 2>"$W/err" | md5sum; echo "rc=${PIPESTATUS[0]}")
      runs=$((runs + 1))
      if [ "$got" != "$expected" ]; then
        echo "FAIL $b [$mode] round $i: $(echo "$got" | tail -1) $(head -c 300 "$W/err")"; fail=1
      fi
    done
  done
done
echo "thread-stress: $runs runs, $([ $fail = 0 ] && echo "0 wrong results, 0 crashes, 0 hangs" || echo "FAILURES above")"
exit $fail
