#!/usr/bin/env python3
"""Two or more Tierflow builds (or option sets) side by side on the benchmark workloads.

Every workload is built once to IR as `tierflow bench` builds it (clang-19 -O2 -Xclang
-disable-llvm-passes), then each variant runs it in turn, round after round (interleaved, so the
machine's drift hits every variant alike). Prints a Markdown table: whole-process wall time, min and
median per variant, and the ratio of each to the first variant; then the geometric means of those ratios.
Checks that every variant printed the same output as the first.

usage: bench/compare-builds.py [--size short|medium|long] [--rounds N] [--programs a,b,...]
                               NAME=TIERFLOW[:ARGS] NAME=TIERFLOW[:ARGS] ...
e.g.   bench/compare-builds.py --size medium --rounds 5 before=/tmp/old/tierflow after=scripts/tierflow \\
                               "unbatched=scripts/tierflow:--compile-batch 1"
"""
import argparse, math, os, shlex, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--size", default="medium", choices=["short", "medium", "long"])
ap.add_argument("--rounds", type=int, default=5)
ap.add_argument("--programs", default="", help="comma-separated workload names (default: all in bench/programs)")
ap.add_argument("variants", nargs="+", help="NAME=TIERFLOW[:ARGS]")
a = ap.parse_args()
if len(a.variants) < 2 or any("=" not in v for v in a.variants):
    sys.exit("compare-builds: give at least two variants as NAME=TIERFLOW[:ARGS]")
variants = []
for v in a.variants:
    name, _, rest = v.partition("=")
    binary, _, extra = rest.partition(":")
    variants.append((name, os.path.abspath(binary) if os.path.exists(binary) else binary, shlex.split(extra)))

src = os.path.join(here, "programs")
programs = a.programs.split(",") if a.programs else sorted(f[:-2] for f in os.listdir(src) if f.endswith(".c"))
work = tempfile.mkdtemp(prefix="tierflow-compare-")
for p in programs:
    c = os.path.join(src, p + ".c")
    if not os.path.exists(c):
        sys.exit(f"compare-builds: {c}: no such workload")
    subprocess.run(["clang-19", "-O2", "-Xclang", "-disable-llvm-passes", "-emit-llvm", "-c", c, "-o",
                    os.path.join(work, p + ".bc")], check=True)

print(f"size {a.size}, {a.rounds} interleaved rounds; seconds, min / median; ratio to {variants[0][0]} (min / median)\n")
print("| workload | " + " | ".join(n for n, _, _ in variants) + " |")
print("|---" * (len(variants) + 1) + "|")
ratios = {n: ([], []) for n, _, _ in variants}
failed = False
for p in programs:
    times = {n: [] for n, _, _ in variants}
    reference = None
    for _ in range(a.rounds):
        for n, binary, extra in variants:
            cmd = [binary, "run", os.path.join(work, p + ".bc"), *extra, "--", a.size]
            t = time.perf_counter()
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            times[n].append(time.perf_counter() - t)
            if reference is None:
                reference = r.stdout
            if r.returncode != 0 or r.stdout != reference:
                print(f"compare-builds: {p}: {n} exited {r.returncode} or printed other output", file=sys.stderr)
                failed = True
    base_min, base_med = min(times[variants[0][0]]), statistics.median(times[variants[0][0]])
    cells = []
    for n, _, _ in variants:
        lo, med = min(times[n]), statistics.median(times[n])
        ratios[n][0].append(lo / base_min)
        ratios[n][1].append(med / base_med)
        cells.append(f"{lo:.3f} / {med:.3f} ({lo / base_min:.2f} / {med / base_med:.2f})")
    print(f"| {p} | " + " | ".join(cells) + " |", flush=True)
geo = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
print("| geomean of ratios | " + " | ".join(f"{geo(ratios[n][0]):.3f} / {geo(ratios[n][1]):.3f}" for n, _, _ in variants) + " |")
sys.exit(1 if failed else 0)
