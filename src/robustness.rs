//! Randomised checks that no input reaches a panic in the pure modules (a panic in WebAssembly
//! kills the module for every later call), with the invariants callers rely on.

use crate::error::{from_response, HttpResponse, MAX_BODY_BYTES};
use crate::input;
use crate::json::Json;
use crate::retry::{self, Outcome, RetryPolicy};
use crate::{retry_after, time};

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn string(&mut self, max_len: u64) -> String {
        const PIECES: &[&str] = &[
            "0",
            "1",
            "9",
            ".",
            "-",
            "+",
            ":",
            "T",
            "Z",
            "z",
            " ",
            "\t",
            "\r\n",
            "\u{0}",
            "\u{7f}",
            "a",
            "Bearer ",
            "é",
            "✓",
            "𝄞",
            "{",
            "}",
            "[",
            "]",
            "\"",
            ",",
            "<",
            ">",
            "/",
            "%",
            "%2F",
            "?",
            "#",
            "..",
            "@",
            "\\",
            "http://",
            "https://",
            "GMT",
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "2025-02-13T10:17:05",
            "error",
            "innerError",
        ];
        let n = self.below(max_len + 1);
        (0..n)
            .map(|_| PIECES[self.below(PIECES.len() as u64) as usize])
            .collect()
    }
    fn float(&mut self) -> f64 {
        match self.below(8) {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => -(self.below(1 << 40) as f64),
            4 => f64::from_bits(self.next()),
            5 => self.below(100) as f64 / 7.0,
            _ => self.below(1 << 45) as f64,
        }
    }
    fn json(&mut self, depth: u32) -> Json {
        match if depth > 6 {
            self.below(4)
        } else {
            self.below(6)
        } {
            0 => Json::Null,
            1 => Json::Bool(self.below(2) == 0),
            2 => Json::Number(self.float()),
            3 => Json::String(self.string(12)),
            4 => Json::Array((0..self.below(4)).map(|_| self.json(depth + 1)).collect()),
            _ => {
                const KEYS: &[&str] = &[
                    "error",
                    "code",
                    "message",
                    "innerError",
                    "innererror",
                    "INNERERROR",
                    "details",
                    "target",
                    "date",
                    "request-id",
                    "client-request-id",
                ];
                Json::Object(
                    (0..self.below(6))
                        .map(|_| {
                            let k = if self.below(4) == 0 {
                                self.string(6)
                            } else {
                                KEYS[self.below(KEYS.len() as u64) as usize].to_owned()
                            };
                            (k, self.json(depth + 1))
                        })
                        .collect(),
                )
            }
        }
    }
}

const ROUNDS: usize = 20_000;

#[test]
fn input_checks_never_panic_and_encoding_stays_one_segment() {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..ROUNDS {
        let s = r.string(40);
        let _ = input::validate_token("token", &s);
        let _ = input::validate_id("jobId", &s);
        let _ = input::validate_client_request_id(&s);
        let _ = input::normalize_base_url(&s);
        let _ = input::resolve_base_url(Some(&s), None);
        let _ = input::ApiVersion::parse(&s);
        let _ = input::Cloud::parse(&s);
        let enc = input::encode_segment(&s);
        assert!(
            enc.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
            "{enc}"
        );
        if input::validate_token("token", &s).is_ok() {
            assert!(
                s.bytes().all(|b| b.is_ascii_graphic()),
                "accepted a token with {s:?}"
            );
        }
    }
}

#[test]
fn dates_and_retry_after_never_panic() {
    let mut r = Rng(0xDEAD_BEEF_CAFE_F00D);
    for _ in 0..ROUNDS {
        let s = r.string(30);
        let _ = time::parse_iso_ms(&s);
        let _ = time::iso_from_epoch_ms(r.float());
        let date = r.float();
        let reference = r.float();
        if let Some(ms) = retry_after::parse(&s, reference, &|_| Some(date)) {
            assert!(
                (0.0..=retry_after::MAX_RETRY_AFTER_MS).contains(&ms),
                "{s:?} -> {ms}"
            );
        }
    }
}

#[test]
fn retry_decisions_never_panic() {
    let mut r = Rng(0x0123_4567_89AB_CDEF);
    for _ in 0..ROUNDS {
        let policy = RetryPolicy::from_options(Some(r.float()), Some(r.float()), Some(r.float()))
            .unwrap_or_default();
        let outcome = if r.below(4) == 0 {
            Outcome::NoResponse
        } else {
            Outcome::Status(r.below(1000) as u16)
        };
        let ra = if r.below(2) == 0 {
            Some(r.float())
        } else {
            None
        };
        let left = if r.below(2) == 0 {
            Some(r.float())
        } else {
            None
        };
        let _ = retry::decide(&policy, outcome, ra, r.next() as u32, left, r.float());
        let d = retry::backoff_ms(&policy, r.next() as u32, r.float());
        assert!(d <= policy.max_delay_ms && d >= 0.0, "{d}");
    }
}

#[test]
fn any_response_gives_a_usable_error() {
    let mut r = Rng(0xA5A5_5A5A_1234_5678);
    for _ in 0..ROUNDS {
        let names = [
            "retry-after",
            "date",
            "request-id",
            "client-request-id",
            "content-type",
            "x",
        ];
        let headers = (0..r.below(5))
            .map(|_| {
                (
                    names[r.below(names.len() as u64) as usize].to_owned(),
                    r.string(20),
                )
            })
            .collect();
        let big = r.below(50) == 0;
        let body = if big {
            "é".repeat(MAX_BODY_BYTES)
        } else {
            r.string(60)
        };
        let json = if r.below(3) == 0 {
            None
        } else {
            Some(r.json(0))
        };
        let date = r.float();
        let status_text = r.string(5);
        let mut d = from_response(
            HttpResponse {
                status: r.below(1000) as u16,
                status_text: &status_text,
                headers,
                body: Some(body),
                json,
            },
            &|_| Some(date),
            r.float(),
        );
        assert!(!d.message.is_empty() && !d.code.is_empty());
        assert!(d.body.as_ref().is_some_and(|b| b.len() <= MAX_BODY_BYTES));
        let secret = r.string(6);
        d.redact(&secret);
        if secret.len() > 3 {
            assert!(
                !d.message.contains(&secret) && !d.body.as_ref().unwrap().contains(&secret),
                "{secret:?}"
            );
        }
    }
}
