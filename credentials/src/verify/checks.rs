//! The checks of one decoded input, each a pure function of what was decoded and the
//! options: validity period, status (with stapled proofs and staleness), and the
//! presentation's holder binding, challenge and domain. The pipeline in `verify/mod.rs`
//! decides which run and records their outcomes.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{
    CheckName, DecodedCredential, Outcome, PresentationFacts, StatusBit, StatusLookupError,
    StatusSource, VerificationReport, VerifyOptions, MAX_OPEN_AUDIENCE_SECS,
};
use crate::did::KeyResolver;
use crate::status::{StatusEntry, StatusPurpose};

pub(super) fn validity(
    c: &DecodedCredential,
    now: DateTime<Utc>,
    skew: i64,
) -> Result<String, String> {
    let date = |field: &str| -> Result<Option<DateTime<Utc>>, String> {
        match c.credential.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => crate::time::parse(s)
                .map(Some)
                .map_err(|e| format!("{field}: {e}")),
            Some(_) => Err(format!("{field} is not a string")),
        }
    };
    // A VC 1.1 credential states its period as `issuanceDate` and `expirationDate`.
    let v1 = crate::prepare::is_v1(&c.credential);
    let (from_field, until_field) = if v1 {
        ("issuanceDate", "expirationDate")
    } else {
        ("validFrom", "validUntil")
    };
    let from = date(from_field)?;
    let until = date(until_field)?;
    if let Some(f) = from {
        if now + chrono::Duration::seconds(skew) < f {
            return Err(format!(
                "not yet valid: {from_field} is {}, now is {}",
                crate::time::format(f),
                crate::time::format(now)
            ));
        }
    }
    if let Some(u) = until {
        if now > u {
            return Err(format!(
                "expired: {until_field} was {}, now is {}",
                crate::time::format(u),
                crate::time::format(now)
            ));
        }
    }
    let ts = now.timestamp();
    if let Some(nbf) = c.jwt_nbf {
        if ts + skew < nbf {
            return Err(format!("not yet valid: JWT nbf is {nbf}, now is {ts}"));
        }
    }
    if let Some(exp) = c.jwt_exp {
        if ts >= exp {
            return Err(format!("expired: JWT exp was {exp}, now is {ts}"));
        }
    }
    if let Some(created) = c.proof_created {
        if created > ts + skew {
            return Err(format!(
                "proof is dated in the future: proof.created is {created}, now is {ts}"
            ));
        }
    }
    if let Some(exp) = c.proof_expires {
        if ts >= exp {
            return Err(format!(
                "proof expired: proof.expires was {exp}, now is {ts}"
            ));
        }
    }
    Ok(match (from, until) {
        (Some(f), Some(u)) => format!(
            "valid {} to {}",
            crate::time::format(f),
            crate::time::format(u)
        ),
        (Some(f), None) => format!("valid from {}", crate::time::format(f)),
        (None, Some(u)) => format!("valid until {}", crate::time::format(u)),
        (None, None) => "no validity period stated".into(),
    })
}

/// The status check: a failure for a set bit of a current list (or a list that is not the
/// issuer's), "cannot be sure" for a list not held or not confirmed recently enough, a pass
/// otherwise. A revocation seen on any copy is final (revocation is permanent); a suspension
/// seen on a stale copy may have been lifted since, so it cannot be sure.
pub(super) fn check_status(
    credential: &Value,
    issuer: Option<&str>,
    status: &dyn StatusSource,
    opts: &VerifyOptions,
) -> Outcome {
    let entries = match StatusEntry::from_credential(credential) {
        Ok(e) => e,
        Err(e) => return Outcome::fail(e.to_string()),
    };
    if entries.is_empty() {
        return Outcome::pass_with("credential carries no status entry (cannot be revoked)");
    }
    let mut seen = Vec::new();
    let mut unsure = Vec::new();
    for e in &entries {
        // A message entry is `statusSize` bits from `index × statusSize`, the first the most
        // significant; a revocation or suspension entry is the one bit at `index`.
        let positions: Vec<u64> = match &e.message {
            Some(m) => m.bits_of(e.index).collect(),
            None => vec![e.index],
        };
        let mut value = 0u64;
        let mut last = None;
        for pos in positions {
            let bit = match status.status_bit(&e.list, pos) {
                Ok(b) => b,
                Err(err @ StatusLookupError::NotHeld { .. }) => {
                    unsure.push(err.to_string());
                    last = None;
                    break;
                }
                Err(err) => return Outcome::fail(err.to_string()),
            };
            if bit.purpose != e.purpose {
                return Outcome::fail(format!(
                    "status list {} is a {} list, but the entry says {}",
                    e.list, bit.purpose, e.purpose
                ));
            }
            if Some(bit.owner.as_str()) != issuer {
                return Outcome::fail(format!(
                    "status list {} belongs to {}, not to the credential's issuer",
                    e.list, bit.owner
                ));
            }
            value = value << 1 | u64::from(bit.set);
            last = Some(bit);
        }
        let Some(bit) = last else { continue };
        let stale = stale_by(&bit, opts);
        if let Some(m) = &e.message {
            // A status message informs; what it means is the issuer's (§2.1), so it passes.
            let says = format!(
                "status message {value:#x}: {} (list {} index {}, version {})",
                m.message_of(value).unwrap_or("undefined"),
                e.list,
                e.index,
                bit.version
            );
            match stale {
                Some(why) => unsure.push(format!("{says}, as of {why}")),
                None => seen.push(says),
            }
            continue;
        }
        if bit.set {
            match (e.purpose, stale) {
                (StatusPurpose::Revocation, _) => {
                    return Outcome::fail(format!(
                        "revoked (list {} index {}, version {})",
                        e.list, e.index, bit.version
                    ))
                }
                (StatusPurpose::Suspension, None) => {
                    return Outcome::fail(format!(
                        "suspended (list {} index {}, version {})",
                        e.list, e.index, bit.version
                    ))
                }
                (StatusPurpose::Suspension, Some(why)) => {
                    unsure.push(format!(
                        "suspended as of {why}; it may have been lifted since"
                    ));
                    continue;
                }
                // Read as a value above.
                (StatusPurpose::Message, _) => continue,
            }
        }
        if let Some(why) = stale {
            unsure.push(format!("not {} as of {why}", e.purpose.past_tense()));
            continue;
        }
        seen.push(format!("not {} (v{})", e.purpose.past_tense(), bit.version));
    }
    if unsure.is_empty() {
        Outcome::pass_with(seen.join(", "))
    } else {
        Outcome::unsure(unsure.join("; "))
    }
}

/// A status check that could not be sure from this node's lists, decided by the issuer's
/// staple the holder carries when there is one: signed by the credential's issuer for this
/// credential, and recent enough (the same maximum age as a list's confirmation; a day when
/// no maximum is set). A revocation seen on a list never reaches here: it is final.
pub(super) fn with_staple(
    reason: String,
    credential: &Value,
    issuer: Option<&str>,
    staple: Option<&Result<crate::status::Carried, String>>,
    opts: &VerifyOptions,
    keys: &KeyResolver,
) -> Outcome {
    let Some(staple) = staple else {
        return Outcome::unsure(reason);
    };
    let (Some(issuer), Some(id)) = (issuer, credential.get("id").and_then(Value::as_str)) else {
        return Outcome::unsure(format!(
            "{reason}; a status staple needs the credential's issuer and id"
        ));
    };
    let carried = match staple {
        Ok(c) => c,
        Err(e) => return Outcome::unsure(format!("{reason}; {e}")),
    };
    let s = match crate::status::Staple::verify_carried(issuer, id, carried, keys) {
        Ok(s) => s,
        Err(e) => return Outcome::unsure(format!("{reason}; the carried {e}")),
    };
    let max = opts
        .max_status_age_secs
        .unwrap_or(DEFAULT_MAX_STAPLE_AGE_SECS);
    let age = opts.now.timestamp() - s.iat;
    if age > max {
        return Outcome::unsure(format!(
            "{reason}; the issuer's status staple is {} old (at most {} accepted)",
            crate::time::human_duration(age),
            crate::time::human_duration(max)
        ));
    }
    if -age > opts.clock_skew_secs {
        return Outcome::unsure(format!(
            "{reason}; the issuer's status staple is dated in the future"
        ));
    }
    Outcome::pass_with(format!(
        "neither revoked nor suspended as of {} ({} ago), by the issuer's status staple; this node's own copy: {reason}",
        s.at().map(crate::time::format).unwrap_or_default(),
        crate::time::human_duration(age)
    ))
}

/// Oldest status staple accepted when no maximum status age is set: one day.
pub const DEFAULT_MAX_STAPLE_AGE_SECS: i64 = 86_400;

/// Why a held list is too old to be sure of (`None` when it is recent enough, or no limit
/// is set): "list L last confirmed 3 h 5 min ago (at most 1 h)".
fn stale_by(bit: &StatusBit, opts: &VerifyOptions) -> Option<String> {
    let max = opts.max_status_age_secs?;
    match bit.confirmed {
        None => Some(format!(
            "a copy of list version {} never confirmed current by its owner (at most {} old accepted)",
            bit.version,
            crate::time::human_duration(max)
        )),
        Some(at) => {
            let age = (opts.now - at).num_seconds();
            (age > max).then(|| {
                format!(
                    "list version {} last confirmed {} ago (at most {} accepted)",
                    bit.version,
                    crate::time::human_duration(age),
                    crate::time::human_duration(max)
                )
            })
        }
    }
}

/// A presentation was expected but the input is a bare credential (or an SD-JWT without its key
/// binding JWT): holder binding fails, and so do the challenge and domain that were expected.
pub(super) fn missing_presentation(r: &mut VerificationReport, opts: &VerifyOptions) {
    r.record(
        CheckName::HolderBinding,
        Outcome::fail(
            "a presentation with holder binding was expected, but this is a bare credential \
             (for SD-JWT: no key binding JWT after the last `~`): it proves nothing about who \
             shows it, so anyone who saw it could replay it",
        ),
    );
    r.record(
        CheckName::Challenge,
        match &opts.challenge {
            Some(_) => Outcome::fail("no presentation, so no challenge (nonce) to match"),
            None => Outcome::skip("no expected challenge given"),
        },
    );
    r.record(
        CheckName::Domain,
        match &opts.domain {
            Some(_) => Outcome::fail("no presentation, so no domain (aud) to match"),
            None => Outcome::skip("no expected domain given"),
        },
    );
}

pub(super) fn presentation_checks(
    r: &mut VerificationReport,
    p: &PresentationFacts,
    opts: &VerifyOptions,
) {
    r.record(
        CheckName::HolderBinding,
        p.binding
            .clone()
            .map_or_else(Outcome::fail, Outcome::pass_with),
    );
    let now = opts.now.timestamp();
    if let Some(iat) = p.issued_at {
        if iat > now + opts.clock_skew_secs.max(0) {
            r.record(
                CheckName::ValidityPeriod,
                Outcome::fail(format!(
                    "presentation is dated in the future (iat {iat}, now {now})"
                )),
            );
        }
    }
    if let Some(exp) = p.expires {
        if now >= exp {
            r.record(
                CheckName::ValidityPeriod,
                Outcome::fail(format!("presentation expired (exp {exp}, now {now})")),
            );
        }
    } else if let (Some(max), Some(iat)) = (opts.max_presentation_age_secs, p.issued_at) {
        if now - iat > max {
            r.record(
                CheckName::ValidityPeriod,
                Outcome::fail(format!(
                    "presentation is {}s old; at most {max}s accepted",
                    now - iat
                )),
            );
        }
    }
    r.record(
        CheckName::Challenge,
        match (&opts.challenge, &p.challenge) {
            (None, Some(_)) => Outcome::skip("no expected challenge given"),
            (None, None) => Outcome::skip("no expected challenge given; presentation carries none"),
            (Some(_), None) => Outcome::fail("presentation carries no challenge (nonce)"),
            (Some(want), Some(got)) if want == got => Outcome::pass_with("challenge matches"),
            (Some(_), Some(_)) => Outcome::fail("challenge (nonce) does not match the one this verifier issued: replayed or made for another request"),
        },
    );
    r.record(
        CheckName::Domain,
        match (&opts.domain, &p.domain) {
            (None, _) => Outcome::skip("no expected domain given"),
            (Some(_), None) => Outcome::fail("presentation carries no domain (aud)"),
            (Some(want), Some(got)) if want == got => Outcome::pass_with(format!("made for {got}")),
            (Some(_), Some(got))
                if got == crate::present::OPEN_AUDIENCE && opts.accept_open_audience =>
            {
                match (p.issued_at, p.expires) {
                    (_, None) => {
                        Outcome::fail("presentation made for any verifier has no expiry (exp)")
                    }
                    (None, _) => Outcome::fail(
                        "presentation made for any verifier has no issue time (iat)",
                    ),
                    (Some(iat), Some(exp)) if exp - iat > MAX_OPEN_AUDIENCE_SECS => {
                        Outcome::fail(format!(
                            "presentation made for any verifier is valid {}s; at most {MAX_OPEN_AUDIENCE_SECS}s accepted",
                            exp - iat
                        ))
                    }
                    _ => Outcome::pass_with("made for any verifier (open QR code with an expiry)"),
                }
            }
            (Some(want), Some(got)) => {
                Outcome::fail(format!("presentation was made for {got}, not for {want}"))
            }
        },
    );
}
