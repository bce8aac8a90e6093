#!/usr/bin/env bash
# Starts a local vcnet network from a topology file (default: testnet/topology.toml): one
# `vcnode run` process per node, each with its own data dir and log, wired by bootstrap
# addresses and the root authority's pinned DID. Waits until every node is up and connected
# (by asking the nodes), then prints a table. Running it again says the network is already up.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
TOPO="${1:-$HERE/topology.toml}"
[ -f "$TOPO" ] || die "topology file $TOPO not found"

if [ -f "$RUN/pids" ]; then
  up=0; total=0
  while read -r pid id; do total=$((total+1)); alive "$pid" && up=$((up+1)); done < "$RUN/pids"
  if [ "$up" -gt 0 ]; then
    echo "the network is already up ($up of $total nodes running; testnet/status.sh shows it, testnet/down.sh stops it)"
    exit 0
  fi
  rm -f "$RUN/pids"
fi

if [ -z "${VCNODE:-}" ]; then
  bash "$REPO/scripts/install-deps.sh"
  echo "building vcnode (a cold build takes about 8 minutes on 2 cores)..."
  (cd "$REPO" && cargo build --workspace --quiet) || die "build failed"
fi
need_binary

mkdir -p "$RUN"
"$BIN" topology --file "$TOPO" > "$RUN/nodes.txt" || die "malformed topology file $TOPO (see the message above)"

fail_node() { # ID MESSAGE
  echo "error: node $1 $2; last lines of $RUN/$1.log:" >&2
  log_tail "$1" >&2
  echo "stop what was started with testnet/down.sh" >&2
  exit 1
}

wait_run_file() { # ID PID
  for _ in $(seq 1 300); do
    [ -f "$RUN/$1/run.json" ] && return 0
    # kill -0 only: just after the fork the child may not have exec'd vcnode yet.
    kill -0 "$2" 2>/dev/null || fail_node "$1" "exited during start"
    sleep 0.1
  done
  fail_node "$1" "did not start within 30 s"
}

ROOT_DID=""
BOOT=""
while IFS='|' read -r id roles name kinds consent http isroot unaccredited; do
  dir="$RUN/$id"
  # Each node's keys (and a holder's wallet) are encrypted at rest under its own passphrase,
  # kept beside the data dir, readable only by its owner.
  pass="$RUN/$id.passphrase"
  if [ ! -f "$pass" ]; then
    (umask 077; head -c 24 /dev/urandom | base64 > "$pass")
  fi
  if [ ! -f "$dir/config.toml" ]; then
    args=(--data-dir "$dir" --name "$name" --roles "$roles" --consent "$consent" --passphrase-file "$pass")
    [ -n "$kinds" ] && args+=(--issue-kinds "$kinds")
    [ -n "$ROOT_DID" ] && args+=(--root-did "$ROOT_DID")
    did=$("$BIN" init "${args[@]}") || die "could not initialise node $id"
    if [ "$isroot" = root ]; then
      sed -i "s|^# root_did = .*|root_did = \"$did\"|" "$dir/config.toml"
    fi
    if [ -n "$http" ]; then
      sed -i "s|^http_listen = .*|http_listen = \"$http\"|" "$dir/config.toml"
    fi
  fi
  if [ "$isroot" = root ]; then
    ROOT_DID=$(grep -o '^root_did = "[^"]*"' "$dir/config.toml" | sed 's/.*"\(.*\)"/\1/')
  fi
  rm -f "$dir/run.json"
  peer_args=()
  [ -n "$BOOT" ] && peer_args=(--peer "$BOOT")
  "$BIN" run --data-dir "$dir" --passphrase-file "$pass" "${peer_args[@]}" > "$RUN/$id.out" 2> "$RUN/$id.log" &
  pid=$!
  echo "$pid $id" >> "$RUN/pids"
  if [ "$isroot" = root ]; then
    wait_run_file "$id" "$pid"
    BOOT=$(grep -o '"/ip4/[^"]*/tcp/[^"]*"' "$dir/run.json" | head -1 | tr -d '"')
    [ -n "$BOOT" ] || fail_node "$id" "has no TCP listen address"
  fi
done < "$RUN/nodes.txt"

# Wait until every node runs and has at least one connected peer (asked, not assumed).
while read -r pid id; do
  wait_run_file "$id" "$pid"
  ok=0
  for _ in $(seq 1 300); do
    alive "$pid" || fail_node "$id" "exited"
    n=$("$BIN" status --data-dir "$RUN/$id" 2>/dev/null | grep -o '"peersConnected": *[0-9]*' | grep -o '[0-9]*$' || true)
    if [ -n "$n" ] && [ "$n" -ge 1 ]; then ok=1; break; fi
    sleep 0.1
  done
  [ "$ok" = 1 ] || fail_node "$id" "did not connect to any peer within 30 s"
done < "$RUN/pids"

printf '%-10s %-20s %-44s %-54s %-22s %s\n' ID ROLES NAME "PEER ID / DID" HTTP LOG
while IFS='|' read -r id roles name _rest; do
  printf '%-10s %-20s %-44s %-54s %-22s %s\n' "$id" "$roles" "$name" "$(node_field "$id" peerId)" "$(node_field "$id" http)" "$RUN/$id.log"
  printf '%-10s %-20s %-44s %-54s\n' "" "" "" "$(node_field "$id" did)"
done < "$RUN/nodes.txt"
echo "network up: $(wc -l < "$RUN/pids") nodes. testnet/demo.sh plays the story; testnet/down.sh stops it."
