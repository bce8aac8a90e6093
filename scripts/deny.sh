#!/usr/bin/env bash
# Supply-chain checks with cargo deny: advisories (RustSec), licenses, bans (ed25519-dalek 1.x,
# did-key, wildcards; duplicate versions listed) and sources (crates.io only), for the workspace
# and for the fuzz targets' own lock file. Installs cargo-deny when missing.
#
#   scripts/deny.sh                    check (what .ci/run runs)
#   scripts/deny.sh --refresh-snapshot replace the offline advisory snapshot (needs github.com)
#
# Advisories come from the live RustSec database when github.com is reachable, else from the
# snapshot in scripts/supply-chain/advisory-db (its SNAPSHOT.md says which commit and date);
# the script says which it used.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cfg="$here/scripts/supply-chain/deny.toml"
snapshot="$here/scripts/supply-chain/advisory-db"
CARGO_DENY_VERSION=0.20.2
DB_URL=https://github.com/rustsec/advisory-db

if ! cargo deny --version 2>/dev/null | grep -q "$CARGO_DENY_VERSION"; then
  echo "installing cargo-deny $CARGO_DENY_VERSION"
  cargo install --locked "cargo-deny@$CARGO_DENY_VERSION"
fi

online=0
if timeout 10 git ls-remote "$DB_URL" HEAD >/dev/null 2>&1; then online=1; fi

if [ "${1:-}" = --refresh-snapshot ]; then
  [ "$online" = 1 ] || { echo "github.com is not reachable: cannot refresh the snapshot" >&2; exit 1; }
  tmp="$(mktemp -d)"
  git clone -q --depth 1 "$DB_URL" "$tmp/db"
  rm -rf "$snapshot/crates"
  cp -r "$tmp/db/crates" "$tmp/db/LICENSE.txt" "$snapshot/"
  commit="$(git -C "$tmp/db" rev-parse HEAD)" date="$(git -C "$tmp/db" show -s --format=%cI HEAD)"
  sed -i "s/commit \`[0-9a-f]*\` (committed [^)]*)/commit \`$commit\` (committed $date)/" "$snapshot/SNAPSHOT.md"
  rm -rf "$tmp"
  echo "snapshot refreshed to $commit ($date)"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
config="$work/deny.toml"
if [ "$online" = 1 ]; then
  echo "advisories: the live RustSec database"
  cp "$cfg" "$config"
  offline=()
else
  # cargo deny opens its database as a git checkout under db-path, in a folder named for the
  # URL; the snapshot becomes a one-commit repository dated as its source commit.
  date="$(sed -n 's/.*(committed \([^)]*\)).*/\1/p' "$snapshot/SNAPSHOT.md")"
  echo "advisories: github.com unreachable; the snapshot of $date (scripts/supply-chain/advisory-db)"
  db="$work/dbs/advisory-db-3157b0e258782691"
  mkdir -p "$db"
  cp -r "$snapshot/crates" "$snapshot/LICENSE.txt" "$db/"
  (cd "$db" && git init -q && git add -A &&
    GIT_AUTHOR_DATE="$date" GIT_COMMITTER_DATE="$date" \
      git -c user.name=vcnet -c user.email=ci@vcnet.invalid commit -qm snapshot)
  sed "s|^db-urls = |db-path = \"$work/dbs\"\ndb-urls = |" "$cfg" > "$config"
  # Every package of every target must be in cargo's cache before an offline run.
  offline=(--offline)
fi

status=0
for manifest in "$here/Cargo.toml" "$here/tests/fuzz/Cargo.toml"; do
  echo "cargo deny: ${manifest#"$here/"}"
  cargo fetch --locked --manifest-path "$manifest" >/dev/null 2>&1 || cargo fetch --manifest-path "$manifest" >/dev/null
  # Errors in full; warnings (duplicate versions, unmaintained crates) counted, not listed.
  log="$work/log"
  cargo deny "${offline[@]}" --manifest-path "$manifest" --config "$config" \
    check --hide-inclusion-graph advisories bans licenses sources >"$log" 2>&1 || status=$?
  awk '/^error/{p=1} /^warning/{p=0} p' "$log"
  echo "  $(grep -c '^warning\[duplicate\]' "$log" || true) crates in two or more versions (warnings; \`cargo deny check bans\` lists them)"
  tail -n 1 "$log"
done
exit "$status"
