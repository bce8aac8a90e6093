//! The vcnet node: the `vcnode` command line, and (as the node grows) its RocksDB store,
//! libp2p networking, issuer/holder/verifier roles and HTTP API. The rules themselves live in
//! the `credentials` crate; this crate does the I/O around them.

pub mod api;
pub mod cli;
pub mod config;
pub mod http_client;
pub mod issuer_state;
pub mod local_net;
pub mod metrics;
pub mod net;
pub mod qr;
pub mod roles;
pub mod runtime;
pub mod store;
pub mod tls;
