#!/bin/bash
# Entry point of a vcnet container: initialises the node on first start (from the environment),
# then runs it. The root authority publishes its DID and its libp2p address on the shared
# volume (/shared); every other node waits for them, pins the root's DID and bootstraps from it.
# (The root removes a stale address before it starts.)
#
#   NODE_ID     short name, also the container's host name on the compose network
#   NODE_NAME   display name announced to peers
#   ROLES       root (the root authority: a verifier that pins itself) | issuer,verifier |
#               holder | verifier
#   KINDS       for issuers: identity, health, study
#   CONSENT     for holders: auto or ask (default auto)
# The node's passphrase is generated on first start into /data/passphrase (mode 0600).
set -euo pipefail
: "${NODE_ID:?set NODE_ID}" "${NODE_NAME:?set NODE_NAME}" "${ROLES:?set ROLES}"
# (VCNET_DATA and VCNET_SHARED move the two volumes, to try the script outside a container.)
DATA="${VCNET_DATA:-/data}/node"
PASS="${VCNET_DATA:-/data}/passphrase"
SHARED="${VCNET_SHARED:-/shared}"

if [ ! -f "$PASS" ]; then
  (umask 077; head -c 24 /dev/urandom | base64 > "$PASS")
fi

is_root=false
[ "$ROLES" = root ] && is_root=true

if [ ! -f "$DATA/config.toml" ]; then
  roles=$ROLES
  $is_root && roles=verifier
  args=(--data-dir "$DATA" --name "$NODE_NAME" --roles "$roles" --consent "${CONSENT:-auto}" --passphrase-file "$PASS")
  [ -n "${KINDS:-}" ] && args+=(--issue-kinds "$KINDS")
  if ! $is_root; then
    echo "waiting for the root authority's DID on $SHARED…"
    until [ -s "$SHARED/root.did" ]; do sleep 1; done
    args+=(--root-did "$(cat "$SHARED/root.did")")
  fi
  did=$(vcnode init "${args[@]}")
  cfg="$DATA/config.toml"
  # Reachable from the other containers: all interfaces, fixed ports, lists named by host.
  sed -i 's|^listen = .*|listen = ["/ip4/0.0.0.0/tcp/4001", "/ip4/0.0.0.0/udp/4001/quic-v1"]|' "$cfg"
  sed -i 's|^http_listen = .*|http_listen = "0.0.0.0:8080"|' "$cfg"
  sed -i "s|^# status_base_url = .*|status_base_url = \"http://$NODE_ID:8080/status/$did\"|" "$cfg"
  if $is_root; then
    sed -i "s|^# root_did = .*|root_did = \"$did\"|" "$cfg"
    echo "$did" > "$SHARED/root.did.tmp" && mv "$SHARED/root.did.tmp" "$SHARED/root.did"
  fi
fi

peer_args=()
if ! $is_root; then
  echo "waiting for the root authority's address on $SHARED…"
  until [ -s "$SHARED/root.addr" ]; do sleep 1; done
  peer_args=(--peer "$(cat "$SHARED/root.addr")")
fi
rm -f "$DATA/run.json"
$is_root && rm -f "$SHARED/root.addr"
vcnode run --data-dir "$DATA" --passphrase-file "$PASS" "${peer_args[@]}" &
pid=$!
if $is_root; then
  until [ -f "$DATA/run.json" ]; do
    kill -0 "$pid" 2>/dev/null || { wait "$pid"; exit 1; }
    sleep 0.2
  done
  peer=$(grep -o '"peerId": *"[^"]*"' "$DATA/run.json" | sed 's/.*"\([^"]*\)"$/\1/')
  # vcnode dials IP multiaddrs (its libp2p has no DNS transport): the root's address on the
  # compose network, written again at every start.
  ip=$(hostname -I | awk '{print $1}')
  echo "/ip4/$ip/tcp/4001/p2p/$peer" > "$SHARED/root.addr.tmp" && mv "$SHARED/root.addr.tmp" "$SHARED/root.addr"
fi
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT
wait "$pid"
