//! The request log behind `GET /_emulator/requests`: a bounded ring of raw requests.

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::Bytes;
use hyper::HeaderMap;
use serde::Serialize;
use serde_json::Map;

use crate::sync::lock;

/// How many requests are kept; older ones fall off.
pub const CAPACITY: usize = 10_000;

/// One request as received. Kept cheap: header values and the body are reference-counted.
pub struct Recorded {
    pub method: hyper::Method,
    pub target: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub received_at_ms: f64,
}

struct Ring {
    entries: VecDeque<(u64, Recorded)>,
    last_seq: u64,
}

pub struct Recorder {
    ring: Mutex<Ring>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            ring: Mutex::new(Ring {
                entries: VecDeque::with_capacity(CAPACITY),
                last_seq: 0,
            }),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    seq: u64,
    method: &'a str,
    target: &'a str,
    headers: Map<String, serde_json::Value>,
    body: std::borrow::Cow<'a, str>,
    received_at: f64,
}

impl Recorder {
    pub fn record(&self, request: Recorded) {
        let mut ring = lock(&self.ring);
        ring.last_seq += 1;
        let seq = ring.last_seq;
        if ring.entries.len() >= CAPACITY {
            ring.entries.pop_front();
        }
        ring.entries.push_back((seq, request));
    }

    /// Drops all entries; `restart_seq` also starts numbering again from 1.
    pub fn clear(&self, restart_seq: bool) {
        let mut ring = lock(&self.ring);
        ring.entries.clear();
        if restart_seq {
            ring.last_seq = 0;
        }
    }

    /// `{"requests":[...]}` for the entries whose raw target contains `path_contains`.
    pub fn to_json(&self, path_contains: Option<&str>) -> Vec<u8> {
        let ring = lock(&self.ring);
        let entries: Vec<Entry<'_>> = ring
            .entries
            .iter()
            .filter(|(_, r)| path_contains.is_none_or(|p| r.target.contains(p)))
            .map(|(seq, r)| Entry {
                seq: *seq,
                method: r.method.as_str(),
                target: &r.target,
                headers: headers_json(&r.headers),
                body: String::from_utf8_lossy(&r.body),
                received_at: r.received_at_ms,
            })
            .collect();
        #[derive(Serialize)]
        struct Requests<'a> {
            requests: Vec<Entry<'a>>,
        }
        serde_json::to_vec(&Requests { requests: entries }).unwrap_or_default()
    }
}

/// Lowercased names (as hyper stores them), repeated headers joined with ", ",
/// and `authorization` replaced by `<redacted:LEN>`.
fn headers_json(headers: &HeaderMap) -> Map<String, serde_json::Value> {
    let mut out = Map::new();
    for name in headers.keys() {
        let values: Vec<_> = headers.get_all(name).iter().collect();
        let text = if name == hyper::header::AUTHORIZATION {
            let len: usize = values.iter().map(|v| v.len()).sum::<usize>() + 2 * (values.len() - 1);
            format!("<redacted:{len}>")
        } else {
            values
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.insert(name.as_str().to_owned(), serde_json::Value::String(text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(target: &str) -> Recorded {
        let mut headers = HeaderMap::new();
        headers.insert("authorization", "Bearer secret".parse().unwrap());
        headers.append("x-multi", "a".parse().unwrap());
        headers.append("x-multi", "b".parse().unwrap());
        Recorded {
            method: hyper::Method::POST,
            target: target.to_owned(),
            headers,
            body: Bytes::from_static(b"{}"),
            received_at_ms: 1.5,
        }
    }

    #[test]
    fn redacts_filters_and_bounds() {
        let recorder = Recorder::default();
        recorder.record(request("/beta/a%2Fb/start"));
        recorder.record(request("/v1.0/other"));
        let json: serde_json::Value =
            serde_json::from_slice(&recorder.to_json(Some("%2F"))).unwrap();
        let entries = json["requests"].as_array().unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["seq"], 1);
        assert_eq!(entries[0]["target"], "/beta/a%2Fb/start");
        assert_eq!(entries[0]["headers"]["authorization"], "<redacted:13>");
        assert_eq!(entries[0]["headers"]["x-multi"], "a, b");
        assert!(!String::from_utf8(recorder.to_json(None))
            .unwrap()
            .contains("secret"));
        for _ in 0..CAPACITY + 5 {
            recorder.record(request("/x"));
        }
        let json: serde_json::Value = serde_json::from_slice(&recorder.to_json(None)).unwrap();
        let entries = json["requests"].as_array().unwrap();
        assert_eq!(entries.len(), CAPACITY);
        assert_eq!(entries.last().unwrap()["seq"], (CAPACITY + 7) as u64);
        recorder.clear(true);
        recorder.record(request("/x"));
        let json: serde_json::Value = serde_json::from_slice(&recorder.to_json(None)).unwrap();
        assert_eq!(json["requests"][0]["seq"], 1);
    }
}
