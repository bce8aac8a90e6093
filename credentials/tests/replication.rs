//! Deterministic simulation of status replication (issue 14): one issuer revokes, suspends and
//! reinstates while replicas receive its signed deltas and snapshots through a network that
//! drops, repeats and reorders them, and sync with each other the way nodes do (a relay sends
//! the owner's latest snapshot it holds and the owner's deltas after it). The rules are the
//! real ones ([`credentials::replication::Replica`]); every signature is real.
//!
//! Invariants, checked after every step of every run:
//! - a replica's list at version v is exactly the owner's list at version v (so no revocation
//!   is lost, no bit is invented);
//! - no replica's version of a list ever goes backwards;
//! - a list is never confirmed current at a time the owner held another version (heartbeats,
//!   changes and snapshots confirm; a stale heartbeat must not confirm a newer copy, nor a
//!   newer heartbeat an older one).
//!
//! And at the end of every run, after the network drains and one round of syncs, every replica
//! holds the owner's final lists.
//!
//! `VCNET_SIM_SEEDS=N` runs N seeds (default 300); `VCNET_SIM_SEED=S` replays one.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use credentials::did::KeyResolver;
use credentials::replication::{Replica, Verdict};
use credentials::status::{
    Heartbeat, SignedDelta, SignedHeartbeat, SignedSnapshot, StatusList, StatusPurpose,
};
use credentials::trust::{Accreditation, Withdrawal};
use credentials::wire::GossipMessage;
use credentials::{CredentialKind, Identity};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const LIST_BITS: usize = credentials::status::MIN_BITS;
const REPLICAS: usize = 5;
const STEPS: usize = 250;

fn t0() -> DateTime<Utc> {
    credentials::time::parse("2026-06-01T00:00:00Z").unwrap()
}

/// What a node persists beside its replica: the owner's deltas it applied and the latest
/// owner snapshot it received, to relay.
#[derive(Default, Clone)]
struct Relay {
    deltas: HashMap<String, BTreeMap<u64, String>>,
    snapshot: HashMap<String, (u64, String)>,
    trust: Vec<String>,
}

struct Node {
    replica: Replica,
    relay: Relay,
    /// Highest version seen per list (for the no-going-backwards check).
    high: HashMap<String, u64>,
}

struct World {
    rng: ChaCha8Rng,
    keys: KeyResolver,
    owner: Identity,
    lists: Vec<StatusList>,
    /// The owner's every version of every list.
    history: HashMap<String, Vec<StatusList>>,
    /// When the owner made each version of each list.
    made_at: HashMap<String, Vec<DateTime<Utc>>>,
    /// Messages in flight: (destination, message).
    flight: Vec<(usize, GossipMessage)>,
    nodes: Vec<Node>,
    now: DateTime<Utc>,
}

impl World {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let root = Identity::from_seed(&[7; 32]);
        let owner = Identity::from_seed(&rng.gen::<[u8; 32]>());
        let frag = credentials::did::did_fragment(owner.did()).to_owned();
        let lists: Vec<StatusList> = [StatusPurpose::Revocation, StatusPurpose::Suspension]
            .into_iter()
            .map(|p| {
                StatusList::new(
                    &format!("https://issuer.example/{frag}/{}/0", p.as_str()),
                    p,
                    owner.did(),
                    LIST_BITS,
                )
                .unwrap()
            })
            .collect();
        let accreditation = Accreditation {
            issuer: owner.did().into(),
            name: "Agency".into(),
            kinds: vec![CredentialKind::Identity],
            valid_from: "2020-01-01T00:00:00Z".into(),
            valid_until: None,
            version: 1,
        }
        .sign(&root);
        let history = lists
            .iter()
            .map(|l| (l.id.clone(), vec![l.clone()]))
            .collect();
        let made_at = lists.iter().map(|l| (l.id.clone(), vec![t0()])).collect();
        let nodes = (0..REPLICAS)
            .map(|_| Node {
                replica: Replica::new(Some(root.did().into())),
                relay: Relay::default(),
                high: HashMap::new(),
            })
            .collect();
        let mut w = Self {
            rng,
            keys: KeyResolver::new(),
            owner,
            lists,
            history,
            made_at,
            flight: Vec::new(),
            nodes,
            now: t0(),
        };
        // The accreditation reaches some replicas directly; the rest learn it by sync.
        for n in 0..REPLICAS {
            if w.rng.gen_bool(0.6) {
                w.flight
                    .push((n, GossipMessage::Accreditation(accreditation.clone())));
            }
        }
        w.flight
            .push((0, GossipMessage::Accreditation(accreditation)));
        // The lists' first snapshots.
        for i in 0..w.lists.len() {
            w.broadcast_snapshot(i);
        }
        w
    }

    fn broadcast(&mut self, msg: GossipMessage) {
        for n in 0..REPLICAS {
            // Gossip loses some messages and repeats others.
            if self.rng.gen_bool(0.7) {
                self.flight.push((n, msg.clone()));
            }
            if self.rng.gen_bool(0.1) {
                self.flight.push((n, msg.clone()));
            }
        }
    }

    fn broadcast_snapshot(&mut self, i: usize) {
        let snap = SignedSnapshot::sign(self.lists[i].snapshot(self.now), &self.owner).jws;
        self.broadcast(GossipMessage::Snapshot(snap));
    }

    /// The owner's heartbeat: its lists, at their versions, now.
    fn heartbeat(&self) -> GossipMessage {
        let hb = Heartbeat::of(self.owner.did(), &self.lists, self.now);
        GossipMessage::Heartbeat(SignedHeartbeat::sign(hb, &self.owner).jws)
    }

    /// The owner changes one entry of one list (revocation: set only).
    fn owner_changes(&mut self) {
        let i = self.rng.gen_range(0..self.lists.len());
        let index = self.rng.gen_range(0..LIST_BITS as u64);
        let list = &mut self.lists[i];
        let set = list.purpose == StatusPurpose::Revocation || !list.bits.get(index).unwrap();
        let (s, c) = if set {
            (vec![index], vec![])
        } else {
            (vec![], vec![index])
        };
        let delta = list.change(&s, &c, self.now).unwrap();
        self.history.get_mut(&list.id).unwrap().push(list.clone());
        self.made_at.get_mut(&list.id).unwrap().push(self.now);
        let jws = SignedDelta::sign(delta, &self.owner).jws;
        self.broadcast(GossipMessage::Delta(jws));
    }

    /// Delivers one message in flight, chosen at random (reordering).
    fn deliver_one(&mut self) {
        if self.flight.is_empty() {
            return;
        }
        let k = self.rng.gen_range(0..self.flight.len());
        let (n, msg) = self.flight.swap_remove(k);
        self.deliver(n, &msg);
    }

    fn deliver(&mut self, n: usize, msg: &GossipMessage) -> Verdict {
        let node = &mut self.nodes[n];
        let verdict = match node.replica.check(msg, &self.keys, self.now) {
            Ok(update) => {
                // What the node persists beside the list.
                match msg {
                    GossipMessage::Delta(jws) => {
                        let d = SignedDelta::open(jws, &self.keys).unwrap().delta;
                        node.relay
                            .deltas
                            .entry(d.list)
                            .or_default()
                            .insert(d.version, jws.clone());
                    }
                    GossipMessage::Snapshot(jws) => {
                        let (s, _) = SignedSnapshot::open(jws, &self.keys).unwrap();
                        node.relay
                            .snapshot
                            .insert(s.snapshot.list.clone(), (s.snapshot.version, jws.clone()));
                    }
                    GossipMessage::Accreditation(jws) | GossipMessage::Withdrawal(jws) => {
                        node.relay.trust.push(jws.clone())
                    }
                    GossipMessage::Heartbeat(_) => {}
                }
                let verdict = credentials::replication::verdict_of(&update);
                node.replica.commit(update);
                verdict
            }
            Err(v) => v,
        };
        assert!(
            !matches!(verdict, Verdict::Reject(_)),
            "an honest owner's message was rejected: {verdict:?}"
        );
        verdict
    }

    /// Replica `to` syncs from replica `from`: trust first, then for each list it lacks or is
    /// behind on, the owner's deltas if `from` has all of them, else `from`'s latest owner
    /// snapshot and the deltas after it. Some answers are lost.
    fn sync(&mut self, from: usize, to: usize, lossy: bool) {
        let src = self.nodes[from].relay.clone();
        let mut msgs: Vec<GossipMessage> = src
            .trust
            .iter()
            .cloned()
            .map(GossipMessage::Accreditation)
            .collect();
        let ids: Vec<(String, u64)> = self.nodes[from]
            .replica
            .lists()
            .map(|l| (l.id.clone(), l.version))
            .collect();
        for (id, version) in ids {
            let have = self.nodes[to].replica.list(&id).map(|l| l.version);
            if have.is_some_and(|h| h >= version) {
                continue;
            }
            let log = src.deltas.get(&id).cloned().unwrap_or_default();
            let complete = have.is_some_and(|h| (h + 1..=version).all(|v| log.contains_key(&v)));
            if complete {
                let h = have.unwrap_or(0);
                msgs.extend(
                    log.range(h + 1..)
                        .map(|(_, j)| GossipMessage::Delta(j.clone())),
                );
            } else if let Some((sv, snap)) = src.snapshot.get(&id) {
                msgs.push(GossipMessage::Snapshot(snap.clone()));
                msgs.extend(
                    log.range(sv + 1..)
                        .map(|(_, j)| GossipMessage::Delta(j.clone())),
                );
            }
        }
        if lossy && self.rng.gen_bool(0.2) {
            return;
        }
        for m in msgs {
            self.deliver(to, &m);
        }
    }

    fn check_invariants(&mut self, step: usize) {
        for (n, node) in self.nodes.iter_mut().enumerate() {
            for l in node.replica.lists() {
                let owner_at = &self.history[&l.id][l.version as usize];
                assert!(
                    l.bits == owner_at.bits,
                    "step {step}: replica {n} holds list {} at version {} with other bits than the owner's",
                    l.id,
                    l.version
                );
                let high = node.high.entry(l.id.clone()).or_insert(0);
                assert!(
                    l.version >= *high,
                    "step {step}: replica {n}'s list {} went back from version {high} to {}",
                    l.id,
                    l.version
                );
                *high = l.version;
                if let Some(at) = node.replica.confirmed(&l.id) {
                    let times = &self.made_at[&l.id];
                    let owner_version = times.iter().filter(|t| **t <= at).count() as u64 - 1;
                    assert_eq!(
                        owner_version, l.version,
                        "step {step}: replica {n} says list {} version {} was current at {at}, \
                         when the owner held version {owner_version}",
                        l.id, l.version
                    );
                }
            }
        }
    }

    fn run(&mut self) {
        for step in 0..STEPS {
            self.now += Duration::seconds(1);
            match self.rng.gen_range(0..100) {
                0..=24 => self.owner_changes(),
                25..=29 => {
                    let i = self.rng.gen_range(0..self.lists.len());
                    self.broadcast_snapshot(i);
                }
                30..=39 => {
                    let (a, b) = (
                        self.rng.gen_range(0..REPLICAS),
                        self.rng.gen_range(0..REPLICAS),
                    );
                    if a != b {
                        self.sync(a, b, true);
                    }
                }
                45..=49 => {
                    let beat = self.heartbeat();
                    self.broadcast(beat);
                }
                40..=44 => {
                    // A replayed old message: a random earlier delivery again.
                    let n = self.rng.gen_range(0..REPLICAS);
                    let old: Vec<String> = self.nodes[n]
                        .relay
                        .deltas
                        .values()
                        .flat_map(|m| m.values().cloned())
                        .collect();
                    if !old.is_empty() {
                        let j = old[self.rng.gen_range(0..old.len())].clone();
                        let v = self.deliver(n, &GossipMessage::Delta(j));
                        assert!(
                            !matches!(v, Verdict::Stored),
                            "a replayed delta was stored again"
                        );
                    }
                }
                _ => self.deliver_one(),
            }
            self.check_invariants(step);
        }
        // Drain: everything in flight arrives; then the owner's anti-entropy (it republishes
        // a snapshot of each list to every peer, as issuers do on a timer) and one round of
        // syncs through replica 0.
        while !self.flight.is_empty() {
            self.deliver_one();
        }
        for i in 0..self.lists.len() {
            let snap = SignedSnapshot::sign(self.lists[i].snapshot(self.now), &self.owner).jws;
            for n in 0..REPLICAS {
                self.deliver(n, &GossipMessage::Snapshot(snap.clone()));
            }
        }
        for n in 1..REPLICAS {
            self.sync(n, 0, false);
        }
        for n in 1..REPLICAS {
            self.sync(0, n, false);
        }
        self.check_invariants(STEPS);
        // The owner's next heartbeat then confirms every converged copy as current now.
        self.now += Duration::seconds(1);
        let beat = self.heartbeat();
        for n in 0..REPLICAS {
            assert_eq!(self.deliver(n, &beat), Verdict::Stored, "replica {n}");
        }
        self.check_invariants(STEPS + 1);
        for (n, node) in self.nodes.iter().enumerate() {
            for l in &self.lists {
                let held = node.replica.list(&l.id);
                assert!(
                    held.is_some_and(|h| h.version == l.version && h.bits == l.bits),
                    "replica {n} did not converge on list {}: holds version {:?}, the owner {}",
                    l.id,
                    held.map(|h| h.version),
                    l.version
                );
                assert_eq!(
                    node.replica.confirmed(&l.id),
                    Some(self.now),
                    "replica {n}: list {} not confirmed by the owner's last heartbeat",
                    l.id
                );
            }
        }
    }
}

fn run_seed(seed: u64) {
    let result = std::panic::catch_unwind(|| World::new(seed).run());
    if let Err(e) = result {
        eprintln!(
            "replication simulation failed for seed {seed}; replay it with\n  \
             VCNET_SIM_SEED={seed} cargo test -p credentials --test replication"
        );
        std::panic::resume_unwind(e);
    }
}

#[test]
fn replicas_converge_and_never_lose_a_revocation() {
    if let Some(seed) = std::env::var("VCNET_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        run_seed(seed);
        return;
    }
    let seeds: u64 = std::env::var("VCNET_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    for seed in 0..seeds {
        run_seed(seed);
    }
}

/// The rules the simulation relies on, one by one.
#[test]
fn a_withdrawal_stops_replication_and_old_trust_messages_do_not_undo_newer_ones() {
    let root = Identity::from_seed(&[7; 32]);
    let owner = Identity::from_seed(&[8; 32]);
    let keys = KeyResolver::new();
    let now = t0();
    let mut r = Replica::new(Some(root.did().into()));
    let acc = |version| {
        Accreditation {
            issuer: owner.did().into(),
            name: "Agency".into(),
            kinds: vec![CredentialKind::Identity],
            valid_from: "2020-01-01T00:00:00Z".into(),
            valid_until: None,
            version,
        }
        .sign(&root)
    };
    let wd = |version| {
        Withdrawal {
            issuer: owner.did().into(),
            withdrawn: "2026-01-01T00:00:00Z".into(),
            version,
        }
        .sign(&root)
    };
    let list = StatusList::new(
        &format!(
            "https://i.example/{}/revocation/0",
            credentials::did::did_fragment(owner.did())
        ),
        StatusPurpose::Revocation,
        owner.did(),
        LIST_BITS,
    )
    .unwrap();
    let snap = GossipMessage::Snapshot(SignedSnapshot::sign(list.snapshot(now), &owner).jws);
    // Not accredited yet: ignored. A withdrawal before any accreditation: sync first.
    assert_eq!(
        r.apply(&snap, &keys, now),
        Verdict::Ignore("issuer not accredited (yet)")
    );
    assert_eq!(
        r.apply(&GossipMessage::Withdrawal(wd(2)), &keys, now),
        Verdict::Gap
    );
    assert_eq!(
        r.apply(&GossipMessage::Accreditation(acc(1)), &keys, now),
        Verdict::Stored
    );
    assert_eq!(r.apply(&snap, &keys, now), Verdict::Stored);
    assert_eq!(
        r.apply(&GossipMessage::Withdrawal(wd(2)), &keys, now),
        Verdict::Stored
    );
    assert!(!r.accredited(owner.did(), now));
    // The old accreditation (1) cannot undo the withdrawal (2); a newer one (3) can.
    assert!(matches!(
        r.apply(&GossipMessage::Accreditation(acc(1)), &keys, now),
        Verdict::Ignore(_)
    ));
    assert!(matches!(
        r.apply(&GossipMessage::Withdrawal(wd(2)), &keys, now),
        Verdict::Ignore(_)
    ));
    assert_eq!(
        r.apply(&GossipMessage::Accreditation(acc(3)), &keys, now),
        Verdict::Stored
    );
    assert!(r.accredited(owner.did(), now));
}
