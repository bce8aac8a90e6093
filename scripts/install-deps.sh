#!/usr/bin/env bash
# Installs the Debian packages the build needs, only when they are missing, so a second run
# costs nothing and prints one line.
#
# What the build really needs, and how each is checked:
#   - clang: clang and clang++ compile the C and C++ in the build (.cargo/config.toml sets CC and
#     CXX), RocksDB's C++ above all (third_party/librocksdb-sys), more than twice as fast as g++
#     here. Both commands are looked for, not the package: a machine may have them otherwise.
#     No libclang: RocksDB's bindings are generated once and kept in the repository, so the
#     build runs no bindgen (before that, a machine with only `libclang1-NN` failed; issue 12).
#   - pkg-config: used by -sys crates' build scripts.
#   - with --browser (the test suite): chromium and chromium-driver, which the browser tests of
#     the node's pages drive (tests/tests/browser.rs), and Node.js with npm, which run the
#     independent OpenID4VC libraries of the interop tests (tests/interop/oid4vc); a machine's
#     own Node.js is used when it has one.
#   - with --plots: fonts-dejavu-core, the font `vcnode bench gossip-sim --plot` draws text with.
#
# Works as root (apt-get directly) and as another user through sudo (non-interactive first, so a
# CI run never hangs on a password prompt); says what it installs and why, and fails with a
# clear message when it cannot.
set -euo pipefail

installed() { # installed PKG: true when dpkg knows PKG as installed
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

# INSTALL_DEPS_ROOT (empty by default) prefixes the system paths: scripts/tests/install-deps.sh
# points it at a temporary folder to test this script without touching the machine.
root="${INSTALL_DEPS_ROOT:-}"

have_clang() { command -v clang && command -v clang++; } >/dev/null 2>&1

browser=false
plots=false
for a in "$@"; do
  case "$a" in
    --browser) browser=true ;;
    --plots) plots=true ;;
    *) echo "install-deps: unknown option $a (only --browser and --plots)" >&2; exit 2 ;;
  esac
done

need=()
why=()
if ! have_clang; then
  need+=(clang); why+=("clang (clang and clang++ compile the C and C++ in the build, RocksDB's above all: .cargo/config.toml)")
fi
if ! command -v pkg-config >/dev/null 2>&1; then
  need+=(pkg-config); why+=("pkg-config (used by -sys build scripts)")
fi

if $browser; then
  if ! command -v chromium >/dev/null 2>&1; then
    need+=(chromium); why+=("chromium (the browser tests drive the node's pages)")
  fi
  if ! command -v chromedriver >/dev/null 2>&1; then
    need+=(chromium-driver); why+=("chromium-driver (WebDriver for those tests)")
  fi
  if ! command -v node >/dev/null 2>&1; then
    need+=(nodejs); why+=("nodejs (the OpenID4VC interop tests run independent TypeScript libraries: tests/interop/oid4vc)")
  fi
  if ! command -v npm >/dev/null 2>&1; then
    need+=(npm); why+=("npm (installs those libraries, pinned by their package-lock.json)")
  fi
fi

if $plots && [ ! -e "$root"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  need+=(fonts-dejavu-core); why+=("fonts-dejavu-core (the font of the benchmark plots)")
fi

if [ ${#need[@]} -eq 0 ]; then
  echo "install-deps: clang, clang++ and pkg-config present$($browser && echo ', chromium, chromedriver, node and npm too')$($plots && echo ', the plots font too'); nothing to install"
  exit 0
fi

echo "install-deps: installing ${need[*]}:"
for w in "${why[@]}"; do echo "  - $w"; done

if [ "$(id -u)" -eq 0 ]; then
  run() { "$@"; }
elif command -v sudo >/dev/null 2>&1; then
  if sudo -n true 2>/dev/null; then
    run() { sudo -n "$@"; }
  else
    echo "install-deps: sudo will ask for your password to run apt-get"
    run() { sudo "$@"; }
  fi
else
  echo "install-deps: not root and no sudo; install these as root, then run again:" >&2
  echo "  apt-get install -y ${need[*]}" >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: no apt-get on this machine; install ${need[*]} (or your system's equivalents) by hand" >&2
  exit 1
fi

run env DEBIAN_FRONTEND=noninteractive apt-get update -qq
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null

if ! have_clang; then
  echo "install-deps: installed ${need[*]} but clang or clang++ is still not on PATH" >&2
  exit 1
fi
echo "install-deps: installed ${need[*]}"
