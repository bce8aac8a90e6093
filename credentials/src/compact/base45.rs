//! Base45 (RFC 9285): bytes as characters of the QR code alphanumeric set, so a QR code carries
//! binary data in its alphanumeric mode (5.5 bits per character) and any scanner returns it as
//! plain text.

/// The 45 characters, in value order (RFC 9285 §4.1).
const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Why a Base45 text did not decode.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Base45Error {
    #[error("character {ch:?} at position {at} is not a Base45 character")]
    BadChar { ch: char, at: usize },
    #[error("length {0} is not a valid Base45 length (3n or 3n+2 characters)")]
    BadLength(usize),
    #[error("the group at position {at} encodes {value}, more than its {bytes} byte(s) hold")]
    Overflow { at: usize, value: u32, bytes: usize },
}

/// Encodes bytes as Base45.
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() / 2 * 3 + 2);
    for pair in data.chunks(2) {
        let (mut n, digits) = match pair {
            [a, b] => ((u32::from(*a) << 8) | u32::from(*b), 3),
            [a] => (u32::from(*a), 2),
            _ => unreachable!("chunks(2) yields one or two bytes"),
        };
        for _ in 0..digits {
            out.push(ALPHABET[(n % 45) as usize] as char);
            n /= 45;
        }
    }
    out
}

fn value(ch: u8, at: usize) -> Result<u32, Base45Error> {
    ALPHABET
        .iter()
        .position(|&c| c == ch)
        .map(|v| v as u32)
        .ok_or(Base45Error::BadChar { ch: ch as char, at })
}

/// Decodes Base45 text.
pub fn decode(text: &str) -> Result<Vec<u8>, Base45Error> {
    let b = text.as_bytes();
    if b.len() % 3 == 1 {
        return Err(Base45Error::BadLength(b.len()));
    }
    let mut out = Vec::with_capacity(b.len() / 3 * 2 + 1);
    for (g, group) in b.chunks(3).enumerate() {
        let at = g * 3;
        let mut n = 0u32;
        let mut weight = 1u32;
        for (i, &c) in group.iter().enumerate() {
            n += value(c, at + i)? * weight;
            weight *= 45;
        }
        if group.len() == 3 {
            if n > 0xFFFF {
                return Err(Base45Error::Overflow {
                    at,
                    value: n,
                    bytes: 2,
                });
            }
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else {
            if n > 0xFF {
                return Err(Base45Error::Overflow {
                    at,
                    value: n,
                    bytes: 1,
                });
            }
            out.push(n as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9285_examples() {
        // RFC 9285 §4.3 and §4.4.
        assert_eq!(encode(b"AB"), "BB8");
        assert_eq!(encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(decode("QED8WEX0").unwrap(), b"ietf!");
        assert_eq!(decode("%69 VD92EX0").unwrap(), b"Hello!!");
    }

    #[test]
    fn round_trip_and_errors() {
        let data: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&data)).unwrap(), data);
        assert!(matches!(
            decode("ab"),
            Err(Base45Error::BadChar { ch: 'a', at: 0 })
        ));
        assert!(matches!(decode("ABCD"), Err(Base45Error::BadLength(4))));
        assert!(matches!(
            decode(":::"),
            Err(Base45Error::Overflow { at: 0, .. })
        ));
    }
}
