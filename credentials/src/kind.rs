//! The credential kinds vcnet issues, each tied to its JSON Schema and JSON-LD context under
//! `schemas/` (compiled into the binary, so nothing is ever fetched).

use serde::{Deserialize, Serialize};

/// Why a credential's kind could not be determined.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum KindError {
    #[error("unknown credential kind: type {types:?} names none of IdentityCredential, HealthRecordCredential, StudyRecordCredential")]
    Unknown { types: Vec<String> },
    #[error("credential names more than one vcnet kind in `type`: {types:?}")]
    Ambiguous { types: Vec<String> },
    #[error("unknown kind `{name}`: expected identity, health or study")]
    UnknownName { name: String },
}

/// A kind of credential. Serialised as its `type` name; its short name (`identity`, `health`,
/// `study`, the strum name) is accepted too.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    strum::EnumIter,
    strum::EnumString,
    strum::IntoStaticStr,
)]
pub enum CredentialKind {
    /// A citizen's national identity card.
    #[serde(rename = "IdentityCredential", alias = "identity")]
    #[strum(to_string = "identity", serialize = "IdentityCredential")]
    Identity,
    /// A health record (insurance, blood type, immunizations, encounters, prescriptions).
    #[serde(rename = "HealthRecordCredential", alias = "health")]
    #[strum(to_string = "health", serialize = "HealthRecordCredential")]
    HealthRecord,
    /// A study record (courses, grades, graduation).
    #[serde(rename = "StudyRecordCredential", alias = "study")]
    #[strum(to_string = "study", serialize = "StudyRecordCredential")]
    StudyRecord,
}

impl CredentialKind {
    /// Every kind.
    pub const ALL: [CredentialKind; 3] = [Self::Identity, Self::HealthRecord, Self::StudyRecord];

    /// The credential `type` value.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Identity => "IdentityCredential",
            Self::HealthRecord => "HealthRecordCredential",
            Self::StudyRecord => "StudyRecordCredential",
        }
    }

    /// The short name used on the command line and in configs.
    pub fn short_name(self) -> &'static str {
        self.into()
    }

    /// Parses a short name (`identity`, `health`, `study`) or a type name.
    pub fn parse(name: &str) -> Result<Self, KindError> {
        name.parse().map_err(|_| KindError::UnknownName {
            name: name.to_owned(),
        })
    }

    /// The kind named in a credential's `type` list.
    pub fn from_types<'a>(
        types: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Result<Self, KindError> {
        let mut found = None;
        for t in types.clone() {
            if let Some(k) = Self::ALL.into_iter().find(|k| k.type_name() == t) {
                if found.is_some_and(|f| f != k) {
                    return Err(KindError::Ambiguous {
                        types: types.into_iter().map(str::to_owned).collect(),
                    });
                }
                found = Some(k);
            }
        }
        found.ok_or_else(|| KindError::Unknown {
            types: types.into_iter().map(str::to_owned).collect(),
        })
    }

    /// The vcnet kind of a credential: a kind's type name *and* its context in `@context`. A
    /// credential from elsewhere that happens to be typed `IdentityCredential` under another
    /// vocabulary is not one of vcnet's kinds (its type means what its own context says).
    pub fn of_credential(credential: &serde_json::Value) -> Result<Self, KindError> {
        let types = crate::prepare::types_of(credential);
        let contexts: Vec<&str> = match credential.get("@context") {
            Some(serde_json::Value::Array(a)) => a.iter().filter_map(|c| c.as_str()).collect(),
            Some(serde_json::Value::String(s)) => vec![s.as_str()],
            _ => vec![],
        };
        let ours: Vec<&str> = types
            .iter()
            .copied()
            .filter(|t| {
                Self::ALL
                    .iter()
                    .any(|k| k.type_name() == *t && contexts.contains(&k.context_url()))
            })
            .collect();
        if ours.is_empty() {
            return Err(KindError::Unknown {
                types: types.into_iter().map(str::to_owned).collect(),
            });
        }
        Self::from_types(ours)
    }

    /// URL of the kind's JSON-LD context.
    pub fn context_url(self) -> &'static str {
        match self {
            Self::Identity => "https://vcnet.id/contexts/identity/v1",
            Self::HealthRecord => "https://vcnet.id/contexts/health/v1",
            Self::StudyRecord => "https://vcnet.id/contexts/study/v1",
        }
    }

    /// The context document.
    pub fn context_json(self) -> &'static str {
        match self {
            Self::Identity => include_str!("../../schemas/identity/context.jsonld"),
            Self::HealthRecord => include_str!("../../schemas/health/context.jsonld"),
            Self::StudyRecord => include_str!("../../schemas/study/context.jsonld"),
        }
    }

    /// URL (`$id`) of the kind's JSON Schema, as put in `credentialSchema`.
    pub fn schema_url(self) -> &'static str {
        match self {
            Self::Identity => "https://vcnet.id/schemas/identity/v1.json",
            Self::HealthRecord => "https://vcnet.id/schemas/health/v1.json",
            Self::StudyRecord => "https://vcnet.id/schemas/study/v1.json",
        }
    }

    /// The JSON Schema document.
    pub fn schema_json(self) -> &'static str {
        match self {
            Self::Identity => include_str!("../../schemas/identity/schema.json"),
            Self::HealthRecord => include_str!("../../schemas/health/schema.json"),
            Self::StudyRecord => include_str!("../../schemas/study/schema.json"),
        }
    }
}

/// Writes a kind by its short name (`identity`, …), as the node's store, config and admin
/// answers do (`#[serde(serialize_with = …)]`; the derived `Deserialize` reads either name).
pub fn serialize_short<S: serde::Serializer>(k: &CredentialKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(k.short_name())
}

/// [`serialize_short`] for an optional kind.
pub fn serialize_short_opt<S: serde::Serializer>(
    k: &Option<CredentialKind>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match k {
        Some(k) => s.serialize_some(k.short_name()),
        None => s.serialize_none(),
    }
}

/// [`serialize_short`] for a list of kinds.
pub fn serialize_short_seq<S: serde::Serializer>(
    kinds: &[CredentialKind],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(kinds.iter().map(|k| k.short_name()))
}

impl std::fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.type_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_and_named_both_ways() {
        use strum::IntoEnumIterator;
        assert_eq!(
            CredentialKind::iter().collect::<Vec<_>>(),
            CredentialKind::ALL.to_vec()
        );
        for k in CredentialKind::ALL {
            assert_eq!(CredentialKind::parse(k.short_name()).unwrap(), k);
            assert_eq!(CredentialKind::parse(k.type_name()).unwrap(), k);
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.type_name()));
            let short: CredentialKind =
                serde_json::from_str(&format!("\"{}\"", k.short_name())).unwrap();
            assert_eq!(short, k);
        }
        assert!(serde_json::from_str::<CredentialKind>("\"passport\"").is_err());
    }

    #[test]
    fn kinds_parse_and_resolve() {
        assert_eq!(
            CredentialKind::parse("health").unwrap(),
            CredentialKind::HealthRecord
        );
        assert!(CredentialKind::parse("passport").is_err());
        assert_eq!(
            CredentialKind::from_types(["VerifiableCredential", "StudyRecordCredential"]).unwrap(),
            CredentialKind::StudyRecord
        );
        assert!(matches!(
            CredentialKind::from_types(["VerifiableCredential"]),
            Err(KindError::Unknown { .. })
        ));
        assert!(matches!(
            CredentialKind::from_types(["IdentityCredential", "StudyRecordCredential"]),
            Err(KindError::Ambiguous { .. })
        ));
        for k in CredentialKind::ALL {
            let schema: serde_json::Value = serde_json::from_str(k.schema_json()).unwrap();
            assert_eq!(schema["$id"], k.schema_url());
            let _: serde_json::Value = serde_json::from_str(k.context_json()).unwrap();
        }
    }
}
