#!/usr/bin/env python3
# The figures docs/benchmarks.md quotes, from a suite run's docs/results/bench-{short,medium,long}.json: per size,
# each mode's geometric mean against clang-19 -O2 (of medians and of minimums, and without fib), its largest peak
# RSS and whether every output matched; the no-regret ratios over 1.10; where the default is behind lli-opt, where
# gcc beats clang and Tierflow trails gcc; every workload's ratio for the default, --no-osr and eager O3.
# usage: bench/summarize.py [RESULTS_DIR]      (bench/run-all.sh writes its output to docs/results/bench-summary.txt)
import json, math, sys
R = sys.argv[1] if len(sys.argv) > 1 else "docs/results"
g = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
for size in ["short", "medium", "long"]:
    d = json.load(open(f"{R}/bench-{size}.json"))
    res = d["results"]; modes = d["modes"]
    ref = {r["workload"]: r for r in res if r["mode"] == "clang-O2"}
    wl = sorted(ref)
    print(f"== {size}: runs {d['runs']}")
    by = {}
    for r in res: by[(r["workload"], r["mode"])] = r
    for m in modes:
        mname = m if isinstance(m, str) else m.get("name", m.get("mode"))
        rows = [by.get((w, mname)) for w in wl]
        if any(x is None or not x.get("ok") or x.get("median_s") is None for x in rows): 
            bad = [w for w, x in zip(wl, rows) if x is None or not x.get("ok")]
            print(f"  {mname:28s} incomplete: {bad[:5]}"); continue
        med = [x["median_s"] / ref[w]["median_s"] for w, x in zip(wl, rows)]
        mn = [x["min_s"] / ref[w]["min_s"] for w, x in zip(wl, rows)]
        nf = [v for w, v in zip(wl, med) if w != "fib"]
        rss = max(x["peak_rss_kb"] or 0 for x in rows) / 1024
        outm = all(x.get("output_matches") for x in rows)
        print(f"  {mname:28s} geomean med {g(med):.3f} min {g(mn):.3f} (no fib {g(nf):.3f})  peak RSS max {rss:.1f} MB  outputs {'ok' if outm else 'DIFFER'}")
    # no-regret: the default's median over the best fixed tier's, as tierflow bench computed it (BenchReport.NoRegret)
    nr = {w: v for w, v in d["no_regret"].items() if v is not None}
    vals = sorted(nr.values())
    over = sorted(((w, v) for w, v in nr.items() if v > 1.10), key=lambda x: -x[1])
    print(f"  no-regret: median {vals[len(vals)//2]:.2f}; over 1.10 on {len(over)}: {', '.join(f'{w} {v:.2f}' for w, v in over)}")
    if (wl[0], "lli-opt") in by:
        behind = [(w, by[(w, "tierflow")]["median_s"] / by[(w, "lli-opt")]["median_s"], by[(w, "tierflow")]["min_s"] / by[(w, "lli-opt")]["min_s"]) for w in wl]
        print("  behind lli-opt by median:", ", ".join(f"{w} {a:.3f}" for w, a, b in behind if a > 1), "| by min:", ", ".join(f"{w} {b:.3f}" for w, a, b in behind if b > 1))
    if (wl[0], "gcc-O2") in by:
        gb = [(w, by[(w, "gcc-O2")]["median_s"] / ref[w]["median_s"]) for w in wl]
        print("  gcc/clang:", ", ".join(f"{w} {v:.2f}" for w, v in gb if v < 1.0))
        tg = [(w, by[(w, "tierflow")]["median_s"] / by[(w, "gcc-O2")]["median_s"]) for w in wl]
        print("  tierflow/gcc > 1:", ", ".join(f"{w} {v:.2f}" for w, v in tg if v > 1.0))
    tc = [(w, by[(w, "tierflow")]["median_s"] / ref[w]["median_s"]) for w in wl]
    print("  tierflow/clang:", ", ".join(f"{w} {v:.2f}" for w, v in tc))
    if (wl[0], "tierflow-no-osr") in by:
        print("  no-osr/clang:", ", ".join(f"{w} {by[(w,'tierflow-no-osr')]['median_s']/ref[w]['median_s']:.2f}" for w in wl))
    if (wl[0], "tierflow-O3") in by:
        print("  O3/clang:", ", ".join(f"{w} {by[(w,'tierflow-O3')]['median_s']/ref[w]['median_s']:.2f}" for w in wl))
