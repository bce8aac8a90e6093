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
