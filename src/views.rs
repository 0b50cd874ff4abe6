//! The few parts of Graph's answers that Rust decides on, as typed views. The platform parses
//! (`JSON.parse`); the JS layer deserializes the parsed value straight into these structs with
//! `serde-wasm-bindgen`, reading only the fields named here. Everything else stays in JS and goes
//! back to the caller as the platform parsed it.
//!
//! Every field is lenient: a value of the wrong type reads as absent instead of failing the
//! whole view, because a server may send anything.

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

/// One level of a parsed answer: every key any view reads, at any depth, in one recursive
/// struct. serde-wasm-bindgen then generates code for one struct and four field types, not one
/// per view and field (that was 45 KB of the wasm). Fields not named here are never read.
#[derive(Debug, Default, Clone, PartialEq, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Level {
    pub code: Text,
    pub message: Text,
    pub target: Text,
    pub date: Text,
    pub state: Text,
    pub reason: Text,
    pub id: Text,
    pub location: Text,
    pub time_began: Text,
    pub time_ended: Text,
    pub steady_state_last_achieved_time: Text,
    #[serde(rename = "request-id")]
    pub request_id: Text,
    #[serde(rename = "client-request-id")]
    pub client_request_id: Text,
    #[serde(rename = "retry-after")]
    pub retry_after: Text,
    #[serde(rename = "content-type")]
    pub content_type: Text,
    #[serde(rename = "@odata.nextLink")]
    pub next_link: Text,
    pub error: Nested,
    pub last_execution: Nested,
    pub quarantine: Nested,
    pub headers: Nested,
    pub body: Nested,
    /// A job's status object, or a sub-response's status number.
    pub status: Status,
    pub responses: List,
}

/// A non-empty string, or nothing for any other value.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Text(pub Option<String>);

/// A nested level, or nothing when the value is not an object.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Nested(pub Option<Box<Level>>);

/// A list of levels (items that are not objects read as empty levels).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct List(pub Option<Vec<Level>>);

#[derive(Debug, Default, Clone, PartialEq)]
pub enum Status {
    #[default]
    None,
    Number(f64),
    Object(Box<Level>),
}

// Each reads one value and never fails: a value of the wrong type reads as absent, because a
// server may send anything. (The deserializers read one value at a time, so an error inside a
// field does not disturb the rest.)
impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Text(
            Option::<String>::deserialize(d)
                .ok()
                .flatten()
                .filter(|s| !s.is_empty()),
        ))
    }
}

impl<'de> Deserialize<'de> for Nested {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Nested(Option::<Box<Level>>::deserialize(d).ok().flatten()))
    }
}

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(List(
            Option::<Vec<Item>>::deserialize(d)
                .ok()
                .flatten()
                .map(|v| v.into_iter().map(|i| i.0).collect()),
        ))
    }
}

/// A list item: a level, or an empty one.
struct Item(Level);

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Item(Level::deserialize(d).unwrap_or_default()))
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Status;
            fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                f.write_str("a status")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Status, E> {
                Ok(Status::Number(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Status, E> {
                Ok(Status::Number(v as f64))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Status, E> {
                Ok(Status::Number(v as f64))
            }
            // A job's status: the four keys decided on, read with the field types Level already uses.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Status, A::Error> {
                let mut s = Level::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "code" => s.code = map.next_value()?,
                        "steadyStateLastAchievedTime" => {
                            s.steady_state_last_achieved_time = map.next_value()?
                        }
                        "lastExecution" => s.last_execution = map.next_value()?,
                        "quarantine" => s.quarantine = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Status::Object(Box::new(s)))
            }
        }
        Ok(d.deserialize_any(V).unwrap_or_default())
    }
}

impl Level {
    fn nested(n: &Nested) -> Option<&Level> {
        n.0.as_deref()
    }
    fn status_level(&self) -> Option<&Level> {
        match &self.status {
            Status::Object(l) => Some(l),
            _ => None,
        }
    }
}

fn t(t: &Text) -> Option<String> {
    t.0.clone()
}

/// `{"error": {...}}`: what a failed answer says, by Graph's rules (handle by code, never message).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ErrorBody {
    pub error: Option<GraphErrorView>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct GraphErrorView {
    pub code: Option<String>,
    pub message: Option<String>,
    pub target: Option<String>,
}

impl From<&Level> for GraphErrorView {
    fn from(l: &Level) -> Self {
        Self {
            code: t(&l.code),
            message: t(&l.message),
            target: t(&l.target),
        }
    }
}

impl From<&Level> for ErrorBody {
    fn from(l: &Level) -> Self {
        Self {
            error: Level::nested(&l.error).map(GraphErrorView::from),
        }
    }
}

/// The ids an inner error carries. The JS layer flattens the chain (`innerError`/`innererror`,
/// any case) into a list, outermost first; the first that has an id gives it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct InnerIds {
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    pub date: Option<String>,
}

impl From<&Level> for InnerIds {
    fn from(l: &Level) -> Self {
        Self {
            request_id: t(&l.request_id),
            client_request_id: t(&l.client_request_id),
            date: t(&l.date),
        }
    }
}

/// The inner-error chain as the JS layer sends it.
pub fn inner_ids(list: &List) -> Vec<InnerIds> {
    list.0.iter().flatten().map(InnerIds::from).collect()
}

/// The response headers Rust decides on (names lower-case).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct HeaderView {
    pub retry_after: Option<String>,
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    pub date: Option<String>,
    pub content_type: Option<String>,
    pub location: Option<String>,
}

impl From<&Level> for HeaderView {
    fn from(l: &Level) -> Self {
        Self {
            retry_after: t(&l.retry_after),
            request_id: t(&l.request_id),
            client_request_id: t(&l.client_request_id),
            date: t(&l.date),
            content_type: t(&l.content_type),
            location: t(&l.location),
        }
    }
}

/// A synchronization job, as far as starting, pausing and waiting decide on it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct JobView {
    pub status: Option<StatusView>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct StatusView {
    pub code: Option<String>,
    pub last_execution: Option<ExecutionView>,
    pub quarantine: Option<QuarantineView>,
    pub steady_state_last_achieved_time: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct ExecutionView {
    pub state: Option<String>,
    pub time_began: Option<String>,
    pub time_ended: Option<String>,
    pub error: Option<GraphErrorView>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct QuarantineView {
    pub reason: Option<String>,
    pub error: Option<GraphErrorView>,
}

impl From<&Level> for StatusView {
    fn from(s: &Level) -> Self {
        Self {
            code: t(&s.code),
            last_execution: Level::nested(&s.last_execution).map(|e| ExecutionView {
                state: t(&e.state),
                time_began: t(&e.time_began),
                time_ended: t(&e.time_ended),
                error: Level::nested(&e.error).map(GraphErrorView::from),
            }),
            quarantine: Level::nested(&s.quarantine).map(|q| QuarantineView {
                reason: t(&q.reason),
                error: Level::nested(&q.error).map(GraphErrorView::from),
            }),
            steady_state_last_achieved_time: t(&s.steady_state_last_achieved_time),
        }
    }
}

impl From<&Level> for JobView {
    fn from(l: &Level) -> Self {
        Self {
            status: l.status_level().map(StatusView::from),
        }
    }
}

/// One page of `GET .../jobs`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct PageView {
    pub next_link: Option<String>,
}

impl From<&Level> for PageView {
    fn from(l: &Level) -> Self {
        Self {
            next_link: t(&l.next_link),
        }
    }
}

/// A `$batch` answer: the sub-responses Rust decides on.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct BatchView {
    pub responses: Option<Vec<SubResponseView>>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct SubResponseView {
    pub id: Option<String>,
    pub status: Option<f64>,
    pub headers: Option<HeaderView>,
    pub body: Option<SubBodyView>,
}

/// A sub-response body: a job (for reads) or a Graph error.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SubBodyView {
    pub error: Option<GraphErrorView>,
    pub status: Option<StatusView>,
}

impl From<&Level> for BatchView {
    fn from(l: &Level) -> Self {
        let sub = |r: &Level| SubResponseView {
            id: t(&r.id),
            status: match r.status {
                Status::Number(n) => Some(n),
                _ => None,
            },
            headers: Level::nested(&r.headers).map(HeaderView::from),
            body: Level::nested(&r.body).map(|b| SubBodyView {
                error: Level::nested(&b.error).map(GraphErrorView::from),
                status: b.status_level().map(StatusView::from),
            }),
        };
        Self {
            responses: l.responses.0.as_ref().map(|v| v.iter().map(sub).collect()),
        }
    }
}

/// A view from JSON text, through [`Level`] as the wasm reads it (test helper).
#[cfg(test)]
pub(crate) fn from_json<T: for<'a> From<&'a Level>>(text: &str) -> T {
    T::from(&level_json(text))
}

/// An inner-error chain (a JSON array) as the JS layer sends it (test helper).
#[cfg(test)]
pub(crate) fn inner_json(text: &str) -> Vec<InnerIds> {
    let list = serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| List::deserialize(v).ok())
        .unwrap_or_default();
    inner_ids(&list)
}

/// JSON text to a [`Level`] through a `serde_json::Value`: one value at a time, as
/// serde-wasm-bindgen reads a parsed JS value.
#[cfg(test)]
pub(crate) fn level_json(text: &str) -> Level {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| Level::deserialize(v).ok())
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
        let odd_items: BatchView = from_json(r#"{"responses":[5,{"id":"1","status":"204"}]}"#);
        assert_eq!(odd_items.responses.unwrap()[1].status, None);
        assert_eq!(not_list.responses, None);
    }
}
