#!/usr/bin/env bash
# Installs what Tierflow needs on Debian 12 (clang-19, libLLVM 19, gcc for peers) and builds the solution.
# Uses sudo when not root. Safe to run again: it installs only what is missing.
set -euo pipefail
need=()
for pkg in clang-19 llvm-19 libllvm19 llvm-19-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
cd "$(dirname "$0")/.."
dotnet build Tierflow.slnx -c Release -v quiet -nologo >/dev/null
