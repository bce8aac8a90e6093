//! Choosing what to present: the path of every disclosure in a payload, and the disclosures a
//! set of wanted paths needs.

use std::collections::HashMap;

use serde_json::Value;

use super::disclose::join;
use super::{Disclosure, MAX_SD_DEPTH};

/// The path of every disclosure within the payload (`credentialSubject.fullName`,
/// `credentialSubject.immunizations[1]`, …), so a holder can choose what to present.
/// Returns `(path, disclosure index)` pairs; paths of array elements use the element's position
/// among all (concealed or not) elements.
pub fn disclosure_paths(payload: &Value, disclosures: &[Disclosure]) -> Vec<(String, usize)> {
    let by_digest: HashMap<&str, usize> = disclosures
        .iter()
        .enumerate()
        .map(|(i, d)| (d.digest.as_str(), i))
        .collect();
    let mut out = Vec::new();
    paths_in(payload, "", &by_digest, disclosures, &mut out, 0);
    out
}

/// Collects the paths under `v` (at nesting level `depth`; nothing deeper than
/// [`MAX_SD_DEPTH`] is visited).
fn paths_in(
    v: &Value,
    path: &str,
    by: &HashMap<&str, usize>,
    ds: &[Disclosure],
    out: &mut Vec<(String, usize)>,
    depth: usize,
) {
    if depth > MAX_SD_DEPTH {
        return;
    }
    match v {
        Value::Object(map) => {
            if let Some(Value::Array(sd)) = map.get("_sd") {
                for dg in sd.iter().filter_map(Value::as_str) {
                    if let Some(&i) = by.get(dg) {
                        if let Some(name) = &ds[i].name {
                            let p = join(path, name);
                            out.push((p.clone(), i));
                            paths_in(&ds[i].value, &p, by, ds, out, depth + 1);
                        }
                    }
                }
            }
            for (k, child) in map {
                if k != "_sd" {
                    paths_in(child, &join(path, k), by, ds, out, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for (idx, item) in items.iter().enumerate() {
                let p = format!("{path}[{idx}]");
                match item
                    .as_object()
                    .and_then(|m| if m.len() == 1 { m.get("...") } else { None })
                    .and_then(Value::as_str)
                {
                    Some(dg) => {
                        if let Some(&i) = by.get(dg) {
                            out.push((p.clone(), i));
                            paths_in(&ds[i].value, &p, by, ds, out, depth + 1);
                        }
                    }
                    None => paths_in(item, &p, by, ds, out, depth + 1),
                }
            }
        }
        _ => {}
    }
}

/// Indexes of the disclosures needed to reveal `wanted` paths: every disclosure on the way to a
/// wanted path, and everything beneath it. A wanted path is a dotted path with optional `[n]`
/// indexes (`credentialSubject.immunizations[0]`).
pub fn select(paths: &[(String, usize)], wanted: &[String]) -> Vec<usize> {
    let under = |p: &str, w: &str| {
        p == w || p.starts_with(&format!("{w}.")) || p.starts_with(&format!("{w}["))
    };
    let mut chosen: Vec<usize> = paths
        .iter()
        .filter(|(p, _)| wanted.iter().any(|w| under(p, w) || under(w, p)))
        .map(|(_, i)| *i)
        .collect();
    chosen.sort_unstable();
    chosen.dedup();
    chosen
}
