//! A verifier's signed presentation request, as scanned from its QR code.
#![no_main]

use std::sync::OnceLock;

use credentials::did::KeyResolver;
use credentials::request::PresentationRequest;
use libfuzzer_sys::fuzz_target;

static KEYS: OnceLock<KeyResolver> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let now = chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default();
    let keys = KEYS.get_or_init(KeyResolver::default);
    assert!(
        PresentationRequest::open(text, keys, now).is_err(),
        "a request the fuzzer made opened"
    );
});
