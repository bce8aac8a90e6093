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
#[derive(Clone, PartialEq, Eq)]
pub struct Bitstring {
    bytes: Vec<u8>,
}

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
            bytes: vec![0; bits / 8],
        })
    }

    /// Wraps raw bytes (big-endian bit order), checking the length rules.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, StatusError> {
        let bits = bytes.len() * 8;
        if !(MIN_BITS..=MAX_BITS).contains(&bits) {
            return Err(StatusError::BadLength { bits });
        }
        Ok(Self { bytes })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.bytes.len() * 8
    }

    /// Always false: a list has at least [`MIN_BITS`] entries.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The status bit at `index`.
    pub fn get(&self, index: u64) -> Result<bool, StatusError> {
        let (byte, mask) = self.locate(index)?;
        Ok(self.bytes[byte] & mask != 0)
    }

    /// Sets the status bit at `index` to `value`; returns the previous value.
    pub fn set(&mut self, index: u64, value: bool) -> Result<bool, StatusError> {
        let (byte, mask) = self.locate(index)?;
        let old = self.bytes[byte] & mask != 0;
        if value {
            self.bytes[byte] |= mask;
        } else {
            self.bytes[byte] &= !mask;
        }
        Ok(old)
    }

    fn locate(&self, index: u64) -> Result<(usize, u8), StatusError> {
        let size = self.len() as u64;
        if index >= size {
            return Err(StatusError::IndexOutOfRange { index, size });
        }
        Ok(((index / 8) as usize, 0x80u8 >> (index % 8)))
    }

    /// How many entries are set.
    pub fn count_set(&self) -> usize {
        self.bytes.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// The blake3 digest of the raw bitstring: what deltas and snapshots commit to.
    pub fn digest(&self) -> [u8; 32] {
        *blake3::hash(&self.bytes).as_bytes()
    }

    /// The hex form of [`Bitstring::digest`].
    pub fn digest_hex(&self) -> String {
        blake3::hash(&self.bytes).to_hex().to_string()
    }

    /// `encodedList`: multibase base64url (no padding) of the GZIP-compressed bitstring.
    pub fn encode(&self) -> String {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        // Writing into a Vec cannot fail.
        let _ = gz.write_all(&self.bytes);
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

    #[test]
    fn bit_order_is_msb_first() {
        let mut b = Bitstring::new(MIN_BITS).unwrap();
        b.set(0, true).unwrap();
        b.set(9, true).unwrap();
        assert_eq!(b.as_bytes()[0], 0x80);
        assert_eq!(b.as_bytes()[1], 0x40);
        assert!(b.get(9).unwrap());
        assert!(!b.get(8).unwrap());
        assert!(b.set(9, false).unwrap());
        assert!(!b.get(9).unwrap());
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
