//! Repeated keys in JSON objects. serde (and serde_json's `Value`) keep the
//! last value of a repeated map key without a word, so
//! `{"answers":{"saddle_anaesthesia":"yes","saddle_anaesthesia":"no"}}` would
//! quietly assess "no". Bodies and case files are checked here first, by the
//! API and the CLI alike, and a repeated key anywhere is refused.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// serde_json says "expected value", and calls it a syntax error, when a value
/// of the wrong kind stands where a named value belongs (a number for a
/// treatment response). In text already known to be valid JSON that is what
/// it means, so say it that way: the API and the CLI both reword it here.
pub fn reword_wrong_kind(message: &str) -> String {
    const WRONG_KIND: &str = "not an allowed value for this field";
    if message == "expected value" {
        WRONG_KIND.to_string()
    } else {
        message.replace(": expected value at", &format!(": {WRONG_KIND} at"))
    }
}

/// The first key that appears twice in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateKey {
    /// Where the second occurrence is, e.g. `answers.saddle_anaesthesia` or `blocks[0].pain_before`.
    pub path: String,
    /// The repeated key.
    pub key: String,
    /// Line of the second occurrence (from 1).
    pub line: usize,
    /// Column of the second occurrence (from 1).
    pub column: usize,
}

impl fmt::Display for DuplicateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the key `{}` appears more than once (at `{}`); give each key once", self.key, self.path)
    }
}

/// Why a request body is not strict JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// Not UTF-8 text.
    NotUtf8,
    /// Not JSON: serde's message.
    NotJson(String),
    /// A key given twice (serde would keep the last value silently).
    Repeated(DuplicateKey),
}

/// A request body as JSON: UTF-8, valid JSON, and no key repeated anywhere.
/// The FHIR and CDS Hooks routes share it and word the errors their own way.
pub fn parse_body(body: &[u8]) -> Result<serde_json::Value, BodyError> {
    let text = std::str::from_utf8(body).map_err(|_| BodyError::NotUtf8)?;
    let value = serde_json::from_str(text).map_err(|e| BodyError::NotJson(e.to_string()))?;
    match find_duplicate_key(text) {
        Some(d) => Err(BodyError::Repeated(d)),
        None => Ok(value),
    }
}

/// The first repeated key of `text`, if any. Text that is not valid JSON gives
/// `None`: the real parser reports that with its own message.
pub fn find_duplicate_key(text: &str) -> Option<DuplicateKey> {
    let found = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    match (Walk { path: String::new(), found: &found }).deserialize(&mut de) {
        Ok(()) => None,
        Err(e) => found.into_inner().map(|(path, key)| DuplicateKey {
            path,
            key,
            line: e.line(),
            column: e.column(),
        }),
    }
}

fn child(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_string() } else { format!("{parent}.{key}") }
}

/// Walks any JSON value, remembering the path, and stops at a repeated key.
struct Walk<'a> {
    path: String,
    found: &'a RefCell<Option<(String, String)>>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        while seq
            .next_element_seed(Walk { path: format!("{}[{i}]", self.path), found: self.found })?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = child(&self.path, &key);
            if seen.contains(&key) {
                *self.found.borrow_mut() = Some((path, key));
                return Err(de::Error::custom("repeated key"));
            }
            map.next_value_seed(Walk { path, found: self.found })?;
            seen.insert(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_key_is_found_at_any_depth() {
        let d = find_duplicate_key(r#"{"answers":{"saddle_anaesthesia":"yes","saddle_anaesthesia":"no"}}"#)
            .expect("found");
        assert_eq!((d.path.as_str(), d.key.as_str()), ("answers.saddle_anaesthesia", "saddle_anaesthesia"));
        let d = find_duplicate_key(r#"{"blocks":[{"pain_before":1},{"pain_before":2,"pain_before":3}]}"#)
            .expect("found");
        assert_eq!(d.path, "blocks[1].pain_before");
        // Escapes are decoded before comparing.
        assert!(find_duplicate_key(r#"{"age":1,"a\u0067e":2}"#).is_some());
        assert_eq!(find_duplicate_key(r#"{"a":{"x":1},"b":{"x":1},"c":[1,1]}"#), None);
        assert_eq!(find_duplicate_key(r#"{"a": "#), None);
    }
}
