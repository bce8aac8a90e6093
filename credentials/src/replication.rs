//! The replication rules of status lists and accreditations, with no I/O: what a replica does
//! with a signed snapshot, delta, accreditation or withdrawal — store it, ignore it, reject it,
//! or sync first. The node keeps one [`Replica`] in memory, persists each [`Update`] before
//! committing it, and is its only writer; the seeded simulation in `tests/replication.rs`
//! drives the same rules through lost, repeated and reordered messages.
//!
//! The rules:
//! - A list lives under its issuer's DID and belongs to that issuer forever.
//! - Only lists of issuers whose accreditation is in force are replicated (without a pinned
//!   root authority, every issuer's).
//! - A delta applies to exactly the previous version, all or nothing (owner, version, digest);
//!   a newer one means versions are missing (a gap: sync). A snapshot replaces an older copy.
//! - Versions never go backwards, and a revocation list never loses a set bit (revocation is
//!   permanent): a delta or snapshot that would clear one is rejected.
//! - Accreditations and withdrawals of one issuer share one version sequence: only a strictly
//!   newer message applies.
//! - A list is *confirmed* current as of the owner's time on the newest signed message that
//!   says so: the change or snapshot that produced the held version, or a heartbeat whose
//!   digest matches every held list of the owner. A heartbeat that does not match means this
//!   replica is behind: it is still relayed (it is valid), and the replica syncs.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::did::{did_fragment, KeyResolver};
use crate::status::{
    lists_digest, DeltaCheck, Heartbeat, SignedDelta, SignedHeartbeat, SignedSnapshot, StatusList,
    StatusPurpose, StatusSnapshot,
};
use crate::trust::{supersedes, Accreditation, TrustEntry, Withdrawal};
use crate::wire::GossipMessage;

/// What a replica decides about one message. Gossip maps it to gossipsub's verdicts:
/// `Stored` → Accept, `Reject` → Reject (sender scored down), `Ignore` → Ignore, `Gap` →
/// Ignore and sync with the sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Valid and stored.
    Stored,
    /// Valid but not applied: duplicate, old, or not applicable yet.
    Ignore(&'static str),
    /// Versions are missing before it (or the list is unknown): sync first.
    Gap,
    /// Valid and stored (relay it), but it shows this replica is behind its owner: sync.
    Behind,
    /// Invalid: bad signature, not the owner, bad digest, malformed, clears a revocation.
    Reject(String),
}

/// An issuer's trust record: the latest accreditation and, once withdrawn, the withdrawal,
/// each with the signed message that carried it (what a node relays to peers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustState {
    pub accreditation: Accreditation,
    pub accreditation_jws: String,
    pub withdrawal: Option<(Withdrawal, String)>,
}

impl TrustState {
    /// The versions it holds: the accreditation's and, when withdrawn, the withdrawal's.
    pub fn versions(&self) -> (u64, Option<u64>) {
        (
            self.accreditation.version,
            self.withdrawal.as_ref().map(|(w, _)| w.version),
        )
    }

    /// As the verification pipeline sees it.
    pub fn entry(&self) -> TrustEntry {
        TrustEntry {
            accreditation: self.accreditation.clone(),
            withdrawn: self.withdrawal.as_ref().map(|(w, _)| w.withdrawn.clone()),
        }
    }
}

/// A change a replica accepted, to persist before it is committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Update {
    /// A list at a new version, with the message that produced it.
    List {
        list: StatusList,
        /// The owner's time on that message (when the version was confirmed current).
        confirmed: Option<DateTime<Utc>>,
        /// The owner-signed snapshot it came from (kept to relay to peers).
        snapshot: Option<String>,
        /// The owner-signed delta it came from (appended to the list's log).
        delta: Option<String>,
    },
    /// An issuer's trust record.
    Trust(TrustState),
    /// An owner's newer heartbeat, and whether this replica's lists of that owner match it.
    Heartbeat(BeatState),
}

/// An owner's latest heartbeat as a replica holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeatState {
    pub heartbeat: Heartbeat,
    /// The signed message (relayed to peers that sync).
    pub jws: String,
    /// `issued`, parsed and capped at the receiver's clock.
    pub at: DateTime<Utc>,
    /// Whether the replica's lists of the owner hash to its digest.
    pub matched: bool,
}

/// How far ahead of this node's clock a heartbeat's time may be before it is refused.
pub const MAX_HEARTBEAT_AHEAD_SECS: i64 = 300;

/// One node's replicated state: every held status list (decoded) and trust record.
#[derive(Debug, Clone, Default)]
pub struct Replica {
    /// The pinned root authority; `None` replicates every issuer's lists.
    root: Option<String>,
    lists: HashMap<String, StatusList>,
    trust: HashMap<String, TrustState>,
    /// When each held list's version was last confirmed current (owner's clock).
    confirmed: HashMap<String, DateTime<Utc>>,
    /// Each owner's latest heartbeat.
    beats: HashMap<String, BeatState>,
}

impl Replica {
    /// An empty replica trusting accreditations signed by `root`.
    pub fn new(root: Option<String>) -> Self {
        Self {
            root,
            ..Self::default()
        }
    }

    /// A held list.
    pub fn list(&self, id: &str) -> Option<&StatusList> {
        self.lists.get(id)
    }

    /// Every held list.
    pub fn lists(&self) -> impl Iterator<Item = &StatusList> {
        self.lists.values()
    }

    /// When a held list's version was last confirmed current by its owner.
    pub fn confirmed(&self, id: &str) -> Option<DateTime<Utc>> {
        self.confirmed.get(id).copied()
    }

    /// An owner's latest heartbeat.
    pub fn beat(&self, issuer: &str) -> Option<&BeatState> {
        self.beats.get(issuer)
    }

    /// Every owner's latest heartbeat.
    pub fn beats(&self) -> impl Iterator<Item = &BeatState> {
        self.beats.values()
    }

    /// An issuer's trust record.
    pub fn trust(&self, issuer: &str) -> Option<&TrustState> {
        self.trust.get(issuer)
    }

    /// Every trust record.
    pub fn trust_all(&self) -> impl Iterator<Item = &TrustState> {
        self.trust.values()
    }

    /// Whether `issuer`'s lists are replicated at `now`.
    pub fn accredited(&self, issuer: &str, now: DateTime<Utc>) -> bool {
        self.root.is_none()
            || self
                .trust
                .get(issuer)
                .is_some_and(|t| t.entry().active_at(now).is_ok())
    }

    /// Decides what to do with `msg` without changing anything: `Ok` is the update to persist
    /// and then [`Replica::commit`]; `Err` is every other verdict.
    pub fn check(
        &self,
        msg: &GossipMessage,
        keys: &KeyResolver,
        now: DateTime<Utc>,
    ) -> Result<Update, Verdict> {
        match msg {
            GossipMessage::Snapshot(jws) => self.check_snapshot(jws, keys, now),
            GossipMessage::Delta(jws) => self.check_delta(jws, keys, now),
            GossipMessage::Accreditation(jws) => self.check_accreditation(jws, keys),
            GossipMessage::Withdrawal(jws) => self.check_withdrawal(jws, keys),
            GossipMessage::Heartbeat(jws) => self.check_heartbeat(jws, keys, now),
        }
    }

    /// Makes an accepted update part of the state (after it was persisted).
    pub fn commit(&mut self, update: Update) {
        match update {
            Update::List {
                list, confirmed, ..
            } => {
                let issuer = list.issuer.clone();
                self.insert_list(list, confirmed);
                // A sync that brings this replica level with the owner's latest heartbeat
                // confirms every list the heartbeat covers.
                if self.beats.get(&issuer).is_some_and(|b| !b.matched) && self.matches(&issuer) {
                    if let Some(b) = self.beats.get_mut(&issuer) {
                        b.matched = true;
                        let at = b.at;
                        self.confirm_all(&issuer, at);
                    }
                }
            }
            Update::Trust(t) => self.insert_trust(t),
            Update::Heartbeat(b) => self.insert_beat(b),
        }
    }

    /// [`Replica::check`] then [`Replica::commit`], for callers with nothing to persist.
    pub fn apply(
        &mut self,
        msg: &GossipMessage,
        keys: &KeyResolver,
        now: DateTime<Utc>,
    ) -> Verdict {
        match self.check(msg, keys, now) {
            Ok(u) => {
                let verdict = verdict_of(&u);
                self.commit(u);
                verdict
            }
            Err(v) => v,
        }
    }

    /// Loads a list as it was persisted (at start), or the owner's own change, confirmed
    /// current at `confirmed`.
    pub fn insert_list(&mut self, list: StatusList, confirmed: Option<DateTime<Utc>>) {
        if let Some(at) = confirmed {
            self.confirm(&list.id, at);
        }
        self.lists.insert(list.id.clone(), list);
    }

    /// Loads a heartbeat as it was persisted (at start), or stores a newer one: when the held
    /// lists of its owner match it, they are all confirmed at its time.
    pub fn insert_beat(&mut self, mut b: BeatState) {
        let issuer = b.heartbeat.issuer.clone();
        b.matched = self.matches_beat(&b.heartbeat);
        if b.matched {
            self.confirm_all(&issuer, b.at);
        }
        self.beats.insert(issuer, b);
    }

    fn confirm(&mut self, id: &str, at: DateTime<Utc>) {
        let c = self.confirmed.entry(id.to_owned()).or_insert(at);
        *c = (*c).max(at);
    }

    fn confirm_all(&mut self, issuer: &str, at: DateTime<Utc>) {
        let ids: Vec<String> = self
            .lists
            .values()
            .filter(|l| l.issuer == issuer)
            .map(|l| l.id.clone())
            .collect();
        for id in ids {
            self.confirm(&id, at);
        }
    }

    fn matches(&self, issuer: &str) -> bool {
        self.beats
            .get(issuer)
            .is_some_and(|b| self.matches_beat(&b.heartbeat))
    }

    fn matches_beat(&self, h: &Heartbeat) -> bool {
        let (count, digest) = lists_digest(self.lists.values().filter(|l| l.issuer == h.issuer));
        count == h.lists && digest == h.digest
    }

    /// Loads a trust record as it was persisted (at start).
    pub fn insert_trust(&mut self, t: TrustState) {
        self.trust.insert(t.accreditation.issuer.clone(), t);
    }

    fn check_snapshot(
        &self,
        jws: &str,
        keys: &KeyResolver,
        now: DateTime<Utc>,
    ) -> Result<Update, Verdict> {
        // Cheap checks first, on the unverified body: nothing is verified, hashed or inflated
        // for a list not under its issuer's DID, of an issuer not accredited, not newer than
        // the one held, or larger than one shard.
        let peek = StatusSnapshot::peek(jws).map_err(|e| Verdict::Reject(e.to_string()))?;
        under_did(&peek.list, &peek.issuer)?;
        if !self.accredited(&peek.issuer, now) {
            return Err(Verdict::Ignore("issuer not accredited (yet)"));
        }
        let held = self.lists.get(&peek.list);
        match held {
            Some(h) if h.issuer != peek.issuer => {
                return Err(Verdict::Reject(format!("list belongs to {}", h.issuer)))
            }
            Some(h) if h.version >= peek.version => {
                return Err(Verdict::Ignore("old or duplicate snapshot"))
            }
            _ => {}
        }
        let (_, list) =
            SignedSnapshot::open(jws, keys).map_err(|e| Verdict::Reject(e.to_string()))?;
        if let Some(h) = held {
            if h.purpose != list.purpose {
                return Err(Verdict::Reject(format!(
                    "snapshot says list {} is a {} list; it is a {} list",
                    list.id, list.purpose, h.purpose
                )));
            }
            if let Some(reason) = clears_revocations(h, &list) {
                return Err(Verdict::Reject(reason));
            }
        }
        let confirmed = owner_time(&peek.issued, now);
        Ok(Update::List {
            list,
            confirmed,
            snapshot: Some(jws.to_owned()),
            delta: None,
        })
    }

    fn check_delta(
        &self,
        jws: &str,
        keys: &KeyResolver,
        now: DateTime<Utc>,
    ) -> Result<Update, Verdict> {
        let signed = SignedDelta::open(jws, keys).map_err(|e| Verdict::Reject(e.to_string()))?;
        let d = &signed.delta;
        under_did(&d.list, &d.issuer)?;
        // A delta of an issuer not accredited is never applied, and must not start a sync
        // with its sender either.
        if !self.accredited(&d.issuer, now) {
            return Err(Verdict::Ignore("issuer not accredited (yet)"));
        }
        let Some(held) = self.lists.get(&d.list) else {
            return Err(Verdict::Gap);
        };
        match held.check(d) {
            DeltaCheck::Duplicate | DeltaCheck::Old => {
                Err(Verdict::Ignore("old or duplicate delta"))
            }
            DeltaCheck::Gap { .. } | DeltaCheck::Unknown => Err(Verdict::Gap),
            DeltaCheck::Next => {
                let mut list = held.clone();
                list.apply(d).map_err(|e| Verdict::Reject(e.to_string()))?;
                Ok(Update::List {
                    list,
                    confirmed: owner_time(&d.issued, now),
                    snapshot: None,
                    delta: Some(jws.to_owned()),
                })
            }
        }
    }

    fn check_accreditation(&self, jws: &str, keys: &KeyResolver) -> Result<Update, Verdict> {
        let Some(root) = &self.root else {
            return Err(Verdict::Ignore("no root authority pinned"));
        };
        let a = Accreditation::open(jws, root, keys).map_err(|e| Verdict::Reject(e.to_string()))?;
        if let Some(held) = self.trust.get(&a.issuer) {
            let (acc_v, wd_v) = held.versions();
            if !supersedes(a.version, acc_v, wd_v) {
                return Err(Verdict::Ignore("old or duplicate accreditation"));
            }
        }
        Ok(Update::Trust(TrustState {
            accreditation: a,
            accreditation_jws: jws.to_owned(),
            withdrawal: None,
        }))
    }

    fn check_withdrawal(&self, jws: &str, keys: &KeyResolver) -> Result<Update, Verdict> {
        let Some(root) = &self.root else {
            return Err(Verdict::Ignore("no root authority pinned"));
        };
        let w = Withdrawal::open(jws, root, keys).map_err(|e| Verdict::Reject(e.to_string()))?;
        let Some(held) = self.trust.get(&w.issuer) else {
            // Nothing to withdraw yet: the accreditation it withdraws comes by sync.
            return Err(Verdict::Gap);
        };
        let (acc_v, wd_v) = held.versions();
        if !supersedes(w.version, acc_v, wd_v) {
            return Err(Verdict::Ignore("old or duplicate withdrawal"));
        }
        Ok(Update::Trust(TrustState {
            withdrawal: Some((w, jws.to_owned())),
            ..held.clone()
        }))
    }
}

impl Replica {
    fn check_heartbeat(
        &self,
        jws: &str,
        keys: &KeyResolver,
        now: DateTime<Utc>,
    ) -> Result<Update, Verdict> {
        // Cheap checks on the unverified body first: accredited owner, newer than the held
        // heartbeat, not from the future.
        let peek = Heartbeat::peek(jws).map_err(|e| Verdict::Reject(e.to_string()))?;
        if !self.accredited(&peek.issuer, now) {
            return Err(Verdict::Ignore("issuer not accredited (yet)"));
        }
        let at = peek
            .issued_at()
            .map_err(|e| Verdict::Reject(e.to_string()))?;
        if (at - now).num_seconds() > MAX_HEARTBEAT_AHEAD_SECS {
            return Err(Verdict::Reject(format!(
                "heartbeat of {} is dated {}, ahead of this node's clock",
                peek.issuer, peek.issued
            )));
        }
        if self.beats.get(&peek.issuer).is_some_and(|b| b.at >= at) {
            return Err(Verdict::Ignore("old or duplicate heartbeat"));
        }
        let signed =
            SignedHeartbeat::open(jws, keys).map_err(|e| Verdict::Reject(e.to_string()))?;
        let matched = self.matches_beat(&signed.heartbeat);
        Ok(Update::Heartbeat(BeatState {
            heartbeat: signed.heartbeat,
            jws: signed.jws,
            at: at.min(now),
            matched,
        }))
    }
}

/// What a replica answers for an update it accepted.
pub fn verdict_of(u: &Update) -> Verdict {
    match u {
        Update::Heartbeat(b) if !b.matched => Verdict::Behind,
        _ => Verdict::Stored,
    }
}

/// The owner's time on a message, never later than this node's clock (an owner's clock that
/// runs ahead must not make its lists look fresher than they are).
fn owner_time(issued: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    crate::time::parse(issued).ok().map(|t| t.min(now))
}

/// Longest list URL replicated (a sync key must stay small).
pub const MAX_LIST_ID_CHARS: usize = 512;

fn under_did(list: &str, issuer: &str) -> Result<(), Verdict> {
    if list.len() > MAX_LIST_ID_CHARS {
        return Err(Verdict::Reject(format!(
            "list URL is {} characters (at most {MAX_LIST_ID_CHARS})",
            list.len()
        )));
    }
    if list.contains(did_fragment(issuer)) {
        Ok(())
    } else {
        Err(Verdict::Reject(format!(
            "list {list} is not under its issuer's DID"
        )))
    }
}

/// Why a newer copy of a revocation list may not replace the held one: it clears an entry
/// the held copy has revoked (revocation is permanent, so only a forger or a broken issuer
/// sends that). `None` when it is acceptable.
pub fn clears_revocations(held: &StatusList, new: &StatusList) -> Option<String> {
    if held.purpose != StatusPurpose::Revocation {
        return None;
    }
    if held.bits.len() != new.bits.len() {
        return Some(format!(
            "snapshot resizes revocation list {} from {} to {} entries",
            held.id,
            held.bits.len(),
            new.bits.len()
        ));
    }
    let cleared = held.bits.count_cleared_in(&new.bits);
    (cleared > 0).then(|| {
        format!(
            "snapshot clears {cleared} revoked entr{} of list {}: revocation is permanent",
            if cleared == 1 { "y" } else { "ies" },
            held.id
        )
    })
}
