#!/usr/bin/env bash
# The vc-jose-cose-test-suite CLI contract, answered with vcnet's own CLI:
#   vcnet-adapter.sh issue|verify --input F --key VM.json --feature F [--sd JSON] --output OUT.json
# OUT.json gets {"result": "success"|"failure"|"error", "data": "..."}; the suite compares
# only `result` with the test's expected result.
#   issue:  vcnode sign --key VM.json --in F --format jwt|sd-jwt|cose
#           (signed as the verification method's id and controller; an `issuer` naming anyone
#            else is refused; --sd disclosure paths are not used: every subject claim is
#            disclosable)
#   verify: vcnode verify --key VM.json --skip trust --skip status --json F (exit 0 = success;
#           a COSE input, base64 text, is handed over as a data:application/vc+cose URL,
#           or vp+cose for a presentation)
# VCNET_VCNODE names the vcnode binary (default: vcnode on PATH, then the default target dir).
set -u
fn=${1:-}; shift || true
input= key= feature= output= sd=
while [ $# -gt 0 ]; do
  case "$1" in
    --input) input=$2; shift 2 ;;
    --key) key=$2; shift 2 ;;
    --feature) feature=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    --sd) sd=$2; shift 2 ;;
    *) shift ;;
  esac
done
vcnode=${VCNET_VCNODE:-$(command -v vcnode || true)}
for c in "$vcnode" "${CARGO_TARGET_DIR:-$HOME/.cache/vcnet-target}/release/vcnode" \
         "${CARGO_TARGET_DIR:-$HOME/.cache/vcnet-target}/debug/vcnode"; do
  [ -n "$c" ] && [ -x "$c" ] && { vcnode=$c; break; }
done
write() { # result data
  node -e 'require("fs").writeFileSync(process.argv[1], JSON.stringify({result: process.argv[2], data: process.argv[3]}, null, 2))' "$output" "$1" "$2"
}
[ -n "$output" ] || { echo "vcnet-adapter: --output missing" >&2; exit 2; }
if [ -z "$vcnode" ] || [ ! -x "$vcnode" ]; then write error "vcnode binary not found (set VCNET_VCNODE)"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
case "$fn" in
  issue)
    case "$feature" in
      *_jose) fmt=jwt ;;
      *_sdjwt) fmt=sd-jwt ;;
      *_cose) fmt=cose ;;
      *) write error "unknown feature $feature"; exit 0 ;;
    esac
    if "$vcnode" sign --key "$key" --in "$input" --format "$fmt" --out "$tmp/out" 2>"$tmp/err"; then
      write success "$(cat "$tmp/out")"
    else
      write failure "$(cat "$tmp/err")"
    fi
    ;;
  verify)
    in="$input"
    case "$feature" in
      presentation_cose) printf 'data:application/vp+cose;base64,%s' "$(tr -d '\n' < "$input")" > "$tmp/in.txt"; in="$tmp/in.txt" ;;
      presentation_cose) printf 'data:application/vp+cose;base64,%s' "$(tr -d '\n' < "$input")" > "$tmp/in.txt"; in="$tmp/in.txt" ;;
      *_cose) printf 'data:application/vc+cose;base64,%s' "$(tr -d '\n' < "$input")" > "$tmp/in.txt"; in="$tmp/in.txt" ;;
    esac
    if "$vcnode" verify --key "$key" --skip trust --skip status --json "$in" >"$tmp/out" 2>"$tmp/err"; then
      write success "$(cat "$tmp/out")"
    else
      write failure "$(cat "$tmp/out" "$tmp/err")"
    fi
    ;;
  *) write error "unknown function $fn" ;;
esac
exit 0
