//! The in-memory world the credential tests, the QR tests (`node/tests/qr.rs`) and the benchmark
//! share: an issuer accredited for every kind, its revocation and suspension lists, sample
//! subjects and credential requests. Included by path (`#[path = …] mod support;`); each
//! includer uses part of it.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use credentials::issue::CredentialRequest;
use credentials::status::{StatusEntry, StatusList, StatusPurpose};
use credentials::trust::{Accreditation, TrustEntry};
use credentials::verify::{MemoryStatus, MemoryTrust};
use credentials::{CredentialKind, Identity};
use serde_json::Value;

pub const LIST_R: &str = "https://status.example/agency/revocation/0";
pub const LIST_S: &str = "https://status.example/agency/suspension/0";

pub fn t(s: &str) -> DateTime<Utc> {
    credentials::time::parse(s).unwrap()
}

/// A valid sample subject of `schemas/<kind>/samples/valid/<name>`, without its `id`.
pub fn sample(kind: &str, name: &str) -> Value {
    let p = format!(
        "{}/../schemas/{kind}/samples/valid/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("id");
    v
}

/// The first valid sample of a kind, by file name.
pub fn first_sample(kind: &str) -> Value {
    let dir = format!(
        "{}/../schemas/{kind}/samples/valid",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    sample(kind, &names[0])
}

/// The test issuer (seed 1), its lists (all clear) and a trust registry accrediting it for
/// every kind: the world every includer starts from.
pub fn accredited_issuer() -> (Identity, MemoryStatus, MemoryTrust) {
    let issuer = Identity::from_seed(&[1; 32]);
    let (status, trust) = (status_lists(&issuer), trust_all_kinds(&issuer));
    (issuer, status, trust)
}

/// The issuer's revocation and suspension lists, all clear.
pub fn status_lists(issuer: &Identity) -> MemoryStatus {
    let mut status = MemoryStatus::new();
    for (l, p) in [
        (LIST_R, StatusPurpose::Revocation),
        (LIST_S, StatusPurpose::Suspension),
    ] {
        status.insert(StatusList::new(l, p, issuer.did(), 131_072).unwrap());
    }
    status
}

/// The issuer accredited for every kind since 2020.
pub fn trust_all_kinds(issuer: &Identity) -> MemoryTrust {
    let mut trust = MemoryTrust::new();
    trust.insert(TrustEntry {
        accreditation: Accreditation {
            issuer: issuer.did().into(),
            name: "National Identity Agency".into(),
            kinds: CredentialKind::ALL.to_vec(),
            valid_from: "2020-01-01T00:00:00Z".into(),
            valid_until: None,
            version: 1,
        },
        withdrawn: None,
    });
    trust
}

/// A request for a credential of `kind` to `holder`, valid 2026–2031, at `index` of both lists.
pub fn request(
    kind: CredentialKind,
    subject: Value,
    holder: &Identity,
    index: u64,
) -> CredentialRequest {
    CredentialRequest {
        kind,
        subject,
        holder: Some(holder.did().into()),
        id: None,
        valid_from: t("2026-01-01T00:00:00Z"),
        valid_until: Some(t("2031-01-01T00:00:00Z")),
        status: vec![
            StatusEntry {
                id: None,
                purpose: StatusPurpose::Revocation,
                index,
                list: LIST_R.into(),
                message: None,
                reference: None,
            },
            StatusEntry {
                id: None,
                purpose: StatusPurpose::Suspension,
                index,
                list: LIST_S.into(),
                message: None,
                reference: None,
            },
        ],
    }
}
