//! Differential: vcnet's Ed25519 batch verification against `verify_strict` one by one. The
//! fuzzer picks keys, messages and tampering (flipped bits, small-order keys and R, swapped
//! keys, non-canonical s); the batch must say true exactly when every item verifies strictly.
#![no_main]

use credentials::verify::batch::verify_batch;
use curve25519_dalek::constants::EIGHT_TORSION;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut items: Vec<(Vec<u8>, Signature, VerifyingKey)> = Vec::new();
    for chunk in data.chunks(8).take(16) {
        let [seed, op, arg, rest @ ..] = chunk else {
            continue;
        };
        let sk = SigningKey::from_bytes(&[*seed; 32]);
        let msg = rest.to_vec();
        let mut sig = sk.sign(&msg).to_bytes();
        let mut vk = sk.verifying_key();
        let mut msg = msg;
        let torsion = EIGHT_TORSION[(*arg % 8) as usize].compress().to_bytes();
        match op % 8 {
            0 => {}
            1 => sig[(*arg as usize) % 64] ^= 1 << (arg % 8),
            2 => msg.push(*arg),
            3 => {
                // A small-order public key with an R chosen by the fuzzer.
                let Ok(k) = VerifyingKey::from_bytes(&torsion) else { continue };
                vk = k;
                sig[..32].copy_from_slice(&torsion);
                sig[32..].fill(0);
            }
            4 => sig[..32].copy_from_slice(&torsion),
            5 => vk = SigningKey::from_bytes(&[arg.wrapping_add(1); 32]).verifying_key(),
            6 => sig[63] |= 0xf0,
            _ => sig[32..].fill(*arg),
        }
        items.push((msg, Signature::from_bytes(&sig), vk));
    }
    if items.is_empty() {
        return;
    }
    let strict = items.iter().all(|(m, s, k)| k.verify_strict(m, s).is_ok());
    let msgs: Vec<&[u8]> = items.iter().map(|(m, _, _)| m.as_slice()).collect();
    let sigs: Vec<Signature> = items.iter().map(|(_, s, _)| *s).collect();
    let keys: Vec<VerifyingKey> = items.iter().map(|(_, _, k)| *k).collect();
    assert_eq!(verify_batch(&msgs, &sigs, &keys), strict, "batch and strict disagree");
});
