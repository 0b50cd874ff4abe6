//! Randomised checks that no input reaches a panic in the pure modules (a panic in WebAssembly
//! kills the module for every later call), with the invariants callers rely on.

use crate::engine::{self, Action, Answer, Body, Machine, Op};
use crate::error::{from_response, HttpResponse};
use crate::input::{self, ApiVersion};
use crate::options::Until;
use crate::retry::{self, Outcome, RetryPolicy};
use crate::views::{from_json, BatchView, ErrorBody, HeaderView, InnerIds, JobView, PageView};
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
    /// Random JSON text shaped like Graph's answers (errors, jobs, pages, batches), often broken.
    fn json(&mut self, depth: u32) -> String {
        const KEYS: &[&str] = &[
            "error",
            "code",
            "message",
            "innerError",
            "target",
            "date",
            "request-id",
            "status",
            "lastExecution",
            "timeBegan",
            "timeEnded",
            "state",
            "quarantine",
            "reason",
            "responses",
            "id",
            "headers",
            "retry-after",
            "body",
            "@odata.nextLink",
            "steadyStateLastAchievedTime",
        ];
        match if depth > 5 {
            self.below(4)
        } else {
            self.below(6)
        } {
            0 => "null".into(),
            1 => "true".into(),
            2 => ["", "-", ""][self.below(3) as usize].to_owned() + &self.below(1000).to_string(),
            3 => serde_json::Value::String(self.string(12)).to_string(),
            4 => {
                let items: Vec<String> = (0..self.below(4)).map(|_| self.json(depth + 1)).collect();
                ["[", &items.join(","), "]"].concat()
            }
            _ => {
                let members: Vec<String> = (0..self.below(6))
                    .map(|_| {
                        let k = KEYS[self.below(KEYS.len() as u64) as usize];
                        [
                            &serde_json::Value::String(k.into()).to_string(),
                            ":",
                            &self.json(depth + 1),
                        ]
                        .concat()
                    })
                    .collect();
                ["{", &members.join(","), "}"].concat()
            }
        }
    }
}

/// Rounds per randomised test: `ROBUSTNESS_ROUNDS` in the environment runs as many as asked.
fn rounds() -> usize {
    std::env::var("ROBUSTNESS_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ROUNDS)
}

const ROUNDS: usize = 20_000;

#[test]
fn input_checks_never_panic_and_encoding_stays_one_segment() {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..rounds() {
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
    for _ in 0..rounds() {
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
    for _ in 0..rounds() {
        let policy = RetryPolicy {
            max_retries: r.below(12) as u32,
            max_delay_ms: r.float().abs().min(600_000.0),
            base_delay_ms: r.float().abs().clamp(1.0, 60_000.0),
        };
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
    for _ in 0..rounds() {
        let headers: HeaderView = from_json(&r.json(1));
        let text = r.json(0);
        let parsed: ErrorBody = from_json(&text);
        let inner: Vec<InnerIds> = crate::views::inner_json(&r.json(1));
        let status_text = r.string(5);
        let d = from_response(
            &HttpResponse {
                status: r.below(1000) as u16,
                status_text: &status_text,
                headers: &headers,
                error: parsed.error.as_ref(),
                inner: &inner,
                body_head: Some(&text),
                expected: 204,
            },
            &engine_dates(),
            r.float(),
        );
        assert!(!d.message.is_empty() && !d.code.is_empty());
    }
}

fn engine_dates() -> engine::RustDates {
    engine::RustDates
}

/// Drives the engine with random answers, failures, waits and stops: it never panics, never
/// sends without a token, never exceeds its slots, and once finished it queues nothing more.
#[test]
fn engine_survives_any_sequence_of_events() {
    let mut r = Rng(0x005E_ED0F_E61E);
    for round in 0..rounds() / 10 {
        let sp = r.string(8) + "sp";
        let job = r.string(8) + "job";
        let op = match r.below(6) {
            0 => Op::Act {
                sp,
                job,
                action: engine::JobAction::Start,
                if_status: (r.below(2) == 0).then(|| vec!["Paused"]),
                read: None,
            },
            1 => Op::Get { sp, job },
            2 => Op::List { sp, pages: 0 },
            3 => Op::Wait(engine::Wait::new(
                sp,
                job,
                [Until::CycleComplete, Until::SteadyState, Until::Active][r.below(3) as usize],
                1000.0,
            )),
            _ => {
                let jobs = (0..r.below(45))
                    .map(|i| {
                        (
                            ["sp", &(i % 7).to_string()].concat(),
                            ["job", &(i % 5).to_string()].concat(),
                        )
                    })
                    .collect();
                Op::Bulk(engine::Bulk::new(
                    engine::JobAction::Pause,
                    (r.below(2) == 0).then(|| vec!["Active"]),
                    1 + r.below(5) as usize,
                    jobs,
                ))
            }
        };
        let slots = match &op {
            Op::Bulk(b) => b.concurrency as u32,
            _ => 1,
        };
        let mut m = Machine::new(
            op,
            engine::Config {
                target: engine::Target {
                    base: "https://graph.microsoft.com".into(),
                    version: ApiVersion::Beta,
                },
                policy: RetryPolicy::default(),
                timeout_ms: 60_000.0,
                refreshable: r.below(2) == 0,
                client_request_id: "c".into(),
                dates: engine_dates(),
                seed: round as u64,
            },
        );
        let mut now = 1_000.0;
        m.start(now);
        let mut pending: Vec<Action> = m.take();
        let mut have_token = false;
        let mut steps = 0;
        while !m.is_finished() && steps < 400 {
            steps += 1;
            now += r.below(3000) as f64;
            let a = if pending.is_empty() {
                None
            } else {
                Some(pending.remove(r.below(pending.len() as u64) as usize))
            };
            match a {
                Some(Action::Token) => {
                    if r.below(8) == 0 {
                        m.token_failed("no".into(), now);
                    } else {
                        have_token = true;
                        m.token(now);
                    }
                }
                Some(Action::Send { slot, .. }) => {
                    assert!(have_token, "sent without a token");
                    assert!(slot < slots, "slot {slot} of {slots}");
                    let read = m.request(slot).map(|q| (q.read, q.expect));
                    let status = [200, 204, 401, 404, 429, 503, 500, 307][r.below(8) as usize];
                    let text = r.json(0);
                    let body = match read {
                        Some((_, e)) if status != e => {
                            Body::Error(from_json::<ErrorBody>(&text).error, vec![])
                        }
                        Some((engine::Read::Job, _)) => Body::Job(from_json::<JobView>(&text)),
                        Some((engine::Read::Page, _)) => Body::Page(from_json::<PageView>(&text)),
                        Some((engine::Read::Batch, _)) => {
                            Body::Batch(from_json::<BatchView>(&text))
                        }
                        _ => Body::None,
                    };
                    if r.below(6) == 0 {
                        m.no_answer(slot, now);
                    } else {
                        let headers = from_json::<HeaderView>(&r.json(1));
                        m.response(
                            slot,
                            Answer {
                                status,
                                status_text: String::new(),
                                headers,
                                body,
                                body_head: Some(text),
                            },
                            now,
                        );
                    }
                }
                Some(Action::Wait { slot, .. }) => m.waited(slot, now),
                Some(_) => {}
                None => m.stopped(r.below(2) == 0, true, now),
            }
            pending.extend(m.take());
        }
        if !m.is_finished() {
            m.stopped(true, false, now);
        }
        assert!(m.is_finished(), "round {round} did not finish");
        assert!(
            m.take()
                .iter()
                .filter(|a| matches!(
                    a,
                    Action::Fail { .. }
                        | Action::Finish { .. }
                        | Action::Return { .. }
                        | Action::ReturnCollected
                        | Action::ReturnItems
                ))
                .count()
                <= 1
        );
        m.stopped(true, true, now);
        assert!(m.take().is_empty(), "acted after finishing");
    }
}
