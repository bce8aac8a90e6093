//! Status lists and deltas after their signature: an `encodedList` (base64url of GZIP,
//! inflated with a bound), a snapshot's list, and an unsigned delta applied to a list. A delta
//! either applies whole (and the digest matches) or leaves the list untouched.
#![no_main]

use credentials::status::{Bitstring, StatusDelta, StatusList, StatusPurpose, StatusSnapshot, SHARD_BITS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(bits) = Bitstring::decode_bounded(text, SHARD_BITS) {
        assert!(bits.len() <= SHARD_BITS);
        let again = Bitstring::decode_bounded(&bits.encode(), SHARD_BITS).expect("re-decode");
        assert_eq!(again.to_bytes(), bits.to_bytes());
    }
    if let Ok(snap) = serde_json::from_str::<StatusSnapshot>(text) {
        let _ = StatusList::from_snapshot_bounded(&snap, SHARD_BITS);
    }
    if let Ok(delta) = serde_json::from_str::<StatusDelta>(text) {
        let Ok(mut list) = StatusList::new(&delta.list, delta.purpose, &delta.issuer, 1024) else {
            return;
        };
        let before = list.clone();
        match list.apply(&delta) {
            Ok(()) => assert_eq!(list.bits.digest_hex(), delta.digest),
            Err(_) => assert_eq!(list, before, "a refused delta changed the list"),
        }
        let _ = StatusPurpose::parse(text);
    }
});
