//! Concealing claims when issuing: every property and array element becomes a disclosure,
//! its digest left in `_sd` or a `{"...": digest}` placeholder.

use rand::RngCore;
use serde_json::{Map, Value};

use super::Disclosure;

/// Makes every property of `obj` (except those in `keep`) and every array element below it
/// selectively disclosable, innermost first so that a disclosed parent carries its children's
/// digests. Disclosures are appended to `out`.
pub fn conceal_object(
    obj: &mut Map<String, Value>,
    keep: &[&str],
    rng: &mut impl RngCore,
    out: &mut Vec<Disclosure>,
) {
    let names: Vec<String> = obj
        .keys()
        .filter(|k| !keep.contains(&k.as_str()))
        .cloned()
        .collect();
    let mut digests = Vec::with_capacity(names.len());
    for name in names {
        let Some(mut value) = obj.remove(&name) else {
            continue;
        };
        conceal_value(&mut value, rng, out);
        let d = Disclosure::new(rng, Some(&name), value);
        digests.push(d.digest.clone());
        out.push(d);
    }
    if !digests.is_empty() {
        digests.sort();
        obj.insert(
            "_sd".into(),
            Value::Array(digests.into_iter().map(Value::String).collect()),
        );
    }
}

fn conceal_value(value: &mut Value, rng: &mut impl RngCore, out: &mut Vec<Disclosure>) {
    match value {
        Value::Object(map) => conceal_object(map, &[], rng, out),
        Value::Array(items) => {
            for item in items.iter_mut() {
                let mut v = item.take();
                conceal_value(&mut v, rng, out);
                let d = Disclosure::new(rng, None, v);
                let mut placeholder = Map::new();
                placeholder.insert("...".into(), Value::String(d.digest.clone()));
                *item = Value::Object(placeholder);
                out.push(d);
            }
        }
        _ => {}
    }
}

/// Makes each element of `items` selectively disclosable as it is (its own members stay in
/// the clear inside the disclosure): a holder may then leave any of them out.
pub fn conceal_elements(items: &mut [Value], rng: &mut impl RngCore, out: &mut Vec<Disclosure>) {
    for item in items.iter_mut() {
        let d = Disclosure::new(rng, None, item.take());
        let mut placeholder = Map::new();
        placeholder.insert("...".into(), Value::String(d.digest.clone()));
        *item = Value::Object(placeholder);
        out.push(d);
    }
}
