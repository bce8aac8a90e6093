#!/usr/bin/env bash
# Runs the W3C / W3C-CCG conformance suites against one running vcnet node.
#
#   VCNET_BASE_URL=https://127.0.0.1:8443 \
#   VCNET_TOKEN="$(cat DATA_DIR/admin.token)" \
#   VCNET_ISSUER_DID=did:key:z6Mk... \
#   VCNET_SUITES_DIR=~/vcnet-suites \
#   scripts/conformance/run-all.sh [suite ...]      # default: all suites
#
# The suites are cloned and installed beside each other in $VCNET_SUITES_DIR by
# scripts/conformance/setup.sh (the commits measured are listed there).
#
# For each suite it writes <suite>/localConfig.cjs from configs/<suite>.localConfig.cjs (the
# config reads the VCNET_* variables at run time; no token is written to disk), runs the suite's
# own `npm test` (with --ignore-scripts, so no pre/post hooks such as the ECDSA suite's
# `npm update` run), and saves stdout+stderr to results/<suite>.txt with pass/fail counts at the
# end. results/SUMMARY.txt collects the counts.
#
# Optional:
#   VCNET_VERIFY_CHECKS=proof        options.checks where a suite takes them from the config
#   VCNET_STATUS_VERIFY_CHECKS=proof,status   same, for the Bitstring Status List suite
#   VCNET_JWT=0                      leave out the JWT issuer/verifier entries (VC-API suites)
#   VCNET_ENVELOPING=1               register vc+jwt endpoints under EnvelopingProof (VCDM 2.0)
#   VCNET_VERIFIER_VC_VERSIONS=1.1,2.0   supports.vc of the ECDSA verifier entry
#   VCNET_JOSE_FEATURES=...          features claimed in the JOSE/COSE suite
#   VCNET_VCNODE=/path/to/vcnode     vcnode binary for the JOSE/COSE suite (CLI, not HTTP)
#   VCNET_TLS_VERIFY=1               do not set NODE_TLS_REJECT_UNAUTHORIZED=0
#   VCNET_SUITE_TIMEOUT=1800         seconds per suite
#   VCNET_RESULTS_DIR=DIR            where the outputs go ($VCNET_SUITES_DIR/results)
set -u
here=$(cd "$(dirname "$0")" && pwd)
suites_dir=${VCNET_SUITES_DIR:-$HOME/vcnet-suites}
all_suites=(
  vc-data-model-2.0-test-suite
  vc-di-eddsa-test-suite
  vc-di-ecdsa-test-suite
  vc-bitstring-status-list-test-suite
  did-key-test-suite
  vc-api-issuer-test-suite
  vc-api-verifier-test-suite
  vc-jose-cose-test-suite
)
if [ $# -gt 0 ]; then suites=("$@"); else suites=("${all_suites[@]}"); fi

: "${VCNET_BASE_URL:?set VCNET_BASE_URL, e.g. https://127.0.0.1:8443}"
: "${VCNET_TOKEN:?set VCNET_TOKEN (the node data dir's admin.token)}"
: "${VCNET_ISSUER_DID:?set VCNET_ISSUER_DID (the node's DID)}"
export VCNET_BASE_URL=${VCNET_BASE_URL%/} VCNET_TOKEN VCNET_ISSUER_DID
# vc-test-suite-implementations already uses an agent with rejectUnauthorized: false; this
# also covers the suites' own fetches (status lists, documents) against a self-signed node.
[ "${VCNET_TLS_VERIFY:-0}" = 1 ] || export NODE_TLS_REJECT_UNAUTHORIZED=0
# the VC-API verifier suite's 11-vc-jwt.js issues its JWT VC with the implementation so named
export ISSUER_NAME_JWT=${ISSUER_NAME_JWT:-vcnet} ISSUER_NAME=${ISSUER_NAME:-vcnet}
export ISSUER_NAME_JCS=${ISSUER_NAME_JCS:-vcnet}
# no browser / update checks
export NO_UPDATE_NOTIFIER=1 npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false

results=${VCNET_RESULTS_DIR:-$suites_dir/results}
mkdir -p "$results"
summary="$results/SUMMARY.txt"
{ echo "run $(date -u +%FT%TZ) against $VCNET_BASE_URL as $VCNET_ISSUER_DID"; } >>"$summary"

# a quick reachability check (not fatal: the JOSE/COSE suite does not need the node)
if command -v curl >/dev/null; then
  code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 5 "$VCNET_BASE_URL/health" || true)
  [ "$code" = 200 ] || echo "warning: $VCNET_BASE_URL/health answered '${code:-nothing}'" >&2
fi
case "$VCNET_BASE_URL" in
  http:*) echo "warning: plain http: the VCDM 2.0 suite then posts with Node's http module and" \
    "sends no Authorization header, so its issuance calls get 401; use the node's HTTPS (vcnode init --tls)" >&2 ;;
esac

node_major=$(node -p 'process.versions.node.split(".")[0]')

for suite in "${suites[@]}"; do
  dir="$suites_dir/$suite"
  out="$results/$suite.txt"
  if [ ! -d "$dir/node_modules" ]; then
    echo "$suite: not installed (run npm install in $dir)" | tee "$out" >>"$summary"; continue
  fi
  cp "$here/configs/$suite.localConfig.cjs" "$dir/localConfig.cjs"
  extra=()
  path=$PATH
  log="$dir/suite.log"
  case "$suite" in
    vc-jose-cose-test-suite)
      log="$dir/reports/suite.log"
      path="$here/jose-cose-adapter:$PATH"
      export JOSE_SUITE_DIR="$dir"
      rm -f "$dir"/tests/output/*.json
      # implementations/index.js uses iterator helpers (Map#values().map), Node >= 22 only;
      # mocha passes --v8-* flags on to V8
      [ "$node_major" -ge 22 ] || extra=(-- --v8-harmony-iterator-helpers)
      ;;
  esac
  rm -f "$log"
  echo "== $suite ($(date -u +%T))"
  (
    cd "$dir" && PATH=$path timeout "${VCNET_SUITE_TIMEOUT:-1800}" \
      npm test --ignore-scripts "${extra[@]}"
  ) >"$out" 2>&1
  rc=$?
  {
    echo
    echo "exit code: $rc$([ $rc = 124 ] && echo ' (timed out)')"
    node "$here/count-results.mjs" "$log" "$out"
    echo "HTML report: $dir/reports/index.html"
  } >>"$out" 2>&1
  { echo "-- $suite (exit $rc)"; sed -n '/^==== summary ====/,$p' "$out" | grep -v '^====' | grep -v '^HTML report'; } >>"$summary"
  tail -n 4 "$out"
done
echo "results in $results/ (summary: $summary)"
