//! Wallet export files: the JSON envelope, its Argon2id costs (bounded before any derivation),
//! and decryption with a passphrase. Nothing the fuzzer makes may decrypt.
#![no_main]

use credentials::vault::Envelope;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(env) = serde_json::from_slice::<Envelope>(data) {
        assert!(env.open("correct horse battery staple").is_err());
    }
});
