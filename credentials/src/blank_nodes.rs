//! A work bound for RDF canonicalization, checked on the JSON before any JSON-LD processing.
//!
//! RDFC-1.0 labels blank nodes. Blank nodes with distinct first-degree hashes (different
//! statements about them) are labelled at once; only blank nodes that share a first-degree hash
//! need the "Hash N-Degree Quads" step, whose work grows factorially with the size of such a
//! group ("poison graphs": a clique of look-alike blank nodes can keep a verifier busy for
//! hours, and canonicalization runs before the signature can be checked). The canonicalizer
//! vcnet uses has no work limit of its own, so the input is bounded here:
//!
//! - every JSON object without `id`/`@id` that is not a value object (`@value`) may become a
//!   blank node: at most [`MAX_BLANK_NODES`] of them;
//! - objects that look alike to the first-degree hash (reached by the same property, with the
//!   same scalar members and the same names of nested members) form a group: at most
//!   [`MAX_LOOKALIKES`] in one group.
//!
//! vcnet's own credentials have a handful of blank nodes, all different (a health record's
//! immunizations differ in vaccine, dose or date); the published vectors have fewer.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// Most JSON objects without an id in one document (each may be a blank node).
pub const MAX_BLANK_NODES: usize = 256;
/// Most look-alike objects (candidates for one first-degree hash group).
pub const MAX_LOOKALIKES: usize = 8;

/// Checks the document against the bounds; the error says which was exceeded and where.
pub fn check_budget(doc: &Value) -> Result<(), String> {
    let mut groups: HashMap<String, (usize, String)> = HashMap::new();
    let mut count = 0usize;
    visit(doc, "", "$", &mut groups, &mut count)?;
    if let Some((_, (n, at))) = groups.iter().find(|(_, (n, _))| *n > MAX_LOOKALIKES) {
        return Err(format!(
            "{n} look-alike objects without an id (like the one at {at}); at most \
             {MAX_LOOKALIKES} are canonicalized (a blank-node \"poison graph\")"
        ));
    }
    Ok(())
}

fn visit(
    v: &Value,
    via: &str,
    path: &str,
    groups: &mut HashMap<String, (usize, String)>,
    count: &mut usize,
) -> Result<(), String> {
    match v {
        Value::Object(m) => {
            if is_blank(m) {
                *count += 1;
                if *count > MAX_BLANK_NODES {
                    return Err(format!(
                        "more than {MAX_BLANK_NODES} objects without an id (the last at {path}): \
                         too many blank nodes to canonicalize"
                    ));
                }
                let entry = groups
                    .entry(shape(via, m))
                    .or_insert_with(|| (0, path.to_owned()));
                entry.0 += 1;
            }
            for (k, child) in m {
                visit(child, k, &format!("{path}.{k}"), groups, count)?;
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                visit(child, via, &format!("{path}[{i}]"), groups, count)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// An object JSON-LD may turn into a blank node: no identifier, not a value, not a context.
fn is_blank(m: &Map<String, Value>) -> bool {
    !(m.contains_key("id")
        || m.contains_key("@id")
        || m.contains_key("@value")
        || m.contains_key("@context") && m.len() == 1)
}

/// What the first-degree hash can tell apart: the property it hangs from, its scalar members,
/// and the names (not contents) of its nested members.
fn shape(via: &str, m: &Map<String, Value>) -> String {
    let mut parts: Vec<String> = m
        .iter()
        .map(|(k, v)| match v {
            Value::Object(_) => format!("{k}:{{}}"),
            Value::Array(a) => format!(
                "{k}:[{}]",
                a.iter()
                    .map(|x| if x.is_object() || x.is_array() {
                        "{}".to_owned()
                    } else {
                        x.to_string()
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            scalar => format!("{k}={scalar}"),
        })
        .collect();
    parts.sort_unstable();
    format!("{via}|{}", parts.join("|"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn distinct_objects_pass_lookalikes_and_floods_fail() {
        let honest = json!({"credentialSubject": {"id": "did:key:z", "immunizations": [
            {"vaccine": "BCG", "dose": 1, "date": "2024-02-03"},
            {"vaccine": "BCG", "dose": 2, "date": "2024-05-03"},
            {"vaccine": "MMR", "dose": 1, "date": "2025-01-01"}
        ]}});
        assert!(check_budget(&honest).is_ok());
        // A clique of identical blank nodes pointing at each other.
        let poison = json!({"credentialSubject": {"id": "did:key:z",
            "knows": (0..12).map(|_| json!({"knows": [{}, {}]})).collect::<Vec<_>>()}});
        let e = check_budget(&poison).unwrap_err();
        assert!(
            e.contains("look-alike") && e.contains("credentialSubject.knows"),
            "{e}"
        );
        let flood = json!({"x": (0..300).map(|i| json!({"n": i})).collect::<Vec<_>>()});
        let e = check_budget(&flood).unwrap_err();
        assert!(e.contains("more than 256"), "{e}");
        // Objects with ids are not blank nodes, however many look alike.
        let named =
            json!({"x": (0..50).map(|i| json!({"id": format!("urn:x:{i}")})).collect::<Vec<_>>()});
        assert!(check_budget(&named).is_ok());
    }
}
