#!/usr/bin/env python3
# Interleaved rounds of any commands on bench workloads (Tierflow variants, peers, native builds of dumped IR).
# usage: bench/interleave.py ROUNDS SIZE PROG[,PROG] NAME='cmd with {ir} {opt} {clang} {gcc}' ...
#   {ir}: the workload's IR as tierflow bench builds it; {opt}: that IR after opt-19 -O3; {clang}, {gcc}: the
#   native -O2 builds. The size argument is appended to each command. Prints min and median per command and
#   the ratios to the first; flags output that differs from the first command's.
import sys, subprocess, time, random, statistics, os, shlex
rounds=int(sys.argv[1]); size=sys.argv[2]; progs=sys.argv[3].split(","); variants=[v.split("=",1) for v in sys.argv[4:]]
W=os.environ.get("INTERLEAVE_DIR", "/tmp/tierflow-interleave"); os.makedirs(W,exist_ok=True)
REPO=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for p in progs:
    c=f"{REPO}/bench/programs/{p}.c"
    if not os.path.exists(f"{W}/{p}.bc"):
        subprocess.run(["clang-19","-O2","-Xclang","-disable-llvm-passes","-emit-llvm","-c",c,"-o",f"{W}/{p}.bc"],check=True)
        subprocess.run(["opt-19","-O3","-o",f"{W}/{p}.opt.bc",f"{W}/{p}.bc"],check=True)
        subprocess.run(["clang-19","-O2","-o",f"{W}/{p}.clang",c,"-lm"],check=True)
        subprocess.run(["gcc","-O2","-o",f"{W}/{p}.gcc",c,"-lm"],check=True)
for p in progs:
    t={n:[] for n,_ in variants}; outs={}
    for r in range(rounds):
        order=list(variants); random.shuffle(order)
        for n,cmd in order:
            c=cmd.format(ir=f"{W}/{p}.bc",opt=f"{W}/{p}.opt.bc",clang=f"{W}/{p}.clang",gcc=f"{W}/{p}.gcc")+" "+size
            s=time.perf_counter(); o=subprocess.run(c,shell=True,capture_output=True,text=True); e=time.perf_counter()-s
            t[n].append(e); outs.setdefault(n,o.stdout)
            if o.returncode!=0: print("FAIL",n,o.stderr[-300:])
    ref=variants[0][0]; rm=statistics.median(t[ref]); rmin=min(t[ref])
    print(f"## {p} {size} ({rounds} rounds)")
    for n,_ in variants:
        same = "" if outs[n]==outs[ref] else "  OUTPUT DIFFERS"
        print(f"  {n:28s} min {min(t[n]):7.3f}  med {statistics.median(t[n]):7.3f}   x{min(t[n])/rmin:5.2f} / x{statistics.median(t[n])/rm:5.2f}{same}")
    sys.stdout.flush()
