//! Ed25519 batch verification (the equation of `ed25519_dalek::verify_batch`), with the terms of
//! a key that signs many items of the batch folded into one.
//!
//! For items `i` with signature `(R_i, s_i)`, key `A_i`, `h_i = SHA-512(R_i ‖ A_i ‖ M_i)` and
//! random 128-bit `z_i`, the batch holds when
//! `[-Σ z_i s_i] B + Σ [z_i] R_i + Σ [z_i h_i] A_i` is the identity (not multiplied by the
//! cofactor, as in ed25519-dalek). Items signed by one issuer share `A`, so
//! `Σ [z_i h_i] A = [Σ z_i h_i] A`: one point instead of one per item. That is exact only when
//! `A` has no torsion component (then `[x mod ℓ] A = [x] A`), so a key is folded only after
//! checking that, and only when it signs at least [`FOLD_MIN`] items (the check costs about as
//! much as the points it saves at that count). Every other key keeps one term per item.
//!
//! The coefficients `z_i` are derived, as in ed25519-dalek, from a hash of every `h_i` and `s_i`:
//! changing any input changes all of them.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha512};

/// Items one key must sign before its terms are folded (see the module comment).
pub const FOLD_MIN: usize = 8;

/// Domain separation for the coefficient derivation.
const TRANSCRIPT_LABEL: &[u8] = b"vcnet ed25519 batch verification v1";

/// One distinct key of the batch.
struct KeyTerm {
    key: VerifyingKey,
    /// Items it signs.
    count: usize,
    /// Σ z_i h_i over its items, when folded.
    sum: Scalar,
    fold: bool,
}

/// True when every `(messages[i], signatures[i], keys[i])` verifies (up to the usual batch
/// verification error probability of 2⁻¹²⁸); false when any does not, or any signature is
/// malformed (non-canonical `s`, `R` not a point), or the slices differ in length. A false batch
/// says nothing about which item is bad: check them one by one.
pub fn verify_batch(messages: &[&[u8]], signatures: &[Signature], keys: &[VerifyingKey]) -> bool {
    let n = signatures.len();
    if messages.len() != n || keys.len() != n {
        return false;
    }
    let mut transcript = Sha512::new();
    transcript.update(TRANSCRIPT_LABEL);
    transcript.update((n as u64).to_le_bytes());
    let mut hrams = Vec::with_capacity(n);
    for i in 0..n {
        let h: [u8; 64] = Sha512::new()
            .chain_update(signatures[i].r_bytes())
            .chain_update(keys[i].as_bytes())
            .chain_update(messages[i])
            .finalize()
            .into();
        transcript.update(h);
        hrams.push(Scalar::from_bytes_mod_order_wide(&h));
    }
    for s in signatures {
        transcript.update(s.s_bytes());
    }
    let seed: [u8; 64] = transcript.finalize().into();

    // Distinct keys, in order of first appearance (few per batch: a linear search is cheapest).
    let mut terms: Vec<KeyTerm> = Vec::new();
    let mut term_of = Vec::with_capacity(n);
    for k in keys {
        match terms.iter().position(|t| t.key.as_bytes() == k.as_bytes()) {
            Some(j) => {
                terms[j].count += 1;
                term_of.push(j);
            }
            None => {
                terms.push(KeyTerm {
                    key: *k,
                    count: 1,
                    sum: Scalar::ZERO,
                    fold: false,
                });
                term_of.push(terms.len() - 1);
            }
        }
    }
    // Strict, as the one-by-one path (`verify_strict`): a key or `R` of small order fails the
    // batch, so the caller's one-by-one re-check names and refuses it.
    let torsion = super::signature::small_order_encodings();
    if terms.iter().any(|t| t.key.to_edwards().is_small_order())
        || signatures.iter().any(|s| torsion.contains(s.r_bytes()))
    {
        return false;
    }
    for t in &mut terms {
        t.fold = t.count >= FOLD_MIN && t.key.to_edwards().is_torsion_free();
    }

    let mut scalars: Vec<Scalar> = Vec::with_capacity(2 * n + 1);
    let mut points: Vec<EdwardsPoint> = Vec::with_capacity(2 * n + 1);
    let mut b_coefficient = Scalar::ZERO;
    for i in 0..n {
        let s: Option<Scalar> = Scalar::from_canonical_bytes(*signatures[i].s_bytes()).into();
        let Some(s) = s else {
            return false;
        };
        let Some(r) = CompressedEdwardsY(*signatures[i].r_bytes()).decompress() else {
            return false;
        };
        let z = coefficient(&seed, i);
        b_coefficient += z * s;
        scalars.push(z);
        points.push(r);
        let zh = z * hrams[i];
        let t = &mut terms[term_of[i]];
        if t.fold {
            t.sum += zh;
        } else {
            scalars.push(zh);
            points.push(t.key.to_edwards());
        }
    }
    for t in terms.iter().filter(|t| t.fold) {
        scalars.push(t.sum);
        points.push(t.key.to_edwards());
    }
    scalars.push(-b_coefficient);
    points.push(ED25519_BASEPOINT_POINT);
    EdwardsPoint::vartime_multiscalar_mul(&scalars, &points).is_identity()
}

/// The 128-bit coefficient of item `i`: the first 16 bytes of SHA-512(seed ‖ i).
fn coefficient(seed: &[u8; 64], i: usize) -> Scalar {
    let h = Sha512::new()
        .chain_update(seed)
        .chain_update((i as u64).to_le_bytes())
        .finalize();
    let mut z = [0u8; 16];
    z.copy_from_slice(&h[..16]);
    Scalar::from(u128::from_le_bytes(z))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    /// `n` items signed by keys `seeds[i % seeds.len()]`.
    fn items(n: usize, seeds: &[u8]) -> (Vec<Vec<u8>>, Vec<Signature>, Vec<VerifyingKey>) {
        let mut msgs = Vec::new();
        let mut sigs = Vec::new();
        let mut keys = Vec::new();
        for i in 0..n {
            let sk = SigningKey::from_bytes(&[seeds[i % seeds.len()]; 32]);
            let m = format!("message {i} {}", "x".repeat(i * 37)).into_bytes();
            sigs.push(sk.sign(&m));
            keys.push(sk.verifying_key());
            msgs.push(m);
        }
        (msgs, sigs, keys)
    }

    fn both(msgs: &[Vec<u8>], sigs: &[Signature], keys: &[VerifyingKey]) -> (bool, bool) {
        let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
        (
            verify_batch(&refs, sigs, keys),
            ed25519_dalek::verify_batch(&refs, sigs, keys).is_ok(),
        )
    }

    #[test]
    fn agrees_with_ed25519_dalek_on_good_and_bad_batches() {
        // One key (folded), a few keys (some folded), all distinct (none folded).
        for seeds in [&[1u8][..], &[1, 2, 3], &(0..64).collect::<Vec<u8>>()[..]] {
            let (msgs, sigs, keys) = items(64, seeds);
            assert_eq!(both(&msgs, &sigs, &keys), (true, true));
            for bad in [0, 17, 63] {
                // Altered message.
                let mut m = msgs.clone();
                m[bad][0] ^= 1;
                assert_eq!(both(&m, &sigs, &keys), (false, false), "message {bad}");
                // Signature of another item.
                let mut s = sigs.clone();
                s[bad] = sigs[(bad + 1) % 64];
                assert_eq!(both(&msgs, &s, &keys), (false, false), "signature {bad}");
                // Another key.
                let mut k = keys.clone();
                k[bad] = SigningKey::from_bytes(&[200; 32]).verifying_key();
                assert_eq!(both(&msgs, &sigs, &k), (false, false), "key {bad}");
            }
        }
        assert!(verify_batch(&[], &[], &[]));
        let (msgs, sigs, keys) = items(2, &[1]);
        let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
        assert!(!verify_batch(&refs, &sigs[..1], &keys));
    }

    #[test]
    fn non_canonical_s_and_non_point_r_fail() {
        let (msgs, sigs, keys) = items(FOLD_MIN, &[1]);
        let mut bytes = sigs[3].to_bytes();
        bytes[63] |= 0xf0; // s ≥ ℓ
        let mut s = sigs.clone();
        s[3] = Signature::from_bytes(&bytes);
        assert_eq!(both(&msgs, &s, &keys), (false, false));
        let mut bytes = sigs[3].to_bytes();
        bytes[..32].copy_from_slice(&[0xff; 32]); // not a point encoding
        s[3] = Signature::from_bytes(&bytes);
        assert!(!both(&msgs, &s, &keys).0);
    }

    #[test]
    fn small_order_keys_and_nonces_fail_the_batch() {
        use curve25519_dalek::constants::EIGHT_TORSION;
        let (msgs, sigs, keys) = items(4, &[7]);
        let refs: Vec<&[u8]> = msgs.iter().map(Vec::as_slice).collect();
        assert!(verify_batch(&refs, &sigs, &keys));
        // A small-order key with s = 0 and R = identity "verifies" any message under the
        // cofactorless equation: the batch must refuse it, as verify_strict does.
        let weak = VerifyingKey::from_bytes(&EIGHT_TORSION[0].compress().to_bytes()).unwrap();
        let identity = EdwardsPoint::default().compress().to_bytes();
        let forged = {
            let mut b = [0u8; 64];
            b[..32].copy_from_slice(&identity);
            Signature::from_bytes(&b)
        };
        let mut k2 = keys.clone();
        let mut s2 = sigs.clone();
        k2[1] = weak;
        s2[1] = forged;
        assert!(!crate::verify::signature::verify_strict(
            &weak, refs[1], &forged
        ));
        assert!(
            !verify_batch(&refs, &s2, &k2),
            "small-order key accepted in a batch"
        );
        // A large-order key whose signature has a small-order R.
        let mut s3 = sigs.clone();
        s3[2] = forged;
        assert!(!verify_batch(&refs, &s3, &keys));
    }

    #[test]
    fn a_key_with_a_torsion_component_is_not_folded() {
        // A + T for a point T of order 8: not torsion-free, so kept as one term per item.
        let a = SigningKey::from_bytes(&[1; 32])
            .verifying_key()
            .to_edwards();
        let t = curve25519_dalek::constants::EIGHT_TORSION[1];
        let mixed = VerifyingKey::from_bytes(&(a + t).compress().to_bytes()).unwrap();
        assert!(!mixed.to_edwards().is_torsion_free());
        let (msgs, sigs, _) = items(FOLD_MIN, &[1]);
        let keys = vec![mixed; FOLD_MIN];
        assert_eq!(both(&msgs, &sigs, &keys), (false, false));
    }
}
