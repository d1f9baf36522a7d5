//! Reading EC2's irregular JSON without ever failing on its shape (facts §2.2).
//!
//! CloudTrail renders EC2's XML lists in many ways: `{"items":[…]}`, `{"item":[…]}`,
//! `{"assignedPrivateIpAddressSetType":[…]}`, `{}`, `null`, `""`, a bare array, and downstream
//! tools turn one-element lists into a single object. Everything here returns "nothing" rather
//! than an error when a value has another shape than expected.

use serde_json::Value;

/// The value at `key` of an object, `None` for anything else.
pub fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_object()?.get(key)
}

/// The first of `keys` that is present and not null.
pub fn get_any<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| get(v, k).filter(|x| !x.is_null()))
}

/// A nested value along `path`.
pub fn path<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, k| get(cur, k))
}

/// A string field; numbers are rendered as text (ids are sometimes typed loosely upstream).
pub fn string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        // `{"value": "…"}` is how EC2 wraps attribute values (ModifyNetworkInterfaceAttribute).
        Value::Object(o) => o.get("value").and_then(|x| string(Some(x))),
        _ => None,
    }
}

/// An integer field, from a number or a numeric string.
pub fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean field, from a JSON boolean or the strings `"true"`/`"false"`.
pub fn boolean(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Normalises an EC2 "set" to its elements, whatever wrapper it came in.
pub fn items(v: Option<&Value>) -> Vec<&Value> {
    let Some(v) = v else { return Vec::new() };
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) => Vec::new(),
        Value::String(s) if s.is_empty() => Vec::new(),
        Value::String(_) => vec![v],
        Value::Array(a) => a.iter().filter(|x| !x.is_null()).collect(),
        Value::Object(o) => {
            if o.is_empty() {
                return Vec::new();
            }
            if let Some(inner) = o.get("items").or_else(|| o.get("item")) {
                return wrapped(inner, v);
            }
            if o.len() == 1 {
                let inner = o.values().next().unwrap_or(&Value::Null);
                if inner.is_array() || inner.is_object() {
                    return wrapped(inner, v);
                }
            }
            // An object with fields of its own: a single element standing in for a list.
            vec![v]
        }
    }
}

fn wrapped<'a>(inner: &'a Value, outer: &'a Value) -> Vec<&'a Value> {
    match inner {
        Value::Array(a) => a.iter().filter(|x| !x.is_null()).collect(),
        Value::Object(o) if o.is_empty() => Vec::new(),
        Value::Object(_) => vec![inner],
        Value::Null => Vec::new(),
        Value::String(s) if s.is_empty() => Vec::new(),
        _ => vec![outer],
    }
}

/// The elements of the first of `keys` that holds any.
pub fn items_any<'a>(v: &'a Value, keys: &[&str]) -> Vec<&'a Value> {
    keys.iter()
        .map(|k| items(get(v, k)))
        .find(|i| !i.is_empty())
        .unwrap_or_default()
}

/// The text of an element: the element itself when it is a string, else its field `key`.
pub fn text_of(item: &Value, key: &str) -> Option<String> {
    match item {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(_) => string(get(item, key)),
        _ => None,
    }
}

/// `key` of every element, skipping elements without it.
pub fn texts(items: &[&Value], key: &str) -> Vec<String> {
    items.iter().filter_map(|i| text_of(i, key)).collect()
}

/// Tag value `key` from a tag set (`{"items":[{"key","value"}]}`, a plain array, or the
/// `tagSpecificationSet.items[].tags` form of a request).
pub fn tag(v: &Value, key: &str) -> Option<String> {
    let direct = items_any(v, &["tagSet", "tags", "Tags"]);
    let specs = items_any(v, &["tagSpecificationSet", "TagSpecifications"]);
    let nested = specs
        .iter()
        .flat_map(|s| items_any(s, &["tags", "tagSet", "Tags"]));
    direct.into_iter().chain(nested).find_map(|t| {
        let k = string(get_any(t, &["key", "Key"]))?;
        if k == key {
            string(get_any(t, &["value", "Value"]))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn addrs(v: Value) -> Vec<String> {
        texts(&items(Some(&v)), "privateIpAddress")
    }

    #[test]
    fn every_set_shape_normalises() {
        let one = || json!({"privateIpAddress": "10.0.0.1"});
        let want = vec!["10.0.0.1".to_string()];
        assert_eq!(addrs(json!(null)), Vec::<String>::new());
        assert_eq!(addrs(json!("")), Vec::<String>::new());
        assert_eq!(addrs(json!({})), Vec::<String>::new());
        assert_eq!(addrs(json!([one()])), want);
        assert_eq!(addrs(json!({"items": [one()]})), want);
        assert_eq!(addrs(json!({"item": [one()]})), want);
        assert_eq!(
            addrs(json!({"assignedPrivateIpAddressSetType": [one()]})),
            want
        );
        assert_eq!(addrs(json!({"items": one()})), want);
        assert_eq!(addrs(json!({"AnyTypeName": one()})), want);
        assert_eq!(addrs(one()), want);
        assert_eq!(addrs(json!({"item": {}})), Vec::<String>::new());
        assert_eq!(addrs(json!(["10.0.0.1"])), want);
        assert_eq!(addrs(json!("10.0.0.1")), want);
        assert_eq!(addrs(json!(7)), Vec::<String>::new());
        assert_eq!(addrs(json!([null, 1, {"other": 2}])), Vec::<String>::new());
    }

    #[test]
    fn scalars_are_tolerant() {
        assert_eq!(int(Some(&json!(9))), Some(9));
        assert_eq!(int(Some(&json!("9"))), Some(9));
        assert_eq!(int(Some(&json!({}))), None);
        assert_eq!(boolean(Some(&json!("true"))), Some(true));
        assert_eq!(string(Some(&json!({"value": "d"}))), Some("d".into()));
        assert_eq!(string(Some(&json!(""))), None);
    }

    #[test]
    fn tags_from_sets_and_specifications() {
        let req = json!({"tagSpecificationSet": {"items": [{"resourceType": "network-interface",
            "tags": [{"key": "node.k8s.amazonaws.com/instance_id", "value": "i-0abc"}]}]}});
        assert_eq!(
            tag(&req, "node.k8s.amazonaws.com/instance_id").as_deref(),
            Some("i-0abc")
        );
        let ct = json!({"tagSet": {"items": [{"key": "a", "value": "b"}]}});
        assert_eq!(tag(&ct, "a").as_deref(), Some("b"));
        assert_eq!(tag(&json!({"tagSet": {}}), "a"), None);
    }
}
