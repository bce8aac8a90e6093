//! What phone wallets and OpenID4VC peers send: credential offer links, key proofs, request
//! links and request objects, encrypted responses, DCQL queries, and the claims of the two
//! wallet formats' views (SD-JWT VC, VCDM 1.1 JWT). None may panic; nothing the fuzzer makes
//! may pass a signature or decrypt.
#![no_main]

use credentials::oid4vp::ResponseKey;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const ISSUER: &str = "https://agency.example";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = credentials::oid4vci::parse_offer(text);
    assert!(credentials::oid4vci::check_proof(text, ISSUER, 1_800_000_000).is_err());
    let _ = credentials::oid4vp::parse_invocation(text);
    assert!(credentials::oid4vp::verify_request_object(
        text,
        "decentralized_identifier:did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "https://v.example/oid4vp/request/1",
        1_800_000_000,
    )
    .is_err());
    let key = ResponseKey::from_bytes(&[7u8; 32], "k").expect("a valid scalar");
    assert!(key.decrypt(text).is_err());
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        let _ = credentials::oid4vp::asked_credentials(&v);
        let _ = credentials::jwt_vc_json::vcdm_view(&v);
        if let Value::Object(m) = &v {
            let _ = credentials::sd_jwt_vc::vcdm_view(m, text);
        }
    }
});
