//! Checking the caller's arguments and building the request URL, before anything is sent.

use std::fmt;

use crate::text;

/// Longest service principal id or job id accepted, in characters. Real ids are at most ~110.
pub const MAX_ID_CHARS: usize = 256;
/// Shortest access token accepted: real ones are hundreds of characters, and redacting a very
/// short one would also blank unrelated text that happens to contain it.
pub const MIN_TOKEN_CHARS: usize = 16;
/// Longest access token accepted, in bytes (real Entra tokens are 1-4 KB).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// An argument the call refuses before sending anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidArgument {
    /// The argument's name as the caller knows it, e.g. `servicePrincipalId` or `options.apiVersion`.
    pub argument: &'static str,
    /// What is wrong with it; never contains a token.
    pub message: String,
}

impl InvalidArgument {
    pub fn new(argument: &'static str, message: impl Into<String>) -> Self {
        Self {
            argument,
            message: message.into(),
        }
    }

    /// "`argument` `problem`", e.g. `jobId is empty`.
    pub fn problem(argument: &'static str, problem: &str) -> Self {
        Self::new(argument, [argument, " ", problem].concat())
    }
}

impl fmt::Display for InvalidArgument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Graph API version; the paths are the same in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiVersion {
    #[default]
    Beta,
    V1,
}

impl ApiVersion {
    pub fn parse(value: &str) -> Result<Self, InvalidArgument> {
        match value {
            "beta" => Ok(Self::Beta),
            "v1.0" => Ok(Self::V1),
            _ => Err(InvalidArgument::new(
                "options.apiVersion",
                "options.apiVersion must be \"beta\" or \"v1.0\"",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Beta => "beta",
            Self::V1 => "v1.0",
        }
    }
}

/// A national cloud, as a shorthand for its Graph root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    Global,
    UsGov,
    UsGovDoD,
    China,
}

impl Cloud {
    pub fn parse(value: &str) -> Result<Self, InvalidArgument> {
        match value {
            "global" => Ok(Self::Global),
            "usGov" => Ok(Self::UsGov),
            "usGovDoD" => Ok(Self::UsGovDoD),
            "china" => Ok(Self::China),
            _ => Err(InvalidArgument::new(
                "options.cloud",
                "options.cloud must be \"global\", \"usGov\", \"usGovDoD\" or \"china\"",
            )),
        }
    }

    pub fn root(self) -> &'static str {
        match self {
            Self::Global => "https://graph.microsoft.com",
            Self::UsGov => "https://graph.microsoft.us",
            Self::UsGovDoD => "https://dod-graph.microsoft.us",
            Self::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }
}

/// Default Graph root.
pub const DEFAULT_BASE_URL: &str = "https://graph.microsoft.com";

/// Picks the Graph root from `baseUrl` and `cloud`; giving both is refused.
///
/// ```
/// use graph_sync_job::input::resolve_base_url;
/// assert_eq!(resolve_base_url(None, Some("china")).unwrap(), "https://microsoftgraph.chinacloudapi.cn");
/// assert_eq!(resolve_base_url(Some("http://127.0.0.1:8080/"), None).unwrap(), "http://127.0.0.1:8080");
/// ```
pub fn resolve_base_url(
    base_url: Option<&str>,
    cloud: Option<&str>,
) -> Result<String, InvalidArgument> {
    match (base_url, cloud) {
        (Some(_), Some(_)) => Err(InvalidArgument::new(
            "options.cloud",
            "give options.baseUrl or options.cloud, not both",
        )),
        (None, Some(c)) => Ok(Cloud::parse(c)?.root().to_owned()),
        (Some(b), None) => normalize_base_url(b),
        (None, None) => Ok(DEFAULT_BASE_URL.to_owned()),
    }
}

/// Accepts `http(s)://host[:port][/path]`, drops trailing slashes; refuses queries, fragments,
/// credentials, whitespace and control characters, which would silently change the URL called.
pub fn normalize_base_url(value: &str) -> Result<String, InvalidArgument> {
    let bad = |why: &str| Err(InvalidArgument::problem("options.baseUrl", why));
    let rest = if let Some(r) = strip_prefix_ignore_case(value, "https://") {
        r
    } else if let Some(r) = strip_prefix_ignore_case(value, "http://") {
        r
    } else {
        return bad("must start with https:// or http://");
    };
    if value.len() > 2048 {
        return bad("is longer than 2048 characters");
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return bad("must not contain whitespace or control characters");
    }
    if text::has_any(value, b"?#") {
        return bad("must not contain a query or a fragment");
    }
    if text::has_any(value, b"\\") {
        return bad("must not contain backslashes");
    }
    let authority = text::before(rest, b'/');
    if authority.is_empty() {
        return bad("has no host");
    }
    if text::has_any(authority, b"@") {
        return bad("must not contain credentials");
    }
    let kept = value
        .as_bytes()
        .iter()
        .rposition(|&b| b != b'/')
        .map_or(0, |i| i + 1);
    Ok(value.get(..kept).unwrap_or("").to_owned())
}

fn strip_prefix_ignore_case<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &value[prefix.len()..])
}

/// Refuses tokens that are empty, too long, or would corrupt or fail the Authorization header.
///
/// ```
/// use graph_sync_job::input::validate_token;
/// assert!(validate_token("token", "eyJ0eXAi.eyJhdWQi.c2ln").is_ok());
/// assert!(validate_token("token", "short").is_err());
/// assert_eq!(validate_token("token", "x\r\nHost: evil").unwrap_err().argument, "token");
/// ```
pub fn validate_token(argument: &'static str, token: &str) -> Result<(), InvalidArgument> {
    if token.trim_ascii().is_empty() {
        return Err(InvalidArgument::problem(argument, "is empty"));
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(InvalidArgument::problem(
            argument,
            "is longer than 16384 bytes",
        ));
    }
    if token.chars().any(|c| c.is_control()) {
        return Err(InvalidArgument::problem(
            argument,
            "contains a control character (such as CR or LF)",
        ));
    }
    if !token.is_ascii() {
        return Err(InvalidArgument::problem(
            argument,
            "contains a non-ASCII character; access tokens are ASCII",
        ));
    }
    if token.trim_ascii() != token || text::has_any(token, b" ") {
        if strip_prefix_ignore_case(token, "bearer ").is_some() {
            return Err(InvalidArgument::problem(
                argument,
                "must be the bare access token, without the \"Bearer \" prefix",
            ));
        }
        return Err(InvalidArgument::problem(argument, "contains spaces"));
    }
    if token.len() < MIN_TOKEN_CHARS {
        return Err(InvalidArgument::problem(
            argument,
            "is shorter than 16 characters, too short to be an access token",
        ));
    }
    Ok(())
}

/// Refuses ids that are empty, whitespace, too long, contain control characters, or are the
/// dot segments `.` and `..`, which URL parsers remove even when percent-encoded.
pub fn validate_id(argument: &'static str, id: &str) -> Result<(), InvalidArgument> {
    // Unicode whitespace counts here (an id of NBSPs is as empty as one of spaces); elsewhere
    // trimming is ASCII, as HTTP headers, JSON and HTML define their whitespace.
    if id.chars().all(char::is_whitespace) {
        return Err(InvalidArgument::problem(argument, "is empty"));
    }
    if id.chars().count() > MAX_ID_CHARS {
        return Err(InvalidArgument::problem(
            argument,
            "is longer than 256 characters",
        ));
    }
    if id.chars().any(|c| c.is_control()) {
        return Err(InvalidArgument::problem(
            argument,
            "contains a control character",
        ));
    }
    if id == "." || id == ".." {
        return Err(InvalidArgument::problem(
            argument,
            "must not be \".\" or \"..\"",
        ));
    }
    Ok(())
}

/// A client-request-id must be a usable header value; Graph expects a GUID but echoes any.
pub fn validate_client_request_id(id: &str) -> Result<(), InvalidArgument> {
    let ok = !id.is_empty() && id.len() <= 128 && id.as_bytes().iter().all(u8::is_ascii_graphic);
    if ok {
        Ok(())
    } else {
        Err(InvalidArgument::new(
            "options.clientRequestId",
            "options.clientRequestId must be 1-128 visible ASCII characters (a GUID is best)",
        ))
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so the value stays one path segment.
///
/// ```
/// use graph_sync_job::input::encode_segment;
/// assert_eq!(encode_segment("../x"), "..%2Fx");
/// assert_eq!(encode_segment("AppTemplate.e4bb"), "AppTemplate.e4bb");
/// ```
pub fn encode_segment(value: &str) -> String {
    // Runs of unreserved bytes are copied whole; each other byte becomes %XX. A run always starts
    // after an ASCII byte or a character's last byte, so it is whole characters (`get` is safe).
    let (bytes, mut out) = (value.as_bytes(), String::with_capacity(value.len()));
    let (mut from, mut i) = (0, 0);
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            continue;
        }
        out.push_str(value.get(from..i - 1).unwrap_or(""));
        out.push_str("%");
        text::push_hex(&mut out, b);
        from = i;
    }
    out.push_str(value.get(from..).unwrap_or(""));
    out
}

/// The scope an `@azure/identity` credential is asked for: `{root}/.default` of the Graph root.
pub fn default_scope(base_url: &str) -> String {
    [base_url, "/.default"].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adversarial_ids_stay_one_segment() {
        for (id, want) in [
            ("../x", "..%2Fx"),
            ("a/b", "a%2Fb"),
            ("?", "%3F"),
            ("#", "%23"),
            ("%2F", "%252F"),
            ("a b", "a%20b"),
            ("é", "%C3%A9"),
            ("aé/ü✓b", "a%C3%A9%2F%C3%BC%E2%9C%93b"),
            ("😀x", "%F0%9F%98%80x"),
            (
                "AppTemplate.abc.7c1d9f4e-3b2a",
                "AppTemplate.abc.7c1d9f4e-3b2a",
            ),
        ] {
            assert_eq!(encode_segment(id), want, "{id}");
            let enc = encode_segment(id);
            assert!(!enc.contains(['/', '?', '#', ' ']));
        }
    }

    #[test]
    fn refuses_bad_ids() {
        // Whitespace of any kind alone is no id (NBSP, ideographic space, line separator too).
        for id in [
            "",
            "   ",
            "\t",
            "\u{a0}",
            "\u{3000} \u{2028}",
            ".",
            "..",
            "a\nb",
            "a\u{0}b",
        ] {
            let e = validate_id("jobId", id).unwrap_err();
            assert_eq!(e.argument, "jobId");
        }
        assert!(validate_id("jobId", &"x".repeat(MAX_ID_CHARS)).is_ok());
        let long = validate_id("jobId", &"x".repeat(MAX_ID_CHARS + 1)).unwrap_err();
        assert_eq!(
            long.message,
            format!("jobId is longer than {MAX_ID_CHARS} characters")
        );
        assert!(validate_id("jobId", &"é".repeat(MAX_ID_CHARS)).is_ok());
        assert!(validate_id("jobId", "...").is_ok());
    }

    #[test]
    fn refuses_bad_tokens_without_echoing_them() {
        for t in [
            "",
            "  ",
            "abc\r\nX-Injected: 1",
            "abc\n",
            "tok\u{7f}",
            "t\u{e9}st",
            "Bearer eyJ0",
            " eyJ0",
            "a b",
        ] {
            let e = validate_token("token", t).unwrap_err();
            assert_eq!(e.argument, "token");
            if t.trim().len() > 2 {
                assert!(!e.message.contains(t.trim()), "{}", e.message);
            }
        }
        assert!(validate_token("token", "eyJ0eXAi.eyJhdWQi.c2ln-_").is_ok());
        let long = validate_token("token", &"a".repeat(MAX_TOKEN_BYTES + 1)).unwrap_err();
        assert_eq!(
            long.message,
            format!("token is longer than {MAX_TOKEN_BYTES} bytes")
        );
        assert!(validate_token("token", "Bearer x")
            .unwrap_err()
            .message
            .contains("Bearer"));
    }

    #[test]
    fn base_url_rules() {
        assert_eq!(
            normalize_base_url("https://graph.microsoft.com/").unwrap(),
            "https://graph.microsoft.com"
        );
        assert_eq!(
            normalize_base_url("http://127.0.0.1:8080//").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            normalize_base_url("HTTPS://proxy.example/graph").unwrap(),
            "HTTPS://proxy.example/graph"
        );
        for bad in [
            "graph.microsoft.com",
            "ftp://x",
            "https://",
            "https:///x",
            "https://a?b",
            "https://a#b",
            "https://u:p@host",
            "https://a b",
            "https://a\n",
            "javascript:alert(1)",
            "https://a\\b",
        ] {
            assert_eq!(
                normalize_base_url(bad).unwrap_err().argument,
                "options.baseUrl",
                "{bad}"
            );
        }
    }

    #[test]
    fn clouds_and_versions() {
        assert_eq!(resolve_base_url(None, None).unwrap(), DEFAULT_BASE_URL);
        assert_eq!(
            resolve_base_url(None, Some("usGov")).unwrap(),
            "https://graph.microsoft.us"
        );
        assert_eq!(
            resolve_base_url(None, Some("usGovDoD")).unwrap(),
            "https://dod-graph.microsoft.us"
        );
        assert_eq!(
            resolve_base_url(None, Some("china")).unwrap(),
            "https://microsoftgraph.chinacloudapi.cn"
        );
        assert_eq!(
            resolve_base_url(None, Some("global")).unwrap(),
            "https://graph.microsoft.com"
        );
        assert_eq!(
            resolve_base_url(None, Some("mars")).unwrap_err().argument,
            "options.cloud"
        );
        assert_eq!(
            resolve_base_url(Some("https://a"), Some("china"))
                .unwrap_err()
                .argument,
            "options.cloud"
        );
        assert_eq!(ApiVersion::parse("v1.0").unwrap(), ApiVersion::V1);
        assert!(ApiVersion::parse("v1").is_err());
        assert!(ApiVersion::parse("Beta").is_err());
        assert_eq!(
            default_scope("https://graph.microsoft.us"),
            "https://graph.microsoft.us/.default"
        );
    }

    #[test]
    fn client_request_id_rules() {
        assert!(validate_client_request_id("e70c5c1b-0000-4000-8000-000000000000").is_ok());
        for bad in ["", "a b", "a\r\n", "é", &"x".repeat(129)] {
            assert!(validate_client_request_id(bad).is_err());
        }
    }
}
