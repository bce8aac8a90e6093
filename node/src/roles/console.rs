//! What the issuer console shows: issued credentials found by a search, with their current
//! status and history; each of this issuer's status lists with how many connected peers hold
//! its current version (asked over the sync protocol, never assumed); and the root authority's
//! accreditations.

use std::time::Duration;

use credentials::status::StatusPurpose;
use credentials::wire::{StatusSyncRequest, StatusSyncResponse};
use serde::Serialize;

use super::{Node, NodeError};
use crate::store::{IssuedEntry, StatusChange};

/// Entries a search looks at, at most (a national issuer holds millions).
pub const SEARCH_SCAN_CAP: usize = 200_000;
/// Entries a search answers, at most.
pub const SEARCH_LIMIT_MAX: usize = 500;
/// Peers asked what they hold, at most.
const HOLDERS_PEERS_MAX: usize = 64;
/// Summary pages read from one peer, at most.
const HOLDERS_PAGES_MAX: usize = 16;
/// How long one peer has to answer.
const HOLDERS_PEER_DEADLINE: Duration = Duration::from_secs(3);

/// One issued credential as the console lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedView {
    /// Credential id.
    pub credential_id: String,
    /// Kind (short name), when a vcnet kind.
    #[schema(value_type = Option<String>, example = "identity")]
    pub kind: Option<&'static str>,
    /// Holder DID.
    pub holder: Option<String>,
    /// Format (`di`, `jwt`, `sd-jwt`, `cose`).
    #[schema(value_type = String, example = "sd-jwt")]
    pub format: credentials::Format,
    /// The record it came from.
    pub record_id: Option<String>,
    /// RFC 3339.
    pub issued_at: String,
    /// `active`, `suspended` or `revoked` (as this issuer's own lists say now).
    #[schema(value_type = String, example = "active")]
    pub status: &'static str,
    /// Status changes with their reasons, oldest first.
    pub status_changes: Vec<StatusChange>,
}

/// A search's answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedPage {
    /// What matched, in credential id order.
    pub items: Vec<IssuedView>,
    /// The scan stopped at [`SEARCH_SCAN_CAP`] entries: there may be more matches.
    pub truncated: bool,
}

/// One of this issuer's lists and who holds it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListHolding {
    /// List URL.
    pub id: String,
    /// Its purpose (`revocation`, `suspension`).
    #[schema(value_type = String, example = "revocation")]
    pub purpose: StatusPurpose,
    /// The current version.
    pub version: u64,
    /// Peers that answered holding this version (or later).
    pub peers_current: usize,
    /// Peers that answered holding an older version.
    pub peers_behind: usize,
    /// Peers that answered without the list.
    pub peers_without: usize,
}

/// The lists and how many peers were asked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListHoldings {
    /// Connected peers asked.
    pub peers_asked: usize,
    /// Of those, how many answered in time.
    pub peers_answered: usize,
    /// Each own list.
    pub lists: Vec<ListHolding>,
}

/// An accreditation as the root authority's console lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccreditationView {
    /// Issuer DID.
    pub issuer: String,
    /// Accredited name.
    pub name: String,
    /// Kinds it may issue (short names).
    #[schema(value_type = Vec<String>)]
    pub kinds: Vec<&'static str>,
    /// RFC 3339.
    pub valid_from: String,
    /// RFC 3339, if limited.
    pub valid_until: Option<String>,
    /// When withdrawn (RFC 3339), if it was.
    pub withdrawn: Option<String>,
}

impl Node {
    /// Issued credentials whose id, holder, record id or kind contains `query` (case
    /// insensitive; an empty query lists from the first), at most `limit`.
    pub fn search_issued(&self, query: &str, limit: usize) -> Result<IssuedPage, NodeError> {
        let q = query.trim().to_lowercase();
        let limit = limit.clamp(1, SEARCH_LIMIT_MAX);
        let hit = |e: &IssuedEntry| {
            q.is_empty()
                || e.credential_id.to_lowercase().contains(&q)
                || e.holder
                    .as_deref()
                    .is_some_and(|h| h.to_lowercase().contains(&q))
                || e.record_id
                    .as_deref()
                    .is_some_and(|r| r.to_lowercase().contains(&q))
                || e.kind.is_some_and(|k| k.short_name() == q)
        };
        let (found, truncated) = self.store.issued_matching(hit, limit, SEARCH_SCAN_CAP)?;
        let items = found
            .into_iter()
            .map(|e| IssuedView {
                status: self.status_word(&e),
                credential_id: e.credential_id,
                kind: e.kind.map(|k| k.short_name()),
                holder: e.holder,
                format: e.format,
                record_id: e.record_id,
                issued_at: e.issued_at,
                status_changes: e.status_changes,
            })
            .collect();
        Ok(IssuedPage { items, truncated })
    }

    /// `revoked`, `suspended` or `active`, from this issuer's lists in memory.
    fn status_word(&self, e: &IssuedEntry) -> &'static str {
        let bit = |purpose: StatusPurpose| {
            let url = e.list_url(purpose);
            self.replicator
                .with_list(&url, |l| l.bits.get(e.index).unwrap_or(false))
                .unwrap_or(false)
        };
        if bit(StatusPurpose::Revocation) {
            "revoked"
        } else if bit(StatusPurpose::Suspension) {
            "suspended"
        } else {
            "active"
        }
    }

    /// This issuer's lists, and for each how many connected peers hold its current version:
    /// each peer (at most [`HOLDERS_PEERS_MAX`], concurrently, [`HOLDERS_PEER_DEADLINE`] each)
    /// is asked for the part of its sync summary that covers these lists.
    pub async fn list_holdings(&self) -> Result<ListHoldings, NodeError> {
        let mut own = self.replicator.owned_heads(self.identity.did());
        own.sort();
        let peers: Vec<libp2p::PeerId> = self
            .net
            .peers()
            .await?
            .into_iter()
            .filter(|p| p.connected)
            .filter_map(|p| p.peer_id.parse().ok())
            .take(HOLDERS_PEERS_MAX)
            .collect();
        let prefix = format!("list:{}", self.status_base);
        let asks = peers.iter().map(|peer| {
            let prefix = prefix.clone();
            async move {
                tokio::time::timeout(HOLDERS_PEER_DEADLINE, self.lists_held_by(*peer, &prefix))
                    .await
                    .ok()
                    .flatten()
            }
        });
        let answers: Vec<std::collections::HashMap<String, u64>> = futures::future::join_all(asks)
            .await
            .into_iter()
            .flatten()
            .map(|held| held.into_iter().collect())
            .collect();
        let lists = own
            .into_iter()
            .map(|(id, purpose, version)| {
                let key = format!("list:{id}");
                let mut h = ListHolding {
                    id,
                    purpose,
                    version,
                    peers_current: 0,
                    peers_behind: 0,
                    peers_without: 0,
                };
                for held in &answers {
                    match held.get(&key) {
                        Some(v) if *v >= version => h.peers_current += 1,
                        Some(_) => h.peers_behind += 1,
                        None => h.peers_without += 1,
                    }
                }
                h
            })
            .collect();
        Ok(ListHoldings {
            peers_asked: peers.len(),
            peers_answered: answers.len(),
            lists,
        })
    }

    /// The summary entries under `prefix` one peer holds, or `None` if it did not answer.
    async fn lists_held_by(
        &self,
        peer: libp2p::PeerId,
        prefix: &str,
    ) -> Option<Vec<(String, u64)>> {
        let mut out = Vec::new();
        let mut after = Some(prefix.to_owned());
        for _ in 0..HOLDERS_PAGES_MAX {
            let req = StatusSyncRequest::Summary {
                after: after.clone(),
            };
            let StatusSyncResponse::Summary { items, next } =
                self.net.status_sync(peer, req).await.ok()?
            else {
                return None;
            };
            let past = items.iter().any(|(k, _)| !k.starts_with(prefix));
            out.extend(items.into_iter().filter(|(k, _)| k.starts_with(prefix)));
            match next {
                Some(n) if !past => after = Some(n),
                _ => break,
            }
        }
        Some(out)
    }

    /// Every accreditation this node holds, with its withdrawal if any, by name.
    pub fn accreditations(&self) -> Vec<AccreditationView> {
        let mut out: Vec<AccreditationView> = self
            .replicator
            .accreditations()
            .into_iter()
            .map(|(a, w)| AccreditationView {
                issuer: a.issuer,
                name: a.name,
                kinds: a.kinds.iter().map(|k| k.short_name()).collect(),
                valid_from: a.valid_from,
                valid_until: a.valid_until,
                withdrawn: w.map(|w| w.withdrawn),
            })
            .collect();
        out.sort_by(|x, y| x.name.cmp(&y.name));
        out
    }
}
