//! What a failed call knows, as plain Rust: the fields Rust decides (kind, code, message, ids,
//! date, Retry-After, hint), built from typed views of the response. The body, the headers and
//! Graph's inner errors and details stay in JS; the JS layer adds them to the `GraphError`.

use crate::engine::Dates;
use crate::retry_after;
use crate::text::{self, decimal};
use crate::views::{GraphErrorView, HeaderView, InnerIds};

/// Longest `body` kept on an error, in UTF-16 units (64 Ki); longer bodies are cut and
/// `bodyTruncated` is set. The JS layer reads at most this plus room for a token's encoded forms.
pub const MAX_BODY_CHARS: usize = 64 * 1024;

/// Longest `message` kept from Graph's error, in characters (longer ones end with `…`).
pub const MAX_MESSAGE_CHARS: usize = 4096;

/// Why the call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Graph (or something in between) answered with a status other than the operation's success.
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
    /// `waitForSynchronizationJob`: the job went into quarantine or the awaited cycle failed.
    JobFailed,
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
            Self::JobFailed => "jobFailed",
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
            Self::JobFailed => "jobFailed",
        }
    }
}

/// Every field of a `GraphError` that Rust decides, in the order `GraphError` declares them.
/// Serialized once into the plain object the JS `GraphError` is built from.
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
    /// ISO-8601 UTC; the JS layer dates errors that have none with the moment they were made.
    pub date: Option<String>,
    pub target: Option<String>,
    pub retry_after_ms: Option<f64>,
    /// Requests sent for this call (0 when refused before sending).
    pub attempts: u32,
    /// For `invalidArgument`: which argument.
    pub argument: Option<&'static str>,
    /// One sentence on the likely cause, only where the response shows it (see [`hint`]).
    pub hint: Option<&'static str>,
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
            target: None,
            retry_after_ms: None,
            attempts: 0,
            argument: None,
            hint: None,
        }
    }

    pub fn invalid_argument(e: crate::input::InvalidArgument) -> Self {
        let mut d = Self::without_response(ErrorKind::InvalidArgument, e.message);
        d.argument = Some(e.argument);
        d
    }
}

/// A response as the JS layer saw it, through the typed views.
pub struct HttpResponse<'a> {
    pub status: u16,
    pub status_text: &'a str,
    pub headers: &'a HeaderView,
    /// `{"error": {...}}` when the body was a Graph error.
    pub error: Option<&'a GraphErrorView>,
    /// The inner-error chain, outermost first.
    pub inner: &'a [InnerIds],
    /// The start of the body text, for a message when it is not a Graph error; `None` if unreadable.
    pub body_head: Option<&'a str>,
    /// The status this request succeeds with (for the message on an unexpected 2xx).
    pub expected: u16,
}

/// Builds the error for a response other than the operation's success. `dates` are the
/// platform's `Date.parse` and `toISOString`; `now_ms` the local clock, used when Retry-After is a
/// date and the response has no `Date`.
///
/// ```
/// use graph_sync_job::error::{from_response, ErrorKind, HttpResponse};
/// use graph_sync_job::views::HeaderView;
/// let d = from_response(
///     &HttpResponse { status: 502, status_text: "", headers: &HeaderView::default(), error: None,
///                     inner: &[], body_head: Some(""), expected: 204 },
///     &graph_sync_job::engine::RustDates,
///     0.0,
/// );
/// assert_eq!((d.kind, d.status, d.code.as_str()), (ErrorKind::Http, 502, "unexpectedResponse"));
/// assert_eq!(d.message, "Microsoft Graph answered HTTP 502 with an empty body.");
/// ```
pub fn from_response(resp: &HttpResponse<'_>, dates: &impl Dates, now_ms: f64) -> ErrorData {
    let h = resp.headers;
    let mut d = ErrorData::without_response(ErrorKind::Http, String::new());
    d.status = resp.status;
    let graph = resp.error;
    d.target = graph.and_then(|e| e.target.clone());

    // Ids and date: the body's inner errors first (outermost that has one), then headers.
    let inner = resp.inner;
    d.request_id = inner
        .iter()
        .find_map(|i| i.request_id.clone())
        .or_else(|| h.request_id.clone());
    d.client_request_id = inner
        .iter()
        .find_map(|i| i.client_request_id.clone())
        .or_else(|| h.client_request_id.clone());
    let response_date_ms = h.date.as_deref().and_then(|s| dates.parse(s));
    d.date = inner
        .iter()
        .find_map(|i| i.date.clone())
        .and_then(|s| dates.iso_ms(&s))
        .or(response_date_ms)
        .and_then(|ms| dates.format(ms));
    d.retry_after_ms = h.retry_after.as_deref().and_then(|v| {
        retry_after::parse(v, response_date_ms.unwrap_or(now_ms), &|s: &str| {
            dates.parse(s)
        })
    });

    let graph_code = graph.and_then(|e| e.code.clone());
    d.code = graph_code
        .clone()
        .unwrap_or_else(|| ErrorKind::Http.default_code().to_owned());
    d.message = match graph.and_then(|e| e.message.clone()) {
        // A message is for people and stacks; the whole text stays in `body`.
        Some(m) => clip(&m, MAX_MESSAGE_CHARS),
        None => fallback_message(resp, graph.map(|_| d.code.as_str())),
    };
    d
}

/// One sentence on the likely cause, only where the response shows it: the README's hint table.
/// `ids` are the service principal and job the call named, to tell which one a 404 is about.
///
/// ```
/// use graph_sync_job::error::hint;
/// let h = hint(404, "Request_ResourceNotFound", "Resource 'abc' does not exist", ("abc", "job"));
/// assert!(h.unwrap().contains("object id"));
/// assert_eq!(hint(500, "InternalServerError", "boom", ("abc", "job")), None);
/// ```
pub fn hint(status: u16, code: &str, message: &str, ids: (&str, &str)) -> Option<&'static str> {
    let (sp, job) = ids;
    let names = |id: &str| !id.is_empty() && text::contains(message, id);
    match status {
        404 if code == "Request_ResourceNotFound" && names(sp) => Some(HINT_SP_NOT_FOUND),
        404 if code == "Request_ResourceNotFound" && names(job) => Some(HINT_JOB_NOT_FOUND),
        401 if code == "UnknownError"
            || code == "unexpectedResponse"
            || text::contains(message, " no message") =>
        {
            Some(HINT_UNKNOWN_401)
        }
        401 if code == "InvalidAuthenticationToken"
            && text::contains(&message.to_ascii_lowercase(), "audience") =>
        {
            Some(HINT_AUDIENCE)
        }
        403 => Some(HINT_FORBIDDEN),
        _ => None,
    }
}

pub const HINT_SP_NOT_FOUND: &str = "Graph found no service principal with this id: servicePrincipalId must be the service principal's object id (Enterprise applications > Object ID), not the application's appId.";
pub const HINT_JOB_NOT_FOUND: &str = "The service principal exists but has no job with this id: listSynchronizationJobs shows its jobs' ids.";
pub const HINT_UNKNOWN_401: &str = "Graph gave no reason, which usually means missing rights: the app needs Synchronization.ReadWrite.All, or Application.ReadWrite.OwnedBy while owning this service principal; a signed-in user also needs the Application Administrator or Cloud Application Administrator role.";
pub const HINT_AUDIENCE: &str = "The token was not issued for Microsoft Graph: request it for the Graph root's /.default scope (e.g. https://graph.microsoft.com/.default).";
pub const HINT_FORBIDDEN: &str = "The token lacks permission: these calls need Synchronization.ReadWrite.All (reads: Synchronization.Read.All) or Application.ReadWrite.OwnedBy on an owned service principal; a signed-in user also needs the Application Administrator or Cloud Application Administrator role (Hybrid Identity Administrator for Cloud Sync).";

/// A sentence built from status, code and body when Graph gave no message.
fn fallback_message(resp: &HttpResponse<'_>, graph_code: Option<&str>) -> String {
    let status = resp.status;
    // The server's own reason phrase: HTTP/1.1 sends one, HTTP/2 (browsers with Graph) none, and
    // then the digits say it. No table of phrases in the wasm: it cost 0.45 KB gzip (README "Size").
    let phrase = clip(resp.status_text.trim_ascii(), 100);
    let digits = decimal(u64::from(status));
    let head = if phrase.is_empty() {
        ["Microsoft Graph answered HTTP ", &digits].concat()
    } else {
        ["Microsoft Graph answered HTTP ", &digits, " ", &phrase].concat()
    };
    let say = |rest: &[&str]| {
        let mut message = head.clone();
        rest.iter().for_each(|part| message.push_str(part));
        message
    };
    if let Some(code) = graph_code {
        return say(&[" with error code ", code, " and no message."]);
    }
    if (300..400).contains(&status) || status == 0 {
        let to = resp.headers.location.as_deref().map(|l| clip(l, 200));
        return match to {
            Some(l) => say(&[
                ", a redirect to ",
                &l,
                ", which Graph never sends for these calls; it was not followed.",
            ]),
            None => say(&[
                ", a redirect, which Graph never sends for these calls; it was not followed.",
            ]),
        };
    }
    if (200..300).contains(&status) {
        let expected = match resp.expected {
            200 => "200 OK",
            _ => "204 No Content",
        };
        return say(&[", but this call expects ", expected, "."]);
    }
    let body = resp.body_head.unwrap_or("");
    let ct = text::before(resp.headers.content_type.as_deref().unwrap_or(""), b';')
        .trim_ascii()
        .to_ascii_lowercase();
    if body.trim_ascii().is_empty() {
        return say(&[" with an empty body."]);
    }
    let looks_html = text::contains(&ct, "html") || body.trim_ascii_start().starts_with("<");
    if looks_html {
        return match html_title(body) {
            Some(t) => say(&[" with an HTML page: ", &t]),
            None => say(&[" with an HTML page instead of a Graph error."]),
        };
    }
    let trimmed = body.trim_ascii_start();
    if trimmed.starts_with("{") || trimmed.starts_with("[") || text::contains(&ct, "json") {
        return say(&[" with a body that is not a Graph error (malformed or unexpected JSON)."]);
    }
    // The first line with text (lines end at LF; a CR before it is trimmed with the rest).
    let mut rest = body;
    let first_line = loop {
        let (line, after) = text::split_once(rest, b'\n').unwrap_or((rest, ""));
        if !line.trim_ascii().is_empty() || after.is_empty() {
            break line.trim_ascii();
        }
        rest = after;
    };
    say(&[": ", &clip(first_line, 200)])
}

fn clip(s: &str, max_chars: usize) -> String {
    let kept = text::prefix(s, max_chars);
    if kept.len() < s.len() {
        [kept, "…"].concat()
    } else {
        kept.to_owned()
    }
}

/// The text of an HTML page's `<title>`, if short and present, its ASCII whitespace stripped and
/// collapsed as `document.title` does (an NBSP is text there).
fn html_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let start = text::find(&lower, "<title")?;
    let open_end = start + text::find_any(&lower[start..], b">")? + 1;
    let close = open_end + text::find(&lower[open_end..], "</title")?;
    let title = text::collapse_ascii_whitespace(body.get(open_end..close)?);
    (!title.is_empty()).then(|| clip(&title, 200))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RustDates;
    use crate::views::{from_json, ErrorBody};

    #[test]
    fn html_title_collapses_ascii_whitespace_only() {
        let body = "<html><title>\n  Bad\u{a0}\t\r\n Gateway  </title></html>";
        assert_eq!(html_title(body).as_deref(), Some("Bad\u{a0} Gateway"));
        assert_eq!(html_title("<title> \t\n</title>"), None);
    }

    #[test]
    fn the_servers_reason_phrase_or_the_digits_alone() {
        let said = |status_text: &str| {
            from_response(
                &HttpResponse {
                    status: 502,
                    status_text,
                    headers: &HeaderView::default(),
                    error: None,
                    inner: &[],
                    body_head: Some(""),
                    expected: 204,
                },
                &RustDates,
                0.0,
            )
            .message
        };
        assert_eq!(
            said(" Bad Gateway "),
            "Microsoft Graph answered HTTP 502 Bad Gateway with an empty body."
        );
        // HTTP/2 has no reason phrase.
        assert_eq!(
            said(""),
            "Microsoft Graph answered HTTP 502 with an empty body."
        );
        let long = "x".repeat(300);
        assert!(said(&long).contains(&["x".repeat(100), "…".to_owned()].concat()));
        assert!(!said(&long).contains(&"x".repeat(101)));
    }

    /// The error for `status` with these headers and this body, as the JS layer would report it.
    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> ErrorData {
        let mut h = serde_json::Map::new();
        for (k, v) in headers {
            h.insert(k.to_string(), serde_json::Value::String(v.to_string()));
        }
        let headers: HeaderView = from_json(&serde_json::Value::Object(h).to_string());
        let parsed: ErrorBody = from_json(body);
        let inner = inner_chain(body);
        from_response(
            &HttpResponse {
                status,
                status_text: "",
                headers: &headers,
                error: parsed.error.as_ref(),
                inner: &inner,
                body_head: Some(body),
                expected: 204,
            },
            &RustDates,
            1_700_000_000_000.0,
        )
    }

    /// The inner-error chain flattened as the JS layer does it (innerError in any case).
    fn inner_chain(body: &str) -> Vec<InnerIds> {
        let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let find = |o: &serde_json::Value| {
            o.as_object().and_then(|m| {
                m.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("innererror"))
                    .map(|(_, v)| v.clone())
            })
        };
        let mut out = Vec::new();
        let mut cur = v.get("error").and_then(find);
        while let Some(c) = cur.filter(|c| c.is_object()) {
            out.push(from_json(&c.to_string()));
            cur = find(&c);
        }
        out
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
    }

    #[test]
    fn nested_inner_errors_any_case_give_the_outermost_id() {
        let body = r#"{"error":{"code":"Outer","message":"m","target":"jobId",
            "innererror":{"code":"Mid","date":"2025-01-01T00:00:00","INNERERROR":{"code":"Deep","request-id":"deep-id"}}}}"#;
        let d = resp(400, &[("request-id", "hdr")], body);
        assert_eq!(d.request_id.as_deref(), Some("deep-id"));
        assert_eq!(d.target.as_deref(), Some("jobId"));
        assert_eq!(d.date.as_deref(), Some("2025-01-01T00:00:00.000Z"));
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
            empty.message.contains("HTTP 502 with an empty body"),
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
        assert!(
            ok.message.contains("expects 204 No Content"),
            "{}",
            ok.message
        );
        let moved = resp(307, &[("location", "/beta/other/start")], "");
        assert!(
            moved.message.contains("redirect to /beta/other/start")
                && moved.message.contains("not followed"),
            "{}",
            moved.message
        );
        for d in [html, empty, text, cut, ok, moved] {
            assert!(!d.message.is_empty());
        }
    }

    #[test]
    fn a_huge_message_is_cut() {
        let body = [
            "{\"error\":{\"code\":\"X\",\"message\":\"",
            &"x".repeat(100_000),
            "\"}}",
        ]
        .concat();
        let d = resp(500, &[], &body);
        assert_eq!(d.message.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert!(d.message.ends_with('…'));
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
    fn retry_after_and_dates_from_headers() {
        fn parse_date(s: &str) -> Option<f64> {
            (s == "Thu, 01 Jan 2026 00:00:10 GMT")
                .then_some(1_767_225_610_000.0)
                .or((s == "Thu, 01 Jan 2026 00:00:00 GMT").then_some(1_767_225_600_000.0))
        }
        struct Fixed;
        impl Dates for Fixed {
            fn parse(&self, s: &str) -> Option<f64> {
                parse_date(s)
            }
            fn format(&self, ms: f64) -> Option<String> {
                RustDates.format(ms)
            }
        }
        let dates = Fixed;
        let headers = HeaderView {
            date: Some("Thu, 01 Jan 2026 00:00:00 GMT".into()),
            retry_after: Some("Thu, 01 Jan 2026 00:00:10 GMT".into()),
            ..Default::default()
        };
        let d = from_response(
            &HttpResponse {
                status: 429,
                status_text: "Too Many Requests",
                headers: &headers,
                error: None,
                inner: &[],
                body_head: None,
                expected: 204,
            },
            &dates,
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
    fn hints_only_where_the_response_shows_the_cause() {
        let ids = ("sp-1", "AppTemplate.1");
        assert_eq!(
            hint(
                404,
                "Request_ResourceNotFound",
                "Resource 'sp-1' does not exist",
                ids
            ),
            Some(HINT_SP_NOT_FOUND)
        );
        assert_eq!(
            hint(
                404,
                "Request_ResourceNotFound",
                "Resource 'AppTemplate.1' does not exist",
                ids
            ),
            Some(HINT_JOB_NOT_FOUND)
        );
        assert_eq!(
            hint(404, "Request_ResourceNotFound", "Resource not found.", ids),
            None
        );
        assert_eq!(hint(401, "UnknownError", "", ids), Some(HINT_UNKNOWN_401));
        assert_eq!(
            hint(
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure. Invalid audience.",
                ids
            ),
            Some(HINT_AUDIENCE)
        );
        assert_eq!(
            hint(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty.",
                ids
            ),
            None
        );
        assert_eq!(
            hint(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges",
                ids
            ),
            Some(HINT_FORBIDDEN)
        );
        assert_eq!(hint(400, "BadRequest", "sp-1", ids), None);
        assert_eq!(hint(404, "Request_ResourceNotFound", "x", ("", "")), None);
    }
}
