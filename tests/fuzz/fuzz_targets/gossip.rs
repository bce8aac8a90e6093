//! Gossip messages as they arrive on the status and trust topics: the JSON envelope, then the
//! typed JWS inside (snapshot peek and open, delta, accreditation, withdrawal, heartbeat). Nothing the
//! fuzzer makes carries a valid signature, so nothing may open.
#![no_main]

use std::sync::OnceLock;

use credentials::did::KeyResolver;
use credentials::status::{Heartbeat, SignedDelta, SignedHeartbeat, SignedSnapshot, StatusSnapshot};
use credentials::trust::{Accreditation, Withdrawal};
use credentials::wire::GossipMessage;
use libfuzzer_sys::fuzz_target;

static KEYS: OnceLock<KeyResolver> = OnceLock::new();
const ROOT: &str = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK";

fuzz_target!(|data: &[u8]| {
    let keys = KEYS.get_or_init(KeyResolver::default);
    let msg = match serde_json::from_slice::<GossipMessage>(data) {
        Ok(m) => m,
        // Also try the bytes as a bare JWS of each kind.
        Err(_) => match std::str::from_utf8(data) {
            Ok(t) => GossipMessage::Snapshot(t.to_owned()),
            Err(_) => return,
        },
    };
    match msg {
        GossipMessage::Snapshot(jws) => {
            let _ = StatusSnapshot::peek(&jws);
            assert!(SignedSnapshot::open(&jws, keys).is_err());
            assert!(SignedDelta::open(&jws, keys).is_err());
        }
        GossipMessage::Delta(jws) => assert!(SignedDelta::open(&jws, keys).is_err()),
        GossipMessage::Accreditation(jws) => {
            assert!(Accreditation::open(&jws, ROOT, keys).is_err())
        }
        GossipMessage::Withdrawal(jws) => assert!(Withdrawal::open(&jws, ROOT, keys).is_err()),
        GossipMessage::Heartbeat(jws) => {
            let _ = Heartbeat::peek(&jws);
            assert!(SignedHeartbeat::open(&jws, keys).is_err());
        }
    }
});
