//! The request-response messages as a peer's bytes reach the node's CBOR codec.
#![no_main]

use credentials::wire::{
    ClaimRequest, ClaimResponse, GossipMessage, PresentationRequest, PresentationResponse,
    StatusSyncRequest, StatusSyncResponse,
};
use libfuzzer_sys::fuzz_target;

fn roundtrip<T>(data: &[u8])
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    if let Ok(v) = cbor4ii::serde::from_slice::<T>(data) {
        let again = cbor4ii::serde::to_vec(Vec::new(), &v).expect("re-encode");
        let back: T = cbor4ii::serde::from_slice(&again).expect("decode what was encoded");
        assert_eq!(back, v);
    }
}

fuzz_target!(|data: &[u8]| {
    roundtrip::<ClaimRequest>(data);
    roundtrip::<ClaimResponse>(data);
    roundtrip::<PresentationRequest>(data);
    roundtrip::<PresentationResponse>(data);
    roundtrip::<StatusSyncRequest>(data);
    roundtrip::<StatusSyncResponse>(data);
    let _ = serde_json::from_slice::<GossipMessage>(data);
});
