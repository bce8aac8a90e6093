//! The bit vector of a Bitstring Status List (W3C Bitstring Status List v1.0, §2.1 and §3.1).
//!
//! Index `i` is bit `7 − i % 8` of byte `i / 8` (the first index is the most significant bit of
//! the first byte). The published form (`encodedList`) is the GZIP-compressed bitstring, multibase
//! base64url-encoded without padding (prefix `u`).

use std::io::{Read, Write};

use base64::Engine;

use super::StatusError;

/// The minimum list length the specification requires for herd privacy (16 KiB).
pub const MIN_BITS: usize = 131_072;
/// The largest list this implementation accepts from a peer or file, decompressed (128 MiB of
/// bits = 1 Gi entries): a bound against GZIP bombs, far above any shard size we use.
pub const MAX_BITS: usize = 1 << 30;

/// A status bitstring with one bit per entry (`statusSize` 1).
///
/// Held sparse (the sorted indexes of its set entries) while few entries are set, and as the
/// raw bytes once more than one in [`SPARSE_MAX_SHARE`] is: a node holds every accredited
/// issuer's lists, most of them nearly empty, so a list costs memory in proportion to its
/// revocations, never more than its raw bytes. Both forms give the same answers, bytes, digest
/// and encoding.
#[derive(Clone)]
pub struct Bitstring {
    bits: usize,
    repr: Repr,
}

#[derive(Clone)]
enum Repr {
    /// The set entries' indexes, ascending (every index below `bits`, which is below 2^32).
    Sparse(Vec<u32>),
    /// The raw bytes, `bits / 8` of them.
    Dense(Vec<u8>),
}

/// A list stays sparse while at most one entry in this many is set (4 bytes per set entry
/// against one bit per entry: sparse takes at most half the raw size).
pub const SPARSE_MAX_SHARE: usize = 64;

impl PartialEq for Bitstring {
    fn eq(&self, other: &Self) -> bool {
        if self.bits != other.bits {
            return false;
        }
        match (&self.repr, &other.repr) {
            (Repr::Sparse(a), Repr::Sparse(b)) => a == b,
            (Repr::Dense(a), Repr::Dense(b)) => a == b,
            _ => self.to_bytes() == other.to_bytes(),
        }
    }
}

impl Eq for Bitstring {}

impl std::fmt::Debug for Bitstring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Bitstring({} bits, {} set)",
            self.len(),
            self.count_set()
        )
    }
}

impl Bitstring {
    /// An all-zero list of `bits` entries; `bits` must be a multiple of 8 and at least
    /// [`MIN_BITS`].
    pub fn new(bits: usize) -> Result<Self, StatusError> {
        if bits < MIN_BITS || !bits.is_multiple_of(8) || bits > MAX_BITS {
            return Err(StatusError::BadLength { bits });
        }
        Ok(Self {
            bits,
            repr: Repr::Sparse(Vec::new()),
        })
    }

    /// Wraps raw bytes (big-endian bit order), checking the length rules.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, StatusError> {
        let bits = bytes.len() * 8;
        if !(MIN_BITS..=MAX_BITS).contains(&bits) {
            return Err(StatusError::BadLength { bits });
        }
        let mut b = Self {
            bits,
            repr: Repr::Dense(bytes),
        };
        // Sparse only well under the limit, so that a list near it does not flip back and
        // forth with each change.
        if b.count_set() <= bits / SPARSE_MAX_SHARE * 3 / 4 {
            let mut v = b.set_indexes();
            v.shrink_to_fit();
            b.repr = Repr::Sparse(v);
        }
        Ok(b)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.bits
    }

    /// Always false: a list has at least [`MIN_BITS`] entries.
    pub fn is_empty(&self) -> bool {
        self.bits == 0
    }

    /// Whether it is held sparse (the set entries' indexes) rather than as raw bytes.
    pub fn is_sparse(&self) -> bool {
        matches!(self.repr, Repr::Sparse(_))
    }

    /// Bytes of memory its entries take (the indexes or the raw bytes).
    pub fn heap_bytes(&self) -> usize {
        match &self.repr {
            Repr::Sparse(v) => v.capacity() * 4,
            Repr::Dense(b) => b.capacity(),
        }
    }

    /// The raw bytes (made for a sparse list).
    pub fn to_bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match &self.repr {
            Repr::Dense(b) => std::borrow::Cow::Borrowed(b),
            Repr::Sparse(v) => {
                let mut b = vec![0u8; self.bits / 8];
                for &i in v {
                    b[i as usize / 8] |= 0x80 >> (i % 8);
                }
                std::borrow::Cow::Owned(b)
            }
        }
    }

    /// The indexes of the set entries, ascending.
    pub fn set_indexes(&self) -> Vec<u32> {
        match &self.repr {
            Repr::Sparse(v) => v.clone(),
            Repr::Dense(b) => b
                .iter()
                .enumerate()
                .filter(|(_, byte)| **byte != 0)
                .flat_map(|(i, byte)| {
                    (0..8u32)
                        .filter(move |bit| byte & (0x80 >> bit) != 0)
                        .map(move |bit| i as u32 * 8 + bit)
                })
                .collect(),
        }
    }

    /// The status bit at `index`.
    pub fn get(&self, index: u64) -> Result<bool, StatusError> {
        self.check(index)?;
        Ok(match &self.repr {
            Repr::Sparse(v) => v.binary_search(&(index as u32)).is_ok(),
            Repr::Dense(b) => b[(index / 8) as usize] & (0x80u8 >> (index % 8)) != 0,
        })
    }

    /// Sets the status bit at `index` to `value`; returns the previous value.
    pub fn set(&mut self, index: u64, value: bool) -> Result<bool, StatusError> {
        self.check(index)?;
        let old = match &mut self.repr {
            Repr::Sparse(v) => match (v.binary_search(&(index as u32)), value) {
                (Ok(_), true) => true,
                (Ok(at), false) => {
                    v.remove(at);
                    true
                }
                (Err(at), true) => {
                    v.insert(at, index as u32);
                    false
                }
                (Err(_), false) => false,
            },
            Repr::Dense(b) => {
                let (byte, mask) = ((index / 8) as usize, 0x80u8 >> (index % 8));
                let old = b[byte] & mask != 0;
                if value {
                    b[byte] |= mask;
                } else {
                    b[byte] &= !mask;
                }
                old
            }
        };
        if let Repr::Sparse(v) = &self.repr {
            if v.len() > self.bits / SPARSE_MAX_SHARE {
                self.repr = Repr::Dense(self.to_bytes().into_owned());
            }
        }
        Ok(old)
    }

    fn check(&self, index: u64) -> Result<(), StatusError> {
        let size = self.len() as u64;
        if index >= size {
            return Err(StatusError::IndexOutOfRange { index, size });
        }
        Ok(())
    }

    /// How many entries are set.
    pub fn count_set(&self) -> usize {
        match &self.repr {
            Repr::Sparse(v) => v.len(),
            Repr::Dense(b) => b.iter().map(|b| b.count_ones() as usize).sum(),
        }
    }

    /// How many entries set here are clear in `other` (same length).
    pub fn count_cleared_in(&self, other: &Self) -> usize {
        match &self.repr {
            Repr::Sparse(a) => a
                .iter()
                .filter(|&&i| !other.get(u64::from(i)).unwrap_or(false))
                .count(),
            Repr::Dense(a) => {
                let b = other.to_bytes();
                a.iter()
                    .zip(b.iter())
                    .map(|(x, y)| (x & !y).count_ones() as usize)
                    .sum()
            }
        }
    }

    /// The blake3 digest of the raw bitstring: what deltas and snapshots commit to.
    pub fn digest(&self) -> [u8; 32] {
        *blake3::hash(&self.to_bytes()).as_bytes()
    }

    /// The hex form of [`Bitstring::digest`].
    pub fn digest_hex(&self) -> String {
        blake3::hash(&self.to_bytes()).to_hex().to_string()
    }

    /// `encodedList`: multibase base64url (no padding) of the GZIP-compressed bitstring.
    pub fn encode(&self) -> String {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        // Writing into a Vec cannot fail.
        let _ = gz.write_all(&self.to_bytes());
        let compressed = gz.finish().unwrap_or_default();
        let mut out = String::from("u");
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(compressed, &mut out);
        out
    }

    /// Parses an `encodedList`, rejecting anything but multibase base64url GZIP of an allowed length.
    pub fn decode(encoded: &str) -> Result<Self, StatusError> {
        Self::decode_bounded(encoded, MAX_BITS)
    }

    /// [`Bitstring::decode`], inflating at most `max_bits` entries (a longer list is an error,
    /// found without inflating more than one byte past the bound).
    pub fn decode_bounded(encoded: &str, max_bits: usize) -> Result<Self, StatusError> {
        let max_bits = max_bits.min(MAX_BITS);
        let body = encoded
            .strip_prefix('u')
            .ok_or_else(|| StatusError::BadEncoding {
                reason: "encodedList must be multibase base64url (start with `u`)".into(),
            })?;
        let compressed = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body.trim_end_matches('='))
            .map_err(|e| StatusError::BadEncoding {
                reason: format!("encodedList is not base64url: {e}"),
            })?;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(&compressed[..])
            .take((max_bits / 8 + 1) as u64)
            .read_to_end(&mut bytes)
            .map_err(|e| StatusError::BadEncoding {
                reason: format!("encodedList is not GZIP: {e}"),
            })?;
        if bytes.len() * 8 > max_bits {
            return Err(StatusError::BadEncoding {
                reason: format!("encodedList inflates to more than {max_bits} entries"),
            });
        }
        Self::from_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn bit_order_is_msb_first() {
        let mut b = Bitstring::new(MIN_BITS).unwrap();
        b.set(0, true).unwrap();
        b.set(9, true).unwrap();
        assert_eq!(b.to_bytes()[0], 0x80);
        assert_eq!(b.to_bytes()[1], 0x40);
        assert!(b.get(9).unwrap());
        assert!(!b.get(8).unwrap());
        assert!(b.set(9, false).unwrap());
        assert!(!b.get(9).unwrap());
    }

    #[test]
    fn sparse_and_dense_forms_answer_alike_and_switch_at_the_share() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let mut sparse = Bitstring::new(MIN_BITS).unwrap();
        let mut raw = vec![0u8; MIN_BITS / 8];
        let limit = MIN_BITS / SPARSE_MAX_SHARE;
        for n in 0..limit + 500 {
            let i = rng.gen_range(0..MIN_BITS as u64);
            let old = sparse.set(i, true).unwrap();
            assert_eq!(old, raw[i as usize / 8] & (0x80 >> (i % 8)) != 0);
            raw[i as usize / 8] |= 0x80 >> (i % 8);
            if n % 97 == 0 {
                // Clearing works in either form.
                let j = rng.gen_range(0..MIN_BITS as u64);
                sparse.set(j, false).unwrap();
                raw[j as usize / 8] &= !(0x80 >> (j % 8));
            }
            if sparse.count_set() <= limit {
                assert!(sparse.is_sparse(), "{n}: {sparse:?}");
            }
        }
        assert!(
            !sparse.is_sparse(),
            "past one in {SPARSE_MAX_SHARE}: raw bytes"
        );
        let dense = Bitstring::from_bytes(raw.clone()).unwrap();
        assert_eq!(sparse, dense);
        assert_eq!(sparse.to_bytes().as_ref(), &raw[..]);
        assert_eq!(sparse.digest(), *blake3::hash(&raw).as_bytes());
        assert_eq!(Bitstring::decode(&sparse.encode()).unwrap(), dense);
        // Few set: read back sparse, with the same digest as its raw bytes.
        let mut few = Bitstring::new(MIN_BITS).unwrap();
        for i in [3u64, 77, 131_000] {
            few.set(i, true).unwrap();
        }
        let back = Bitstring::decode(&few.encode()).unwrap();
        assert!(back.is_sparse() && back == few);
        assert_eq!(back.heap_bytes(), back.count_set() * 4);
        assert_eq!(few.digest(), *blake3::hash(&few.to_bytes()).as_bytes());
        assert_eq!(few.set_indexes(), vec![3, 77, 131_000]);
        assert_eq!(dense.count_cleared_in(&dense), 0);
        assert_eq!(few.count_cleared_in(&Bitstring::new(MIN_BITS).unwrap()), 3);
    }

    #[test]
    fn round_trip_and_bounds() {
        let mut b = Bitstring::new(MIN_BITS).unwrap();
        for i in [0u64, 94567, 131_071] {
            b.set(i, true).unwrap();
        }
        let enc = b.encode();
        assert!(enc.starts_with('u'));
        let back = Bitstring::decode(&enc).unwrap();
        assert_eq!(back, b);
        assert_eq!(back.count_set(), 3);
        assert!(matches!(
            b.get(131_072),
            Err(StatusError::IndexOutOfRange {
                index: 131_072,
                size: 131_072
            })
        ));
        assert!(matches!(
            Bitstring::new(1024),
            Err(StatusError::BadLength { .. })
        ));
        assert!(Bitstring::decode("zabc").is_err());
        assert!(Bitstring::decode("u!!!").is_err());
        assert!(Bitstring::decode("uH4sIAAAAAAAAA").is_err());
    }
}
