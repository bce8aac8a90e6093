//! `vc+cose` (COSE_Sign1 in CBOR) from bytes, and the same bytes as an enveloped data: URL
//! through the whole verifier. Properties: no panic, no unbounded work, and nothing the fuzzer
//! makes verifies (it holds no issuer's key; the trust source trusts no one).
#![no_main]

use std::sync::OnceLock;

use credentials::verify::{Nothing, VerifyOptions};
use credentials::Verifier;
use libfuzzer_sys::fuzz_target;

static VERIFIER: OnceLock<Verifier> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    if let Ok(s1) = credentials::cose::parse(data) {
        // A parsed COSE_Sign1's signature is checked against an unrelated key: never valid.
        let key = credentials::pubkey::PublicKey::Ed25519(
            ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key(),
        );
        assert!(key.verify(&s1.to_be_signed, &s1.signature).is_err());
    }
    let url = credentials::cose::data_url(data);
    let verifier = VERIFIER.get_or_init(Verifier::new);
    let now = chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default();
    let r = verifier.verify(&url, &VerifyOptions::at(now), &Nothing, &Nothing);
    assert!(!r.valid, "an input the fuzzer made verified as valid");
});
