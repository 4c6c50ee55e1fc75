#!/usr/bin/env bash
# A large real program: sqlite 3.40.1 (Debian 12's source package, public domain), its amalgamation and shell
# (2,688 functions), running a SQL script under Tierflow's modes and lli-19, each output checked against the
# native clang-19 -O2 build's. Prints each mode's wall time and, for Tierflow, the load line of --stats.
# docs/results/session21-experiments.md has a run. About 2 minutes the first time (download, amalgamation,
# the native -O2 build), then about 40 s.
#
# usage: bench/sqlite.sh [ROUNDS] [TIERFLOW]      (work files in $SQLITE_DIR, default /tmp/tierflow-sqlite)
set -euo pipefail
rounds=${1:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
tierflow=${2:-$here/scripts/tierflow}
work=${SQLITE_DIR:-/tmp/tierflow-sqlite}
mkdir -p "$work" && cd "$work"

if [ ! -f sq.bc ]; then
  if [ ! -d sqlite3-3.40.1 ]; then
    # apt-get source needs a deb-src entry: a temporary one, for this download only (as root, like setup.sh's apt).
    src=$(mktemp -d)
    cat > "$src/src.sources" <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt_opts=(-o "Dir::Etc::sourcelist=$src/src.sources" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$src/lists")
    mkdir -p "$src/lists/partial"
    apt-get update -qq "${apt_opts[@]}"
    apt-get source -qq --download-only "${apt_opts[@]}" sqlite3=3.40.1-2+deb12u2 >/dev/null 2>&1 || apt-get source -qq --download-only "${apt_opts[@]}" sqlite3
    rm -rf "$src"
    tar xf sqlite3_3.40.1.orig.tar.xz
  fi
  mkdir -p bld && (cd bld && ../sqlite3-3.40.1/configure --disable-tcl >/dev/null && make sqlite3.c shell.c >/dev/null)
  D=(-DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_DQS=0)
  clang-19 -O2 -Xclang -disable-llvm-passes -emit-llvm -c "${D[@]}" bld/sqlite3.c -o sqlite3.bc
  clang-19 -O2 -Xclang -disable-llvm-passes -emit-llvm -c "${D[@]}" -Ibld bld/shell.c -o shell.bc
  llvm-link-19 sqlite3.bc shell.bc -o sq.bc
  clang-19 -O2 "${D[@]}" -Ibld bld/sqlite3.c bld/shell.c -o sq.native -lm
fi

cat > q.sql <<'EOF'
create table t(a integer primary key, b text, c real);
with recursive n(i) as (select 1 union all select i+1 from n where i < 20000) insert into t select i, 'row' || i, i * 0.5 from n;
create index tb on t(b);
select count(*), sum(c), max(length(b)) from t;
select b from t where a % 5000 = 0 order by b;
select count(*) from t t1 join t t2 on t1.a = t2.a + 1 where t1.c > 100;
EOF
expected=$(./sq.native :memory: < q.sql)

run() { # NAME COMMAND...
  local name=$1; shift
  for r in $(seq "$rounds"); do
    local start end out
    start=$(date +%s.%N)
    out=$("$@" :memory: < q.sql 2>"$work/err") || { echo "$name: exit $?"; tail -3 "$work/err"; continue; }
    end=$(date +%s.%N)
    [ "$out" = "$expected" ] || echo "$name: OUTPUT DIFFERS from the native build's"
    printf '%-28s %6.2f s  %s\n' "$name" "$(awk "BEGIN { print $end - $start }")" "$(grep -o 'loaded in.*link [0-9.]* ms' "$work/err" || true)"
  done
}
run native ./sq.native
run tierflow "$tierflow" run --stats sq.bc --
run "tierflow --eager O0" "$tierflow" run --eager O0 --stats sq.bc --
run "tierflow --lazy" "$tierflow" run --lazy --stats sq.bc --
run lli-19 lli-19 sq.bc
