//! What a failed call knows, as plain Rust: built from the response (or its absence), with
//! fallbacks for bodies that are not Graph errors. The JS layer turns it into a `GraphError`.

use crate::json::{redact_in, Json};
use crate::retry_after;
use crate::text::decimal;
use crate::time;

/// Longest `body` kept on an error, in bytes; longer bodies are cut and `bodyTruncated` is set.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// What the token is replaced with wherever a server echoed it back.
pub const REDACTED: &str = "[redacted]";

/// Why the call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Graph (or something in between) answered with a status other than 204.
    Http,
    /// No response: DNS, connection refused or dropped, CORS refusal, offline.
    Network,
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// `options.timeoutMs` passed.
    Timeout,
    /// An argument was refused before anything was sent.
    InvalidArgument,
    /// The token function or credential failed or gave no usable token.
    Token,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Network => "network",
            Self::Aborted => "aborted",
            Self::Timeout => "timeout",
            Self::InvalidArgument => "invalidArgument",
            Self::Token => "token",
        }
    }

    /// Our own `code` for kinds that have no Graph code.
    pub fn default_code(self) -> &'static str {
        match self {
            Self::Http => "unexpectedResponse",
            Self::Network => "networkError",
            Self::Aborted => "aborted",
            Self::Timeout => "timeout",
            Self::InvalidArgument => "invalidArgument",
            Self::Token => "tokenUnavailable",
        }
    }
}

/// Everything a `GraphError` carries.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorData {
    pub kind: ErrorKind,
    /// HTTP status; 0 when there was no response.
    pub status: u16,
    pub code: String,
    /// Never empty.
    pub message: String,
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    /// ISO-8601 UTC.
    pub date: Option<String>,
    /// The chain of inner errors, outermost first, each without its own nested inner error.
    pub inner_errors: Vec<Json>,
    pub details: Vec<Json>,
    pub target: Option<String>,
    pub retry_after_ms: Option<f64>,
    /// Response headers, names lower-case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub body_truncated: bool,
    /// Requests sent for this call (0 when refused before sending).
    pub attempts: u32,
    /// For `invalidArgument`: which argument.
    pub argument: Option<&'static str>,
}

impl ErrorData {
    /// An error with no response behind it.
    pub fn without_response(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            status: 0,
            code: kind.default_code().to_owned(),
            message: message.into(),
            request_id: None,
            client_request_id: None,
            date: None,
            inner_errors: Vec::new(),
            details: Vec::new(),
            target: None,
            retry_after_ms: None,
            headers: Vec::new(),
            body: None,
            body_truncated: false,
            attempts: 0,
            argument: None,
        }
    }

    pub fn invalid_argument(e: crate::input::InvalidArgument) -> Self {
        let mut d = Self::without_response(ErrorKind::InvalidArgument, e.message);
        d.argument = Some(e.argument);
        d
    }

    /// Value of a response header (names are stored lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Removes the secret from every text field, in case a server or proxy echoed it back.
    pub fn redact(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        for s in [&mut self.code, &mut self.message] {
            redact_in(s, secret, REDACTED);
        }
        for s in [
            &mut self.request_id,
            &mut self.client_request_id,
            &mut self.target,
            &mut self.body,
        ]
        .into_iter()
        .flatten()
        {
            redact_in(s, secret, REDACTED);
        }
        for (k, v) in &mut self.headers {
            redact_in(k, secret, REDACTED);
            redact_in(v, secret, REDACTED);
        }
        for j in self.inner_errors.iter_mut().chain(self.details.iter_mut()) {
            j.redact(secret, REDACTED);
        }
    }
}

/// A response as the JS layer saw it.
pub struct HttpResponse<'a> {
    pub status: u16,
    pub status_text: &'a str,
    pub headers: Vec<(String, String)>,
    /// The body text, if it could be read.
    pub body: Option<String>,
    /// `JSON.parse(body)` converted, if it parsed.
    pub json: Option<Json>,
}

/// Builds the error for a non-204 response. `parse_http_date` is the platform's `Date.parse`;
/// `now_ms` the local clock, used when Retry-After is a date and the response has no `Date`.
///
/// ```
/// use graph_sync_job::error::{from_response, ErrorKind, HttpResponse};
/// let d = from_response(
///     HttpResponse { status: 502, status_text: "", headers: vec![], body: Some(String::new()), json: None },
///     &|_| None,
///     0.0,
/// );
/// assert_eq!((d.kind, d.status, d.code.as_str()), (ErrorKind::Http, 502, "unexpectedResponse"));
/// assert_eq!(d.message, "Microsoft Graph answered HTTP 502 Bad Gateway with an empty body.");
/// ```
pub fn from_response(
    resp: HttpResponse<'_>,
    parse_http_date: &dyn Fn(&str) -> Option<f64>,
    now_ms: f64,
) -> ErrorData {
    let HttpResponse {
        status,
        status_text,
        headers,
        body,
        json,
    } = resp;
    let mut d = ErrorData::without_response(ErrorKind::Http, String::new());
    d.status = status;
    d.headers = headers;

    let graph_error = json
        .as_ref()
        .and_then(|j| j.get_ci("error"))
        .filter(|e| e.is_object());
    let mut graph_code = None;
    let mut graph_message = None;
    if let Some(err) = graph_error {
        graph_code = err.str_ci("code").map(str::to_owned);
        graph_message = err.str_ci("message").map(str::to_owned);
        d.target = err.str_ci("target").map(str::to_owned);
        if let Some(Json::Array(items)) = err.get_ci("details") {
            d.details = items.clone();
        }
        d.inner_errors = flatten_inner_errors(err);
    }

    // Ids and date: the body's inner errors first (outermost that has one), then headers.
    let from_inner = |key: &str| {
        d.inner_errors
            .iter()
            .find_map(|ie| ie.str_ci(key).map(str::to_owned))
    };
    d.request_id = from_inner("request-id").or_else(|| d.header("request-id").map(str::to_owned));
    d.client_request_id = from_inner("client-request-id")
        .or_else(|| d.header("client-request-id").map(str::to_owned));
    let response_date_ms = d.header("date").and_then(parse_http_date);
    d.date = from_inner("date")
        .and_then(|s| time::parse_iso_ms(&s))
        .or(response_date_ms)
        .and_then(time::iso_from_epoch_ms);

    d.retry_after_ms = d
        .header("retry-after")
        .and_then(|v| retry_after::parse(v, response_date_ms.unwrap_or(now_ms), parse_http_date));

    let is_graph_error = graph_error.is_some();
    d.code = graph_code.unwrap_or_else(|| ErrorKind::Http.default_code().to_owned());
    let content_type = d.header("content-type").unwrap_or("").to_owned();
    d.message = match graph_message {
        Some(m) => m,
        None => fallback_message(
            status,
            status_text,
            is_graph_error.then_some(d.code.as_str()),
            &content_type,
            body.as_deref(),
        ),
    };

    if let Some(mut b) = body {
        if b.len() > MAX_BODY_BYTES {
            let mut cut = MAX_BODY_BYTES;
            while !b.is_char_boundary(cut) {
                cut -= 1;
            }
            b.truncate(cut);
            d.body_truncated = true;
        }
        d.body = Some(b);
    }
    d
}

/// The inner-error chain (`innerError`/`innererror`, any case), each without its nested child.
fn flatten_inner_errors(err: &Json) -> Vec<Json> {
    let mut out = Vec::new();
    let mut cur = err.get_ci("innerError");
    while let Some(Json::Object(members)) = cur {
        out.push(Json::Object(
            members
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("innerError"))
                .cloned()
                .collect(),
        ));
        cur = cur.and_then(|c| c.get_ci("innerError"));
        if out.len() >= crate::json::MAX_DEPTH {
            break;
        }
    }
    out
}

/// Standard reason phrase, for the statuses a Graph client meets.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        423 => "Locked",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        507 => "Insufficient Storage",
        509 => "Bandwidth Limit Exceeded",
        _ => "",
    }
}

/// A sentence built from status, code and body when Graph gave no message.
fn fallback_message(
    status: u16,
    status_text: &str,
    graph_code: Option<&str>,
    content_type: &str,
    body: Option<&str>,
) -> String {
    let phrase = match reason_phrase(status) {
        "" => status_text.trim(),
        p => p,
    };
    let digits = decimal(u64::from(status));
    let head = if phrase.is_empty() {
        ["Microsoft Graph answered HTTP ", &digits].concat()
    } else {
        ["Microsoft Graph answered HTTP ", &digits, " ", phrase].concat()
    };
    let say = |rest: &[&str]| {
        let mut message = head.clone();
        rest.iter().for_each(|part| message.push_str(part));
        message
    };
    if let Some(code) = graph_code {
        return say(&[" with error code ", code, " and no message."]);
    }
    if (200..300).contains(&status) {
        return say(&[", but starting a job answers 204 No Content."]);
    }
    let body = body.unwrap_or("");
    let ct = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if body.trim().is_empty() {
        return say(&[" with an empty body."]);
    }
    let looks_html = ct.contains("html") || body.trim_start().starts_with('<');
    if looks_html {
        return match html_title(body) {
            Some(t) => say(&[" with an HTML page: ", &t]),
            None => say(&[" with an HTML page instead of a Graph error."]),
        };
    }
    let trimmed = body.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') || ct.contains("json") {
        return say(&[" with a body that is not a Graph error (malformed or unexpected JSON)."]);
    }
    let first_line = body
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    say(&[": ", &clip(first_line, 200)])
}

fn clip(s: &str, max_chars: usize) -> String {
    let mut out: String = s.chars().take(max_chars).collect();
    if s.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}

/// The text of an HTML page's `<title>`, if short and present.
fn html_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let title = body
        .get(open_end..close)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    (!title.is_empty()).then(|| clip(&title, 200))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::testing::parse;

    fn no_dates(_: &str) -> Option<f64> {
        None
    }

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> ErrorData {
        from_response(
            HttpResponse {
                status,
                status_text: "",
                headers: headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                body: Some(body.to_owned()),
                json: parse(body),
            },
            &no_dates,
            1_700_000_000_000.0,
        )
    }

    const GRAPH_401: &str = r#"{"error":{"code":"InvalidAuthenticationToken","message":"Access token is empty.",
        "innerError":{"date":"2025-02-13T10:17:05","request-id":"93b6f17e-1111","client-request-id":"e70c5c1b-2222"}}}"#;

    #[test]
    fn graph_error_body_fields() {
        let d = resp(
            401,
            &[
                ("request-id", "hdr-req"),
                ("content-type", "application/json"),
            ],
            GRAPH_401,
        );
        assert_eq!(d.kind, ErrorKind::Http);
        assert_eq!(d.status, 401);
        assert_eq!(d.code, "InvalidAuthenticationToken");
        assert_eq!(d.message, "Access token is empty.");
        assert_eq!(d.request_id.as_deref(), Some("93b6f17e-1111"));
        assert_eq!(d.client_request_id.as_deref(), Some("e70c5c1b-2222"));
        assert_eq!(d.date.as_deref(), Some("2025-02-13T10:17:05.000Z"));
        assert_eq!(d.inner_errors.len(), 1);
        assert_eq!(d.body.as_deref(), Some(GRAPH_401));
    }

    #[test]
    fn nested_inner_errors_any_case_are_flattened() {
        let body = r#"{"error":{"code":"Outer","message":"m","target":"jobId","details":[{"code":"D1","message":"dm","target":"t"}],
            "innererror":{"code":"Mid","date":"2025-01-01T00:00:00","INNERERROR":{"code":"Deep","request-id":"deep-id"}}}}"#;
        let d = resp(400, &[("request-id", "hdr")], body);
        let codes: Vec<_> = d
            .inner_errors
            .iter()
            .map(|e| e.str_ci("code").unwrap())
            .collect();
        assert_eq!(codes, ["Mid", "Deep"]);
        assert!(d
            .inner_errors
            .iter()
            .all(|e| e.get_ci("innererror").is_none()));
        assert_eq!(d.request_id.as_deref(), Some("deep-id"));
        assert_eq!(d.details.len(), 1);
        assert_eq!(d.target.as_deref(), Some("jobId"));
    }

    #[test]
    fn ids_fall_back_to_headers() {
        let d = resp(
            403,
            &[("request-id", "r1"), ("client-request-id", "c1")],
            r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#,
        );
        assert_eq!(
            (d.request_id.as_deref(), d.client_request_id.as_deref()),
            (Some("r1"), Some("c1"))
        );
    }

    #[test]
    fn empty_graph_message_gets_a_sentence() {
        let d = resp(
            401,
            &[],
            r#"{"error":{"code":"UnknownError","message":""}}"#,
        );
        assert_eq!(d.code, "UnknownError");
        assert!(
            d.message.contains("401") && d.message.contains("UnknownError"),
            "{}",
            d.message
        );
    }

    #[test]
    fn non_graph_bodies_still_say_something_useful() {
        let html = resp(
            500,
            &[("content-type", "text/html")],
            "<html><head><title>500 - Internal server error.</title></head></html>",
        );
        assert_eq!(html.code, "unexpectedResponse");
        assert!(
            html.message.contains("500") && html.message.contains("Internal server error."),
            "{}",
            html.message
        );
        let empty = resp(502, &[], "");
        assert!(
            empty.message.contains("502 Bad Gateway") && empty.message.contains("empty"),
            "{}",
            empty.message
        );
        let text = resp(
            503,
            &[("content-type", "text/plain")],
            "upstream connect error\nmore",
        );
        assert!(
            text.message.ends_with(": upstream connect error"),
            "{}",
            text.message
        );
        let cut = resp(
            500,
            &[("content-type", "application/json")],
            r#"{"error":{"code":"Internal"#,
        );
        assert!(cut.message.contains("not a Graph error"), "{}", cut.message);
        let ok = resp(200, &[], r#"{"value":[]}"#);
        assert!(ok.message.contains("204"), "{}", ok.message);
        for d in [html, empty, text, cut, ok] {
            assert!(!d.message.is_empty());
        }
    }

    #[test]
    fn odd_shapes_do_not_confuse_it() {
        for body in [
            r#"{"error":"denied"}"#,
            r#"{"error":null}"#,
            "[1,2]",
            "42",
            r#"{"error":{"code":7,"message":["x"]}}"#,
        ] {
            let d = resp(400, &[], body);
            assert!(!d.message.is_empty());
            assert!(!d.code.is_empty());
        }
    }

    #[test]
    fn body_is_capped_at_a_char_boundary() {
        let big = "é".repeat(MAX_BODY_BYTES);
        let d = resp(500, &[], &big);
        assert!(d.body_truncated);
        assert!(d.body.as_ref().unwrap().len() <= MAX_BODY_BYTES);
    }

    #[test]
    fn retry_after_and_dates_from_headers() {
        let parse_date = |s: &str| {
            (s == "Thu, 01 Jan 2026 00:00:10 GMT")
                .then_some(1_767_225_610_000.0)
                .or((s == "Thu, 01 Jan 2026 00:00:00 GMT").then_some(1_767_225_600_000.0))
        };
        let d = from_response(
            HttpResponse {
                status: 429,
                status_text: "Too Many Requests",
                headers: vec![
                    ("date".into(), "Thu, 01 Jan 2026 00:00:00 GMT".into()),
                    ("retry-after".into(), "Thu, 01 Jan 2026 00:00:10 GMT".into()),
                ],
                body: None,
                json: None,
            },
            &parse_date,
            0.0,
        );
        assert_eq!(d.retry_after_ms, Some(10_000.0));
        assert_eq!(d.date.as_deref(), Some("2026-01-01T00:00:00.000Z"));
        assert_eq!(
            resp(429, &[("retry-after", "2.128")], "").retry_after_ms,
            Some(2128.0)
        );
    }

    #[test]
    fn redaction_reaches_every_field() {
        let secret = "eyJsecret.token";
        let body = format!(
            r#"{{"error":{{"code":"X","message":"bad token {secret}","innerError":{{"echo":"{secret}"}}}}}}"#
        );
        let mut d = resp(401, &[("x-echo", secret)], &body);
        d.redact(secret);
        let dump = format!("{d:?}");
        assert!(!dump.contains(secret), "{dump}");
        assert!(d.message.contains(REDACTED));
    }
}
