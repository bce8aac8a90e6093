//! The IETF Token Status List of each of this issuer's shards, for SD-JWT VC holders and
//! verifiers outside vcnet: a `statuslist+jwt` at `{status_base}/tsl/{shard}`, derived on
//! request from the shard's revocation and suspension lists (the ones gossip carries), two
//! bits per entry, signed by the issuer.

use credentials::pubkey::SecretKey;
use credentials::status::token_list::{
    sign_status_list_token, status_list_token_claims, TokenStatusList,
};
use credentials::status::StatusPurpose;

use super::{Node, NodeError};

/// Seconds a holder of a Status List Token may keep it before fetching it again (`ttl`), and
/// how long it stays valid (`exp`). vcnet's own verifiers never fetch it: gossip brings them
/// every change of the underlying lists.
pub const TOKEN_TTL_SECONDS: u64 = 300;
const TOKEN_VALID_SECONDS: i64 = 24 * 3600;

/// The path segment of the token lists under the issuer's status base.
const TSL_SEGMENT: &str = "tsl";

impl Node {
    /// The URL of shard `shard`'s Token Status List (`status.status_list.uri` of an SD-JWT VC).
    pub fn token_status_list_url(&self, shard: u32) -> String {
        format!("{}/{TSL_SEGMENT}/{shard}", self.status_base)
    }

    /// The shard a URL names, when it is exactly one of this node's Token Status List URLs
    /// (`…/tsl/3`, not `…/tsl/03` or `…/tsl/+3`: the token's `sub` must be the URL asked for).
    pub fn token_status_list_shard(&self, url: &str) -> Option<u32> {
        let segment = url
            .strip_prefix(self.status_base.as_str())?
            .strip_prefix('/')?
            .strip_prefix(TSL_SEGMENT)?
            .strip_prefix('/')?;
        let shard: u32 = segment.parse().ok()?;
        (shard.to_string() == segment).then_some(shard)
    }

    /// Shard `shard`'s Token Status List Token, signed now: `sub` its URL, `iat`, `exp`,
    /// `ttl`, and the two-bit list (revoked `1`, suspended `2`). Only the issuer of the shard's
    /// lists has it; a shard it never opened is not found.
    pub async fn token_status_list(&self, shard: u32) -> Result<String, NodeError> {
        let uri = self.token_status_list_url(shard);
        let not_found = || NodeError::NotFound(format!("no token status list {uri}"));
        let own = |purpose| {
            self.replicator
                .with_list(&self.list_url(purpose, shard), |l| {
                    (l.issuer == self.identity.did()).then(|| l.bits.clone())
                })
                .flatten()
        };
        let revocation = own(StatusPurpose::Revocation).ok_or_else(not_found)?;
        let suspension = own(StatusPurpose::Suspension).ok_or_else(not_found)?;
        let id = self.identity.clone();
        tokio::task::spawn_blocking(move || {
            let list = TokenStatusList::from_bitstrings(&revocation, &suspension);
            let now = chrono::Utc::now().timestamp();
            let claims = status_list_token_claims(
                &uri,
                &list,
                now,
                now + TOKEN_VALID_SECONDS,
                TOKEN_TTL_SECONDS,
            );
            sign_status_list_token(
                &claims,
                &SecretKey::Ed25519(id.signing_key().clone()),
                id.verification_method(),
            )
        })
        .await
        .map_err(NodeError::task)
    }
}
