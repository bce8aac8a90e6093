#!/usr/bin/env bash
# Shows each node of the local network: connected peers and the status list versions it holds,
# so convergence after a revocation is visible.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
need_binary
[ -f "$RUN/pids" ] || die "the network is not up (testnet/up.sh starts it)"
while read -r pid id; do
  if ! alive "$pid"; then printf '%-10s DOWN\n' "$id"; continue; fi
  s=$("$BIN" status --data-dir "$RUN/$id" 2>&1) || { printf '%-10s not answering: %s\n' "$id" "$s"; continue; }
  peers=$(echo "$s" | grep -o '"peersConnected": *[0-9]*' | grep -o '[0-9]*$')
  versions=$(echo "$s" | tr -d '\n ' | grep -o '"id":"[^"]*","purpose":"[a-z]*","issuer":"[^"]*","version":[0-9]*' \
    | sed 's/"id":"[^"]*\/\([a-z]*\/[0-9]*\)","purpose":"[a-z]*","issuer":"did:key:\(z6Mk.....\)[^"]*","version":\([0-9]*\)/\2..\/\1=v\3/' | tr '\n' ' ')
  printf '%-10s peers=%-3s lists: %s\n' "$id" "$peers" "${versions:-none}"
done < "$RUN/pids"
