# Shared helpers of the testnet scripts. Sourced, not run.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
RUN="${VCNET_TESTNET_DIR:-$HERE/run}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vcnet-target}"
BIN="${VCNODE:-$CARGO_TARGET_DIR/debug/vcnode}"

die() { echo "error: $*" >&2; exit 1; }

# json_str FILE KEY: the first string value of "KEY" in a JSON file.
json_str() { grep -o "\"$2\": *\"[^\"]*\"" "$1" | head -1 | sed 's/.*: *"\(.*\)"/\1/'; }

# node_field ID KEY: a field of a running node's run.json.
node_field() { json_str "$RUN/$1/run.json" "$2"; }

# alive PID: whether a recorded process still runs (and is a vcnode).
alive() { kill -0 "$1" 2>/dev/null && grep -q vcnode "/proc/$1/cmdline" 2>/dev/null; }

# log_tail ID: the last lines of a node's log, indented.
log_tail() { tail -n 15 "$RUN/$1.log" 2>/dev/null | sed 's/^/    /'; }

need_binary() {
  [ -x "$BIN" ] || die "vcnode binary not found at $BIN (run testnet/up.sh, which builds it, or set VCNODE)"
}
