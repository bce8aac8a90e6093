//! A compact, lossless text form of JWS-based presentations for QR codes.
//!
//! The standard compact serialization of an SD-JWT presentation is base64url text: every JSON
//! part and signature costs 4/3 of its size: an identity presentation disclosing name and
//! birth date with key binding is about 3,180 characters (`vcnode bench qr`), more than a QR
//! code holds at level M (2,331 bytes at version 40). This form keeps the standard object and
//! only changes how it is carried:
//!
//! 1. every base64url segment between `.` and `~` is decoded and split into a *skeleton* (JSON
//!    structure, names, predictable values) and a *raw* stream (signatures, digests, salts,
//!    keys: random bytes at 8 bits a byte; digests the reader can recompute are left out);
//! 2. the skeleton is compressed with raw DEFLATE primed with a fixed dictionary of the
//!    skeletons vcnet credentials, disclosures and key binding JWTs share, so only what differs
//!    between credentials costs bytes; the bytes are the compressed skeleton's varint length,
//!    the compressed skeleton, then the raw stream;
//! 3. the compressed bytes are written in Base45 (RFC 9285) after the prefix `VC1:`, which the
//!    QR alphanumeric mode stores at 5.5 bits per character and every scanner returns as text.
//!
//! [`decode`] gives back exactly the standard serialization, byte for byte (base64url is
//! canonical: decoding rejects non-zero padding bits, so re-encoding is the identity), and the
//! verifier then runs the ordinary pipeline on it. Nothing is trusted from the compact form
//! itself: every signature and digest is checked on the restored standard object.

pub mod base45;
mod dictionary;
mod pack;

/// The preset dictionary of format `VC1:` (part of the format; decoders elsewhere need it).
pub use dictionary::DICTIONARY;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The text prefix of the compact form (version 1 of the format and of its dictionary).
pub const PREFIX: &str = "VC1:";
/// Largest restored text accepted (a QR code holds under 3 KB; this bounds decompression).
pub const MAX_RESTORED: usize = 64 * 1024;

/// Why a text could not be put into, or restored from, the compact form.
#[derive(Debug, thiserror::Error)]
pub enum CompactError {
    #[error("segment {segment} is not canonical base64url, so it cannot be carried compactly")]
    NotBase64 { segment: usize },
    #[error("not a compact presentation: it does not start with `{PREFIX}`")]
    NoPrefix,
    #[error("compact presentation: Base45: {0}")]
    Base45(#[from] base45::Base45Error),
    #[error("compact presentation: DEFLATE data is damaged: {0}")]
    Inflate(String),
    #[error("compact presentation: restored text would exceed {MAX_RESTORED} bytes")]
    TooLarge,
    #[error("compact presentation: {0}")]
    Malformed(&'static str),
}

/// True when `text` is in the compact form.
pub fn is_compact(text: &str) -> bool {
    text.trim_start().starts_with(PREFIX)
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut c = Compress::new(Compression::best(), false);
    // Raw DEFLATE accepts a preset dictionary (zlib's deflateSetDictionary).
    let _ = c.set_dictionary(dictionary::DICTIONARY);
    let mut out = Vec::with_capacity(data.len() + 64);
    loop {
        out.reserve(1024);
        let before = c.total_in() as usize;
        match c.compress_vec(&data[before..], &mut out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return out,
            Ok(_) => continue,
            Err(_) => return out,
        }
    }
}

fn inflate(data: &[u8]) -> Result<Vec<u8>, CompactError> {
    let mut d = Decompress::new(false);
    d.set_dictionary(dictionary::DICTIONARY)
        .map_err(|e| CompactError::Inflate(e.to_string()))?;
    let mut out = Vec::with_capacity(data.len() * 3);
    loop {
        if out.len() >= MAX_RESTORED {
            return Err(CompactError::TooLarge);
        }
        out.reserve(4096.min(MAX_RESTORED - out.len()).max(1));
        let consumed = d.total_in() as usize;
        let produced = out.len();
        match d.decompress_vec(&data[consumed..], &mut out, FlushDecompress::Finish) {
            Ok(Status::StreamEnd) => return Ok(out),
            Ok(_) if d.total_in() as usize == consumed && out.len() == produced => {
                return Err(CompactError::Inflate("truncated stream".into()))
            }
            Ok(_) => continue,
            Err(e) => return Err(CompactError::Inflate(e.to_string())),
        }
    }
}

/// The compact form of a JWS-based text: an SD-JWT (with or without key binding), a compact
/// JWS or JWT. Fails if a segment is not canonical base64url.
pub fn encode(text: &str) -> Result<String, CompactError> {
    Ok(encode_parts(text.trim())?.text)
}

/// The compact form and its byte budget, packing and compressing once.
pub fn encode_with_budget(presentation: &str) -> Result<(String, ByteBudget), CompactError> {
    let text = presentation.trim();
    let e = encode_parts(text)?;
    let mut b = part_sizes(text)?;
    b.raw = e.raw;
    b.skeleton = e.skeleton;
    b.skeleton_compressed = e.skeleton_compressed;
    b.compressed = e.bytes;
    b.compact_chars = e.text.len();
    Ok((e.text, b))
}

/// Text that may be in the compact form, as the standard text (other text is returned trimmed).
pub fn restore(text: &str) -> Result<String, CompactError> {
    if is_compact(text) {
        decode(text)
    } else {
        Ok(text.trim().to_owned())
    }
}

/// The standard text a compact form stands for.
pub fn decode(compact: &str) -> Result<String, CompactError> {
    let b45 = compact
        .trim()
        .strip_prefix(PREFIX)
        .ok_or(CompactError::NoPrefix)?;
    let bytes = base45::decode(b45)?;
    let mut pos = 0;
    let n = pack::get_varint(&bytes, &mut pos)?;
    let deflated = bytes
        .get(pos..pos.saturating_add(n))
        .ok_or(CompactError::Malformed("compressed part runs past the end"))?;
    let skeleton = inflate(deflated)?;
    pack::unpack(&skeleton, &bytes[pos + n..])
}

/// A compact form with the sizes of its parts.
struct Encoded {
    text: String,
    raw: usize,
    skeleton: usize,
    skeleton_compressed: usize,
    bytes: usize,
}

/// The binary form is the varint length of the compressed skeleton, the skeleton (raw DEFLATE
/// with the dictionary), then the raw bytes; the text is `VC1:` and its Base45.
fn encode_parts(text: &str) -> Result<Encoded, CompactError> {
    let packed = pack::pack(text)?;
    let deflated = deflate(&packed.skeleton);
    let mut bytes = Vec::with_capacity(deflated.len() + packed.raw.len() + 3);
    pack::put_varint(&mut bytes, deflated.len());
    bytes.extend_from_slice(&deflated);
    bytes.extend_from_slice(&packed.raw);
    Ok(Encoded {
        text: format!("{PREFIX}{}", base45::encode(&bytes)),
        raw: packed.raw.len(),
        skeleton: packed.skeleton.len(),
        skeleton_compressed: deflated.len(),
        bytes: bytes.len(),
    })
}

/// Where the bytes of an SD-JWT presentation go, decoded (before compression): what a QR code
/// has to carry, and the compressed total that it actually does.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ByteBudget {
    /// Characters of the standard compact serialization.
    pub standard_chars: usize,
    /// Number of `_sd` digests in the issuer-signed JWT.
    pub digest_count: usize,
    /// Their bytes (32 each, SHA-256).
    pub digests: usize,
    /// Signature bytes (issuer JWT and key binding JWT).
    pub signatures: usize,
    /// Number of disclosures presented.
    pub disclosure_count: usize,
    /// Decoded disclosure bytes (salt, name, value as JSON).
    pub disclosures: usize,
    /// Decoded key binding JWT header and payload bytes.
    pub key_binding: usize,
    /// The rest of the issuer-signed JWT's header and payload (decoded, without digests).
    pub issuer_jwt_other: usize,
    /// Random bytes carried as they are (signatures, undisclosed digests, keys, salts, ids).
    pub raw: usize,
    /// Bytes of the skeleton (JSON structure and claim values, random parts taken out).
    pub skeleton: usize,
    /// The skeleton after DEFLATE with the dictionary.
    pub skeleton_compressed: usize,
    /// Total binary bytes (compressed skeleton + raw).
    pub compressed: usize,
    /// Characters of the compact form (prefix + Base45).
    pub compact_chars: usize,
}

/// The decoded sizes of an SD-JWT presentation's parts (`jws~d1~…~kb`; the compact-form
/// fields left at 0).
fn part_sizes(text: &str) -> Result<ByteBudget, CompactError> {
    let parts: Vec<&str> = text.split('~').collect();
    let dec = |s: &str, segment| {
        B64.decode(s)
            .map_err(|_| CompactError::NotBase64 { segment })
    };
    let jws: Vec<&str> = parts[0].split('.').collect();
    if jws.len() != 3 {
        return Err(CompactError::Malformed("issuer JWT is not three parts"));
    }
    let header = dec(jws[0], 0)?;
    let payload = dec(jws[1], 1)?;
    let digest_count = serde_json::from_slice::<serde_json::Value>(&payload)
        .map(|v| count_digests(&v))
        .unwrap_or(0);
    let mut b = ByteBudget {
        standard_chars: text.len(),
        digest_count,
        digests: digest_count * 32,
        signatures: dec(jws[2], 2)?.len(),
        ..ByteBudget::default()
    };
    // Each digest is a 43-character string plus quotes and a comma in the JSON.
    b.issuer_jwt_other = (header.len() + payload.len()).saturating_sub(digest_count * 46);
    let last = parts.len() - 1;
    for (i, p) in parts.iter().enumerate().skip(1) {
        if p.is_empty() {
            continue;
        }
        if i == last && p.contains('.') {
            let kb: Vec<&str> = p.split('.').collect();
            for (j, s) in kb.iter().enumerate() {
                let n = dec(s, i)?.len();
                if j == 2 {
                    b.signatures += n;
                } else {
                    b.key_binding += n;
                }
            }
        } else {
            b.disclosure_count += 1;
            b.disclosures += dec(p, i)?.len();
        }
    }
    Ok(b)
}

fn count_digests(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| match (k.as_str(), v) {
                ("_sd", serde_json::Value::Array(a)) => a.len(),
                ("...", _) => 1,
                _ => count_digests(v),
            })
            .sum(),
        serde_json::Value::Array(a) => a.iter().map(count_digests).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_jws_and_sd_jwt_shapes() {
        for text in [
            "eyJhbGciOiJFZERTQSJ9.eyJhIjoxfQ.AAEC",
            "eyJhbGciOiJFZERTQSJ9.eyJhIjoxfQ.AAEC~WyJzIiwiYSIsMV0~",
            "eyJhbGciOiJFZERTQSJ9.eyJhIjoxfQ.AAEC~WyJzIiwiYSIsMV0~eyJhIjoxfQ.eyJiIjoyfQ.AAEC",
            "eyJhbGciOiJFZERTQSJ9.eyJhIjoxfQ.AAEC~",
        ] {
            let c = encode(text).unwrap();
            assert!(c.starts_with(PREFIX));
            assert_eq!(decode(&c).unwrap(), text);
        }
    }

    #[test]
    fn refuses_what_it_cannot_carry_or_restore() {
        // Non-canonical base64url (non-zero padding bits) would not restore byte for byte.
        assert!(matches!(
            encode("eyJhIjoxfQ.AB"),
            Err(CompactError::NotBase64 { segment: 1 })
        ));
        assert!(matches!(decode("eyJ..."), Err(CompactError::NoPrefix)));
        assert!(matches!(decode("VC1:ab"), Err(CompactError::Base45(_))));
        let c = encode("eyJhIjoxfQ.eyJhIjoxfQ.AAEC").unwrap();
        let damaged = format!("{}00", &c[..c.len() - 3]);
        assert!(decode(&damaged).is_err());
        // A decompression bomb stops at the limit.
        let deflated = deflate(&vec![b'A'; 200_000]);
        let mut bytes = Vec::new();
        pack::put_varint(&mut bytes, deflated.len());
        bytes.extend_from_slice(&deflated);
        let bomb = format!("{PREFIX}{}", base45::encode(&bytes));
        assert!(matches!(decode(&bomb), Err(CompactError::TooLarge)));
    }
}
