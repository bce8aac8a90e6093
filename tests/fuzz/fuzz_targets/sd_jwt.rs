//! SD-JWT structure: splitting at `~`, parsing each disclosure, and resolving the disclosures
//! into the payload (depth, count, repeated and swapped digests), before any signature.
#![no_main]

use credentials::sd_jwt::{disclose, Disclosure, SdJwtParts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parts) = SdJwtParts::split(text) else {
        return;
    };
    let disclosures: Vec<Disclosure> = parts
        .disclosures
        .iter()
        .enumerate()
        .filter_map(|(i, d)| Disclosure::parse(d, i).ok())
        .collect();
    // The payload: the JWS's middle part when it is JSON, else the first disclosure's value.
    let payload = parts
        .jws
        .split('.')
        .nth(1)
        .and_then(|p| credentials::b64::decode(p).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_else(|| serde_json::json!({ "_sd": parts.disclosures }));
    let _ = disclose(payload, &disclosures);
});
