//! IETF Token Status List (draft-ietf-oauth-status-list): the status of SD-JWT VCs, which
//! carry `"status": {"status_list": {"idx", "uri"}}` and are checked against a Status List
//! Token (`typ` `statuslist+jwt`) at `uri`.
//!
//! vcnet keeps one Bitstring Status List per purpose (revocation, suspension) and gossips
//! those; the Token Status List of a shard is derived from the two, two bits per entry:
//! `0x00` valid, `0x01` invalid (revoked), `0x02` suspended (§7.1). It differs from a
//! Bitstring Status List in its bit order (least significant bits first, §4.1), its
//! compression (DEFLATE in the ZLIB format, not GZIP) and its encoding (plain base64url, no
//! multibase prefix).

use std::io::{Read, Write};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use serde_json::{json, Value};

use super::Bitstring;
use crate::jose::{sign_compact_any, Header};
use crate::pubkey::SecretKey;

/// `typ` of a Status List Token in JWT form (§5.1).
pub const STATUS_LIST_TOKEN_TYP: &str = "statuslist+jwt";

/// Media type of a Status List Token in JWT form, as served (§8.1).
pub const STATUS_LIST_TOKEN_MEDIA_TYPE: &str = "application/statuslist+jwt";

/// Status values (§7.1).
pub const VALID: u8 = 0x00;
/// Revoked.
pub const INVALID: u8 = 0x01;
/// Suspended (needs two bits per entry).
pub const SUSPENDED: u8 = 0x02;

/// Largest list accepted when reading one, in bytes once inflated (2^30 entries of 8 bits
/// would be 1 GiB; vcnet's own lists are 2^17 entries of 2 bits, 32 KiB).
pub const MAX_INFLATED_BYTES: usize = 16 * 1024 * 1024;

/// Why a Token Status List could not be built or read.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum TokenListError {
    #[error("status_list.bits must be 1, 2, 4 or 8; got {0}")]
    Bits(u64),
    #[error("status value {value} does not fit in {bits} bits")]
    Value { value: u8, bits: u8 },
    #[error("status_list.lst: {0}")]
    Lst(String),
    #[error("status_list: {0}")]
    Shape(String),
    #[error("index {index} is outside the list ({size} entries)")]
    Index { index: u64, size: u64 },
}

/// A Token Status List: `bits` bits per entry, packed least significant first (§4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenStatusList {
    bits: u8,
    bytes: Vec<u8>,
}

impl TokenStatusList {
    /// An all-valid list of `entries` entries of `bits` bits (rounded up to whole bytes).
    pub fn new(bits: u8, entries: usize) -> Result<Self, TokenListError> {
        check_bits(bits as u64)?;
        Ok(Self {
            bits,
            bytes: vec![0; (entries * bits as usize).div_ceil(8)],
        })
    }

    /// A list holding `statuses` in order.
    pub fn from_statuses(bits: u8, statuses: &[u8]) -> Result<Self, TokenListError> {
        let mut list = Self::new(bits, statuses.len())?;
        for (i, &s) in statuses.iter().enumerate() {
            list.set(i as u64, s)?;
        }
        Ok(list)
    }

    /// The two-bit list of a shard from its revocation and suspension lists (the same index
    /// on both): revoked → `0x01`, else suspended → `0x02`, else `0x00`. Only the set bits
    /// are visited.
    pub fn from_bitstrings(revocation: &Bitstring, suspension: &Bitstring) -> Self {
        let entries = revocation.len().max(suspension.len());
        let mut list = Self {
            bits: 2,
            bytes: vec![0; (entries * 2).div_ceil(8)],
        };
        for i in suspension.set_indexes() {
            list.put(i as usize, SUSPENDED);
        }
        for i in revocation.set_indexes() {
            list.put(i as usize, INVALID);
        }
        list
    }

    /// Bits per entry.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// Entries the list holds.
    pub fn len(&self) -> u64 {
        (self.bytes.len() * 8 / self.bits as usize) as u64
    }

    /// True when the list holds no entry.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The packed bytes, before compression.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The status at `index`; an index outside the list is an error (§8.3: it MUST be
    /// rejected, never read as valid).
    pub fn get(&self, index: u64) -> Result<u8, TokenListError> {
        if index >= self.len() {
            return Err(TokenListError::Index {
                index,
                size: self.len(),
            });
        }
        let bit = index as usize * self.bits as usize;
        let mask = (1u16 << self.bits) - 1;
        Ok(((self.bytes[bit / 8] as u16 >> (bit % 8)) & mask) as u8)
    }

    /// Sets the status at `index`.
    pub fn set(&mut self, index: u64, value: u8) -> Result<(), TokenListError> {
        if (value as u16) >> self.bits != 0 {
            return Err(TokenListError::Value {
                value,
                bits: self.bits,
            });
        }
        if index >= self.len() {
            return Err(TokenListError::Index {
                index,
                size: self.len(),
            });
        }
        self.put(index as usize, value);
        Ok(())
    }

    /// Writes `value` (already known to fit) at an index known to be inside the list.
    fn put(&mut self, index: usize, value: u8) {
        let bit = index * self.bits as usize;
        let mask = (((1u16 << self.bits) - 1) << (bit % 8)) as u8;
        let byte = &mut self.bytes[bit / 8];
        *byte = (*byte & !mask) | ((value << (bit % 8)) & mask);
    }

    /// `{"bits", "lst"}`: the bytes compressed with DEFLATE in the ZLIB format, at the
    /// highest level (§4.1 recommends it), then base64url without padding.
    pub fn to_json(&self) -> Value {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing into a Vec cannot fail.
        let _ = z.write_all(&self.bytes);
        let compressed = z.finish().unwrap_or_default();
        json!({"bits": self.bits, "lst": B64.encode(compressed)})
    }

    /// Reads a `status_list` object, inflating at most [`MAX_INFLATED_BYTES`].
    pub fn from_json(v: &Value) -> Result<Self, TokenListError> {
        let bits = v
            .get("bits")
            .and_then(Value::as_u64)
            .ok_or_else(|| TokenListError::Shape("`bits` must be a number".into()))?;
        check_bits(bits)?;
        let lst = v
            .get("lst")
            .and_then(Value::as_str)
            .ok_or_else(|| TokenListError::Shape("`lst` must be a string".into()))?;
        let compressed = B64
            .decode(lst)
            .map_err(|e| TokenListError::Lst(format!("not base64url: {e}")))?;
        let mut bytes = Vec::new();
        flate2::read::ZlibDecoder::new(&compressed[..])
            .take(MAX_INFLATED_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| TokenListError::Lst(format!("not ZLIB-compressed: {e}")))?;
        if bytes.len() > MAX_INFLATED_BYTES {
            return Err(TokenListError::Lst(format!(
                "inflates to more than {MAX_INFLATED_BYTES} bytes"
            )));
        }
        Ok(Self {
            bits: bits as u8,
            bytes,
        })
    }
}

fn check_bits(bits: u64) -> Result<(), TokenListError> {
    match bits {
        1 | 2 | 4 | 8 => Ok(()),
        _ => Err(TokenListError::Bits(bits)),
    }
}

/// The claims of a Status List Token (§5.1): `sub` the URI the tokens reference, `iat`,
/// `exp`, and `ttl` (seconds a holder of it may keep it before fetching again).
pub fn status_list_token_claims(
    uri: &str,
    list: &TokenStatusList,
    issued_at: i64,
    expires_at: i64,
    ttl_seconds: u64,
) -> Value {
    json!({
        "sub": uri,
        "iat": issued_at,
        "exp": expires_at,
        "ttl": ttl_seconds,
        "status_list": list.to_json(),
    })
}

/// A Status List Token in JWT form, signed by the issuer's key `key` named `kid`.
pub fn sign_status_list_token(claims: &Value, key: &SecretKey, kid: &str) -> String {
    let header = Header::eddsa(STATUS_LIST_TOKEN_TYP, Some(kid));
    sign_compact_any(
        &header,
        &serde_json::to_vec(claims).unwrap_or_default(),
        key,
    )
}

/// The `status` claim of a token referencing entry `index` of the list at `uri` (§6.2).
pub fn status_claim(uri: &str, index: u64) -> Value {
    json!({"status_list": {"idx": index, "uri": uri}})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::CompactJws;
    use rand::SeedableRng;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The specification's one-bit example (§4.1): statuses → bytes B9 A3, and its
    /// compressed form `78dadbb918000217015d` inflates to the same.
    #[test]
    fn one_bit_example_of_the_specification() {
        let statuses = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
        let list = TokenStatusList::from_statuses(1, &statuses).unwrap();
        assert_eq!(list.as_bytes(), [0xB9, 0xA3]);
        let published = json!({"bits": 1, "lst": B64.encode(hex("78dadbb918000217015d"))});
        let read = TokenStatusList::from_json(&published).unwrap();
        assert_eq!(read, list);
        for (i, s) in statuses.iter().enumerate() {
            assert_eq!(read.get(i as u64).unwrap(), *s, "index {i}");
        }
        // Our own encoding reads back to the same list.
        assert_eq!(TokenStatusList::from_json(&list.to_json()).unwrap(), list);
    }

    /// The two-bit example (§4.1): 1,2,0,3,0,1,0,1,1,2,3,3 → C9 44 F9.
    #[test]
    fn two_bit_example_of_the_specification() {
        let statuses = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3];
        let list = TokenStatusList::from_statuses(2, &statuses).unwrap();
        assert_eq!(list.as_bytes(), [0xC9, 0x44, 0xF9]);
        for (i, s) in statuses.iter().enumerate() {
            assert_eq!(list.get(i as u64).unwrap(), *s);
        }
    }

    #[test]
    fn derived_from_the_bitstring_lists() {
        let mut revocation = Bitstring::new(crate::status::MIN_BITS).unwrap();
        let mut suspension = Bitstring::new(crate::status::MIN_BITS).unwrap();
        revocation.set(3, true).unwrap();
        suspension.set(3, true).unwrap(); // revoked wins over suspended
        suspension.set(9, true).unwrap();
        revocation.set(131_071, true).unwrap();
        let list = TokenStatusList::from_bitstrings(&revocation, &suspension);
        assert_eq!(list.bits(), 2);
        assert_eq!(list.len(), 131_072);
        assert_eq!(list.get(3).unwrap(), INVALID);
        assert_eq!(list.get(9).unwrap(), SUSPENDED);
        assert_eq!(list.get(131_071).unwrap(), INVALID);
        assert_eq!(list.get(0).unwrap(), VALID);
        assert_eq!(list.get(8).unwrap(), VALID);
        assert_eq!(list.get(10).unwrap(), VALID);
        // Two bits per entry, least significant first: entry 3 is bits 6-7 of byte 0.
        assert_eq!(list.as_bytes()[0], 0b0100_0000);
        assert!(matches!(
            list.get(131_072),
            Err(TokenListError::Index { index: 131_072, .. })
        ));
    }

    #[test]
    fn bad_lists_are_errors_that_name_the_problem() {
        assert_eq!(TokenStatusList::new(3, 8), Err(TokenListError::Bits(3)));
        let mut l = TokenStatusList::new(2, 8).unwrap();
        assert_eq!(
            l.set(0, 4),
            Err(TokenListError::Value { value: 4, bits: 2 })
        );
        assert!(matches!(l.set(8, 1), Err(TokenListError::Index { .. })));
        for (v, want) in [
            (json!({"lst": "eNrbuRgAAhcBXQ"}), "`bits`"),
            (json!({"bits": 1}), "`lst`"),
            (json!({"bits": 1, "lst": "***"}), "base64url"),
            (json!({"bits": 1, "lst": B64.encode(b"not zlib")}), "ZLIB"),
            (json!({"bits": 5, "lst": "eNrbuRgAAhcBXQ"}), "1, 2, 4 or 8"),
        ] {
            let e = TokenStatusList::from_json(&v).unwrap_err().to_string();
            assert!(e.contains(want), "{v} → {e}");
        }
        // A bomb: 64 MiB of zeros compress to a few KiB; reading stops at the bound.
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&vec![0u8; 64 * 1024 * 1024]).unwrap();
        let bomb = json!({"bits": 1, "lst": B64.encode(z.finish().unwrap())});
        let e = TokenStatusList::from_json(&bomb).unwrap_err().to_string();
        assert!(e.contains("inflates to more than"), "{e}");
    }

    #[test]
    fn the_token_is_a_signed_statuslist_jwt_naming_its_uri() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        let id = crate::did::Identity::generate(&mut rng);
        let list = TokenStatusList::from_statuses(2, &[0, 1, 2, 0]).unwrap();
        let uri = "https://agency.example/status/tsl/0";
        let claims = status_list_token_claims(uri, &list, 1_700_000_000, 1_700_086_400, 300);
        let token = sign_status_list_token(
            &claims,
            &SecretKey::Ed25519(id.signing_key().clone()),
            id.verification_method(),
        );
        let jws = CompactJws::parse(&token).unwrap();
        assert!(
            jws.verify_with(&id.verifying_key()),
            "signed by the issuer's key"
        );
        assert_eq!(jws.header.typ.as_deref(), Some(STATUS_LIST_TOKEN_TYP));
        assert_eq!(jws.header.kid.as_deref(), Some(id.verification_method()));
        let payload: Value = serde_json::from_slice(&jws.payload).unwrap();
        assert_eq!(payload["sub"], uri);
        assert_eq!(payload["ttl"], 300);
        let read = TokenStatusList::from_json(&payload["status_list"]).unwrap();
        assert_eq!(read.get(1).unwrap(), INVALID);
        assert_eq!(read.get(2).unwrap(), SUSPENDED);
        assert_eq!(
            status_claim(uri, 2),
            json!({"status_list": {"idx": 2, "uri": uri}})
        );
    }
}
