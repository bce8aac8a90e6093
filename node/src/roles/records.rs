//! Reading an issuer's import file: JSON Lines (one subject object per line), one JSON
//! document (an object or an array of them), or CSV with a header row of subject property
//! names whose values are typed by the kind's schema. Errors name the line.

use credentials::CredentialKind;
use serde_json::Value;

use super::issuer::IssuerError;

/// The JSON type a schema gives a subject property (`string`, `boolean`, `number`, …).
fn property_type(kind: CredentialKind, name: &str) -> Option<String> {
    let schema: Value = serde_json::from_str(kind.schema_json()).ok()?;
    schema
        .pointer(&format!("/$defs/subject/properties/{name}/type"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// The id of a record: the kind's own identifier (personal identification number, health
/// insurance number, student number) when the record has it, else a digest of its content,
/// so that the same record imported twice (a resumed import) gets the same id.
pub fn record_id(kind: CredentialKind, subject: &Value) -> String {
    let field = match kind {
        CredentialKind::Identity => "personalIdentificationNumber",
        CredentialKind::HealthRecord => "healthInsuranceNumber",
        CredentialKind::StudyRecord => "studentNumber",
    };
    match subject.get(field).and_then(Value::as_str) {
        Some(s) => format!("{}:{s}", kind.short_name()),
        None => {
            let digest = blake3::hash(subject.to_string().as_bytes());
            format!(
                "{}:{}",
                kind.short_name(),
                hex::encode(&digest.as_bytes()[..8])
            )
        }
    }
}

/// Parses an import file: JSON Lines (one subject object per line) or CSV (header row of
/// subject property names; values typed by the kind's schema).
pub fn parse_records(kind: CredentialKind, text: &str) -> Result<Vec<(usize, Value)>, IssuerError> {
    let trimmed = text.trim_start();
    // One JSON document: an object (one record) or an array of records.
    if trimmed.starts_with('[')
        || (trimmed.starts_with('{')
            && text.trim().lines().count() > 1
            && serde_json::from_str::<Value>(text).is_ok())
    {
        return match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(items)) => Ok(items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i + 1, v))
                .collect()),
            Ok(v @ Value::Object(_)) => Ok(vec![(1, v)]),
            Ok(_) => Err(IssuerError::ImportLine {
                line: 1,
                reason: "expected an object or an array of objects".into(),
            }),
            Err(e) => Err(IssuerError::ImportLine {
                line: e.line(),
                reason: format!("not JSON: {e}"),
            }),
        };
    }
    if trimmed.starts_with('{') {
        return text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str::<Value>(l)
                    .map(|v| (i + 1, v))
                    .map_err(|e| IssuerError::ImportLine {
                        line: i + 1,
                        reason: format!("not a JSON object: {e}"),
                    })
            })
            .collect();
    }
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| IssuerError::ImportLine {
            line: 1,
            reason: format!("CSV header: {e}"),
        })?
        .clone();
    let types: Vec<Option<String>> = headers.iter().map(|h| property_type(kind, h)).collect();
    let mut out = Vec::new();
    for (i, row) in rdr.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| IssuerError::ImportLine {
            line,
            reason: format!("CSV: {e}"),
        })?;
        let mut obj = serde_json::Map::new();
        for ((h, v), t) in headers.iter().zip(row.iter()).zip(&types) {
            if v.is_empty() {
                continue;
            }
            let val = match t.as_deref() {
                Some("boolean") => match v {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => {
                        return Err(IssuerError::ImportLine {
                            line,
                            reason: format!("column {h}: `{v}` is not true or false"),
                        })
                    }
                },
                Some("integer") => {
                    Value::from(v.parse::<i64>().map_err(|_| IssuerError::ImportLine {
                        line,
                        reason: format!("column {h}: `{v}` is not an integer"),
                    })?)
                }
                Some("number") => serde_json::Number::from_f64(v.parse::<f64>().map_err(|_| {
                    IssuerError::ImportLine {
                        line,
                        reason: format!("column {h}: `{v}` is not a number"),
                    }
                })?)
                .map(Value::Number)
                .unwrap_or(Value::Null),
                _ => Value::String(v.to_owned()),
            };
            obj.insert(h.to_owned(), val);
        }
        out.push((line, Value::Object(obj)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_jsonl_parse_with_types_and_line_numbers() {
        let csv = "fullName,ageOver18\nAn,true\nBinh,maybe\n";
        let e = parse_records(CredentialKind::Identity, csv)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("ageOver18"), "{e}");
        let ok = parse_records(CredentialKind::Identity, "fullName,ageOver18\nAn,true\n").unwrap();
        assert_eq!(ok[0].1["ageOver18"], Value::Bool(true));
        let e = parse_records(CredentialKind::Identity, "{\"a\":1}\n{oops\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }
}
