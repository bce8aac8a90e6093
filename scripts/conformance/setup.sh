#!/usr/bin/env bash
# Clones the public W3C / W3C-CCG conformance suites at the commits vcnet was measured against
# into $VCNET_SUITES_DIR (default ~/vcnet-suites) and installs their npm dependencies, as
# implementers do. Needs git access to github.com and the npm registry; nothing here is part of
# vcnet's build or tests. Then start a node with HTTPS and run scripts/conformance/run-all.sh.
set -euo pipefail
dir=${VCNET_SUITES_DIR:-$HOME/vcnet-suites}
mkdir -p "$dir"
while read -r name repo commit; do
  [ -n "$name" ] || continue
  if [ ! -d "$dir/$name/.git" ]; then
    git clone --quiet "https://github.com/$repo" "$dir/$name"
  fi
  git -C "$dir/$name" checkout --quiet "$commit"
  echo "$name @ $commit: npm install"
  (cd "$dir/$name" && npm install --no-audit --no-fund --loglevel=error)
done <<'LIST'
vc-data-model-2.0-test-suite w3c/vc-data-model-2.0-test-suite 6e075243825f50c79017de4a27089d329c093d0f
vc-di-eddsa-test-suite w3c/vc-di-eddsa-test-suite a62061b23892deb44dbad67a0315d403fdf09440
vc-di-ecdsa-test-suite w3c/vc-di-ecdsa-test-suite 070efa34139e0918eb6ca86ab59033322803af3e
vc-bitstring-status-list-test-suite w3c/vc-bitstring-status-list-test-suite 5cdc5625948470d1f3b8b615e0771c013dc9029e
did-key-test-suite w3c-ccg/did-key-test-suite 870e9647c0996c6bbade60b87a72eca055382d39
vc-api-issuer-test-suite w3c-ccg/vc-api-issuer-test-suite 4aa46e285c24cf1f5afa5bb808bb086a39524f22
vc-api-verifier-test-suite w3c-ccg/vc-api-verifier-test-suite 41541eeb9c31215d32403f4fe32bb441fbbf141e
vc-jose-cose-test-suite w3c/vc-jose-cose-test-suite ff6be51dc4d3c373dfaffa9a634cf751faf5285a
LIST
echo "suites in $dir; next: scripts/conformance/run-all.sh (see its header)"
