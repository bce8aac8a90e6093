//! The request-response protocols between nodes, their messages and their limits.
//!
//! Every message travels CBOR-encoded inside a Noise-encrypted, peer-authenticated stream, so
//! the remote peer id (and with it the remote did:key, which uses the same Ed25519 key) is
//! proven by the connection itself.

use libp2p::StreamProtocol;

/// Claiming a credential with a one-time code (issuer ← holder).
pub const ISSUE_PROTOCOL: StreamProtocol = StreamProtocol::new("/vcnet/issue/1");
/// Asking a holder for a presentation (verifier → holder).
pub const PRESENT_PROTOCOL: StreamProtocol = StreamProtocol::new("/vcnet/present/1");
/// Fetching missed status list updates (any ← any).
/// Paged status sync (summary pages, then fetches in batches). Version 2: version 1 sent every
/// held list in one request and one answer, and stopped working past about 150 lists.
pub const STATUS_SYNC_PROTOCOL: StreamProtocol = StreamProtocol::new("/vcnet/status-sync/2");

/// A claim request carries a code, a DID and a format: a few hundred bytes. 16 KiB leaves room
/// and stops a peer from making us buffer megabytes.
pub const MAX_REQUEST_BYTES: u64 = 16 * 1024;
/// A sync fetch names up to 64 keys of at most 512 characters each (with their versions).
pub const MAX_SYNC_REQUEST_BYTES: u64 = 64 * 1024;
/// A response carries one credential or presentation (a health record SD-JWT with every
/// disclosure is ~10 KiB) or a status list snapshot plus deltas; 1 MiB bounds it.
pub const MAX_RESPONSE_BYTES: u64 = 1024 * 1024;
/// How long a request may take end to end; a holder deciding by consent policy "ask" needs
/// time for its operator, so presentation requests get longer (see `PRESENT_TIMEOUT`).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub use credentials::wire::{
    ClaimRequest, ClaimResponse, PresentationRequest, PresentationResponse, StatusSyncRequest,
    StatusSyncResponse,
};
