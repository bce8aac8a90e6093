//! The `message` status purpose (Bitstring Status List v1.0 §2.1): entries of `statusSize`
//! bits, each value named by a `statusMessage`. A message list has 131,072 entries of
//! `statusSize` bits (the list's length divided by `statusSize` is at least the minimum number
//! of entries, §3.2); entry `i` is the `statusSize` bits from bit `i × statusSize`, the first
//! the most significant.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::StatusError;

/// The widest entry vcnet keeps: 4 bits, 16 messages (a list of 512 Kibit, 64 KiB: its signed
/// snapshot, even incompressible, stays within one gossip message).
pub const MAX_STATUS_SIZE: u8 = 4;

/// One `statusMessage` element: a value (`0x` and hexadecimal) and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusMessage {
    /// `0x` and the value in hexadecimal.
    pub status: String,
    /// What the value means (for developers; not shown to end users, §2.1).
    pub message: String,
}

/// What a message list's entries are: their size in bits and the message of every value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageScheme {
    /// Bits per entry.
    pub status_size: u8,
    /// One message per possible value, in the order given.
    pub status_messages: Vec<StatusMessage>,
}

/// Longest message text kept.
const MAX_MESSAGE_CHARS: usize = 256;

impl MessageScheme {
    /// Reads `statusSize` and `statusMessage` as an entry (or a request for one) gives them;
    /// `at` names the place in errors. The size must be 1 to [`MAX_STATUS_SIZE`]; the messages
    /// must be one per possible value (2^statusSize), each `{status: "0x…", message}` with a
    /// distinct value; a size of 1 may go without messages ("unset" and "set").
    pub fn parse(
        size: Option<&Value>,
        messages: Option<&Value>,
        at: &str,
    ) -> Result<Self, StatusError> {
        let bad = |reason: String| StatusError::BadEntry {
            at: at.to_owned(),
            reason,
        };
        let status_size = match size {
            None => 1,
            Some(v) => {
                let n = v.as_u64().filter(|n| *n > 0).ok_or_else(|| {
                    bad(format!(
                        "statusSize {v} is not an integer greater than zero"
                    ))
                })?;
                u8::try_from(n)
                    .ok()
                    .filter(|n| *n <= MAX_STATUS_SIZE)
                    .ok_or_else(|| {
                        bad(format!(
                            "statusSize {n} is more than this node keeps ({MAX_STATUS_SIZE} bits)"
                        ))
                    })?
            }
        };
        let possible = 1usize << status_size;
        let status_messages = match messages {
            None if status_size == 1 => vec![
                StatusMessage {
                    status: "0x0".into(),
                    message: "unset".into(),
                },
                StatusMessage {
                    status: "0x1".into(),
                    message: "set".into(),
                },
            ],
            None => {
                return Err(bad(format!(
                    "statusMessage is missing (it must be present when statusSize is {status_size}, more than 1)"
                )))
            }
            Some(Value::Array(items)) => {
                if items.len() != possible {
                    return Err(bad(format!(
                        "statusMessage has {} elements; statusSize {status_size} needs {possible}",
                        items.len()
                    )));
                }
                let mut seen = vec![false; possible];
                let mut out = Vec::with_capacity(possible);
                for (i, item) in items.iter().enumerate() {
                    let status = item
                        .get("status")
                        .and_then(Value::as_str)
                        .ok_or_else(|| bad(format!("statusMessage[{i}].status must be a string")))?;
                    let message = item
                        .get("message")
                        .and_then(Value::as_str)
                        .ok_or_else(|| bad(format!("statusMessage[{i}].message must be a string")))?;
                    if message.chars().count() > MAX_MESSAGE_CHARS {
                        return Err(bad(format!(
                            "statusMessage[{i}].message is longer than {MAX_MESSAGE_CHARS} characters"
                        )));
                    }
                    let value = parse_hex(status)
                        .filter(|v| (*v as usize) < possible)
                        .ok_or_else(|| {
                            bad(format!(
                                "statusMessage[{i}].status `{status}` is not 0x and a hexadecimal value below {possible:#x}"
                            ))
                        })?;
                    if std::mem::replace(&mut seen[value as usize], true) {
                        return Err(bad(format!(
                            "statusMessage[{i}].status `{status}` repeats a value"
                        )));
                    }
                    out.push(StatusMessage {
                        status: status.to_owned(),
                        message: message.to_owned(),
                    });
                }
                out
            }
            Some(_) => return Err(bad("statusMessage must be an array".into())),
        };
        Ok(Self {
            status_size,
            status_messages,
        })
    }

    /// The message of `value`, if the scheme names it.
    pub fn message_of(&self, value: u64) -> Option<&str> {
        self.status_messages
            .iter()
            .find(|m| parse_hex(&m.status) == Some(value))
            .map(|m| m.message.as_str())
    }

    /// A short, stable name of the scheme for URLs: its size and 8 hex digits of its digest.
    pub fn id(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let digest = blake3::hash(&json).to_hex();
        format!("{}-{}", self.status_size, &digest[..8])
    }

    /// The bit positions (first, most significant, to last) of entry `index`.
    pub fn bits_of(&self, index: u64) -> impl Iterator<Item = u64> {
        let size = u64::from(self.status_size);
        (0..size).map(move |k| index * size + k)
    }

    /// The `(set, cleared)` positions that give entry `index` the value `value`.
    pub fn write(&self, index: u64, value: u64) -> (Vec<u64>, Vec<u64>) {
        let size = u64::from(self.status_size);
        let (mut set, mut cleared) = (Vec::new(), Vec::new());
        for (k, pos) in self.bits_of(index).enumerate() {
            if value >> (size - 1 - k as u64) & 1 == 1 {
                set.push(pos);
            } else {
                cleared.push(pos);
            }
        }
        (set, cleared)
    }
}

/// `0x` and a hexadecimal value (either case).
pub fn parse_hex(s: &str) -> Option<u64> {
    let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn two_bits() -> Value {
        json!([
            {"status": "0x0", "message": "pending_review"},
            {"status": "0x1", "message": "accepted"},
            {"status": "0x2", "message": "rejected"},
            {"status": "0x3", "message": "undefined"}
        ])
    }

    #[test]
    fn a_scheme_names_every_value() {
        let s = MessageScheme::parse(Some(&json!(2)), Some(&two_bits()), "").unwrap();
        assert_eq!(s.status_size, 2);
        assert_eq!(s.message_of(2), Some("rejected"));
        assert_eq!(s.message_of(4), None);
        assert_eq!(s.bits_of(5).collect::<Vec<_>>(), vec![10, 11]);
        assert_eq!(s.write(5, 2), (vec![10], vec![11]));
        assert_eq!(s.write(5, 1), (vec![11], vec![10]));
        assert!(s.id().starts_with("2-") && s.id().len() == 10);
        let one = MessageScheme::parse(None, None, "").unwrap();
        assert_eq!(one.message_of(1), Some("set"));
    }

    #[test]
    fn a_bad_scheme_says_which_field() {
        let cases = [
            (json!(0), two_bits(), "statusSize"),
            (json!("2"), two_bits(), "statusSize"),
            (json!(5), two_bits(), "statusSize"),
            (json!(3), two_bits(), "needs 8"),
            (
                json!(2),
                json!([{"status": "0x0", "message": "a"}, {"status": "0x1", "message": "b"}, {"status": "0x1", "message": "c"}, {"status": "0x2", "message": "d"}]),
                "repeats",
            ),
            (
                json!(2),
                json!([{"status": "0", "message": "a"}, {"status": "0x1", "message": "b"}, {"status": "0x2", "message": "c"}, {"status": "0x3", "message": "d"}]),
                "statusMessage[0].status",
            ),
            (
                json!(2),
                json!([{"status": "0x4", "message": "a"}, {"status": "0x1", "message": "b"}, {"status": "0x2", "message": "c"}, {"status": "0x3", "message": "d"}]),
                "below 0x4",
            ),
            (json!(2), json!("x"), "array"),
        ];
        for (size, messages, says) in cases {
            let e = MessageScheme::parse(Some(&size), Some(&messages), "[0]")
                .unwrap_err()
                .to_string();
            assert!(e.contains(says), "{e} (wanted {says})");
        }
        let e = MessageScheme::parse(Some(&json!(2)), None, "")
            .unwrap_err()
            .to_string();
        assert!(e.contains("statusMessage is missing"), "{e}");
    }
}
