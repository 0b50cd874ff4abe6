//! The few parts of Graph's answers that Rust decides on, as typed views. The platform parses
//! (`JSON.parse`); the JS layer deserializes the parsed value straight into these structs with
//! `serde-wasm-bindgen`, reading only the fields named here. Everything else stays in JS and goes
//! back to the caller as the platform parsed it.
//!
//! Every field is lenient: a value of the wrong type reads as absent instead of failing the
//! whole view, because a server may send anything.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A string, or `None` for any other JSON value (and for an empty string).
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
            f.write_str("any value")
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok((!v.is_empty()).then(|| v.to_owned()))
        }
        fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
            Ok((!v.is_empty()).then_some(v))
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(V)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            while a.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
            while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// A nested view, or `None` when the value is not of its shape.
fn nested<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Ok(Option::<T>::deserialize(d).ok().flatten())
}

/// `{"error": {...}}`: what a failed answer says, by Graph's rules (handle by code, never message).
#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize)]
pub struct ErrorBody {
    #[serde(default, deserialize_with = "nested")]
    pub error: Option<GraphErrorView>,
}

#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize)]
pub struct GraphErrorView {
    #[serde(default, deserialize_with = "text")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub target: Option<String>,
}

/// The ids an inner error carries. The JS layer flattens the chain (`innerError`/`innererror`,
/// any case) into a list, outermost first; the first that has an id gives it.
#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize)]
pub struct InnerIds {
    #[serde(default, rename = "request-id", deserialize_with = "text")]
    pub request_id: Option<String>,
    #[serde(default, rename = "client-request-id", deserialize_with = "text")]
    pub client_request_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub date: Option<String>,
}

/// The response headers Rust decides on (names lower-case).
#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize)]
pub struct HeaderView {
    #[serde(default, rename = "retry-after", deserialize_with = "text")]
    pub retry_after: Option<String>,
    #[serde(default, rename = "request-id", deserialize_with = "text")]
    pub request_id: Option<String>,
    #[serde(default, rename = "client-request-id", deserialize_with = "text")]
    pub client_request_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub date: Option<String>,
    #[serde(default, rename = "content-type", deserialize_with = "text")]
    pub content_type: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub location: Option<String>,
}

/// A synchronization job, as far as starting, pausing and waiting decide on it.
#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize)]
pub struct JobView {
    #[serde(default, deserialize_with = "nested")]
    pub status: Option<StatusView>,
}

#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    #[serde(default, deserialize_with = "text")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "nested")]
    pub last_execution: Option<ExecutionView>,
    #[serde(default, deserialize_with = "nested")]
    pub quarantine: Option<QuarantineView>,
    #[serde(default, deserialize_with = "text")]
    pub steady_state_last_achieved_time: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionView {
    #[serde(default, deserialize_with = "text")]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub time_began: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub time_ended: Option<String>,
    #[serde(default, deserialize_with = "nested")]
    pub error: Option<GraphErrorView>,
}

#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize)]
pub struct QuarantineView {
    #[serde(default, deserialize_with = "text")]
    pub reason: Option<String>,
    #[serde(default, deserialize_with = "nested")]
    pub error: Option<GraphErrorView>,
}

/// One page of `GET .../jobs`.
#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize)]
pub struct PageView {
    #[serde(default, rename = "@odata.nextLink", deserialize_with = "text")]
    pub next_link: Option<String>,
}

/// A `$batch` answer: the sub-responses Rust decides on.
#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize)]
pub struct BatchView {
    #[serde(default, deserialize_with = "nested")]
    pub responses: Option<Vec<SubResponseView>>,
}

#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize)]
pub struct SubResponseView {
    #[serde(default, deserialize_with = "text")]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<f64>,
    #[serde(default, deserialize_with = "nested")]
    pub headers: Option<HeaderView>,
    #[serde(default, deserialize_with = "nested")]
    pub body: Option<SubBodyView>,
}

/// A sub-response body: a job (for reads) or a Graph error.
#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize)]
pub struct SubBodyView {
    #[serde(default, deserialize_with = "nested")]
    pub error: Option<GraphErrorView>,
    #[serde(default, deserialize_with = "nested")]
    pub status: Option<StatusView>,
}

#[cfg(test)]
pub(crate) fn from_json<T: serde::de::DeserializeOwned + Default>(text: &str) -> T {
    // Through a Value, as serde-wasm-bindgen reads a parsed JS value (one value at a time).
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| T::deserialize(v).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_error_fields_and_odd_types() {
        let b: ErrorBody = from_json(r#"{"error":{"code":"X","message":"m","target":"t"}}"#);
        let e = b.error.unwrap();
        assert_eq!(
            (e.code.as_deref(), e.message.as_deref(), e.target.as_deref()),
            (Some("X"), Some("m"), Some("t"))
        );
        let odd: ErrorBody = from_json(r#"{"error":{"code":7,"message":["x"],"target":{"a":1}}}"#);
        assert_eq!(odd.error, Some(GraphErrorView::default()));
        for body in [
            r#"{"error":"denied"}"#,
            r#"{"error":null}"#,
            "[1,2]",
            "42",
            "null",
        ] {
            let b: ErrorBody = from_json(body);
            assert_eq!(b.error, None, "{body}");
        }
    }

    #[test]
    fn job_status_code_and_times() {
        let j: JobView = from_json(
            r#"{"id":"a","status":{"code":"Paused","lastExecution":{"state":"Failed","timeBegan":"2026-01-01T00:00:00Z",
            "timeEnded":"2026-01-01T00:01:00Z","error":{"code":"E1"}},"quarantine":{"reason":"TooManyDeletes"},
            "steadyStateLastAchievedTime":"0001-01-01T00:00:00Z"},"extra":{"deep":[1,2,3]}}"#,
        );
        let s = j.status.unwrap();
        assert_eq!(s.code.as_deref(), Some("Paused"));
        let e = s.last_execution.unwrap();
        assert_eq!(e.state.as_deref(), Some("Failed"));
        assert_eq!(e.error.unwrap().code.as_deref(), Some("E1"));
        assert_eq!(
            s.quarantine.unwrap().reason.as_deref(),
            Some("TooManyDeletes")
        );
        let bad: JobView =
            from_json(r#"{"status":{"code":"Active","lastExecution":"soon","quarantine":5}}"#);
        let s = bad.status.unwrap();
        assert_eq!(
            (s.code.as_deref(), s.last_execution, s.quarantine),
            (Some("Active"), None, None)
        );
    }

    #[test]
    fn batch_sub_responses() {
        let b: BatchView = from_json(
            r#"{"responses":[{"id":"2","status":429,"headers":{"retry-after":"3"}},
                {"id":"1","status":204},{"id":"3","status":404,"body":{"error":{"code":"NotFound"}}}]}"#,
        );
        let r = b.responses.unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(
            r[0].headers.as_ref().unwrap().retry_after.as_deref(),
            Some("3")
        );
        assert_eq!(r[1].status, Some(204.0));
        assert_eq!(
            r[2].body
                .as_ref()
                .unwrap()
                .error
                .as_ref()
                .unwrap()
                .code
                .as_deref(),
            Some("NotFound")
        );
        let not_list: BatchView = from_json(r#"{"responses":{"id":"1"}}"#);
        assert_eq!(not_list.responses, None);
    }
}
