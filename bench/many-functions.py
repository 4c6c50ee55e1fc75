#!/usr/bin/env python3
# What a compile costs as the program grows: a generated C program of N functions (each a loop over a
# switch), of which main calls chains of 10: 10 chains (100 functions) for N >= 100, N / 10 chains below;
# the others are never called.
# usage: bench/many-functions.py ROUNDS N[,N...] NAME='TIERFLOW_BINARY [OPTIONS]' ...
#   For each N and binary, in interleaved rounds: `run --stress --sync --trace` (every called function climbs
#   every rung on the calling thread) and a default `run`. Prints, per N and binary, the median and range of
#   the O0 → O1 compiles' "opt" time (reading the template, cutting, verifying and the O1 pipeline), the load's
#   phases, and min / median wall time of both runs. Output must match the clang -O2 build's.
import sys, os, re, random, subprocess, statistics, time

rounds = int(sys.argv[1]); sizes = [int(n) for n in sys.argv[2].split(",")]
builds = [(n, c.split()) for n, c in (a.split("=", 1) for a in sys.argv[3:])]
work = os.environ.get("MANY_DIR", "/tmp/tierflow-many"); os.makedirs(work, exist_ok=True)

def generate(n):
    rnd = random.Random(7)
    out = ["#include <stdio.h>", "static int g[256];"]
    for i in range(n):
        call = f"f{i-1}(x + 1, y / 2)" if i > 0 and i % 10 else "0"
        out.append(f"""int f{i}(int x, int y) {{
  int s = 0;
  for (int k = 0; k < y; k++) {{
    switch ((x + k) & 7) {{
      case 0: s += x * {rnd.randint(1, 99)} + k; break;
      case 1: s ^= (x << {rnd.randint(1, 9)}) + g[k & 255]; break;
      case 2: s -= k * {rnd.randint(1, 99)}; break;
      case 3: g[(s + k) & 255] += s; break;
      case 4: s = s * 31 + {rnd.randint(1, 999)}; break;
      default: s += (k % {rnd.randint(2, 17)}) ? 1 : -1; break;
    }}
  }}
  if (s < 0) s = -s;
  return s % 1000003 + {call};
}}""")
    out.append("int main(int argc, char **argv) { int t = 0;")
    out += [f"  t += f{i + 9}(argc, 100);" for i in range(0, n, max(n // 10, 10))]
    out.append('  printf("%d\\n", t); return 0; }')
    c = f"{work}/many{n}.c"
    open(c, "w").write("\n".join(out) + "\n")
    subprocess.run(["clang-19", "-O2", "-Xclang", "-disable-llvm-passes", "-emit-llvm", "-c", c, "-o", f"{work}/many{n}.bc"], check=True)
    subprocess.run(["clang-19", "-O2", c, "-o", f"{work}/many{n}.native"], check=True)
    return f"{work}/many{n}.bc", subprocess.run([f"{work}/many{n}.native"], capture_output=True, text=True).stdout

def run(cmd):
    s = time.perf_counter(); p = subprocess.run(cmd, capture_output=True, text=True); return time.perf_counter() - s, p

for n in sizes:
    bc, expected = generate(n)
    opt = {b: [] for b, _ in builds}; load = {b: [] for b, _ in builds}; first = {b: [] for b, _ in builds}
    wall = {(b, m): [] for b, _ in builds for m in ("stress", "default")}
    for r in range(rounds):
        order = list(builds); random.shuffle(order)
        for name, exe in order:
            t, p = run([exe[0], "run", *exe[1:], "--stress", "--sync", "--trace", bc])
            assert p.stdout == expected, f"{name}: output differs"
            wall[(name, "stress")].append(t)
            opt[name] += [int(x) / 1000 for x in re.findall(r"O0 → O1, .*?opt (\d+) µs", p.stderr)]
            load[name] += re.findall(r"— → O0, load; .*?opt (\d+) µs, codegen (\d+) µs, link (\d+) µs", p.stderr)
            first[name] += [sum(int(x) for x in m) / 1000 for m in re.findall(r"— → O0, first call.*?opt (\d+) µs, codegen (\d+) µs, link (\d+) µs", p.stderr)]
            t, p = run([exe[0], "run", *exe[1:], bc])
            assert p.stdout == expected, f"{name}: output differs"
            wall[(name, "default")].append(t)
    print(f"## {n} functions ({rounds} rounds)")
    for name, _ in builds:
        o = sorted(opt[name]); l = load[name]
        lo = statistics.median(int(x[0]) for x in l) / 1000; lc = statistics.median(int(x[1]) for x in l) / 1000; ll = statistics.median(int(x[2]) for x in l) / 1000
        print(f"  {name:8s} O0→O1 compiles: {len(o)}, opt median {statistics.median(o):7.1f} ms (min {o[0]:.1f}, max {o[-1]:.1f}); "
              f"load opt {lo:.0f} ms, codegen {lc:.0f} ms, link {ll:.0f} ms (medians)" +
              (f"; first-call compiles {sum(first[name]) / rounds:.0f} ms per run" if first[name] else ""))
        for m in ("stress", "default"):
            w = wall[(name, m)]
            print(f"  {name:8s} {m:8s} wall min {min(w):6.2f} s  median {statistics.median(w):6.2f} s")
    sys.stdout.flush()
