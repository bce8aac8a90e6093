#!/usr/bin/env bash
# Plays the whole story on the network testnet/up.sh started, one line of narration per step,
# each step checked: a step that does not give the expected result stops the demo with a clear
# message and a non-zero exit. With no network up, it starts one first (testnet/up.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if [ ! -f "$RUN/pids" ]; then
  "$HERE/up.sh" "$@"
fi
need_binary
V() { "$BIN" "$@"; }
n=0
step() { n=$((n+1)); printf '\n[%2d] %s\n' "$n" "$*"; }
fail() { echo "DEMO FAILED at step $n: $*" >&2; exit 1; }
did() { node_field "$1" did; }
peer() { node_field "$1" peerId; }
has_node() { grep -q "^$1|" "$RUN/nodes.txt"; }
now_ms() { date +%s%3N; }

# --- accreditation
step "The root authority accredits each issuer for its kinds"
while IFS='|' read -r id roles name kinds consent http isroot unaccredited; do
  [[ ",$roles," == *",issuer,"* ]] || continue
  [ "$unaccredited" = unaccredited ] && { echo "     (not accrediting $name)"; continue; }
  V accredit --data-dir "$RUN/root" --issuer "$(did "$id")" --name "$name" --kinds "$kinds" > /dev/null || fail "accrediting $id"
  echo "     accredited $name for $kinds"
done < "$RUN/nodes.txt"

step "Every node receives the accreditations by gossip"
want=$(grep -c '|issuer' "$RUN/nodes.txt" || true)
want=$((want - $(grep -c '|unaccredited$' "$RUN/nodes.txt" || true)))
for _ in $(seq 1 100); do
  got=$(V status --data-dir "$RUN/clinic" | grep -o '"trusted": *[0-9]*' | grep -o '[0-9]*$')
  [ "$got" -ge "$want" ] && break
  sleep 0.1
done
[ "$got" -ge "$want" ] || fail "the clinic holds $got accreditations, expected $want"
echo "     the clinic holds $got accreditations"

# --- identity credentials
step "The identity agency imports the residents registry extract (6 citizens)"
V records import --data-dir "$RUN/agency" --kind identity "$REPO/schemas/records/citizens.jsonl" --codes-out "$RUN/agency-codes.json" || fail "import"
mapfile -t CODES < <(grep -o '"[^"]*"' "$RUN/agency-codes.json" | grep -v ':' | tr -d '"')
[ "${#CODES[@]}" -ge 2 ] || fail "expected claim codes, got ${#CODES[@]}"

mapfile -t CITIZENS < <(grep -o '^citizen[0-9]*' "$RUN/nodes.txt")
[ "${#CITIZENS[@]}" -ge 2 ] || fail "the topology needs at least citizen1 and citizen2"
step "${#CITIZENS[@]} citizens claim their identity credentials with their claim codes"
declare -A IDCRED
i=0
for c in "${CITIZENS[@]}"; do
  out=$(V claim --data-dir "$RUN/$c" --issuer "$(peer agency)" --code "${CODES[$i]}") || fail "$c could not claim"
  IDCRED[$c]=$(echo "$out" | grep -o '"id": *"[^"]*"' | head -1 | sed 's/.*"\(urn[^"]*\)"/\1/')
  echo "     $c holds ${IDCRED[$c]}"
  i=$((i+1))
done
if V claim --data-dir "$RUN/citizen2" --issuer "$(peer agency)" --code "${CODES[0]}" > /dev/null 2>&1; then fail "a used claim code worked twice"; fi
echo "     a used claim code is refused"

# --- health and study records
step "Bach Mai Hospital issues a health record to citizen1"
V records import --data-dir "$RUN/bachmai" --kind health "$REPO/schemas/health/samples/valid/03-child-immunizations.json" --codes-out "$RUN/bachmai-codes.json" > /dev/null || fail "health import"
code=$(grep -o '"[^"]*"' "$RUN/bachmai-codes.json" | grep -v ':' | tr -d '"' | head -1)
V claim --data-dir "$RUN/citizen1" --issuer "$(peer bachmai)" --code "$code" > /dev/null || fail "health claim"
echo "     citizen1 holds a HealthRecordCredential"

step "Hanoi University of Science and Technology issues a study record to citizen1"
V records import --data-dir "$RUN/hust" --kind study "$REPO/schemas/study/samples/valid/02-master-graduated.json" --codes-out "$RUN/hust-codes.json" > /dev/null || fail "study import"
code=$(grep -o '"[^"]*"' "$RUN/hust-codes.json" | grep -v ':' | tr -d '"' | head -1)
STUDY=$(V claim --data-dir "$RUN/citizen1" --issuer "$(peer hust)" --code "$code" | grep -o '"id": *"[^"]*"' | head -1 | sed 's/.*"\(urn[^"]*\)"/\1/') || fail "study claim"
echo "     citizen1 holds $STUDY"

# --- presenting
step "Citizen1 presents name and date of birth to the clinic, which accepts"
out=$(V request-presentation --data-dir "$RUN/clinic" --from "$(peer citizen1)" --kind identity --claims fullName,dateOfBirth) || { echo "$out"; fail "the clinic refused a valid presentation"; }
echo "$out" | sed 's/^/     /' | head -6
echo "$out" | grep -q personalIdentificationNumber && fail "more was disclosed than asked"

# --- QR codes at the counter
step "Citizen1 shows name and date of birth as a QR code; the clinic scans the image and verifies it offline"
V qr --data-dir "$RUN/citizen1" --kind identity --claims fullName,dateOfBirth --valid-for 10m --out "$RUN/citizen1-id.png" 2> "$RUN/qr.txt" || { cat "$RUN/qr.txt"; fail "making the QR code"; }
sed 's/^/     /' "$RUN/qr.txt"
out=$(V verify "$RUN/citizen1-id.png" --data-dir "$RUN/clinic") || { echo "$out"; fail "the clinic refused a valid QR code"; }
echo "$out" | grep -E "^issuer|fullName|dateOfBirth|status" | sed 's/^/     /'
echo "$out" | grep -q placeOfResidence && fail "the QR code disclosed more than chosen"

step "Citizen1 proves being over 18 without a birth date"
V qr --data-dir "$RUN/citizen1" --kind identity --claims ageOver18 --out "$RUN/citizen1-age.png" 2> "$RUN/qr-age.txt" || fail "age QR"
grep QR "$RUN/qr-age.txt" | sed 's/^/     /'
out=$(V verify "$RUN/citizen1-age.png" --data-dir "$RUN/clinic") || { echo "$out"; fail "age QR refused"; }
echo "$out" | grep -q dateOfBirth && fail "the age proof disclosed the birth date"
echo "$out" | grep ageOver18 | sed 's/^/     /'

step "The clinic shows a signed request for one immunization; citizen1 answers it as a QR code"
V request-qr --data-dir "$RUN/clinic" --kind health --claims 'immunizations[0]' --out "$RUN/clinic-request.png" 2> "$RUN/request.txt" || { cat "$RUN/request.txt"; fail "request QR"; }
sed 's/^/     /' "$RUN/request.txt"
V qr --data-dir "$RUN/citizen1" --request "$RUN/clinic-request.png" --out "$RUN/citizen1-health.png" 2> "$RUN/qr-health.txt" || { cat "$RUN/qr-health.txt"; fail "answering the request"; }
grep QR "$RUN/qr-health.txt" | sed 's/^/     /'
out=$(V verify "$RUN/citizen1-health.png" --data-dir "$RUN/clinic" --request "$RUN/clinic-request.png") || { echo "$out"; fail "the clinic refused the answer to its own request"; }
echo "$out" | grep -E "challenge|domain" | sed 's/^/     /'
if out=$(V verify "$RUN/citizen1-health.png" --data-dir "$RUN/hust"); then fail "another verifier accepted a QR made for the clinic"; fi
echo "     shown to the university instead, it is refused: $(echo "$out" | grep domain | sed 's/^ *//')"

# --- revocation
step "The identity agency revokes citizen1's identity credential"
t0=$(now_ms)
V revoke --data-dir "$RUN/agency" "${IDCRED[citizen1]}" > /dev/null || fail "revoke"
step "The clinic refuses the same presentation as revoked"
refused=0
for _ in $(seq 1 100); do
  if out=$(V request-presentation --data-dir "$RUN/clinic" --from "$(peer citizen1)" --kind identity --claims fullName,dateOfBirth); then
    sleep 0.05; continue
  fi
  echo "$out" | grep -q "revoked" && { refused=1; break; }
  fail "refused, but not as revoked: $out"
done
t1=$(now_ms)
[ "$refused" = 1 ] || fail "the clinic still accepts a revoked credential"
echo "     refused as revoked $((t1 - t0)) ms after the revoke call (incl. the presentation round trip)"
echo "$out" | grep status | sed 's/^/     /'
step "The QR code citizen1 made before the revocation is now refused at the counter, offline"
if out=$(V verify "$RUN/citizen1-id.png" --data-dir "$RUN/clinic"); then fail "the clinic accepted a revoked credential's QR code"; fi
echo "$out" | grep -q revoked || fail "QR refused, but not as revoked: $out"
echo "$out" | grep status | sed 's/^/     /'

# --- suspension
step "The university suspends citizen1's study record; the clinic refuses it as suspended"
V revoke --data-dir "$RUN/hust" "$STUDY" --suspend > /dev/null || fail "suspend"
ok=0
for _ in $(seq 1 100); do
  out=$(V request-presentation --data-dir "$RUN/clinic" --from "$(peer citizen1)" --kind study --claims programme) && { sleep 0.05; continue; }
  echo "$out" | grep -q suspended && { ok=1; break; }
  fail "refused, but not as suspended: $out"
done
[ "$ok" = 1 ] || fail "the suspended record is still accepted"
echo "     refused: suspended"
step "The university reinstates it; the clinic accepts it again"
V revoke --data-dir "$RUN/hust" "$STUDY" --reinstate > /dev/null || fail "reinstate"
ok=0
for _ in $(seq 1 100); do
  if V request-presentation --data-dir "$RUN/clinic" --from "$(peer citizen1)" --kind study --claims programme > /dev/null; then ok=1; break; fi
  sleep 0.05
done
[ "$ok" = 1 ] || fail "the reinstated record is refused"
echo "     accepted"

# --- unaccredited issuer
if has_node rogue; then
  step "An unaccredited node issues an 'identity' to citizen2; the clinic refuses it"
  V records import --data-dir "$RUN/rogue" --kind identity "$REPO/schemas/identity/samples/valid/03-sex-unspecified.json" --codes-out "$RUN/rogue-codes.json" > /dev/null || fail "rogue import"
  code=$(grep -o '"[^"]*"' "$RUN/rogue-codes.json" | grep -v ':' | tr -d '"' | head -1)
  V claim --data-dir "$RUN/citizen2" --issuer "$(peer rogue)" --code "$code" > /dev/null || fail "rogue claim"
  if out=$(V request-presentation --data-dir "$RUN/clinic" --from "$(peer citizen2)" --kind identity --claims fullName); then fail "the clinic accepted an unaccredited issuer"; fi
  echo "$out" | grep -q "not accredited" || fail "refused, but not as unaccredited: $out"
  echo "$out" | grep issuer_accredited | sed 's/^/     /'
fi

echo
echo "DEMO PASSED: $n steps. testnet/status.sh shows each node's status list versions."
