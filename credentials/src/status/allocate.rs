//! Random, never-repeating allocation of status list indexes.
//!
//! Bitstring Status List v1.0 §6.4 (herd privacy) asks issuers to hand out indexes at random so
//! that an index reveals nothing about when or to whom a credential was issued. The allocator
//! keeps its own bitmap of used indexes (separate from the status bits, which change on revoke),
//! so an index is never handed out twice, even after reinstatement.

use rand::Rng;

use super::StatusError;

/// Fraction of a shard after which rejection sampling stops being cheap and the allocator
/// switches to picking the n-th free index uniformly (one pass over the bitmap).
const DENSE_AFTER: f64 = 0.75;

/// Which indexes of one list are in use.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct IndexAllocator {
    used: Vec<u8>,
    size: u64,
    count: u64,
}

impl IndexAllocator {
    /// An allocator for a list of `size` entries (a multiple of 8).
    pub fn new(size: u64) -> Self {
        Self {
            used: vec![0; size.div_ceil(8) as usize],
            size,
            count: 0,
        }
    }

    /// Restores an allocator from its stored bitmap.
    pub fn from_bytes(used: Vec<u8>, size: u64) -> Result<Self, StatusError> {
        if used.len() as u64 != size.div_ceil(8) {
            return Err(StatusError::BadEncoding {
                reason: format!(
                    "allocation bitmap has {} bytes, expected {}",
                    used.len(),
                    size.div_ceil(8)
                ),
            });
        }
        let count = used.iter().map(|b| b.count_ones() as u64).sum();
        Ok(Self { used, size, count })
    }

    /// The stored bitmap.
    pub fn as_bytes(&self) -> &[u8] {
        &self.used
    }

    /// Indexes handed out so far.
    pub fn allocated(&self) -> u64 {
        self.count
    }

    /// Entries in the list.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// True when every index is used (the issuer must open a new shard).
    pub fn is_full(&self) -> bool {
        self.count >= self.size
    }

    /// Whether `index` has been handed out.
    pub fn is_used(&self, index: u64) -> bool {
        index < self.size && self.used[(index / 8) as usize] & (0x80 >> (index % 8)) != 0
    }

    /// Marks an index as used (e.g. when importing an existing issuance). False if it already was.
    pub fn mark(&mut self, index: u64) -> Result<bool, StatusError> {
        if index >= self.size {
            return Err(StatusError::IndexOutOfRange {
                index,
                size: self.size,
            });
        }
        let (byte, mask) = ((index / 8) as usize, 0x80u8 >> (index % 8));
        if self.used[byte] & mask != 0 {
            return Ok(false);
        }
        self.used[byte] |= mask;
        self.count += 1;
        Ok(true)
    }

    /// A uniformly random unused index, or `None` when the list is full.
    pub fn allocate(&mut self, rng: &mut impl Rng) -> Option<u64> {
        if self.is_full() {
            return None;
        }
        if (self.count as f64) < DENSE_AFTER * self.size as f64 {
            loop {
                let i = rng.gen_range(0..self.size);
                if !self.is_used(i) {
                    let _ = self.mark(i);
                    return Some(i);
                }
            }
        }
        // Dense: choose the n-th free index, n uniform over the free ones.
        let free = self.size - self.count;
        let mut n = rng.gen_range(0..free);
        for (byte_idx, byte) in self.used.iter().enumerate() {
            let free_here = (!byte).count_ones() as u64;
            if n >= free_here {
                n -= free_here;
                continue;
            }
            for bit in 0..8u64 {
                let i = byte_idx as u64 * 8 + bit;
                if i >= self.size {
                    break;
                }
                if byte & (0x80 >> bit) == 0 {
                    if n == 0 {
                        let _ = self.mark(i);
                        return Some(i);
                    }
                    n -= 1;
                }
            }
        }
        None
    }
}

/// Where [`allocate_across`] put an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocation {
    /// Shard (list) number.
    pub shard: usize,
    /// Index in that shard.
    pub index: u64,
    /// True when this is the shard's first index: its lists must be created now.
    pub opened: bool,
}

/// Allocates an index uniformly at random over the free entries of a pool of `pool` shards of
/// `size` entries, so neither the shard nor the index reveals when a credential was issued
/// (filling shard 0, then shard 1, … would). `shards` holds every shard so far, by number; when
/// fewer than `pool` of them have room, fresh ones are appended. An issuer that expects N
/// credentials sets `pool` to N / size: then every index is random across all its lists.
pub fn allocate_across(
    shards: &mut Vec<IndexAllocator>,
    pool: usize,
    size: u64,
    rng: &mut impl Rng,
) -> Allocation {
    let pool = pool.max(1);
    while shards.iter().filter(|s| !s.is_full()).count() < pool {
        shards.push(IndexAllocator::new(size));
    }
    let total_free: u64 = shards.iter().map(|s| s.size() - s.allocated()).sum();
    let mut n = rng.gen_range(0..total_free);
    let mut chosen = 0;
    for (i, s) in shards.iter().enumerate() {
        let free = s.size() - s.allocated();
        if n < free {
            chosen = i;
            break;
        }
        n -= free;
    }
    let opened = shards[chosen].allocated() == 0;
    // The chosen shard has a free entry, so this always succeeds.
    let index = shards[chosen].allocate(rng).unwrap_or_default();
    Allocation {
        shard: chosen,
        index,
        opened,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn allocates_every_index_exactly_once() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(42);
        let mut a = IndexAllocator::new(1024);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1024 {
            let i = a.allocate(&mut rng).expect("not full yet");
            assert!(seen.insert(i), "index {i} handed out twice");
        }
        assert!(a.is_full());
        assert_eq!(a.allocate(&mut rng), None);
    }

    #[test]
    fn allocation_is_not_sequential() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let mut a = IndexAllocator::new(131_072);
        let first: Vec<u64> = (0..16).map(|_| a.allocate(&mut rng).unwrap()).collect();
        let sequential = first.windows(2).filter(|w| w[1] == w[0] + 1).count();
        assert!(sequential < 2, "indexes look sequential: {first:?}");
        // Spread over the list, not clustered at the start.
        assert!(first.iter().any(|&i| i > 65_536));
    }

    #[test]
    fn allocation_is_random_across_the_shard_pool() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let mut shards = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut first_shards = Vec::new();
        let mut opened = 0;
        // Four shards of 256: the first 64 indexes land in every shard, not just shard 0.
        for n in 0..1024 {
            let a = allocate_across(&mut shards, 4, 256, &mut rng);
            assert!(seen.insert((a.shard, a.index)), "handed out twice");
            opened += usize::from(a.opened);
            if n < 64 {
                first_shards.push(a.shard);
            }
        }
        for s in 0..4 {
            assert!(
                first_shards.contains(&s),
                "shard {s} unused early: {first_shards:?}"
            );
        }
        // A shard that fills is replaced, so four always have room; each opened exactly once.
        assert_eq!(opened, shards.iter().filter(|s| s.allocated() > 0).count());
        assert!(shards.len() > 4);
        assert_eq!(shards.iter().filter(|s| !s.is_full()).count(), 4);
        assert_eq!(shards.iter().map(|s| s.allocated()).sum::<u64>(), 1024);
    }

    #[test]
    fn restore_keeps_used_set() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let mut a = IndexAllocator::new(64);
        let i = a.allocate(&mut rng).unwrap();
        let b = IndexAllocator::from_bytes(a.as_bytes().to_vec(), 64).unwrap();
        assert!(b.is_used(i));
        assert_eq!(b.allocated(), 1);
        assert!(IndexAllocator::from_bytes(vec![0; 3], 64).is_err());
    }
}
