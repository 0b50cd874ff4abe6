//! Injected faults: queued through the control API, consumed FIFO by matching Graph requests.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use hyper::header::{HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::Value;

use crate::sync::lock;

/// What a fault does to the request it hits.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// That status with a proper Graph error body.
    Status { code: String, message: String },
    /// An IIS/gateway style HTML error page.
    Html,
    /// No body at all.
    Empty,
    /// A `text/plain` body.
    Text(String),
    /// A Graph error body cut in the middle.
    Truncated,
    /// Close the connection without answering.
    Drop,
    /// Only the delay; then the request is handled normally.
    Delay,
    /// A 3xx with a `Location` header (carried in `Fault::headers`) and no body.
    Redirect,
    /// A body of a given size, streamed in paced chunks.
    Body(BodySpec),
}

/// The `body` fault: `bytes` bytes of `content_type`, `chunk_bytes` at a time, `interval_ms` apart.
#[derive(Clone, Debug, PartialEq)]
pub struct BodySpec {
    pub bytes: u64,
    pub chunk_bytes: u64,
    pub interval_ms: u64,
    pub content_type: HeaderValue,
    /// Send `Content-Length` (else the body is chunked).
    pub content_length: bool,
}

/// Largest `body` fault: 1 GiB (streamed, never held in memory).
pub const MAX_BODY_BYTES: u64 = 1 << 30;
/// Largest chunk of a `body` fault: 1 MiB.
pub const MAX_CHUNK_BYTES: u64 = 1 << 20;
/// Longest pause between chunks: one minute.
pub const MAX_INTERVAL_MS: u64 = 60_000;

/// A fault as it is applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    pub status: hyper::StatusCode,
    pub delay_ms: u64,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Matcher {
    method: Option<String>,
    path_contains: Option<String>,
}

impl Matcher {
    fn matches(&self, method: &str, target: &str) -> bool {
        let method_ok = match &self.method {
            Some(m) => m.eq_ignore_ascii_case(method),
            // Preflights are only faulted when asked for by name, so a catch-all fault hits the real call.
            None => method != "OPTIONS",
        };
        method_ok
            && self
                .path_contains
                .as_deref()
                .is_none_or(|needle| target.contains(needle))
    }
}

struct Queued {
    id: String,
    /// The `match` and `fault` objects as posted, for `GET /_emulator/faults`.
    posted: (Value, Value),
    matcher: Matcher,
    remaining: u64,
    fault: Arc<Fault>,
}

/// The FIFO queue of pending faults.
#[derive(Default)]
pub struct Faults {
    queue: Mutex<VecDeque<Queued>>,
    len: AtomicUsize,
}

impl Faults {
    /// The first queued fault matching `method` and the raw `target`, one use consumed.
    pub fn take(&self, method: &str, target: &str) -> Option<Arc<Fault>> {
        if self.len.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut queue = lock(&self.queue);
        let index = queue
            .iter()
            .position(|q| q.matcher.matches(method, target))?;
        let entry = &mut queue[index];
        let fault = entry.fault.clone();
        entry.remaining -= 1;
        if entry.remaining == 0 {
            queue.remove(index);
        }
        self.len.store(queue.len(), Ordering::Release);
        Some(fault)
    }

    /// Queues a fault; returns its id.
    pub fn push(&self, request: FaultRequest) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let mut queue = lock(&self.queue);
        queue.push_back(Queued {
            id: id.clone(),
            posted: request.posted,
            matcher: request.matcher,
            remaining: request.count,
            fault: Arc::new(request.fault),
        });
        self.len.store(queue.len(), Ordering::Release);
        id
    }

    /// `[{"id","remaining","match","fault"}]` in queue order.
    pub fn list(&self) -> Vec<Value> {
        lock(&self.queue)
            .iter()
            .map(|q| {
                serde_json::json!({
                    "id": q.id,
                    "remaining": q.remaining,
                    "match": q.posted.0,
                    "fault": q.posted.1,
                })
            })
            .collect()
    }

    /// Removes the fault with `id`; false if there is none.
    pub fn remove(&self, id: &str) -> bool {
        let mut queue = lock(&self.queue);
        let before = queue.len();
        queue.retain(|q| q.id != id);
        self.len.store(queue.len(), Ordering::Release);
        queue.len() != before
    }

    pub fn clear(&self) {
        lock(&self.queue).clear();
        self.len.store(0, Ordering::Release);
    }
}

/// A validated `POST /_emulator/faults` body.
#[derive(Debug, PartialEq)]
pub struct FaultRequest {
    posted: (Value, Value),
    matcher: Matcher,
    count: u64,
    fault: Fault,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawRequest {
    #[serde(rename = "match", default)]
    matcher: Option<RawMatch>,
    #[serde(default)]
    count: Option<u64>,
    fault: RawFault,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawMatch {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    path_contains: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawFault {
    kind: String,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    retry_after: Option<Value>,
    #[serde(default)]
    headers: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    ms: Option<u64>,
    #[serde(default)]
    delay_ms: Option<u64>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    bytes: Option<u64>,
    #[serde(default)]
    chunk_bytes: Option<u64>,
    #[serde(default)]
    interval_ms: Option<u64>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    content_length: Option<bool>,
}

/// Graph's error code and message for a status, when the fault names none.
pub fn default_error(status: u16) -> (&'static str, &'static str) {
    match status {
        400 => ("BadRequest", "Bad request."),
        401 => (
            "InvalidAuthenticationToken",
            "Access token validation failure.",
        ),
        403 => (
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        ),
        404 => ("Request_ResourceNotFound", "Resource not found."),
        405 => (
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        ),
        409 => (
            "Conflict",
            "The request conflicts with the current state of the resource.",
        ),
        412 => ("PreconditionFailed", "Precondition failed."),
        413 => ("RequestEntityTooLarge", "The request is too large."),
        423 => ("Locked", "The resource is locked."),
        429 => ("TooManyRequests", "Too many requests."),
        500 => ("InternalServerError", "Internal server error."),
        501 => ("NotImplemented", "Not implemented."),
        502 => ("BadGateway", "Bad gateway."),
        503 => ("ServiceUnavailable", "Service unavailable."),
        504 => ("GatewayTimeout", "Gateway timeout."),
        _ => ("UnknownError", ""),
    }
}

/// Validates a `POST /_emulator/faults` body.
pub fn parse_request(body: &[u8]) -> Result<FaultRequest, String> {
    let raw: RawRequest = crate::parse::from_json(body)?;
    let posted: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let posted = (
        posted.get("match").cloned().unwrap_or(Value::Null),
        posted.get("fault").cloned().unwrap_or(Value::Null),
    );
    let count = raw.count.unwrap_or(1);
    if count == 0 {
        return Err("count must be at least 1".to_owned());
    }
    let matcher = raw
        .matcher
        .map(|m| Matcher {
            method: m.method,
            path_contains: m.path_contains,
        })
        .unwrap_or_default();
    let f = raw.fault;
    let default_status = match f.kind.as_str() {
        "empty" => 502,
        "delay" | "drop" => 200,
        "redirect" => 302,
        _ => 500,
    };
    let body_fields = f.bytes.is_some()
        || f.chunk_bytes.is_some()
        || f.interval_ms.is_some()
        || f.content_type.is_some()
        || f.content_length.is_some();
    if body_fields && f.kind != "body" {
        return Err(
            "fault.bytes, chunkBytes, intervalMs, contentType and contentLength are for kind body"
                .to_owned(),
        );
    }
    if f.location.is_some() && f.kind != "redirect" {
        return Err("fault.location is for kind redirect".to_owned());
    }
    let status_number = f.status.unwrap_or(default_status);
    let status = hyper::StatusCode::from_u16(status_number)
        .ok()
        .filter(|s| (200..=599).contains(&s.as_u16()))
        .ok_or_else(|| {
            format!("fault.status {status_number} is not an HTTP status from 200 to 599")
        })?;
    let (default_code, default_message) = default_error(status.as_u16());
    let kind = match f.kind.as_str() {
        "status" => FaultKind::Status {
            code: f.code.unwrap_or_else(|| default_code.to_owned()),
            message: f.message.unwrap_or_else(|| default_message.to_owned()),
        },
        "html" => FaultKind::Html,
        "empty" => FaultKind::Empty,
        "text" => FaultKind::Text(
            f.body
                .unwrap_or_else(|| "upstream connect error".to_owned()),
        ),
        "truncated" => FaultKind::Truncated,
        "drop" => FaultKind::Drop,
        "delay" => FaultKind::Delay,
        "redirect" => {
            if ![301, 302, 303, 307, 308].contains(&status.as_u16()) {
                return Err(format!(
                    "fault.status {status_number} is not a redirect (301, 302, 303, 307 or 308)"
                ));
            }
            FaultKind::Redirect
        }
        "body" => FaultKind::Body(body_spec(&f)?),
        other => {
            return Err(format!(
            "fault.kind '{other}' is not one of status, html, empty, text, truncated, drop, delay, redirect, body"
        ))
        }
    };
    let delay_ms = match (&kind, f.ms, f.delay_ms) {
        (FaultKind::Delay, Some(ms), _) => ms,
        (_, _, Some(ms)) => ms,
        (FaultKind::Delay, None, None) => {
            return Err("fault.ms is required for kind delay".to_owned())
        }
        _ => 0,
    };
    let mut headers = Vec::new();
    if kind == FaultKind::Redirect {
        let location = f
            .location
            .as_deref()
            .filter(|l| !l.is_empty())
            .ok_or("fault.location is required for kind redirect")?;
        headers.push((
            hyper::header::LOCATION,
            header_value(location, "fault.location")?,
        ));
    }
    if let Some(retry_after) = f.retry_after {
        let text = match retry_after {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            _ => return Err("fault.retryAfter must be a string or a number".to_owned()),
        };
        headers.push((
            hyper::header::RETRY_AFTER,
            header_value(&text, "fault.retryAfter")?,
        ));
    }
    for (name, value) in f.headers.unwrap_or_default() {
        let Value::String(value) = value else {
            return Err(format!("fault.headers.{name} must be a string"));
        };
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("fault.headers: '{name}' is not a valid header name"))?;
        headers.push((
            header,
            header_value(&value, &format!("fault.headers.{name}"))?,
        ));
    }
    Ok(FaultRequest {
        posted,
        matcher,
        count,
        fault: Fault {
            kind,
            status,
            delay_ms,
            headers,
        },
    })
}

fn body_spec(f: &RawFault) -> Result<BodySpec, String> {
    let bytes = f.bytes.ok_or("fault.bytes is required for kind body")?;
    if bytes > MAX_BODY_BYTES {
        return Err(format!("fault.bytes must be at most {MAX_BODY_BYTES}"));
    }
    let chunk_bytes = f.chunk_bytes.unwrap_or(16 * 1024);
    if !(1..=MAX_CHUNK_BYTES).contains(&chunk_bytes) {
        return Err(format!(
            "fault.chunkBytes must be from 1 to {MAX_CHUNK_BYTES}"
        ));
    }
    let interval_ms = f.interval_ms.unwrap_or(0);
    if interval_ms > MAX_INTERVAL_MS {
        return Err(format!(
            "fault.intervalMs must be at most {MAX_INTERVAL_MS}"
        ));
    }
    let content_type = header_value(
        f.content_type.as_deref().unwrap_or("application/json"),
        "fault.contentType",
    )?;
    Ok(BodySpec {
        bytes,
        chunk_bytes,
        interval_ms,
        content_type,
        content_length: f.content_length.unwrap_or(true),
    })
}

fn header_value(text: &str, at: &str) -> Result<HeaderValue, String> {
    HeaderValue::from_str(text).map_err(|_| format!("{at} is not a valid header value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(bodies: &[&str]) -> Faults {
        let faults = Faults::default();
        for body in bodies {
            faults.push(parse_request(body.as_bytes()).unwrap());
        }
        faults
    }

    #[test]
    fn faults_can_be_listed_and_removed() {
        let faults = Faults::default();
        let id = faults.push(parse_request(br#"{"count":3,"fault":{"kind":"drop"}}"#).unwrap());
        let listed = faults.list();
        assert_eq!(listed[0]["id"], id.as_str());
        assert_eq!(listed[0]["remaining"], 3);
        assert_eq!(listed[0]["fault"]["kind"], "drop");
        assert!(!faults.remove("other"));
        assert!(faults.remove(&id));
        assert!(faults.take("GET", "/x").is_none());
    }

    #[test]
    fn faults_are_consumed_fifo_by_match() {
        let faults = queue(&[
            r#"{"match":{"method":"POST","pathContains":"/start"},"count":2,"fault":{"kind":"status","status":429,"retryAfter":"2.128"}}"#,
            r#"{"fault":{"kind":"empty"}}"#,
        ]);
        // GET does not match the first: takes the catch-all.
        let f = faults.take("GET", "/beta/x/jobs").unwrap();
        assert_eq!((f.kind.clone(), f.status.as_u16()), (FaultKind::Empty, 502));
        let f = faults.take("post", "/beta/x/start").unwrap();
        assert_eq!(
            f.kind,
            FaultKind::Status {
                code: "TooManyRequests".into(),
                message: "Too many requests.".into()
            }
        );
        assert_eq!(f.headers[0].1, "2.128");
        assert!(faults.take("POST", "/beta/x/start").is_some());
        assert!(faults.take("POST", "/beta/x/start").is_none());
    }

    #[test]
    fn preflights_only_match_when_named() {
        let faults = queue(&[r#"{"fault":{"kind":"drop"}}"#]);
        assert!(faults.take("OPTIONS", "/beta/x").is_none());
        assert!(faults.take("GET", "/beta/x").is_some());
        let faults = queue(&[r#"{"match":{"method":"OPTIONS"},"fault":{"kind":"drop"}}"#]);
        assert!(faults.take("OPTIONS", "/beta/x").is_some());
    }

    #[test]
    fn rejects_bad_fault_requests() {
        for body in [
            r#"{"fault":{"kind":"explode"}}"#,
            r#"{"fault":{"kind":"status","status":99}}"#,
            r#"{"fault":{"kind":"status","status":700}}"#,
            r#"{"fault":{"kind":"delay"}}"#,
            r#"{"count":0,"fault":{"kind":"drop"}}"#,
            r#"{"fault":{"kind":"status","headers":{"bad name":"x"}}}"#,
            r#"{"fault":{"kind":"status","retryAfter":"a\nb"}}"#,
            r#"{"fault":{"kind":"status","retryAfter":true}}"#,
            r#"{"fault":{"kind":"status","bogus":1}}"#,
            r#"{"fault":{"kind":"redirect"}}"#,
            r#"{"fault":{"kind":"redirect","status":300,"location":"/x"}}"#,
            r#"{"fault":{"kind":"redirect","status":200,"location":"/x"}}"#,
            r#"{"fault":{"kind":"redirect","location":"a\nb"}}"#,
            r#"{"fault":{"kind":"status","location":"/x"}}"#,
            r#"{"fault":{"kind":"body"}}"#,
            r#"{"fault":{"kind":"body","bytes":1073741825}}"#,
            r#"{"fault":{"kind":"body","bytes":10,"chunkBytes":0}}"#,
            r#"{"fault":{"kind":"body","bytes":10,"intervalMs":60001}}"#,
            r#"{"fault":{"kind":"text","bytes":10}}"#,
            r#"not json"#,
        ] {
            assert!(parse_request(body.as_bytes()).is_err(), "{body}");
        }
        let f = parse_request(br#"{"fault":{"kind":"delay","ms":300}}"#).unwrap();
        assert_eq!(f.fault.delay_ms, 300);
        let f = parse_request(br#"{"fault":{"kind":"html","delayMs":50,"status":503}}"#).unwrap();
        assert_eq!((f.fault.delay_ms, f.fault.status.as_u16()), (50, 503));
        let f =
            parse_request(br#"{"fault":{"kind":"redirect","location":"https://x/y"}}"#).unwrap();
        assert_eq!(f.fault.status.as_u16(), 302);
        assert_eq!(
            f.fault.headers[0],
            (
                hyper::header::LOCATION,
                HeaderValue::from_static("https://x/y")
            )
        );
        let f = parse_request(br#"{"fault":{"kind":"body","bytes":100}}"#).unwrap();
        let FaultKind::Body(spec) = f.fault.kind else {
            panic!("not a body fault")
        };
        assert_eq!(
            (spec.chunk_bytes, spec.interval_ms, spec.content_length),
            (16384, 0, true)
        );
        assert_eq!(spec.content_type, "application/json");
    }
}
