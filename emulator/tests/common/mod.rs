//! Test harness: one emulator process per test, and a tiny HTTP/1.1 client over a raw TcpStream
//! (raw so malformed requests can be sent too).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const SF: &str = "3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d";
pub const SF_PAUSED: &str = "salesforce.e4bbf44533ea4eabb17027f3a92e92aa";
pub const SF_QUARANTINED: &str =
    "salesforce.0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e.7c1d9f4e-3b2a-4c5d-8e6f-9a0b1c2d3e4f";
pub const SN: &str = "8d2e4f6a-1b3c-4d5e-a6f7-0b1c2d3e4f5a";
pub const SN_ACTIVE: &str = "serviceNow.a1b2c3d4e5f60718293a4b5c6d7e8f90";
pub const SN_NOT_RUN: &str = "serviceNow.1f2e3d4c5b6a79880716253443526170";
pub const WD: &str = "b7c8d9e0-f1a2-4b3c-9d4e-5f6a7b8c9d0e";
pub const WD_NOT_CONFIGURED: &str = "workday.9f8e7d6c5b4a39281706f5e4d3c2b1a0";
pub const RW: &str = "Bearer demo-token-readwrite";
pub const RO: &str = "Bearer demo-token-readonly";

pub fn job_path(version: &str, sp: &str, job: &str) -> String {
    format!("/{version}/servicePrincipals/{sp}/synchronization/jobs/{job}")
}

/// A running emulator, killed on drop.
pub struct Emulator {
    pub child: Child,
    pub port: u16,
    pub url: String,
}

impl Emulator {
    pub fn start() -> Emulator {
        Emulator::start_with(&[])
    }

    pub fn start_with(args: &[&str]) -> Emulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_graph-emulator"))
            .args(["--port", "0", "--quiet"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn graph-emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read first line");
        let url = line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Emulator { child, port, url }
    }

    /// Sends a request with `Connection: close` and reads the whole answer.
    pub fn send(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Response {
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n",
            self.port
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body.as_bytes());
        self.raw(&bytes).expect("a response")
    }

    pub fn get(&self, target: &str, auth: &str) -> Response {
        self.send("GET", target, &[("Authorization", auth)], "")
    }

    pub fn post(&self, target: &str, auth: &str, body: &str) -> Response {
        self.send(
            "POST",
            target,
            &[
                ("Authorization", auth),
                ("Content-Type", "application/json"),
            ],
            body,
        )
    }

    /// A control-API call (no auth).
    pub fn control(&self, method: &str, path: &str, body: &str) -> Response {
        self.send(method, path, &[("Content-Type", "application/json")], body)
    }

    /// `POST /_emulator/{setting}` refuses each body in `bad` with Graph's 400 `BadRequest`.
    pub fn refuses_setting(&self, setting: &str, bad: &[&str]) {
        for body in bad {
            let response = self.control("POST", &format!("/_emulator/{setting}"), body);
            assert_eq!(response.graph_error(400), "BadRequest", "{setting}: {body}");
        }
    }

    /// `POST /_emulator/reset` puts `/_emulator/{setting}` back to `default`.
    pub fn reset_restores(&self, setting: &str, default: serde_json::Value) {
        assert_eq!(self.control("POST", "/_emulator/reset", "").status, 204);
        let path = format!("/_emulator/{setting}");
        assert_eq!(self.control("GET", &path, "").json(), default, "{setting}");
    }

    /// Writes raw bytes, reads until the server closes; `None` if it closed without a byte.
    pub fn raw(&self, bytes: &[u8]) -> Option<Response> {
        let mut stream = self.connect();
        stream.write_all(bytes).ok()?;
        read_response(&mut stream)
    }

    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        stream
    }

    pub fn job(&self, sp: &str, job: &str) -> serde_json::Value {
        let response = self.get(&job_path("beta", sp, job), RW);
        assert_eq!(response.status, 200, "{}", response.text());
        response.json()
    }

    pub fn status_code(&self, sp: &str, job: &str) -> String {
        self.job(sp, job)["status"]["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub fn recorded(&self, filter: &str) -> Vec<serde_json::Value> {
        let target = if filter.is_empty() {
            "/_emulator/requests".to_owned()
        } else {
            format!("/_emulator/requests?pathContains={filter}")
        };
        let response = self.control("GET", &target, "");
        assert_eq!(response.status, 200);
        response.json()["requests"].as_array().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// Asserts a Graph error body of exactly the documented shape and returns its code.
    pub fn graph_error(&self, status: u16) -> String {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(self.header("content-type"), Some("application/json"));
        let body = self.json();
        let object = body.as_object().unwrap();
        assert_eq!(object.keys().collect::<Vec<_>>(), ["error"]);
        let error = body["error"].as_object().unwrap();
        // Field order matters to people reading logs: code, message, innerError.
        assert_eq!(
            error.keys().collect::<Vec<_>>(),
            ["code", "innerError", "message"]
        );
        assert!(self.text().find("\"code\"") < self.text().find("\"message\""));
        assert!(self.text().find("\"message\"") < self.text().find("\"innerError\""));
        let inner = &body["error"]["innerError"];
        assert_eq!(inner["request-id"].as_str(), self.header("request-id"));
        assert_eq!(
            inner["client-request-id"].as_str(),
            self.header("client-request-id")
        );
        let date = inner["date"].as_str().unwrap();
        assert_eq!(date.len(), 19, "{date}");
        assert_eq!(&date[10..11], "T");
        assert!(!date.ends_with('Z'));
        body["error"]["code"].as_str().unwrap().to_owned()
    }
}

/// Reads a whole HTTP/1.1 response from a stream the server closes (or by Content-Length).
pub fn read_response(stream: &mut TcpStream) -> Option<Response> {
    let mut data = Vec::new();
    let mut buf = [0u8; 16384];
    let head_end;
    loop {
        if let Some(end) = find(&data, b"\r\n\r\n") {
            head_end = end;
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => {
                return if data.is_empty() {
                    None
                } else {
                    panic!("incomplete head: {:?}", String::from_utf8_lossy(&data))
                }
            }
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = data[head_end + 4..].to_vec();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse::<usize>().unwrap());
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    loop {
        if let Some(length) = length {
            if body.len() >= length {
                body.truncate(length);
                break;
            }
        }
        if status == 204 || status == 304 {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&buf[..n]),
        }
    }
    if chunked {
        body = dechunk(&body);
    }
    Some(Response {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = find(data, b"\r\n") {
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 4 + size..];
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// True for a lowercase hyphenated version-4 GUID.
pub fn is_guid_v4(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && text.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        && parts[2].starts_with('4')
        && matches!(parts[3].chars().next(), Some('8' | '9' | 'a' | 'b'))
}
