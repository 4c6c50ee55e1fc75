#!/usr/bin/env python3
"""Load time of every workload under two or more Tierflow builds, side by side.

For each workload (built once to IR as `tierflow bench` builds it), runs each build ROUNDS times,
interleaved, with `--stats` at short size, and reads the line "loaded in T ms (parse P ms, prepare Q ms,
base object at O0: ... codegen C ms ...)": parsing, preparing, compiling and linking the base object, before
`main` runs (builds before session 23 print no parse and prepare times).
Prints a Markdown table of the minimum T and C per build, and the geometric mean of T.

usage: bench/load-times.py [--rounds N] NAME=TIERFLOW NAME=TIERFLOW ...
"""
import argparse, os, re, statistics, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--rounds", type=int, default=5)
ap.add_argument("builds", nargs="+", help="NAME=TIERFLOW")
a = ap.parse_args()
builds = [b.split("=", 1) for b in a.builds]
if any(len(b) != 2 for b in builds):
    sys.exit("load-times: give builds as NAME=TIERFLOW")
programs = sorted(f[:-2] for f in os.listdir(os.path.join(here, "programs")) if f.endswith(".c"))
line = re.compile(r"loaded in ([0-9.]+) ms \((?:parse [0-9.]+ ms, prepare [0-9.]+ ms, )?base object at \w+: opt [0-9.]+ ms, codegen ([0-9.]+) ms")
totals = {n: [] for n, _ in builds}
print("| workload | " + " | ".join(f"{n}: load / codegen ms" for n, _ in builds) + " |")
print("|---|" + "---|" * len(builds))
with tempfile.TemporaryDirectory() as tmp:
    for p in programs:
        ir = os.path.join(tmp, p + ".ll")
        subprocess.run(["clang-19", "-O2", "-Xclang", "-disable-llvm-passes", "-S", "-emit-llvm",
                        os.path.join(here, "programs", p + ".c"), "-o", ir], check=True)
        seen = {n: [] for n, _ in builds}
        for _ in range(a.rounds):
            for n, b in builds:
                err = subprocess.run([b, "run", ir, "--stats", "--", "short"], capture_output=True, text=True).stderr
                m = line.search(err)
                if not m:
                    sys.exit(f"load-times: {n} printed no load line for {p}:\n{err}")
                seen[n].append((float(m.group(1)), float(m.group(2))))
        cells = []
        for n, _ in builds:
            load, codegen = min(x[0] for x in seen[n]), min(x[1] for x in seen[n])
            totals[n].append(load)
            cells.append(f"{load:.1f} / {codegen:.1f}")
        print(f"| {p} | " + " | ".join(cells) + " |")
print("| geomean of load | " + " | ".join(f"{statistics.geometric_mean(totals[n]):.1f}" for n, _ in builds) + " |")
