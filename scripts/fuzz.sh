#!/usr/bin/env bash
# Runs one fuzz target (or all) for a number of seconds with cargo fuzz (libFuzzer).
#
#   scripts/fuzz.sh TARGET SECONDS     e.g. scripts/fuzz.sh verify 600
#   scripts/fuzz.sh all SECONDS        every target in turn (the CI smoke run uses 10)
#   scripts/fuzz.sh list               the targets
#
# Seeds (read only): the published vectors in credentials/tests/vectors/ for the targets that
# decode them, and tests/fuzz/regressions/TARGET/. What the fuzzer learns goes to
# $VCNET_FUZZ_CORPUS/TARGET (default: a cache folder outside the repository). A crash leaves
# its input in tests/fuzz/artifacts/TARGET/: keep it by moving it to
# tests/fuzz/regressions/TARGET/, which every run (the CI smoke run too) replays first.
#
# cargo fuzz needs a nightly compiler's -Z flags; with only the stable toolchain, this script
# sets RUSTC_BOOTSTRAP=1 (the documented way to use them on stable), so nothing else is needed
# but cargo-fuzz itself, which it installs when missing.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
fuzz_dir="$here/tests/fuzz"
# A target directory of its own: RUSTC_BOOTSTRAP=1 (below) changes what build scripts probing the
# compiler see (proc-macro2, anyhow…), so sharing one with the ordinary builds made the next
# `cargo build` rebuild them and everything above them, RocksDB's C++ included.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vcnet-target}/fuzz"
corpus_root="${VCNET_FUZZ_CORPUS:-$HOME/.cache/vcnet-fuzz-corpus}"
CARGO_FUZZ_VERSION=0.13.2

targets() { sed -n 's/^name = "\(.*\)"$/\1/p' "$fuzz_dir/Cargo.toml" | grep -v '^vcnet-fuzz$'; }

usage() { echo "usage: scripts/fuzz.sh TARGET|all SECONDS | list" >&2; exit 2; }

[ $# -ge 1 ] || usage
if [ "$1" = list ]; then targets; exit 0; fi
[ $# -eq 2 ] || usage
target="$1" seconds="$2"
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "SECONDS must be a whole number, not '$seconds'" >&2; exit 2; }

if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  echo "installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install --locked "cargo-fuzz@$CARGO_FUZZ_VERSION"
fi
export RUSTC_BOOTSTRAP=1

run_one() {
  local t="$1"
  targets | grep -qx "$t" || { echo "no fuzz target '$t' (scripts/fuzz.sh list)" >&2; exit 2; }
  local corpus="$corpus_root/$t"
  mkdir -p "$corpus"
  # Seeds (read only): the published vectors the target decodes, and every input that once
  # crashed it (replayed first, so a smoke run is also the crash regression test).
  local seeds=() vectors="$here/credentials/tests/vectors"
  case "$t" in
    verify) seeds+=("$vectors") ;;
    sd_jwt) seeds+=("$vectors/sd-jwt") ;;
    status_list) seeds+=("$vectors/vc-bitstring-status-list") ;;
  esac
  for d in "$fuzz_dir/seeds/$t" "$fuzz_dir/regressions/$t"; do
    [ -d "$d" ] && seeds+=("$d")
  done
  echo "fuzzing $t for ${seconds}s (corpus $corpus)"
  # -rss_limit_mb: Argon2id at its imported-file cap needs 256 MiB; 2 GiB catches a real leak.
  local log status=0
  log="$(mktemp)"
  cargo fuzz run --fuzz-dir "$fuzz_dir" "$t" "$corpus" "${seeds[@]}" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  if [ "$status" -eq 0 ]; then
    grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)" "$log" | sed "s/^/  $t: /"
  else
    tail -n 80 "$log"
    echo "fuzz target $t FAILED (exit $status): a build error above, or a crash whose input is under tests/fuzz/artifacts/$t/" >&2
  fi
  rm -f "$log"
  return "$status"
}

if [ "$target" = all ]; then
  for t in $(targets); do run_one "$t"; done
else
  run_one "$target"
fi
