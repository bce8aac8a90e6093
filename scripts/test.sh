#!/usr/bin/env bash
# The whole test suite: the install script's own tests, unit tests, published vectors (copied into
# credentials/tests/vectors/), integration tests (the adversarial corpus among them), the
# supply-chain checks (cargo deny) and a smoke run of every fuzz target, which also replays every
# input that ever crashed one. Installs what it needs (Debian packages — chromium for the browser
# tests among them —, cargo-deny, cargo-fuzz).
# VCNET_FUZZ_SECONDS sets the seconds per fuzz target (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vcnet-target}"
bash scripts/tests/install-deps.sh
bash scripts/install-deps.sh --browser
cargo build --workspace --all-targets
cargo test --workspace --no-fail-fast
bash scripts/deny.sh
bash scripts/fuzz.sh all "${VCNET_FUZZ_SECONDS:-10}"
