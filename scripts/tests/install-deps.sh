#!/usr/bin/env bash
# Tests scripts/install-deps.sh without touching the machine: each case runs the script with a
# PATH holding only stand-ins for `id`, `sudo`, `dpkg-query` and `apt-get` that record what they
# were asked; the stand-in apt-get puts `clang` and `clang++` on that PATH when asked for clang.
# Cases: the machine state from issue 12 (libclang1 only, no clang), nothing missing, root, sudo
# without a password, sudo with one, no sudo at all, apt-get that installs nothing useful.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
script="$here/../install-deps.sh"
failures=0
passes=0

# make_env DIR UID SUDO(none|nopass|pass) INSTALLED(space-separated packages) CLANG(yes|no)
make_env() {
  local dir=$1 uid=$2 sudo=$3 installed=$4 clang=$5
  mkdir -p "$dir/bin" "$dir/root/usr/lib/llvm-14/lib"
  local stub="#!$(command -v bash)"
  for t in bash env cat mkdir touch chmod; do ln -sf "$(command -v $t)" "$dir/bin/$t"; done
  printf '#!%s\necho %s\n' "$(command -v bash)" "$uid" >"$dir/bin/id"
  printf '#!%s\nfor p in %s; do [ "$p" = "${@: -1}" ] && { echo installed; exit 0; }; done\necho not-installed\n' \
    "$(command -v bash)" "$installed" >"$dir/bin/dpkg-query"
  # apt-get install puts clang and clang++ on the PATH when clang is asked for.
  cat >"$dir/bin/apt-get" <<EOF
#!$(command -v bash)
echo "\$*" >>"$dir/apt.log"
if [ "\$1" = install ] || [[ " \$* " == *" install "* ]]; then
  for a in "\$@"; do
    if [ "\$a" = clang ] && [ ! -e "$dir/no-clang" ]; then
      for c in clang clang++; do echo '$stub' >"$dir/bin/\$c"; chmod +x "$dir/bin/\$c"; done
    fi
  done
fi
exit 0
EOF
  case $sudo in
    nopass) printf '#!%s\necho "$*" >>"%s/sudo.log"\n[ "$1" = -n ] && shift\n[ "$1" = true ] && exit 0\nexec "$@"\n' \
              "$(command -v bash)" "$dir" >"$dir/bin/sudo" ;;
    pass) printf '#!%s\necho "$*" >>"%s/sudo.log"\n[ "$1" = -n ] && exit 1\nexec "$@"\n' \
              "$(command -v bash)" "$dir" >"$dir/bin/sudo" ;;
    none) ;;
  esac
  if [ "$clang" = yes ]; then
    printf '#!%s\n' "$(command -v bash)" >"$dir/bin/clang"
    printf '#!%s\n' "$(command -v bash)" >"$dir/bin/clang++"
  fi
  printf '#!%s\n' "$(command -v bash)" >"$dir/bin/pkg-config"
  chmod +x "$dir"/bin/*
}

# run_case NAME DIR -> sets $out and $rc
run_case() {
  local dir=$2
  set +e
  out=$(cd "$dir" && PATH="$dir/bin" INSTALL_DEPS_ROOT="$dir/root" bash "$script" 2>&1)
  rc=$?
  set -e
}

check() { # check NAME CONDITION-DESCRIPTION COMMAND...
  local name=$1 what=$2
  shift 2
  if "$@"; then
    passes=$((passes + 1))
  else
    failures=$((failures + 1))
    echo "FAIL install-deps: $name: $what"
    echo "  output: $out"
  fi
}

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# 1. Issue 12's machine: root, libclang1-14 only (a versioned libclang.so.1), no clang.
d=$tmp/issue12; make_env "$d" 0 none "libclang1-14" no; touch "$d/root/usr/lib/llvm-14/lib/libclang.so.1"
run_case issue12 "$d"
check issue12 "exits 0" test "$rc" -eq 0
check issue12 "installs clang alone (no libclang-dev: the bindings are pre-generated)" \
  grep -qx 'install -y -qq --no-install-recommends clang' "$d/apt.log"
check issue12 "says what it installs" grep -q 'installing clang' <<<"$out"
check issue12 "clang++ is there afterwards" test -x "$d/bin/clang++"

# 2. Everything present: nothing installed, one line.
d=$tmp/present; make_env "$d" 0 none "clang" yes
run_case present "$d"
check present "exits 0" test "$rc" -eq 0
check present "runs no apt-get" test ! -e "$d/apt.log"
check present "says nothing to install" grep -q 'nothing to install' <<<"$out"

# 3. clang there but not clang++ (a half-installed toolchain): installs clang.
d=$tmp/clang-only; make_env "$d" 0 none "" yes; rm "$d/bin/clang++"
run_case clang-only "$d"
check clang-only "installs clang" grep -qx 'install -y -qq --no-install-recommends clang' "$d/apt.log"

# 4. Not root, sudo without a password: apt-get through `sudo -n`.
d=$tmp/sudo; make_env "$d" 1000 nopass "" no
run_case sudo "$d"
check sudo "exits 0" test "$rc" -eq 0
check sudo "apt-get runs through sudo -n" grep -q -- '-n env DEBIAN_FRONTEND=noninteractive apt-get install' "$d/sudo.log"

# 5. Not root, sudo that wants a password: says so, then asks.
d=$tmp/sudo-pass; make_env "$d" 1000 pass "" no
run_case sudo-pass "$d"
check sudo-pass "exits 0" test "$rc" -eq 0
check sudo-pass "says sudo will ask" grep -q 'sudo will ask for your password' <<<"$out"

# 6. Not root and no sudo: a clear error with the command to run.
d=$tmp/no-sudo; make_env "$d" 1000 none "" no
run_case no-sudo "$d"
check no-sudo "exits 1" test "$rc" -eq 1
check no-sudo "names the command" grep -q 'apt-get install -y clang' <<<"$out"
check no-sudo "runs no apt-get" test ! -e "$d/apt.log"

# 7. apt-get "succeeds" but no clang++ appears: the script says so and fails.
d=$tmp/no-clang; make_env "$d" 0 none "" no; touch "$d/no-clang"
run_case no-clang "$d"
check no-clang "exits 1" test "$rc" -eq 1
check no-clang "says clang is still missing" grep -q 'clang or clang++ is still not on PATH' <<<"$out"

echo "install-deps tests: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
