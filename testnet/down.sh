#!/usr/bin/env bash
# Stops the processes testnet/up.sh started (by their recorded process ids, nothing else) and
# keeps the data dirs, or wipes them with --wipe.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
WIPE=0
[ "${1:-}" = "--wipe" ] && WIPE=1
stopped=0
if [ -f "$RUN/pids" ]; then
  while read -r pid id; do
    if alive "$pid"; then kill -TERM "$pid" 2>/dev/null && stopped=$((stopped+1)); fi
  done < "$RUN/pids"
  for _ in $(seq 1 100); do
    left=0
    while read -r pid id; do alive "$pid" && left=$((left+1)); done < "$RUN/pids"
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  while read -r pid id; do alive "$pid" && kill -KILL "$pid" 2>/dev/null || true; done < "$RUN/pids"
  rm -f "$RUN/pids"
fi
echo "stopped $stopped nodes"
if [ "$WIPE" = 1 ] && [ -d "$RUN" ]; then
  rm -rf "$RUN"
  echo "wiped $RUN"
fi
