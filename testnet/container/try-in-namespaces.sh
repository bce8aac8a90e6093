#!/usr/bin/env bash
# Tries the container entry point (node.sh) without a container engine: two network
# namespaces joined by a veth pair stand for two hosts, a root authority at 10.77.0.1 and the
# identity agency at 10.77.0.2, each running node.sh as its container would (all interfaces,
# fixed ports 4001 and 8080). Checks that the agency finds the root through the shared
# volume, connects, and receives its accreditation. Needs root (ip netns) and a built vcnode
# (VCNODE, default: the debug build in CARGO_TARGET_DIR). Cleans up after itself.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BIN="${VCNODE:-${CARGO_TARGET_DIR:-$HOME/.cache/vcnet-target}/debug/vcnode}"
[ -x "$BIN" ] || { echo "no vcnode at $BIN (build it, or set VCNODE)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)" >&2; exit 1; }
WORK=$(mktemp -d)
cleanup() {
  pkill -f "vcnode run --data-dir $WORK" 2>/dev/null || true
  ip netns del vcnet-root 2>/dev/null || true
  ip netns del vcnet-agency 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/shared" "$WORK/root" "$WORK/agency" "$WORK/bin"
ln -s "$BIN" "$WORK/bin/vcnode"
ip netns add vcnet-root
ip netns add vcnet-agency
ip link add vcnet-v0 type veth peer name vcnet-v1
ip link set vcnet-v0 netns vcnet-root
ip link set vcnet-v1 netns vcnet-agency
ip -n vcnet-root addr add 10.77.0.1/24 dev vcnet-v0
ip -n vcnet-agency addr add 10.77.0.2/24 dev vcnet-v1
for ns in vcnet-root vcnet-agency; do
  ip -n "$ns" link set lo up
done
ip -n vcnet-root link set vcnet-v0 up
ip -n vcnet-agency link set vcnet-v1 up

export PATH="$WORK/bin:$PATH" VCNET_SHARED="$WORK/shared"
VCNET_DATA="$WORK/root" NODE_ID=root NODE_NAME="National Trust Root" ROLES=root \
  ip netns exec vcnet-root bash "$HERE/node.sh" > "$WORK/root.log" 2>&1 &
VCNET_DATA="$WORK/agency" NODE_ID=agency NODE_NAME="National Identity Agency" \
  ROLES=issuer,verifier KINDS=identity \
  ip netns exec vcnet-agency bash "$HERE/node.sh" > "$WORK/agency.log" 2>&1 &

field() { # NS DATA FIELD: a number from the node's status
  ip netns exec "$1" vcnode status --data-dir "$2/node" 2>/dev/null \
    | grep -o "\"$3\": *[0-9]*" | grep -o '[0-9]*$' || true
}
connected=""
for i in $(seq 1 60); do
  n=$(field vcnet-agency "$WORK/agency" peersConnected)
  if [ -n "$n" ] && [ "$n" -ge 1 ]; then connected=$i; break; fi
  sleep 1
done
[ -n "$connected" ] || { echo "the agency did not connect; logs:"; tail -5 "$WORK"/*.log; exit 1; }
echo "the agency (10.77.0.2) connected to the root ($(cat "$WORK/shared/root.addr")) after ${connected} s"
did=$(grep -o '"did": *"[^"]*"' "$WORK/agency/node/run.json" | sed 's/.*"\([^"]*\)"$/\1/')
ip netns exec vcnet-root vcnode accredit --data-dir "$WORK/root/node" --issuer "$did" \
  --name "National Identity Agency" --kinds identity > /dev/null
for _ in $(seq 1 30); do
  [ "$(field vcnet-agency "$WORK/agency" trusted)" = 1 ] && { echo "the agency holds its accreditation: ok"; exit 0; }
  sleep 1
done
echo "the accreditation did not reach the agency" >&2
exit 1
