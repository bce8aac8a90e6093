//! Packing a JWS-based text into a *skeleton* (everything predictable: JSON structure, field
//! names, dates, claim values) and a *raw* stream (everything random: signatures, digests,
//! salts, keys, ids), and back.
//!
//! Each base64url segment between `.`/`~` separators is decoded. A segment whose bytes are
//! UTF-8 JSON goes into the skeleton as text in which random tokens are replaced by escape
//! bytes (0xF5–0xFC never occur in UTF-8) and their bytes go to the raw stream; any other
//! segment (a signature) goes to the raw stream whole. Tokens:
//!
//! | escape | stands for | raw bytes |
//! |---|---|---|
//! | `F5` | a 43-character base64url string (32 bytes: a digest, a key) | 32 |
//! | `F6` | a 22-character base64url string (16 bytes: a salt, a nonce) | 16 |
//! | `F7` | the `z6Mk…` part of an Ed25519 did:key (its 32-byte public key) | 32 |
//! | `F8 n` | token `n` again, as base64url | 0 |
//! | `F9 n` | token `n` (32 bytes) again, as a did:key | 0 |
//! | `FA` | a lowercase UUID (`8-4-4-4-12` hex) | 16 |
//! | `FB n` | the SD-JWT digest of presented disclosure `n` (computed) | 0 |
//! | `FC` | the key binding JWT's `sd_hash` (computed) | 0 |
//!
//! So a holder's key written once as a did:key and once as a JWK `x` costs 32 bytes once; the
//! digests of the disclosed claims and the `sd_hash` cost nothing (the reader recomputes them);
//! only what is random is carried, at exactly 8 bits a byte. Packing checks that unpacking gives
//! the input back byte for byte before it answers.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;

use super::CompactError;

const SEP_DOT: u8 = 0;
const SEP_TILDE: u8 = 1;
const SEP_END: u8 = 2;
const SEG_TEXT: u8 = 0;
const SEG_RAW: u8 = 1;

const T_B64_32: u8 = 0xF5;
const T_B64_16: u8 = 0xF6;
const T_DID: u8 = 0xF7;
const T_REF_B64: u8 = 0xF8;
const T_REF_DID: u8 = 0xF9;
const T_UUID: u8 = 0xFA;
const T_DISCLOSURE: u8 = 0xFB;
const T_SD_HASH: u8 = 0xFC;

const DID_KEY_ED25519: [u8; 2] = [0xed, 0x01];

/// A packed text: the skeleton (to compress) and the raw bytes (carried as they are).
pub(super) struct Packed {
    pub skeleton: Vec<u8>,
    pub raw: Vec<u8>,
}

pub(super) fn put_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

pub(super) fn get_varint(data: &[u8], pos: &mut usize) -> Result<usize, CompactError> {
    let mut n = 0usize;
    for shift in (0..28).step_by(7) {
        let b = *data
            .get(*pos)
            .ok_or(CompactError::Malformed("truncated length"))?;
        *pos += 1;
        n |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(n);
        }
    }
    Err(CompactError::Malformed("length too long"))
}

fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

fn is_b58(c: u8) -> bool {
    c.is_ascii_alphanumeric() && !matches!(c, b'0' | b'O' | b'I' | b'l')
}

/// Splits a text into (segment, separator) pairs.
fn segments(text: &str) -> Vec<(&str, u8)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.bytes().enumerate() {
        if c == b'.' || c == b'~' {
            out.push((&text[start..i], if c == b'.' { SEP_DOT } else { SEP_TILDE }));
            start = i + 1;
        }
    }
    out.push((&text[start..], SEP_END));
    out
}

/// The SD-JWT shape of a text, from its separators alone: which segments are disclosures, and
/// where the key binding JWT starts (the prefix its `sd_hash` covers ends there). Packing and
/// unpacking both use it, so they agree on what the computed tokens stand for.
struct Shape {
    /// Segment indexes of the disclosures (empty when the text is not an SD-JWT).
    disclosures: std::ops::Range<usize>,
    /// Segment index of the key binding JWT header, if there is one.
    kb_start: Option<usize>,
}

fn shape(seps: &[u8]) -> Shape {
    // An SD-JWT: three dotted parts, then `~`-separated disclosures, then an optional KB-JWT.
    if seps.len() < 4 || seps[..3] != [SEP_DOT, SEP_DOT, SEP_TILDE] {
        return Shape {
            disclosures: 0..0,
            kb_start: None,
        };
    }
    let end = 3 + seps[3..].iter().take_while(|&&s| s == SEP_TILDE).count();
    // What is left: an empty end segment, or a three-part KB-JWT.
    let kb_start = (seps[end..] == [SEP_DOT, SEP_DOT, SEP_END]).then_some(end);
    Shape {
        disclosures: 3..end,
        kb_start,
    }
}

/// The text an SD-JWT's `sd_hash` covers: everything up to and including the last `~`.
fn sd_hash_input(text: &str) -> &str {
    match text.rfind('~') {
        Some(i) => &text[..=i],
        None => text,
    }
}

struct Tokens {
    /// Raw bytes of each new token, by token number.
    seen: Vec<Vec<u8>>,
    disclosure_digests: Vec<String>,
    sd_hash: Option<String>,
}

impl Tokens {
    fn find(&self, bytes: &[u8]) -> Option<usize> {
        self.seen.iter().position(|s| s == bytes)
    }
}

fn parse_uuid(s: &[u8]) -> Option<[u8; 16]> {
    if s.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    let mut n = 0;
    let mut i = 0;
    while i < 36 {
        if matches!(i, 8 | 13 | 18 | 23) {
            if s[i] != b'-' {
                return None;
            }
            i += 1;
            continue;
        }
        let hex = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        out[n] = (hex(s[i])? << 4) | hex(s[i + 1])?;
        n += 1;
        i += 2;
    }
    Some(out)
}

fn did_key_of(key: &[u8]) -> String {
    let mut mc = Vec::with_capacity(34);
    mc.extend_from_slice(&DID_KEY_ED25519);
    mc.extend_from_slice(key);
    format!("z{}", bs58::encode(mc).into_string())
}

/// Replaces random tokens in one JSON text; appends the skeleton text and raw bytes.
fn pack_text(text: &[u8], t: &mut Tokens, skel: &mut Vec<u8>, raw: &mut Vec<u8>) {
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        let boundary_before = i == 0 || !is_b64(text[i - 1]);
        if boundary_before && is_b64(c) {
            let end = i + text[i..].iter().take_while(|&&c| is_b64(c)).count();
            let run = &text[i..end];
            if let Some(len) = try_token(run, t, skel, raw) {
                debug_assert_eq!(len, run.len());
                i = end;
                continue;
            }
            // Not a token: kept as text.
            skel.extend_from_slice(run);
            i = end;
            continue;
        }
        skel.push(c);
        i += 1;
    }
}

/// Packs one whole base64url-character run as a token if it is one; returns its length.
fn try_token(run: &[u8], t: &mut Tokens, skel: &mut Vec<u8>, raw: &mut Vec<u8>) -> Option<usize> {
    // An Ed25519 did:key multibase value.
    if run.len() == 48 && run.starts_with(b"z6Mk") && run.iter().all(|&c| is_b58(c)) {
        let s = std::str::from_utf8(&run[1..]).ok()?;
        let bytes = bs58::decode(s).into_vec().ok()?;
        if bytes.len() == 34
            && bytes[..2] == DID_KEY_ED25519
            && did_key_of(&bytes[2..]).as_bytes() == run
        {
            let key = &bytes[2..];
            match t.find(key) {
                Some(n) => {
                    skel.push(T_REF_DID);
                    put_varint(skel, n);
                }
                None => {
                    skel.push(T_DID);
                    raw.extend_from_slice(key);
                    t.seen.push(key.to_vec());
                }
            }
            return Some(run.len());
        }
    }
    if let Some(u) = parse_uuid(run) {
        skel.push(T_UUID);
        raw.extend_from_slice(&u);
        t.seen.push(u.to_vec());
        return Some(run.len());
    }
    if run.len() == 43 || run.len() == 22 {
        let s = std::str::from_utf8(run).ok()?;
        if let Some(j) = t.disclosure_digests.iter().position(|d| d == s) {
            skel.push(T_DISCLOSURE);
            put_varint(skel, j);
            return Some(run.len());
        }
        if t.sd_hash.as_deref() == Some(s) {
            skel.push(T_SD_HASH);
            return Some(run.len());
        }
        let bytes = B64.decode(s).ok()?;
        match t.find(&bytes) {
            Some(n) => {
                skel.push(T_REF_B64);
                put_varint(skel, n);
            }
            None => {
                skel.push(if bytes.len() == 32 {
                    T_B64_32
                } else {
                    T_B64_16
                });
                raw.extend_from_slice(&bytes);
                t.seen.push(bytes);
            }
        }
        return Some(run.len());
    }
    None
}

/// Packs a JWS-based text (JWS, JWT, SD-JWT with or without key binding).
pub(super) fn pack(text: &str) -> Result<Packed, CompactError> {
    let segs = segments(text);
    let seps: Vec<u8> = segs.iter().map(|(_, s)| *s).collect();
    let shape = shape(&seps);
    let mut t = Tokens {
        seen: Vec::new(),
        disclosure_digests: segs[shape.disclosures]
            .iter()
            .map(|(d, _)| crate::sd_jwt::digest(d))
            .collect(),
        sd_hash: shape
            .kb_start
            .map(|_| crate::sd_jwt::sd_hash(sd_hash_input(text))),
    };
    let mut skeleton = Vec::with_capacity(text.len());
    let mut raw = Vec::with_capacity(text.len() / 2);
    for (n, (seg, sep)) in segs.iter().enumerate() {
        let bytes = B64
            .decode(seg)
            .map_err(|_| CompactError::NotBase64 { segment: n })?;
        let json_like =
            matches!(bytes.first(), Some(b'{') | Some(b'[')) && std::str::from_utf8(&bytes).is_ok();
        if json_like {
            let mut body = Vec::with_capacity(bytes.len());
            pack_text(&bytes, &mut t, &mut body, &mut raw);
            skeleton.push(SEG_TEXT);
            put_varint(&mut skeleton, body.len());
            skeleton.extend_from_slice(&body);
        } else {
            skeleton.push(SEG_RAW);
            put_varint(&mut skeleton, bytes.len());
            raw.extend_from_slice(&bytes);
        }
        skeleton.push(*sep);
    }
    let packed = Packed { skeleton, raw };
    // Never hand out a form that does not restore exactly.
    match unpack(&packed.skeleton, &packed.raw) {
        Ok(back) if back == text => Ok(packed),
        _ => Err(CompactError::Malformed(
            "the text does not restore exactly from its packed form",
        )),
    }
}

/// One parsed text segment: literal bytes and tokens, rendered once disclosures are known.
enum Piece {
    Lit(Vec<u8>),
    Str(String),
    Disclosure(usize),
    SdHash,
}

struct Reader<'a> {
    raw: &'a [u8],
    pos: usize,
    seen: Vec<Vec<u8>>,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<Vec<u8>, CompactError> {
        let b = self
            .raw
            .get(self.pos..self.pos.saturating_add(n))
            .ok_or(CompactError::Malformed("raw bytes run out"))?
            .to_vec();
        self.pos += n;
        Ok(b)
    }

    fn token(&self, n: usize) -> Result<&[u8], CompactError> {
        self.seen
            .get(n)
            .map(Vec::as_slice)
            .ok_or(CompactError::Malformed("reference to an unknown token"))
    }
}

fn parse_text(text: &[u8], r: &mut Reader) -> Result<Vec<Piece>, CompactError> {
    let mut out = Vec::new();
    let mut lit = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        i += 1;
        let piece = match c {
            T_B64_32 | T_B64_16 => {
                let b = r.take(if c == T_B64_32 { 32 } else { 16 })?;
                let s = B64.encode(&b);
                r.seen.push(b);
                Piece::Str(s)
            }
            T_DID => {
                let b = r.take(32)?;
                let s = did_key_of(&b);
                r.seen.push(b);
                Piece::Str(s)
            }
            T_UUID => {
                let b = r.take(16)?;
                let s = crate::issue::uuid_text(&b);
                r.seen.push(b);
                Piece::Str(s)
            }
            T_REF_B64 => {
                let n = get_varint(text, &mut i)?;
                Piece::Str(B64.encode(r.token(n)?))
            }
            T_REF_DID => {
                let n = get_varint(text, &mut i)?;
                let b = r.token(n)?;
                if b.len() != 32 {
                    return Err(CompactError::Malformed("did:key token is not 32 bytes"));
                }
                Piece::Str(did_key_of(b))
            }
            T_DISCLOSURE => Piece::Disclosure(get_varint(text, &mut i)?),
            T_SD_HASH => Piece::SdHash,
            _ => {
                lit.push(c);
                continue;
            }
        };
        if !lit.is_empty() {
            out.push(Piece::Lit(std::mem::take(&mut lit)));
        }
        out.push(piece);
    }
    if !lit.is_empty() {
        out.push(Piece::Lit(lit));
    }
    Ok(out)
}

enum Seg {
    Text(Vec<Piece>),
    Raw(Vec<u8>),
}

/// Restores the standard text from a skeleton and raw bytes.
pub(super) fn unpack(skeleton: &[u8], raw: &[u8]) -> Result<String, CompactError> {
    let mut r = Reader {
        raw,
        pos: 0,
        seen: Vec::new(),
    };
    let mut segs: Vec<(Seg, u8)> = Vec::new();
    let mut pos = 0;
    loop {
        let kind = *skeleton
            .get(pos)
            .ok_or(CompactError::Malformed("truncated segment"))?;
        pos += 1;
        let len = get_varint(skeleton, &mut pos)?;
        let seg = match kind {
            SEG_TEXT => {
                let body = skeleton
                    .get(pos..pos.saturating_add(len))
                    .ok_or(CompactError::Malformed("segment runs past the end"))?;
                pos += len;
                Seg::Text(parse_text(body, &mut r)?)
            }
            SEG_RAW => Seg::Raw(r.take(len)?),
            _ => return Err(CompactError::Malformed("bad segment kind")),
        };
        let sep = *skeleton
            .get(pos)
            .ok_or(CompactError::Malformed("missing separator"))?;
        pos += 1;
        if sep > SEP_END {
            return Err(CompactError::Malformed("bad separator"));
        }
        segs.push((seg, sep));
        if sep == SEP_END {
            break;
        }
        if segs.len() > 4096 {
            return Err(CompactError::TooLarge);
        }
    }
    if pos != skeleton.len() || r.pos != raw.len() {
        return Err(CompactError::Malformed("data after the end"));
    }
    // Render in dependency order: disclosures have no computed tokens; the issuer JWT refers
    // to disclosure digests; the key binding JWT's sd_hash covers everything before it.
    let seps: Vec<u8> = segs.iter().map(|(_, s)| *s).collect();
    let sh = shape(&seps);
    let disclosure_range = sh.disclosures;
    let mut rendered: Vec<Option<String>> = vec![None; segs.len()];
    let kb_start = sh.kb_start.unwrap_or(segs.len());
    // Disclosures first, children before parents (a disclosed object lists the digests of its
    // own disclosed members), each digest computed as soon as its disclosure is rendered.
    let mut digests: Vec<Option<String>> = vec![None; disclosure_range.len()];
    loop {
        let mut progress = false;
        for (j, i) in disclosure_range.clone().enumerate() {
            if rendered[i].is_some() {
                continue;
            }
            if let Some(text) = render(&segs[i].0, &digests, None)? {
                digests[j] = Some(crate::sd_jwt::digest(&text));
                rendered[i] = Some(text);
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    if digests.iter().any(Option::is_none) {
        return Err(CompactError::Malformed(
            "disclosures refer to each other in a cycle",
        ));
    }
    let join = |rendered: &[Option<String>], upto: usize| -> String {
        let mut s = String::new();
        for (i, r) in rendered.iter().take(upto).enumerate() {
            s.push_str(r.as_deref().unwrap_or_default());
            match seps[i] {
                SEP_DOT => s.push('.'),
                SEP_TILDE => s.push('~'),
                _ => {}
            }
        }
        s
    };
    for i in 0..kb_start {
        if rendered[i].is_none() {
            rendered[i] = Some(
                render(&segs[i].0, &digests, None)?
                    .ok_or(CompactError::Malformed("unresolved computed value"))?,
            );
        }
    }
    let sd_hash = (kb_start < segs.len()).then(|| {
        let prefix = join(&rendered, kb_start);
        crate::sd_jwt::sd_hash(sd_hash_input(&prefix))
    });
    for i in kb_start..segs.len() {
        rendered[i] = Some(
            render(&segs[i].0, &digests, sd_hash.as_deref())?
                .ok_or(CompactError::Malformed("unresolved computed value"))?,
        );
    }
    Ok(join(&rendered, segs.len()))
}

/// Renders a segment as base64url; `None` while a disclosure digest it needs is unknown.
fn render(
    seg: &Seg,
    digests: &[Option<String>],
    sd_hash: Option<&str>,
) -> Result<Option<String>, CompactError> {
    let pieces = match seg {
        Seg::Raw(b) => return Ok(Some(B64.encode(b))),
        Seg::Text(p) => p,
    };
    let mut bytes = Vec::new();
    for p in pieces {
        match p {
            Piece::Lit(l) => bytes.extend_from_slice(l),
            Piece::Str(s) => bytes.extend_from_slice(s.as_bytes()),
            Piece::Disclosure(j) => match digests.get(*j) {
                None => return Err(CompactError::Malformed("unknown disclosure")),
                Some(None) => return Ok(None),
                Some(Some(d)) => bytes.extend_from_slice(d.as_bytes()),
            },
            Piece::SdHash => bytes.extend_from_slice(
                sd_hash
                    .ok_or(CompactError::Malformed("sd_hash outside key binding"))?
                    .as_bytes(),
            ),
        }
    }
    Ok(Some(B64.encode(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_and_restored() {
        let key = [7u8; 32];
        let did = format!("did:key:{}", did_key_of(&key));
        let x = B64.encode(key);
        let payload = format!(
            r#"{{"iss":"{did}","id":"urn:uuid:98beaa9e-361e-4efd-975d-8ff92d9badd6","cnf":{{"jwk":{{"x":"{x}"}}}},"k":"{did}#{}"}}"#,
            did_key_of(&key)
        );
        let text = format!(
            "{}.{}.{}",
            B64.encode(br#"{"alg":"EdDSA"}"#),
            B64.encode(payload.as_bytes()),
            B64.encode([9u8; 64])
        );
        let p = pack(&text).unwrap();
        // The key is carried once (the did:key, its repeat and the JWK x all refer to it), the
        // UUID once, the signature once.
        assert_eq!(p.raw.len(), 32 + 16 + 64);
        assert_eq!(unpack(&p.skeleton, &p.raw).unwrap(), text);
    }

    #[test]
    fn damaged_packs_are_errors_not_panics() {
        let text = format!(
            "{}.{}.{}",
            B64.encode(br#"{"a":"abcdefghijklmnopqrstuv"}"#),
            B64.encode(br#"{"b":1}"#),
            B64.encode([1u8; 64])
        );
        let p = pack(&text).unwrap();
        for cut in 0..p.skeleton.len() {
            let _ = unpack(&p.skeleton[..cut], &p.raw);
        }
        for cut in 0..p.raw.len() {
            assert!(unpack(&p.skeleton, &p.raw[..cut]).is_err());
        }
        for i in 0..p.skeleton.len() {
            let mut bad = p.skeleton.clone();
            bad[i] ^= 0xFF;
            let _ = unpack(&bad, &p.raw);
        }
    }
}
