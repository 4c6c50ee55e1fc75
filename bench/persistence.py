#!/usr/bin/env python3
"""Issue 5's measurements, side by side in one run (docs/benchmarks.md, "Warm starts and export").

  bench/persistence.py [--runs N] [--size long] [--out docs/results/persistence.md]

1. Cold, profile-only and cache-warm runs of a few workloads against their clang-19 -O2 build: whole-process
   time and time to the first output line (stderr's `iter 0` for the curve workloads), min and median.
2. `tierflow export` (with the profile of one run) against clang-19 -O2 on every workload: time and .text size,
   and the export without a profile, to show what compiling cold code for size saves.
3. The cache hit path per function against compiling it at O3, from the trace of a cold and a warm run.
Needs scripts/setup.sh to have published the CLI. Run nothing else meanwhile: the machine is noisy.
"""
import argparse, json, math, os, re, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
T = str(ROOT / "scripts" / "tierflow")
PROGS = ROOT / "bench" / "programs"
WORK = Path(tempfile.mkdtemp(prefix="tierflow-persistence-"))


def run(cmd, stdin_file=None):
    """Runs cmd; returns (total seconds, seconds to the first line on stderr or None, stdout, stderr)."""
    err_path = WORK / "stderr.txt"
    with open(err_path, "wb") as err_w:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = None
        # stderr is unbuffered in C: its first line is the program's first visible output.
        for line in p.stderr:
            if first is None and not line.startswith(b"[tierflow]"):
                first = time.perf_counter() - start
            err_w.write(line)
        out = p.stdout.read()
        p.wait()
        total = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed with {p.returncode}:\n{err_path.read_text()[-2000:]}")
    return total, first, out.decode(), err_path.read_text()


def summary(xs):
    xs = [x for x in xs if x is not None]
    return (min(xs), statistics.median(xs)) if xs else (math.nan, math.nan)


def native(prog):
    exe = WORK / f"{prog}.clang-O2"
    if not exe.exists():
        subprocess.run(["clang-19", "-O2", "-o", str(exe), str(PROGS / f"{prog}.c"), "-lm"], check=True)
    return exe


def text_size(path):
    out = subprocess.run(["size", "-A", str(path)], capture_output=True, text=True, check=True).stdout
    return sum(int(m.group(1)) for m in re.finditer(r"^\.text\s+(\d+)", out, re.M))


def warm_starts(programs, size, runs):
    rows = []
    for prog in programs:
        src = str(PROGS / f"{prog}.c")
        exe = native(prog)
        cold_dir, warm_dir = WORK / f"{prog}.cold", WORK / f"{prog}.warm"
        profile = WORK / f"{prog}.profile.json"
        # Preparation: a profile of one run (for profile-only), a cache filled by two runs (objects and profile).
        shutil.rmtree(warm_dir, ignore_errors=True)
        run([T, "run", src, "--cache-dir", str(warm_dir), "--", size])
        run([T, "run", src, "--cache-dir", str(warm_dir), "--", size])
        profile.unlink(missing_ok=True)
        run([T, "run", src, "--profile", str(profile), "--", size])
        saved = profile.read_text()
        modes = {
            "clang -O2": lambda: [str(exe), size],
            "tierflow": lambda: [T, "run", src, "--", size],
            "cold cache": lambda: (shutil.rmtree(cold_dir, ignore_errors=True), [T, "run", src, "--cache-dir", str(cold_dir), "--stats", "--", size])[1],
            "profile only": lambda: (profile.write_text(saved), [T, "run", src, "--profile", str(profile), "--", size])[1],
            "warm cache": lambda: [T, "run", src, "--cache-dir", str(warm_dir), "--stats", "--", size],
        }
        results = {m: [] for m in modes}
        outputs = {}
        misses = []
        for _ in range(runs):
            for m, cmd in modes.items():  # interleaved, so drift in the machine's load hits every mode alike
                total, first, out, err = run(cmd())
                results[m].append((total, first))
                outputs.setdefault(m, out)
                if out != outputs["clang -O2"]:
                    sys.exit(f"{prog}: {m} printed something else than clang -O2")
                if m == "warm cache":
                    hit = re.search(r"code cache: (\d+) hit\(s\), (\d+) miss", err)
                    misses.append(int(hit.group(2)) if hit else -1)
        base = summary([t for t, _ in results["clang -O2"]])
        row = {"program": prog, "size": size, "warm_cache_misses": misses, "modes": {}}
        for m, rs in results.items():
            tmin, tmed = summary([t for t, _ in rs])
            fmin, fmed = summary([f for _, f in rs])
            row["modes"][m] = {"total_min_s": tmin, "total_median_s": tmed, "first_output_min_s": fmin,
                               "first_output_median_s": fmed, "x_clang_median": tmed / base[1], "x_clang_min": tmin / base[0]}
        rows.append(row)
        print(f"{prog}: " + ", ".join(f"{m} {v['total_median_s']:.3f}s ({v['x_clang_median']:.2f}x)" for m, v in row["modes"].items())
              + f"; warm misses {misses}", flush=True)
    return rows


def exports(programs, size, runs):
    rows = []
    for prog in programs:
        src = str(PROGS / f"{prog}.c")
        exe = native(prog)
        profile = WORK / f"{prog}.export-profile.json"
        profile.unlink(missing_ok=True)
        run([T, "run", src, "--profile", str(profile), "--", size])
        guided, plain = WORK / f"{prog}.export", WORK / f"{prog}.export-noprofile"
        subprocess.run([T, "export", src, "-o", str(guided), "--profile", str(profile)], check=True, capture_output=True)
        subprocess.run([T, "export", src, "-o", str(plain)], check=True, capture_output=True)
        times = {"clang -O2": [], "export": []}
        outs = {}
        for _ in range(runs):
            for m, path in (("clang -O2", exe), ("export", guided)):
                total, _, out, _ = run([str(path), size])
                times[m].append(total)
                outs.setdefault(m, out)
        if outs["export"] != outs["clang -O2"]:
            sys.exit(f"{prog}: the exported binary printed something else than clang -O2")
        c, e = summary(times["clang -O2"]), summary(times["export"])
        row = {"program": prog, "clang_min_s": c[0], "clang_median_s": c[1], "export_min_s": e[0], "export_median_s": e[1],
               "x_clang_median": e[1] / c[1], "x_clang_min": e[0] / c[0],
               "text_clang": text_size(exe), "text_export": text_size(guided), "text_export_noprofile": text_size(plain)}
        rows.append(row)
        print(f"export {prog}: {row['x_clang_median']:.3f}x clang -O2 (median), text {row['text_export']} vs {row['text_clang']} "
              f"(no profile {row['text_export_noprofile']})", flush=True)
    return rows


def hit_cost(prog, size):
    """Per function: cold O3 compile (opt + codegen + link) against the warm run's hit (cut + hash + read + link)."""
    src = str(PROGS / f"{prog}.c")
    cache = WORK / f"{prog}.hitcost"
    shutil.rmtree(cache, ignore_errors=True)
    cold, warm = WORK / "cold.jsonl", WORK / "warm.jsonl"
    run([T, "run", src, "--cache-dir", str(cache), "--sync", "--trace-json", str(cold), "--", size])
    run([T, "run", src, "--cache-dir", str(cache), "--sync", "--trace-json", str(warm), "--", size])
    def records(path, cached):
        out = {}
        for line in path.read_text().splitlines():
            r = json.loads(line)
            if r.get("to") == "O3" and r.get("cached") == cached and r.get("error") is None and "event" not in r:
                out[(r["function"], r.get("osr_loop"))] = r["optimize_us"] + r["codegen_us"] + r["link_us"]
        return out
    c, w = records(cold, False), records(warm, True)
    pairs = [(k, c[k], w[k]) for k in c if k in w]
    return [{"function": k[0] + (f" (OSR at {k[1]})" if k[1] else ""), "compile_us": cu, "hit_us": wu, "ratio": cu / wu} for k, cu, wu in pairs]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size", default="long")
    ap.add_argument("--out", default=str(ROOT / "docs" / "results" / "persistence.md"))
    a = ap.parse_args()
    warm = warm_starts(["transformer", "fib", "mainloop", "nbody"], a.size, a.runs)
    all_programs = sorted(p.stem for p in PROGS.glob("*.c"))
    exp = exports(all_programs, a.size, max(3, a.runs - 2))
    hits = hit_cost("transformer", "short") + hit_cost("sha256", "short")

    md = [f"# Warm starts and export (issue 5)\n",
          f"Made by `bench/persistence.py --runs {a.runs} --size {a.size}` on {time.strftime('%Y-%m-%d')}; "
          f"times are whole-process wall seconds, min and median of {a.runs} interleaved runs.\n",
          "## Cold, profile-only and cache-warm runs\n",
          "| program | mode | total min | total median | × clang -O2 (median) | × clang -O2 (min) | first output min | first output median |",
          "|---|---|---|---|---|---|---|---|"]
    for r in warm:
        for m, v in r["modes"].items():
            fo = lambda x: "—" if math.isnan(x) else f"{x * 1000:.0f} ms"
            md.append(f"| {r['program']} | {m} | {v['total_min_s']:.3f} | {v['total_median_s']:.3f} | {v['x_clang_median']:.2f} | "
                      f"{v['x_clang_min']:.2f} | {fo(v['first_output_min_s'])} | {fo(v['first_output_median_s'])} |")
    md.append("\nCompilations in the warm-cache runs (code cache misses per run): " +
              "; ".join(f"{r['program']} {r['warm_cache_misses']}" for r in warm) + ".\n")
    md += ["## `tierflow export` against clang -O2\n",
           "| program | clang -O2 median | export median | × clang (median) | × clang (min) | .text clang | .text export | .text export without profile |",
           "|---|---|---|---|---|---|---|---|"]
    for r in exp:
        md.append(f"| {r['program']} | {r['clang_median_s']:.3f} | {r['export_median_s']:.3f} | {r['x_clang_median']:.3f} | {r['x_clang_min']:.3f} | "
                  f"{r['text_clang']} | {r['text_export']} | {r['text_export_noprofile']} |")
    gm = lambda xs: math.exp(sum(math.log(x) for x in xs) / len(xs))
    md.append(f"\nGeometric mean, export ÷ clang -O2 time: **{gm([r['x_clang_median'] for r in exp]):.3f}** (medians), "
              f"{gm([r['x_clang_min'] for r in exp]):.3f} (mins). Total .text: clang -O2 {sum(r['text_clang'] for r in exp)} B, "
              f"export with profile {sum(r['text_export'] for r in exp)} B, without profile {sum(r['text_export_noprofile'] for r in exp)} B.\n")
    md += ["## The cache hit path per function\n",
           "Cold: the function's O3 compile (cut, optimize, codegen, link). Warm: the same function's hit (recipe lookup, read and digest check, link). From `--sync --trace-json` runs of `transformer short` and `sha256 short`.\n",
           "| function | O3 compile µs | hit µs | ratio |", "|---|---|---|---|"]
    for h in hits:
        md.append(f"| {h['function']} | {h['compile_us']:.0f} | {h['hit_us']:.0f} | {h['ratio']:.1f}× |")
    if hits:
        md.append(f"\nRatio min {min(h['ratio'] for h in hits):.1f}×, median {statistics.median(h['ratio'] for h in hits):.1f}×, "
                  f"total {sum(h['compile_us'] for h in hits) / sum(h['hit_us'] for h in hits):.1f}×.\n")
    Path(a.out).write_text("\n".join(md) + "\n")
    Path(a.out).with_suffix(".json").write_text(json.dumps({"warm_starts": warm, "exports": exp, "hit_cost": hits}, indent=2))
    print(f"wrote {a.out}")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
