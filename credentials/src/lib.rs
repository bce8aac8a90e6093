//! The rules of vcnet, with no sockets, storage or async runtime: `did:key` identities,
//! credential kinds and their schemas, issuing W3C Verifiable Credentials (VC Data Model 2.0) as
//! Data Integrity `eddsa-rdfc-2022`, `vc+jwt` and `vc+sd-jwt`, presenting them, verifying them
//! through one pipeline of named checks, Bitstring Status Lists with signed deltas, and the root
//! authority's accreditations; the encryption of secrets at rest ([`vault`]) and the messages
//! nodes exchange ([`wire`]), so that everything decoding outside bytes is here, testable and
//! fuzzable without a node.
//!
//! Time and randomness are inputs: nothing here reads the clock, and only the vault draws from
//! the operating system's RNG (its salts, keys and nonces).

pub mod b64;
pub mod blank_nodes;
pub mod compact;
pub mod cose;
pub mod cryptosuite;
pub mod data_integrity;
pub mod data_model;
pub mod did;
pub mod did_key;
pub mod did_key_document;
pub mod issue;
pub mod jose;
pub mod jwt_vc_json;
pub mod kind;
pub mod oid4vci;
pub mod oid4vp;
pub mod prepare;
pub mod present;
pub mod pubkey;
pub mod replication;
pub mod request;
pub mod schema;
pub mod sd_jwt;
pub mod sd_jwt_vc;
pub mod status;
pub mod time;
pub mod trust;
pub mod vault;
pub mod verify;
pub mod wire;

pub use did::Identity;
pub use issue::{CredentialRequest, Format, Issued};
pub use kind::CredentialKind;
pub use verify::{VerificationReport, Verifier, VerifyOptions};
