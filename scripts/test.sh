#!/usr/bin/env bash
# The whole test suite: the install script's own tests, unit tests, published vectors (copied into
# credentials/tests/vectors/), integration tests. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vcnet-target}"
bash scripts/tests/install-deps.sh
bash scripts/install-deps.sh
cargo build --workspace --all-targets
cargo test --workspace --no-fail-fast
