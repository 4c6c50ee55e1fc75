#!/usr/bin/env bash
# Links libtierflow-llvm.so: the part of LLVM 19 that Tierflow calls, from Debian's static LLVM libraries
# (llvm-19-dev), exporting only the C API functions the bindings in this folder's parent declare.
#
# Why: a process that loads Debian's libLLVM.so.19.1 spends about 19 ms in dlopen before Tierflow does
# anything (341,228 relative relocations and 14,167 symbol relocations by LD_DEBUG=statistics, libz3 and
# libxml2 loaded with it, every static constructor of all of LLVM run). This library holds the objects
# those functions reach and nothing else, binds its internal calls at link time, and loads in about 5.5 ms:
# an empty main runs in about 20 ms instead of 32 ms (lli-19: 30 ms). The code is the same (the same LLVM
# build's objects), so compiled code is identical; docs/design/compilation.md, "Which LLVM", and
# docs/results/session20-experiments.md have the measurements.
#
# usage: link-llvm.sh OUT.so      (scripts/setup.sh runs it; LibraryResolver prefers the result)
set -euo pipefail
out=${1:?usage: link-llvm.sh OUT.so}
here=$(cd "$(dirname "$0")" && pwd)
llvm_config=${LLVM_CONFIG:-llvm-config-19}
libdir=$("$llvm_config" --libdir)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Every entry point a [LibraryImport(Lib ...)] declaration names: its EntryPoint when it has one, else the
# method's name. LibraryResolverTests checks the result against the compiled bindings, by reflection.
perl -ne '
  next unless /LibraryImport\(Lib\b/;
  if (/EntryPoint\s*=\s*"(\w+)"/) { print "$1\n" } elsif (/partial\s+.*?\b(\w+)\s*\(/) { print "$1\n" }
' "$here"/../*.cs > "$work/exports"
# Looked up by name at run time (NativeLibrary.TryGetExport): every C or C++ symbol name the bindings spell
# as a string (Llvm.CreateStaticLibrarySearchGeneratorForPath), and gdb's JIT interface, defined by LLVM
# (Diagnostics/GdbJit.cs).
grep -ohE '"(LLVM[A-Za-z0-9_]+|_Z[A-Za-z0-9_]+)"' "$here"/../*.cs | tr -d '"' >> "$work/exports"
printf '%s\n' __jit_debug_descriptor __jit_debug_register_code >> "$work/exports"
sort -u -o "$work/exports" "$work/exports"
[ "$(wc -l < "$work/exports")" -gt 100 ] || { echo "link-llvm.sh: found too few entry points in $here/..; has the bindings' syntax changed?" >&2; exit 1; }

{ echo "{ global:"; sed 's/$/;/' "$work/exports"; echo "local: *; };"; } > "$work/exports.map"
undefined=$(sed 's/^/-Wl,--undefined=/' "$work/exports")

# The components the C API calls reach; the archives give only the objects actually referenced, and
# --gc-sections drops the unreferenced functions inside them. zlib and zstd by their runtime names, so
# no -dev package is needed (libllvm19 depends on both).
components="core bitreader bitwriter irreader passes orcjit x86 linker target analysis transformutils ipo
  executionengine jitlink orcshared orctargetprocess"
# shellcheck disable=SC2086
libs=$("$llvm_config" --link-static --libs $components)
mkdir -p "$(dirname "$out")"
# LLVM's static destructors are never registered with libc: every __cxa_atexit call in LLVM's objects
# goes to a no-op (--wrap). libc's exit would run them while a compile worker may still be inside LLVM,
# and a function-local static that a compile in progress reaches for the first time registers its
# destructor after the runtime's own exit handler, so it ran first and crashed the worker
# (ExitTests.ExitFromInsideLibcStillEndsThroughOurs failed once in CI; docs/design/memory-safety.md,
# "Shutdown before exit"). A process ending needs none of them: the kernel takes the memory back.
cat > "$work/no-exit-dtors.c" <<'C'
int __wrap___cxa_atexit(void (*fn)(void *), void *arg, void *dso) { (void)fn; (void)arg; (void)dso; return 0; }
C
gcc -O2 -fPIC -c "$work/no-exit-dtors.c" -o "$work/no-exit-dtors.o"
# -z nodelete, as Debian's libLLVM has: the library is never unmapped. NativeAOT resolves a library once per
# thread that races to its first call and frees the handles of the losers; without the flag, two threads'
# first calls (the warm-up and `-l m`'s LLVMLoadLibraryPermanently) unloaded LLVM under the winner
# (EntryPointNotFoundException, found by tests/osr-sweep.sh). LLVM cannot be unloaded safely anyway.
# shellcheck disable=SC2086
g++ -shared -o "$work/lib.so" -Wl,-z,nodelete -Wl,--gc-sections -Wl,-O1 -Wl,--version-script="$work/exports.map" \
  -Wl,--wrap=__cxa_atexit "$work/no-exit-dtors.o" \
  $undefined -L"$libdir" $libs -lrt -ldl -lm \
  /usr/lib/x86_64-linux-gnu/libz.so.1 /usr/lib/x86_64-linux-gnu/libzstd.so.1
# Stripped: the symbol table makes the file 8 MB larger and the load 1.7 ms slower (hyperfine, 60 runs).
# The dynamic symbols stay. To profile LLVM itself with its names, run with
# TIERFLOW_LIBLLVM=libLLVM.so.19.1 (Debian's).
strip "$work/lib.so"
mv -f "$work/lib.so" "$out"
