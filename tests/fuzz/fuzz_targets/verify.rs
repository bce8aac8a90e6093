//! Format detection and decoding of every format the verifier takes (VC JSON with Data
//! Integrity, vc+jwt, SD-JWT, presentations, enveloped credentials, `VC1:` QR text), through
//! the whole pipeline, alone and on the batched path. Properties: no panic (a panic aborts
//! here, before the pipeline's own containment could catch it), nothing the fuzzer makes is
//! valid (it holds no key of a trusted issuer; the trust source trusts no one), and the single
//! and batched paths agree.
#![no_main]

use std::sync::OnceLock;

use credentials::verify::{Nothing, VerifyOptions};
use credentials::Verifier;
use libfuzzer_sys::fuzz_target;

static VERIFIER: OnceLock<Verifier> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let verifier = VERIFIER.get_or_init(Verifier::new);
    let now = chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default();
    let mut opts = VerifyOptions::at(now);
    if mode & 1 == 1 {
        opts.require_presentation = true;
        opts.challenge = Some("fuzz-challenge-0123456789".into());
    }
    if mode & 2 == 2 {
        opts.domain = Some("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK".into());
    }
    let one = verifier.verify(text, &opts, &Nothing, &Nothing);
    assert!(!one.valid, "an input the fuzzer made verified as valid");
    let batched = verifier.verify_each_batched(&[(text, &opts)], &Nothing, &Nothing);
    assert_eq!(batched.len(), 1);
    assert_eq!(batched[0].valid, one.valid);
    assert_eq!(batched[0].first_failure(), one.first_failure());
});
