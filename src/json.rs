//! A small JSON tree. The platform's `JSON.parse` does the parsing; the JS layer converts its
//! result into this tree (depth- and size-bounded) so error-body logic stays plain, testable Rust.

/// Deepest nesting kept when converting; deeper values become `Null` (no unbounded recursion).
pub const MAX_DEPTH: usize = 24;
/// Most array items or object members kept per container.
pub const MAX_ITEMS: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Member of an object by name, matched in any letter case (Graph writes innerError and innererror).
    ///
    /// ```
    /// use graph_sync_job::json::Json;
    /// let j = Json::Object(vec![("innererror".into(), Json::Null)]);
    /// assert_eq!(j.get_ci("innerError"), Some(&Json::Null));
    /// ```
    pub fn get_ci(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Object(members) => members
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// A string member, matched in any letter case, if it is a non-empty string.
    pub fn str_ci(&self, key: &str) -> Option<&str> {
        self.get_ci(key)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Json::Object(_))
    }

    /// Replaces every occurrence of `secret` inside strings (keys and values) with `replacement`.
    pub fn redact(&mut self, secret: &str, replacement: &str) {
        match self {
            Json::String(s) => redact_in(s, secret, replacement),
            Json::Array(items) => items.iter_mut().for_each(|v| v.redact(secret, replacement)),
            Json::Object(members) => members.iter_mut().for_each(|(k, v)| {
                redact_in(k, secret, replacement);
                v.redact(secret, replacement);
            }),
            _ => {}
        }
    }
}

/// Replaces `secret` in `text` (no-op for an empty secret).
pub fn redact_in(text: &mut String, secret: &str, replacement: &str) {
    if !secret.is_empty() && text.contains(secret) {
        *text = text.replace(secret, replacement);
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// Builds the tree from JSON text, as the JS layer does from `JSON.parse` (test helper).
    pub fn parse(text: &str) -> Option<Json> {
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .map(|v| from_serde(&v, 0))
    }

    fn from_serde(v: &serde_json::Value, depth: usize) -> Json {
        use serde_json::Value as V;
        if depth >= MAX_DEPTH {
            return Json::Null;
        }
        match v {
            V::Null => Json::Null,
            V::Bool(b) => Json::Bool(*b),
            V::Number(n) => Json::Number(n.as_f64().unwrap_or(0.0)),
            V::String(s) => Json::String(s.clone()),
            V::Array(a) => Json::Array(
                a.iter()
                    .take(MAX_ITEMS)
                    .map(|x| from_serde(x, depth + 1))
                    .collect(),
            ),
            V::Object(o) => Json::Object(
                o.iter()
                    .take(MAX_ITEMS)
                    .map(|(k, x)| (k.clone(), from_serde(x, depth + 1)))
                    .collect(),
            ),
        }
    }

    #[test]
    fn case_insensitive_lookup_and_redaction() {
        let mut j = parse(r#"{"InnerError":{"x":"tok-123 here"},"tok-123":1}"#).unwrap();
        assert!(j.get_ci("innererror").is_some());
        j.redact("tok-123", "[redacted]");
        assert_eq!(
            j.get_ci("innerError").unwrap().str_ci("x"),
            Some("[redacted] here")
        );
        assert!(j.get_ci("[redacted]").is_some());
    }
}
