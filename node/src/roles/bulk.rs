//! Bulk issuance: an agency signs credentials for many records at once, straight to a file
//! (`vcnode records import --issue-to-file`), without claim codes.
//!
//! A batch goes in two steps. First, under the issuer lock, every new record gets a random
//! status index and a credential id, and the records, their index entries, the allocation of
//! every shard touched and the lists of shards opened are written in one RocksDB batch.
//! Then the credentials are signed on every core, with the lock released. A batch sent again
//! (a resumed import whose answer was lost) finds its records already issued and gets them
//! signed again with the same id and index: no duplicate, no index lost.

use std::collections::HashSet;

use credentials::issue::{issue_checked, Format, Issued};
use credentials::status::allocate_across;
use credentials::{schema, CredentialKind};
use rand::SeedableRng;
use rayon::prelude::*;
use serde_json::Value;

use super::issuer::{record_id, IssuerError, SHARD_SIZE};
use super::Node;
use crate::store::{EncodedRecord, RecordEntry, Store};

/// Records one bulk request may carry at most (the CLI sends batches of a few thousand).
pub const MAX_BULK_RECORDS: usize = 50_000;

/// One record of a bulk request, checked, with the credential id it gets if it is new and
/// its stored form naming that id, both made before the issuer lock is taken.
struct Checked {
    id: String,
    subject: Value,
    credential_id: String,
    encoded: EncodedRecord,
}

/// One record of a bulk request with its place in the issuer's books.
struct Planned {
    record_id: String,
    subject: Value,
    holder: Option<String>,
    credential_id: String,
    shard: u32,
    index: u64,
}

/// Lines a signing task writes into one piece of the answer (about 230 KB of SD-JWT).
const LINES_PER_PIECE: usize = 64;

/// A bulk answer: JSON Lines in pieces, sent as they are (no copy into one buffer).
#[derive(Debug)]
pub struct BulkAnswer {
    pub pieces: Vec<Vec<u8>>,
}

impl BulkAnswer {
    /// Its bytes in one buffer (a small answer, or a test).
    pub fn into_bytes(self) -> Vec<u8> {
        self.pieces.concat()
    }
}

/// Whether a JSON string of these bytes needs an escape: one pass without an early exit,
/// which the compiler turns into vector instructions.
fn needs_escape(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |any, &b| {
        any | !(0x20..0x7f).contains(&b) | (b == b'"') | (b == b'\\')
    })
}

/// Appends one line of a bulk answer, `{"record","credentialId","credential"}`: a JSON
/// credential (Data Integrity) as an object, the others as their text.
fn write_line(
    out: &mut Vec<u8>,
    record: &str,
    credential_id: &str,
    credential: &Issued,
) -> Result<(), IssuerError> {
    let encoding =
        |e: serde_json::Error| IssuerError::Internal(format!("encoding a credential line: {e}"));
    out.extend_from_slice(b"{\"record\":");
    serde_json::to_writer(&mut *out, record).map_err(encoding)?;
    out.extend_from_slice(b",\"credentialId\":");
    serde_json::to_writer(&mut *out, credential_id).map_err(encoding)?;
    out.extend_from_slice(b",\"credential\":");
    match credential {
        Issued::Json(v) => serde_json::to_writer(&mut *out, v).map_err(encoding)?,
        // A compact serialization (base64url, `.`, `~`, `data:` …) needs no escaping: copied
        // as it is after one scan, where the encoder would look at every byte on its way.
        Issued::Compact(c) if !needs_escape(c.as_bytes()) => {
            out.push(b'"');
            out.extend_from_slice(c.as_bytes());
            out.push(b'"');
        }
        Issued::Compact(c) => serde_json::to_writer(&mut *out, c).map_err(encoding)?,
    }
    out.extend_from_slice(b"}\n");
    Ok(())
}

/// The holder DID of a record: its subject's `id`, when it has one.
fn holder_of(subject: &Value) -> Option<String> {
    subject.get("id").and_then(Value::as_str).map(str::to_owned)
}

/// The records of a request: JSON Lines parsed on every core, anything else (a JSON document,
/// CSV) by [`parse_records`](super::issuer::parse_records).
fn parse_bulk(kind: CredentialKind, text: &str) -> Result<Vec<(usize, Value)>, IssuerError> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l))
        .collect();
    let json_lines = lines.first().is_some_and(|(_, l)| {
        l.trim_start().starts_with('{') && serde_json::from_str::<Value>(l).is_ok()
    });
    if !json_lines {
        return super::issuer::parse_records(kind, text);
    }
    if lines.len() > MAX_BULK_RECORDS {
        return Err(too_many());
    }
    lines
        .into_par_iter()
        .map(|(line, l)| {
            serde_json::from_str::<Value>(l)
                .map(|v| (line, v))
                .map_err(|e| IssuerError::ImportLine {
                    line,
                    reason: format!("not a JSON object: {e}"),
                })
        })
        .collect()
}

fn too_many() -> IssuerError {
    IssuerError::ImportLine {
        line: MAX_BULK_RECORDS + 1,
        reason: format!(
            "a bulk request carries at most {MAX_BULK_RECORDS} records; send the rest in another"
        ),
    }
}

/// Parses and checks a bulk request's records (schema, duplicates, holders), and gives each
/// the credential id it gets if it is new and its stored form, on every core.
fn check_records(
    kind: CredentialKind,
    format: Format,
    text: &str,
) -> Result<Vec<Checked>, IssuerError> {
    let parsed = parse_bulk(kind, text)?;
    if parsed.len() > MAX_BULK_RECORDS {
        return Err(too_many());
    }
    let checked: Vec<Result<(usize, Checked), IssuerError>> = parsed
        .into_par_iter()
        .map(|(line, subject)| {
            if let Err(v) = schema::validate_subject(kind, &subject) {
                let first = &v[0];
                return Err(IssuerError::ImportLine {
                    line,
                    reason: format!("{}: {}", first.field, first.reason),
                });
            }
            if format == Format::SdJwt && holder_of(&subject).is_none() {
                return Err(IssuerError::ImportLine {
                    line,
                    reason: "id: an SD-JWT credential is bound to its holder's key; the record needs the holder's DID in `id`".into(),
                });
            }
            let id = record_id(kind, &subject);
            let credential_id = credentials::issue::random_urn_uuid(&mut rand::thread_rng());
            let record = RecordEntry {
                id: id.clone(),
                kind,
                subject,
                claimed_by: Some(credential_id.clone()),
                code_digest: None,
                tx_code_digest: None,
            };
            let encoded = Store::encode_record(&record)?;
            Ok((
                line,
                Checked {
                    id,
                    subject: record.subject,
                    credential_id,
                    encoded,
                },
            ))
        })
        .collect();
    let mut out = Vec::with_capacity(checked.len());
    let mut seen = HashSet::with_capacity(checked.len());
    for r in checked {
        let (line, c) = r?;
        if !seen.insert(c.id.clone()) {
            return Err(IssuerError::ImportLine {
                line,
                reason: format!("record {} appears twice in this request", c.id),
            });
        }
        out.push(c);
    }
    Ok(out)
}

impl Node {
    /// Issues a credential in `format` for every record of `text` (JSON Lines, JSON or CSV, at
    /// most [`MAX_BULK_RECORDS`]), all or none, and answers JSON Lines: one
    /// `{"record", "credentialId", "credential"}` per record, in the request's order.
    pub async fn issue_records(
        &self,
        kind: CredentialKind,
        format: Format,
        text: String,
    ) -> Result<BulkAnswer, IssuerError> {
        self.check_issues(kind)?;
        if format == Format::SdJwtVc {
            return Err(IssuerError::NotInBulk { format });
        }
        let me = self
            .self_arc()
            .ok_or_else(|| IssuerError::Internal("the node is stopping".into()))?;
        let t0 = std::time::Instant::now();
        let records = blocking(move || check_records(kind, format, &text)).await??;
        let t_checked = t0.elapsed();
        let planned = {
            let _guard = self.issuer_lock.lock().await;
            let me = me.clone();
            blocking(move || me.plan_bulk(kind, format, records)).await??
        };
        let t_planned = t0.elapsed();
        for shard in &planned.opened {
            self.announce_shard(*shard).await;
        }
        let n = planned.items.len();
        let out = blocking(move || me.sign_bulk(kind, format, planned.items)).await??;
        self.metrics.issued_many(format, n as u64);
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        tracing::info!(
            kind = kind.short_name(),
            format = format.short_name(),
            count = n,
            checked_ms = ms(t_checked),
            committed_ms = ms(t_planned - t_checked),
            signed_ms = ms(t0.elapsed() - t_planned),
            "bulk issued"
        );
        Ok(out)
    }

    /// Step one (under the issuer lock): indexes for new records, which keep the ids and
    /// stored forms made for them in [`check_records`]; the ids and indexes they were issued
    /// with for records already issued; all written in one batch.
    fn plan_bulk(
        &self,
        kind: CredentialKind,
        format: Format,
        records: Vec<Checked>,
    ) -> Result<BulkPlan, IssuerError> {
        let existing = self
            .store
            .records_by_id(records.iter().map(|c| c.id.as_str()))?;
        // Records issued before (a batch sent again): their ids and indexes.
        let earlier_ids: Vec<&str> = existing
            .iter()
            .filter_map(|r| r.as_ref()?.claimed_by.as_deref())
            .collect();
        let mut earlier = self
            .store
            .issued_by_id(earlier_ids.iter().copied())?
            .into_iter();
        let mut shards = self.load_allocators()?;
        let pool = self.cfg.status_shards.max(1) as usize;
        // A CSPRNG seeded from the OS: one system call per batch, not two per record.
        let mut rng = rand::rngs::StdRng::from_rng(rand::rngs::OsRng)
            .map_err(|e| IssuerError::Internal(format!("seeding the index allocator: {e}")))?;
        let (mut touched, mut opened) = (HashSet::new(), Vec::new());
        let mut items = Vec::with_capacity(records.len());
        let mut new_records = Vec::with_capacity(records.len());
        let mut new_issued = Vec::with_capacity(records.len());
        let mut spent_codes = Vec::new();
        for (c, old) in records.into_iter().zip(existing) {
            let holder = holder_of(&c.subject);
            match old {
                Some(old) if old.claimed_by.is_some() => {
                    let cid = old.claimed_by.clone().unwrap_or_default();
                    let Some(Some(e)) = earlier.next() else {
                        return Err(IssuerError::Internal(format!(
                            "record {} was issued as {cid}, whose index entry is missing",
                            c.id
                        )));
                    };
                    if e.format != format || e.holder != holder {
                        return Err(IssuerError::ImportLine {
                            line: items.len() + 1,
                            reason: format!(
                                "record {} was already issued as {cid} ({} to {}); it is not issued again differently",
                                c.id,
                                e.format.short_name(),
                                e.holder.as_deref().unwrap_or("no holder")
                            ),
                        });
                    }
                    // Signed again as it was stored.
                    items.push(Planned {
                        record_id: c.id,
                        subject: old.subject,
                        holder,
                        credential_id: cid,
                        shard: e.shard,
                        index: e.index,
                    });
                    continue;
                }
                // Imported for a claim code, now issued directly: the code is spent.
                Some(old) => spent_codes.extend(old.code_digest),
                None => {}
            }
            let a = allocate_across(&mut shards, pool, SHARD_SIZE, &mut rng);
            touched.insert(a.shard);
            if a.opened {
                opened.push(a.shard as u32);
            }
            let mut entry = self.direct_entry(
                &c.credential_id,
                Some(kind),
                holder.clone(),
                format,
                a.shard as u32,
                a.index,
            );
            entry.record_id = Some(c.id.clone());
            new_issued.push(entry);
            new_records.push(c.encoded);
            items.push(Planned {
                record_id: c.id,
                subject: c.subject,
                holder,
                credential_id: c.credential_id,
                shard: a.shard as u32,
                index: a.index,
            });
        }
        let allocs: Vec<_> = touched
            .iter()
            .map(|&s| self.allocation_entry(s as u32, &shards[s]))
            .collect();
        let lists = opened.iter().flat_map(|&s| self.shard_lists(s)).collect();
        self.replicator.create_own(lists, |rows| {
            self.store.commit_bulk_issuance(
                &mut new_records,
                &mut new_issued,
                &allocs,
                &spent_codes,
                rows,
            )
        })?;
        Ok(BulkPlan { items, opened })
    }

    /// Step two (no lock): every credential signed, on every core, as JSON Lines in pieces
    /// of [`LINES_PER_PIECE`].
    fn sign_bulk(
        &self,
        kind: CredentialKind,
        format: Format,
        items: Vec<Planned>,
    ) -> Result<BulkAnswer, IssuerError> {
        let pieces: Result<Vec<Vec<u8>>, IssuerError> = items
            .into_par_iter()
            .chunks(LINES_PER_PIECE)
            .map(|chunk| {
                let mut out = Vec::with_capacity(chunk.len() * 4096);
                let mut rng = rand::thread_rng();
                for p in chunk {
                    let mut req = self.request(kind, p.subject, p.holder, p.shard, p.index);
                    req.id = Some(p.credential_id.clone());
                    // The subject was checked against the kind's schema in `check_records`.
                    let credential = issue_checked(format, &self.identity, &req, &mut rng)?;
                    write_line(&mut out, &p.record_id, &p.credential_id, &credential)?;
                }
                Ok(out)
            })
            .collect();
        Ok(BulkAnswer { pieces: pieces? })
    }
}

/// What step one decided.
struct BulkPlan {
    items: Vec<Planned>,
    opened: Vec<u32>,
}

/// Runs CPU or store work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, IssuerError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| IssuerError::Internal(format!("bulk issuance task: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(credential: Issued) -> Value {
        let mut out = Vec::new();
        write_line(&mut out, "identity:0\"1", "urn:uuid:x", &credential).unwrap();
        assert_eq!(out.last(), Some(&b'\n'));
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn answer_lines_are_json_whatever_the_credential_holds() {
        let plain = "eyJh.eyJ9.c2ln~WyJhIl0~";
        assert!(!needs_escape(plain.as_bytes()));
        let v = line(Issued::Compact(plain.into()));
        assert_eq!(v["credential"], plain);
        assert_eq!(v["record"], "identity:0\"1");
        assert_eq!(v["credentialId"], "urn:uuid:x");
        for odd in ["a\"b", "a\\b", "a\nb", "a\u{7f}b", "Lê"] {
            assert!(needs_escape(odd.as_bytes()), "{odd:?}");
            assert_eq!(line(Issued::Compact(odd.into()))["credential"], odd);
        }
        let json = serde_json::json!({"proof": {"proofValue": "z\"q"}});
        assert_eq!(line(Issued::Json(json.clone()))["credential"], json);
    }
}
