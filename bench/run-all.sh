#!/usr/bin/env bash
# Regenerates every benchmark table and chart in docs/results/ (docs/benchmarks.md explains them).
# About 25 minutes on the project's 2-core machine (45 before session 20). Run nothing else meanwhile: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
R=docs/results
T=scripts/tierflow

# Long runs (2-5 s native): the targets of issues 3 and 6. OSR against no OSR, side by side; the native
# build also with Tierflow's glibc malloc thresholds (what that setting alone is worth, docs/results/malloc-tuning.md).
$T bench --size long --runs 3 --modes tierflow,tierflow-no-osr,tierflow-O3,clang-O2,clang-O2-malloc-tuned,gcc-O2,lli-opt \
  --json $R/bench-long.json --markdown $R/bench-long.md --plot $R | tee $R/bench-long.txt

# Medium: the design questions (OSR threshold, loop counting, counter overhead) next to the fixed tiers.
$T bench --size medium --runs 3 --modes tierflow,tierflow-no-osr,tierflow-count-loops,tierflow-osr-1000,tierflow-osr-100000,tierflow-O0,tierflow-O0-entry-counters,tierflow-O0-osr-counters,tierflow-O0-default-counters,tierflow-O0-all-counters,tierflow-O1,tierflow-O2,tierflow-O3,clang-O2,clang-O3-native,gcc-O2,lli,lli-opt \
  --json $R/bench-medium.json --markdown $R/bench-medium.md --plot $R | tee $R/bench-medium.txt

# Short: start-up dominated. The interpreter is left out here (it is cut off at 20 s on most workloads).
$T bench --size short --runs 5 --modes tierflow,tierflow-no-osr,tierflow-O0,tierflow-O1,tierflow-O2,tierflow-O3,clang-O2,clang-O3-native,gcc-O2,lli,lli-opt \
  --json $R/bench-short.json --markdown $R/bench-short.md --plot $R | tee $R/bench-short.txt

# The figures docs/benchmarks.md quotes (geometric means, no-regret, peers), from the three JSON files.
python3 bench/summarize.py $R | tee $R/bench-summary.txt
