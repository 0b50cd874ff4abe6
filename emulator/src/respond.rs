//! Building answers: Graph's common headers, error bodies, CORS, and batch sub-responses.

use std::borrow::Cow;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde::Serialize;
use serde_json::value::RawValue;

use crate::faults::{Fault, FaultKind};

pub type Resp = Response<Full<Bytes>>;

const DIAGNOSTIC: &str = r#"{"ServerInfo":{"DataCenter":"Emulator","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"graph-emulator"}}"#;
const EXPOSE: &str =
    "request-id, client-request-id, Retry-After, Date, x-ms-ags-diagnostic, WWW-Authenticate";
const ALLOW_METHODS: &str = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
const ALLOW_HEADERS: &str = "Authorization, client-request-id, Content-Type, return-client-request-id, Prefer, ConsistencyLevel, If-Match, If-None-Match";
const JSON: &str = "application/json";

/// The ids a response carries: a fresh `request-id` and the echoed (or same) `client-request-id`.
pub struct Ids {
    pub request_id: String,
    pub client_request_id: String,
    client_header: HeaderValue,
}

impl Ids {
    pub fn new(client_request_id: Option<&HeaderValue>) -> Ids {
        let request_id = uuid::Uuid::new_v4().hyphenated().to_string();
        match client_request_id.filter(|v| !v.is_empty()) {
            Some(value) => Ids {
                client_request_id: String::from_utf8_lossy(value.as_bytes()).into_owned(),
                client_header: value.clone(),
                request_id,
            },
            None => Ids {
                client_request_id: request_id.clone(),
                client_header: HeaderValue::from_str(&request_id)
                    .unwrap_or(HeaderValue::from_static("")),
                request_id,
            },
        }
    }

    fn request_header(&self) -> HeaderValue {
        HeaderValue::from_str(&self.request_id).unwrap_or(HeaderValue::from_static(""))
    }
}

/// What a handler answers, before it becomes an HTTP response or a `$batch` sub-response.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: ReplyBody,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

#[derive(Debug)]
pub enum ReplyBody {
    None,
    Json(Vec<u8>),
    Error {
        code: Cow<'static, str>,
        message: Cow<'static, str>,
    },
    Truncated,
    Html,
    Text(String),
}

impl Reply {
    pub fn no_content() -> Reply {
        Reply {
            status: StatusCode::NO_CONTENT,
            body: ReplyBody::None,
            headers: Vec::new(),
        }
    }

    pub fn json(status: StatusCode, body: Vec<u8>) -> Reply {
        Reply {
            status,
            body: ReplyBody::Json(body),
            headers: Vec::new(),
        }
    }

    pub fn error(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Reply {
        Reply {
            status,
            body: ReplyBody::Error {
                code: code.into(),
                message: message.into(),
            },
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Reply {
        self.headers.push((name, value));
        self
    }

    /// 429 `TooManyRequests` with `Retry-After: secs`.
    pub fn throttled(retry_after_secs: u64) -> Reply {
        Reply::error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Too many requests.",
        )
        .with_header(header::RETRY_AFTER, HeaderValue::from(retry_after_secs))
    }

    /// The answer an injected fault gives (not for `drop` or `delay`, which never answer themselves).
    pub fn from_fault(fault: &Fault) -> Reply {
        let body = match &fault.kind {
            FaultKind::Status { code, message } => ReplyBody::Error {
                code: Cow::Owned(code.clone()),
                message: Cow::Owned(message.clone()),
            },
            FaultKind::Html => ReplyBody::Html,
            FaultKind::Text(text) => ReplyBody::Text(text.clone()),
            FaultKind::Truncated => ReplyBody::Truncated,
            FaultKind::Empty | FaultKind::Drop | FaultKind::Delay => ReplyBody::None,
        };
        Reply {
            status: fault.status,
            body,
            headers: fault.headers.clone(),
        }
    }

    /// The body bytes and content type, rendered with the ids of the answer.
    fn render(self, ids: &Ids) -> Rendered {
        let no_body =
            self.status == StatusCode::NO_CONTENT || self.status == StatusCode::NOT_MODIFIED;
        let (content_type, bytes) = match self.body {
            _ if no_body => (None, Vec::new()),
            ReplyBody::None => (None, Vec::new()),
            ReplyBody::Json(bytes) => (Some(JSON), bytes),
            ReplyBody::Error { code, message } => (Some(JSON), error_body(&code, &message, ids)),
            ReplyBody::Truncated => {
                let (code, message) = crate::faults::default_error(self.status.as_u16());
                let mut full = error_body(code, message, ids);
                full.truncate(full.len() / 2);
                (Some(JSON), full)
            }
            ReplyBody::Html => (Some("text/html"), html_page(self.status).into_bytes()),
            ReplyBody::Text(text) => (Some("text/plain"), text.into_bytes()),
        };
        Rendered {
            status: self.status,
            headers: self.headers,
            content_type,
            bytes,
        }
    }

    /// The full HTTP response with Graph's common headers.
    pub fn into_response(self, ids: &Ids) -> Resp {
        let Rendered {
            status,
            headers: extra,
            content_type,
            bytes,
        } = self.render(ids);
        let mut response = Response::new(Full::new(Bytes::from(bytes)));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        if let Some(content_type) = content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        for (name, value) in extra {
            headers.append(name, value);
        }
        common_headers(headers, ids);
        response
    }

    /// A `$batch` sub-response: `{"id","status","headers","body"?}`.
    pub fn into_sub_response(self, id: &str, ids: &Ids) -> SubResponse {
        let Rendered {
            status,
            headers: extra,
            content_type,
            bytes,
        } = self.render(ids);
        let mut headers = serde_json::Map::new();
        if let Some(content_type) = content_type {
            headers.insert("Content-Type".into(), content_type.into());
        }
        headers.insert("request-id".into(), ids.request_id.clone().into());
        headers.insert(
            "client-request-id".into(),
            ids.client_request_id.clone().into(),
        );
        for (name, value) in extra {
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            let key = if name == header::RETRY_AFTER {
                "Retry-After".to_owned()
            } else {
                name.as_str().to_owned()
            };
            headers.insert(key, text.into());
        }
        let body = match content_type {
            None => None,
            Some(JSON) => match std::str::from_utf8(&bytes)
                .ok()
                .and_then(|s| RawValue::from_string(s.to_owned()).ok())
            {
                Some(raw) => Some(raw),
                // A truncated body is not JSON: carry it as a string, as Graph does for non-JSON bodies.
                None => string_raw(&String::from_utf8_lossy(&bytes)),
            },
            Some(_) => string_raw(&String::from_utf8_lossy(&bytes)),
        };
        SubResponse {
            id: id.to_owned(),
            status: status.as_u16(),
            headers,
            body,
        }
    }
}

fn string_raw(text: &str) -> Option<Box<RawValue>> {
    serde_json::to_string(text)
        .ok()
        .and_then(|s| RawValue::from_string(s).ok())
}

/// A reply turned into bytes.
struct Rendered {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    content_type: Option<&'static str>,
    bytes: Vec<u8>,
}

/// One element of a `$batch` answer's `responses`.
#[derive(Serialize)]
pub struct SubResponse {
    pub id: String,
    pub status: u16,
    pub headers: serde_json::Map<String, serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Box<RawValue>>,
}

#[derive(Serialize)]
struct ErrorEnvelope<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(rename = "innerError")]
    inner_error: InnerError<'a>,
}

#[derive(Serialize)]
struct InnerError<'a> {
    date: String,
    #[serde(rename = "request-id")]
    request_id: &'a str,
    #[serde(rename = "client-request-id")]
    client_request_id: &'a str,
}

/// `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
pub fn error_body(code: &str, message: &str, ids: &Ids) -> Vec<u8> {
    let envelope = ErrorEnvelope {
        error: ErrorBody {
            code,
            message,
            inner_error: InnerError {
                date: crate::clock::inner_error_date(crate::clock::now().0),
                request_id: &ids.request_id,
                client_request_id: &ids.client_request_id,
            },
        },
    };
    serde_json::to_vec(&envelope).unwrap_or_default()
}

fn html_page(status: StatusCode) -> String {
    let code = status.as_u16();
    let reason = status.canonical_reason().unwrap_or("Server Error");
    format!(
        "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\r\n\
<html xmlns=\"http://www.w3.org/1999/xhtml\">\r\n<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-1\"/>\r\n\
<title>{code} - {reason}</title>\r\n</head>\r\n<body>\r\n<div id=\"header\"><h1>Server Error</h1></div>\r\n\
<div id=\"content\"><fieldset><h2>{code} - {reason}</h2>\r\n\
<h3>There is a problem with the resource you are looking for, and it cannot be displayed.</h3></fieldset></div>\r\n</body>\r\n</html>\r\n"
    )
}

/// Headers on every answer: ids, diagnostics and CORS.
pub fn common_headers(headers: &mut HeaderMap, ids: &Ids) {
    headers.insert(HeaderName::from_static("request-id"), ids.request_header());
    headers.insert(
        HeaderName::from_static("client-request-id"),
        ids.client_header.clone(),
    );
    headers.insert(
        HeaderName::from_static("x-ms-ags-diagnostic"),
        HeaderValue::from_static(DIAGNOSTIC),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE),
    );
    // Clients that honour it (Node's undici) drop idle connections before the server's
    // 20 s head timeout closes them, so no request races a closing socket.
    headers.insert(
        HeaderName::from_static("keep-alive"),
        HeaderValue::from_static("timeout=15"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-cache"));
}

/// The answer to any `OPTIONS`: CORS for every origin, method and requested header.
pub fn preflight(request_headers: &HeaderMap, ids: &Ids) -> Resp {
    let mut response = Response::new(Full::new(Bytes::new()));
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOW_METHODS),
    );
    let allow_headers = request_headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .filter(|v| !v.is_empty())
        .cloned()
        .unwrap_or(HeaderValue::from_static(ALLOW_HEADERS));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allow_headers);
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("3600"),
    );
    // Chromium's Private Network Access: lets a page served elsewhere call this loopback server.
    if request_headers
        .get("access-control-request-private-network")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"))
    {
        headers.insert(
            HeaderName::from_static("access-control-allow-private-network"),
            HeaderValue::from_static("true"),
        );
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    common_headers(headers, ids);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_graph_shape_and_ids() {
        let ids = Ids::new(Some(&HeaderValue::from_static("abc")));
        let body: serde_json::Value = serde_json::from_slice(&error_body("C", "M", &ids)).unwrap();
        assert_eq!(body["error"]["code"], "C");
        assert_eq!(body["error"]["innerError"]["client-request-id"], "abc");
        assert_eq!(
            body["error"]["innerError"]["request-id"],
            ids.request_id.as_str()
        );
        let date = body["error"]["innerError"]["date"].as_str().unwrap();
        assert_eq!(date.len(), 19, "{date}");
        let ids = Ids::new(None);
        assert_eq!(ids.request_id, ids.client_request_id);
    }

    #[test]
    fn truncated_fault_is_invalid_json() {
        let fault = Fault {
            kind: FaultKind::Truncated,
            status: StatusCode::INTERNAL_SERVER_ERROR,
            delay_ms: 0,
            headers: vec![],
        };
        let ids = Ids::new(None);
        let rendered = Reply::from_fault(&fault).render(&ids);
        assert_eq!(rendered.content_type, Some(JSON));
        assert!(serde_json::from_slice::<serde_json::Value>(&rendered.bytes).is_err());
        assert!(rendered.bytes.starts_with(b"{\"error\""));
    }
}
