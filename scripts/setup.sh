#!/usr/bin/env bash
# Installs what Tierflow needs on Debian 12 (clang-19, libLLVM 19) and builds everything.
# Uses sudo when not root. Safe to run again: it installs only what is missing.
set -euo pipefail
need=()
# clang-19/libllvm19: the front end and the JIT; llvm-19: lli-19 and opt-19 (benchmark peers); gcc and
# time (/usr/bin/time, peak RSS): benchmark peers and measurement; csmith/libcsmith-dev: `tierflow fuzz`;
# gdb: the test of --gdb; llvm-19-dev (its static libraries) and g++: libtierflow-llvm.so, below.
for pkg in clang-19 llvm-19 libllvm19 llvm-19-dev gcc g++ time csmith libcsmith-dev gdb; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
cd "$(dirname "$0")/.."
# The part of LLVM the bindings call, in one library that loads in 5 ms instead of libLLVM's 19
# (src/Tierflow.Interop/native/link-llvm.sh). Linked again when the bindings or the script change.
lib=artifacts/native/libtierflow-llvm.so
if [ ! -f "$lib" ] || [ -n "$(find src/Tierflow.Interop -maxdepth 2 \( -name '*.cs' -o -name 'link-llvm.sh' \) -newer "$lib")" ]; then
  src/Tierflow.Interop/native/link-llvm.sh "$lib"
fi
dotnet build Tierflow.slnx -c Release -v quiet -nologo >/dev/null
# The CLI that scripts/tierflow runs: published with NativeAOT (with libtierflow-llvm.so beside it), so an
# empty program runs in about 20 ms (lli-19: 30 ms) instead of 150 ms with the JIT-compiled CLI
# (docs/benchmarks.md, "Start-up").
dotnet publish src/Tierflow.Cli/Tierflow.Cli.csproj -c Release -r linux-x64 -p:PublishAot=true \
  -o artifacts/cli -v quiet -nologo >/dev/null
