//! The verification report: one entry per named check, in pipeline order. The API, the CLI and
//! the verifier log all print this same structure.

use serde::Serialize;
use serde_json::Value;

use crate::kind::CredentialKind;

/// The named checks, in the order the pipeline runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    /// The input could be parsed as a supported encoding.
    Decode,
    /// The credential matches its kind's JSON Schema.
    Schema,
    /// Every signature (issuer, and holder for presentations) verifies with the right key.
    Signature,
    /// `validFrom` ≤ now ≤ `validUntil` (and a presentation's own expiry).
    ValidityPeriod,
    /// The root authority accredits the issuer for this kind.
    IssuerAccredited,
    /// Not revoked, not suspended.
    Status,
    /// The presenter controls the key the credential is bound to.
    HolderBinding,
    /// The presentation answers the verifier's challenge (nonce).
    Challenge,
    /// The presentation was made for this verifier (domain / audience).
    Domain,
}

impl CheckName {
    /// Every check, in pipeline order.
    pub const ALL: [CheckName; 9] = [
        Self::Decode,
        Self::Schema,
        Self::Signature,
        Self::ValidityPeriod,
        Self::IssuerAccredited,
        Self::Status,
        Self::HolderBinding,
        Self::Challenge,
        Self::Domain,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Decode => "decode",
            Self::Schema => "schema",
            Self::Signature => "signature",
            Self::ValidityPeriod => "validity_period",
            Self::IssuerAccredited => "issuer_accredited",
            Self::Status => "status",
            Self::HolderBinding => "holder_binding",
            Self::Challenge => "challenge",
            Self::Domain => "domain",
        }
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "lowercase")]
pub enum Outcome {
    /// Passed; `detail` says what was checked when that is useful.
    Pass {
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
    },
    /// Failed, with the field or check at fault.
    Fail { reason: String },
    /// Could not be decided either way from what this node holds (a status list not held,
    /// or not confirmed current recently enough): neither a pass nor a failure.
    Unsure { reason: String },
    /// Not run, and why (asked to skip, or not applicable).
    Skip { reason: String },
}

impl Outcome {
    /// A pass with no detail.
    pub fn pass() -> Self {
        Self::Pass { detail: None }
    }
    /// A pass with a detail.
    pub fn pass_with(detail: impl Into<String>) -> Self {
        Self::Pass {
            detail: Some(detail.into()),
        }
    }
    /// A failure.
    pub fn fail(reason: impl Into<String>) -> Self {
        Self::Fail {
            reason: reason.into(),
        }
    }
    /// Cannot be decided.
    pub fn unsure(reason: impl Into<String>) -> Self {
        Self::Unsure {
            reason: reason.into(),
        }
    }
    /// A skip.
    pub fn skip(reason: impl Into<String>) -> Self {
        Self::Skip {
            reason: reason.into(),
        }
    }

    /// A check that did not pass: `("fail", reason)` or `("cannot_be_sure", reason)`; `None`
    /// for a pass or a skip.
    pub fn problem(&self) -> Option<(&'static str, &str)> {
        match self {
            Self::Fail { reason } => Some(("fail", reason)),
            Self::Unsure { reason } => Some(("cannot_be_sure", reason)),
            _ => None,
        }
    }

    /// True for `Fail`.
    pub fn is_fail(&self) -> bool {
        matches!(self, Self::Fail { .. })
    }

    /// How bad it is, for merging: Pass < Skip < Unsure < Fail.
    fn rank(&self) -> u8 {
        match self {
            Self::Pass { .. } => 0,
            Self::Skip { .. } => 1,
            Self::Unsure { .. } => 2,
            Self::Fail { .. } => 3,
        }
    }
}

/// The overall answer, in the words a clinic desk shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every check that ran passed.
    Valid,
    /// A check failed.
    #[default]
    Invalid,
    /// No check failed, but one could not be decided (e.g. the status list is not known to be
    /// current): not a silent "valid", not a false "revoked".
    CannotBeSure,
}

impl Verdict {
    /// Its stable name (`valid`, `invalid`, `cannot_be_sure`), as serialized.
    pub fn code(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::CannotBeSure => "cannot_be_sure",
        }
    }

    /// The words shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "VALID",
            Self::Invalid => "INVALID",
            Self::CannotBeSure => "CANNOT BE SURE",
        }
    }
}

/// One check and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// Which check.
    pub check: CheckName,
    /// What happened.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Everything a verifier learns from one input.
#[derive(Debug, Clone, Serialize, Default)]
pub struct VerificationReport {
    /// True when every check passed or was skipped (none failed, none undecided).
    pub valid: bool,
    /// Valid, invalid, or cannot be sure.
    pub verdict: Verdict,
    /// The detected encoding (`vc+jwt`, `vc+sd-jwt`, `di`, `vp+jwt`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Whether the input was a presentation.
    pub presentation: bool,
    /// The credential kind (of the first credential, whose claims `claims` holds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<CredentialKind>,
    /// How many credentials the input carries (a presentation may carry several; each is
    /// checked, and `kind`, `claims` and `issuer` describe the first).
    pub credential_count: usize,
    /// Credential `id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// Issuer DID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Issuer display name, from its accreditation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_name: Option<String>,
    /// Holder DID (subject id or presenter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// The subject claims as disclosed (all of them for non-SD formats).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<Value>,
    /// Paths of selectively disclosed claims (SD-JWT only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub disclosed: Vec<String>,
    /// One entry per check, in pipeline order.
    pub checks: Vec<CheckResult>,
}

impl VerificationReport {
    /// Records a check's outcome, replacing an earlier one for the same check only if the new
    /// one is worse (Fail > Unsure > Skip > Pass), so presentations can merge credential-level
    /// results.
    pub fn record(&mut self, check: CheckName, outcome: Outcome) {
        match self.checks.iter_mut().find(|c| c.check == check) {
            Some(existing) if outcome.rank() > existing.outcome.rank() => {
                existing.outcome = outcome
            }
            Some(_) => {}
            None => self.checks.push(CheckResult { check, outcome }),
        }
    }

    /// Sorts checks into pipeline order and computes `verdict` and `valid`.
    pub fn finish(mut self) -> Self {
        self.checks.sort_by_key(|c| c.check);
        let worst = self.checks.iter().map(|c| c.outcome.rank()).max();
        self.verdict = match worst {
            None | Some(3) => Verdict::Invalid,
            Some(2) => Verdict::CannotBeSure,
            Some(_) => Verdict::Valid,
        };
        self.valid = self.verdict == Verdict::Valid;
        self
    }

    /// The report limited to the `selected` checks (VC-API `options.checks`): every other check
    /// is marked skipped, whatever it found, and the verdict is taken again over what is left.
    /// Decoding always counts: an input that does not decode verifies nothing.
    pub fn only(mut self, selected: &[CheckName]) -> Self {
        for c in &mut self.checks {
            if c.check != CheckName::Decode && !selected.contains(&c.check) {
                c.outcome = Outcome::skip("not asked for (options.checks)");
            }
        }
        self.finish()
    }

    /// The outcome of one check, if it ran.
    pub fn outcome(&self, check: CheckName) -> Option<&Outcome> {
        self.checks
            .iter()
            .find(|c| c.check == check)
            .map(|c| &c.outcome)
    }

    /// The first failure, as `check: reason`.
    pub fn first_failure(&self) -> Option<String> {
        self.checks.iter().find_map(|c| match &c.outcome {
            Outcome::Fail { reason } => Some(format!("{}: {reason}", c.check.as_str())),
            _ => None,
        })
    }

    /// Every failed or undecided check, as `check: reason` (undecided ones say "cannot be
    /// sure"): what the API's `errors`, the verifier log and the desk show.
    pub fn problems(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter_map(|c| match &c.outcome {
                Outcome::Fail { reason } => Some(format!("{}: {reason}", c.check.as_str())),
                Outcome::Unsure { reason } => {
                    Some(format!("{}: cannot be sure: {reason}", c.check.as_str()))
                }
                _ => None,
            })
            .collect()
    }
}

impl std::fmt::Display for VerificationReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{}", self.verdict.as_str())?;
        if let Some(fmt) = &self.format {
            writeln!(
                f,
                "  format:     {fmt}{}",
                if self.presentation {
                    " (presentation)"
                } else {
                    ""
                }
            )?;
        }
        if let Some(k) = self.kind {
            writeln!(f, "  kind:       {k}")?;
        }
        if let Some(i) = &self.issuer {
            match &self.issuer_name {
                Some(n) => writeln!(f, "  issuer:     {n} ({i})")?,
                None => writeln!(f, "  issuer:     {i}")?,
            }
        }
        if let Some(h) = &self.holder {
            writeln!(f, "  holder:     {h}")?;
        }
        if let Some(id) = &self.credential_id {
            writeln!(f, "  credential: {id}")?;
        }
        if let Some(Value::Object(claims)) = &self.claims {
            writeln!(f, "  claims:")?;
            for (k, v) in claims {
                if k != "id" {
                    writeln!(
                        f,
                        "    {k}: {}",
                        match v {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        }
                    )?;
                }
            }
        }
        writeln!(f, "  checks:")?;
        for c in &self.checks {
            let (mark, text) = match &c.outcome {
                Outcome::Pass { detail } => ("pass", detail.clone().unwrap_or_default()),
                Outcome::Fail { reason } => ("FAIL", reason.clone()),
                Outcome::Unsure { reason } => ("UNSURE", format!("cannot be sure: {reason}")),
                Outcome::Skip { reason } => ("skip", reason.clone()),
            };
            writeln!(f, "    {:<18} {mark}  {text}", c.check.as_str())?;
        }
        Ok(())
    }
}
