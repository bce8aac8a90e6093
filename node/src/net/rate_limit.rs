//! Per-peer limits on what a peer may ask of this node: a token bucket per peer and kind of
//! inbound work (claims, presentation requests, sync requests, gossip), and strikes for what
//! a peer does wrong (requests over its limit, invalid gossip). A peer that collects too many
//! strikes in a window is banned for a while: its connections are closed and refused.
//! No I/O here: the event loop asks, and acts on the answers.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use libp2p::PeerId;

/// The kinds of inbound work limited separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Claim requests (an issuer signs a credential for each).
    Claim,
    /// Presentation requests (a holder looks in its wallet, maybe asks its user).
    Present,
    /// Status sync requests (summary pages and fetches).
    Sync,
    /// Gossip messages this peer forwards (each costs a signature check).
    Gossip,
}

/// A token bucket's size and refill rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Most requests in a burst.
    pub burst: f64,
    /// Requests per second sustained.
    pub per_sec: f64,
}

/// The limits in force.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub claim: Rate,
    pub present: Rate,
    pub sync: Rate,
    pub gossip: Rate,
    /// Strikes within [`Limits::strike_window`] that get a peer banned.
    pub strikes_to_ban: u32,
    pub strike_window: Duration,
    /// How long a ban lasts.
    pub ban: Duration,
}

impl Default for Limits {
    /// Sized for honest use with room to spare: a holder claims a few credentials; a verifier
    /// desk asks one holder a few times a second at most (a load test, tens of times); a sync of a national issuer's lists
    /// is a few dozen requests; gossip bursts when an agency revokes in bulk.
    fn default() -> Self {
        Self {
            claim: Rate {
                burst: 20.0,
                per_sec: 5.0,
            },
            present: Rate {
                burst: 100.0,
                per_sec: 50.0,
            },
            sync: Rate {
                burst: 64.0,
                per_sec: 16.0,
            },
            gossip: Rate {
                burst: 1000.0,
                per_sec: 300.0,
            },
            strikes_to_ban: 50,
            strike_window: Duration::from_secs(60),
            ban: Duration::from_secs(300),
        }
    }
}

impl Limits {
    fn rate(&self, kind: Kind) -> Rate {
        match kind {
            Kind::Claim => self.claim,
            Kind::Present => self.present,
            Kind::Sync => self.sync,
            Kind::Gossip => self.gossip,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Strikes {
    count: u32,
    since: Instant,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub struct PeerLimiter {
    limits: Limits,
    buckets: HashMap<(PeerId, Kind), Bucket>,
    strikes: HashMap<PeerId, Strikes>,
    banned: HashMap<PeerId, Instant>,
}

/// What the limiter says about one strike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Struck {
    /// Counted.
    Counted,
    /// This strike crossed the threshold: ban the peer now.
    Ban,
}

impl PeerLimiter {
    /// A limiter with these limits.
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// Takes one token of `kind` from `peer`'s bucket; `false` when the peer is over its
    /// limit (or banned).
    pub fn allow(&mut self, peer: PeerId, kind: Kind, now: Instant) -> bool {
        if self.is_banned(&peer, now) {
            return false;
        }
        let rate = self.limits.rate(kind);
        let b = self.buckets.entry((peer, kind)).or_insert(Bucket {
            tokens: rate.burst,
            last: now,
        });
        let dt = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + dt * rate.per_sec).min(rate.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Counts something `peer` did wrong; says when it is time to ban it.
    pub fn strike(&mut self, peer: PeerId, now: Instant) -> Struck {
        if self.is_banned(&peer, now) {
            return Struck::Counted;
        }
        let window = self.limits.strike_window;
        let s = self.strikes.entry(peer).or_insert(Strikes {
            count: 0,
            since: now,
        });
        if now.saturating_duration_since(s.since) > window {
            *s = Strikes {
                count: 0,
                since: now,
            };
        }
        s.count += 1;
        if s.count >= self.limits.strikes_to_ban {
            self.strikes.remove(&peer);
            self.banned.insert(peer, now + self.limits.ban);
            Struck::Ban
        } else {
            Struck::Counted
        }
    }

    /// Whether `peer` is banned at `now`.
    pub fn is_banned(&self, peer: &PeerId, now: Instant) -> bool {
        self.banned.get(peer).is_some_and(|until| now < *until)
    }

    /// Bans that have run out (the peers to let back in), and forgets idle buckets and old
    /// strikes so the limiter's memory follows the peers actually active.
    pub fn expire(&mut self, now: Instant) -> Vec<PeerId> {
        let ended: Vec<PeerId> = self
            .banned
            .iter()
            .filter(|(_, until)| now >= **until)
            .map(|(p, _)| *p)
            .collect();
        for p in &ended {
            self.banned.remove(p);
        }
        let limits = &self.limits;
        self.buckets.retain(|(_, kind), b| {
            let rate = limits.rate(*kind);
            // A bucket that would be full again carries no information.
            now.saturating_duration_since(b.last).as_secs_f64() * rate.per_sec < rate.burst
        });
        let window = limits.strike_window;
        self.strikes
            .retain(|_, s| now.saturating_duration_since(s.since) <= window);
        ended
    }

    /// How many peers are banned now.
    pub fn banned_count(&self, now: Instant) -> usize {
        self.banned.values().filter(|u| now < **u).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            claim: Rate {
                burst: 3.0,
                per_sec: 1.0,
            },
            strikes_to_ban: 5,
            strike_window: Duration::from_secs(10),
            ban: Duration::from_secs(30),
            ..Limits::default()
        }
    }

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let mut l = PeerLimiter::new(limits());
        let (p, t) = (PeerId::random(), Instant::now());
        assert!((0..3).all(|_| l.allow(p, Kind::Claim, t)), "the burst");
        assert!(!l.allow(p, Kind::Claim, t), "over the burst");
        // One token per second comes back.
        assert!(l.allow(p, Kind::Claim, t + Duration::from_millis(1000)));
        assert!(!l.allow(p, Kind::Claim, t + Duration::from_millis(1100)));
        // Another peer, and another kind of the same peer, have their own buckets.
        assert!(l.allow(PeerId::random(), Kind::Claim, t));
        assert!(l.allow(p, Kind::Sync, t));
    }

    #[test]
    fn strikes_in_a_window_ban_and_the_ban_ends() {
        let mut l = PeerLimiter::new(limits());
        let (p, t) = (PeerId::random(), Instant::now());
        // Strikes spread wider than the window never add up to a ban.
        for i in 0..20u64 {
            assert_eq!(l.strike(p, t + Duration::from_secs(i * 3)), Struck::Counted);
        }
        let t = t + Duration::from_secs(100);
        for _ in 0..4 {
            assert_eq!(l.strike(p, t), Struck::Counted);
        }
        assert_eq!(l.strike(p, t), Struck::Ban);
        assert!(l.is_banned(&p, t));
        assert!(!l.allow(p, Kind::Sync, t), "a banned peer gets nothing");
        assert_eq!(l.banned_count(t), 1);
        assert!(l.expire(t + Duration::from_secs(29)).is_empty());
        assert_eq!(l.expire(t + Duration::from_secs(30)), vec![p]);
        assert!(l.allow(p, Kind::Sync, t + Duration::from_secs(30)));
    }

    #[test]
    fn idle_peers_are_forgotten() {
        let mut l = PeerLimiter::new(limits());
        let t = Instant::now();
        for _ in 0..1000 {
            l.allow(PeerId::random(), Kind::Claim, t);
        }
        assert_eq!(l.buckets.len(), 1000);
        l.expire(t + Duration::from_secs(10));
        assert!(l.buckets.is_empty(), "{} buckets kept", l.buckets.len());
    }
}
