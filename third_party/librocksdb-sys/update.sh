#!/usr/bin/env bash
# Refreshes this directory from an unpacked published librocksdb-sys crate (see README.md,
# "Updating"): the source list, build_version.cc, RocksDB's license files, the sources and
# headers the unity build reads, and src/bindings.rs.
#   update.sh ~/.cargo/registry/src/index.crates.io-*/librocksdb-sys-0.19.0+11.8.1
# Needs clang++ (for the dependency list) and, for the bindings, bindgen-cli with libclang.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(cd "${1:?usage: update.sh PATH-TO-UNPACKED-librocksdb-sys}" && pwd)"
[ -f "$src/rocksdb_lib_sources.txt" ] && [ -f "$src/rocksdb/include/rocksdb/c.h" ] \
  || { echo "update.sh: $src is not an unpacked librocksdb-sys crate" >&2; exit 1; }
lz4="$(ls -d "$(dirname "$src")"/lz4-sys-*/liblz4/lib 2>/dev/null | tail -1 || true)"
[ -n "$lz4" ] || { echo "update.sh: no lz4-sys beside $src (run cargo fetch)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# One translation unit with every library source, as the build makes (in six slices).
grep -v '^util/build_version.cc$' "$src/rocksdb_lib_sources.txt" | sed 's|^|#include "|; s|$|"|' >"$tmp/unity.cc"
echo '#include "build_version.cc"' >>"$tmp/unity.cc"
# The headers read with and without the optional CPU flags, so any target's build finds them.
for cpu in "" "-msse2 -msse4.1 -msse4.2 -mavx2 -mbmi -mlzcnt -mpclmul"; do
  # shellcheck disable=SC2086
  clang++ -M -std=c++20 -include cstdint -DLZ4=1 -DNDEBUG=1 -DHAVE_ALIGNED_NEW -DHAVE_UINT128_EXTENSION \
    -DOS_LINUX -DROCKSDB_PLATFORM_POSIX -DROCKSDB_LIB_IO_POSIX -DROCKSDB_SCHED_GETCPU_PRESENT \
    -DROCKSDB_AUXV_GETAUXVAL_PRESENT -DROCKSDB_FALLOCATE_PRESENT -DROCKSDB_RANGESYNC_PRESENT $cpu \
    -I"$src/rocksdb/include" -I"$src/rocksdb" -I"$src" -I"$lz4" "$tmp/unity.cc" \
    | tr ' \\' '\n\n' | grep "^$src/" | sed "s|^$src/||" >>"$tmp/files"
done
printf '%s\n' rocksdb/include/rocksdb/c.h rocksdb/COPYING rocksdb/LICENSE.Apache \
  rocksdb/LICENSE.leveldb rocksdb/AUTHORS rocksdb_lib_sources.txt >>"$tmp/files"
sort -u -o "$tmp/files" "$tmp/files"

rm -rf "$here/rocksdb"
(cd "$src" && tar -cf - -T "$tmp/files") | (cd "$here" && tar -xf -)
echo "update.sh: copied $(wc -l <"$tmp/files") files from $src"

if ! command -v bindgen >/dev/null; then
  echo "update.sh: no bindgen; src/bindings.rs not regenerated (cargo install bindgen-cli)" >&2
  exit 1
fi
bindgen "$here/rocksdb/include/rocksdb/c.h" --no-derive-debug --blocklist-type max_align_t \
  --ctypes-prefix libc -o "$here/src/bindings.rs"
echo "update.sh: regenerated src/bindings.rs with $(bindgen --version)"
