//! What the engine says, as JSON text for the JS driver, which parses it with `JSON.parse`.
//!
//! Why text and not JS objects built from wasm: building objects calls back into JS from inside
//! the wasm call, and V8 (Node 20 and 22) aborts the whole process when the calling function is
//! lazily deoptimized during such a call that TurboFan had inlined (`Fatal error ...
//! Deoptimizer::DoComputeBuiltinContinuation`). A string crosses without creating any object
//! shape, and the objects are made afterwards by the platform, outside the wasm call. It is also
//! smaller than a serializer.

use crate::engine::{Action, ActionResult, Cause, ItemResult};
use crate::error::ErrorData;
use crate::text::decimal;

/// A JSON text being written; fields are added to the innermost open object.
pub struct Writer(String);

impl Writer {
    fn new() -> Self {
        Writer(String::with_capacity(256))
    }

    fn key(&mut self, k: &str) {
        if !matches!(self.0.as_bytes().last(), Some(b'{' | b'[')) {
            self.0.push_str(",");
        }
        self.string(k);
        self.0.push_str(":");
    }

    /// A JSON string: quotes, backslashes and control characters escaped.
    fn string(&mut self, s: &str) {
        self.0.push_str("\"");
        // By bytes: what needs escaping is ASCII, and the text between is copied as it is.
        let (bytes, mut from, mut i) = (s.as_bytes(), 0, 0);
        while i < bytes.len() {
            let b = bytes[i];
            i += 1;
            if b != b'"' && b != b'\\' && b >= 0x20 {
                continue;
            }
            self.0.push_str(&s[from..i - 1]);
            from = i;
            match b {
                b'"' => self.0.push_str("\\\""),
                b'\\' => self.0.push_str("\\\\"),
                _ => {
                    self.0.push_str("\\u00");
                    crate::text::push_hex(&mut self.0, b);
                }
            }
        }
        self.0.push_str(&s[from..]);
        self.0.push_str("\"");
    }

    fn str(&mut self, k: &str, v: &str) -> &mut Self {
        self.key(k);
        self.string(v);
        self
    }

    fn opt_str(&mut self, k: &str, v: Option<&str>) -> &mut Self {
        if let Some(v) = v {
            self.str(k, v);
        }
        self
    }

    /// A number; the engine's numbers are whole (statuses, counts, milliseconds).
    fn num(&mut self, k: &str, v: f64) -> &mut Self {
        self.key(k);
        let v = if v.is_finite() { v } else { 0.0 };
        let whole = crate::retry::round(v.abs().min(9.0e15));
        if v < 0.0 && whole > 0.0 {
            self.0.push_str("-");
        }
        self.0.push_str(&decimal(whole as u64));
        self
    }

    fn opt_num(&mut self, k: &str, v: Option<f64>) -> &mut Self {
        if let Some(v) = v {
            self.num(k, v);
        }
        self
    }

    fn bool(&mut self, k: &str, v: bool) -> &mut Self {
        self.key(k);
        self.0.push_str(if v { "true" } else { "false" });
        self
    }

    fn object(&mut self, k: &str, f: impl FnOnce(&mut Self)) -> &mut Self {
        self.key(k);
        self.0.push_str("{");
        f(self);
        self.0.push_str("}");
        self
    }

    fn error(&mut self, k: &str, d: &ErrorData) -> &mut Self {
        self.object(k, |w| error_fields(w, d))
    }
}

/// Every field of a `GraphError` Rust decides, in the order `GraphError` declares them.
fn error_fields(w: &mut Writer, d: &ErrorData) {
    w.str("kind", d.kind.as_str())
        .num("status", f64::from(d.status))
        .str("code", &d.code)
        .str("message", &d.message)
        .opt_str("requestId", d.request_id.as_deref())
        .opt_str("clientRequestId", d.client_request_id.as_deref())
        .opt_str("date", d.date.as_deref())
        .opt_str("target", d.target.as_deref())
        .opt_num("retryAfterMs", d.retry_after_ms)
        .num("attempts", f64::from(d.attempts))
        .opt_str("argument", d.argument)
        .opt_str("hint", d.hint);
}

fn action_result(w: &mut Writer, r: &ActionResult) {
    w.bool("skipped", r.skipped)
        .opt_num("status", r.status.map(f64::from))
        .opt_str("requestId", r.request_id.as_deref())
        .str("clientRequestId", &r.client_request_id)
        .num("attempts", f64::from(r.attempts))
        .opt_str("jobStatus", r.job_status.as_deref());
}

fn item(w: &mut Writer, i: &ItemResult) {
    w.num("index", f64::from(i.index))
        .str("servicePrincipalId", &i.service_principal_id)
        .str("jobId", &i.job_id)
        .bool("ok", i.ok)
        .bool("skipped", i.skipped)
        .opt_str("jobStatus", i.job_status.as_deref())
        .opt_num("status", i.status.map(f64::from))
        .opt_str("requestId", i.request_id.as_deref());
    if let Some(e) = &i.error {
        w.error("error", e);
    }
    w.num("slot", f64::from(i.slot))
        .opt_num("sub", i.sub.map(f64::from));
}

fn action(w: &mut Writer, a: &Action) {
    let slot = |w: &mut Writer, tag: &str, slot: u32| {
        w.str("t", tag).num("slot", f64::from(slot));
    };
    match a {
        Action::Token => {
            w.str("t", "token");
        }
        Action::Send {
            slot: s,
            method,
            url,
            body,
            expect,
        } => {
            slot(w, "send", *s);
            w.str("method", method)
                .str("url", url)
                .opt_str("body", body.as_deref())
                .num("expect", f64::from(*expect));
        }
        Action::Wait { slot: s, ms } => {
            slot(w, "wait", *s);
            w.num("ms", *ms);
        }
        Action::Ok {
            slot: s,
            status,
            request_id,
            attempts,
        } => {
            slot(w, "ok", *s);
            w.num("status", f64::from(*status))
                .opt_str("requestId", request_id.as_deref())
                .num("attempts", f64::from(*attempts));
        }
        Action::Retry {
            slot: s,
            sub,
            attempt,
            delay_ms,
            error,
        } => {
            slot(w, "retry", *s);
            w.opt_num("sub", sub.map(f64::from))
                .num("attempt", f64::from(*attempt))
                .num("delayMs", *delay_ms)
                .error("error", error);
        }
        Action::Collect { slot: s } => slot(w, "collect", *s),
        Action::Polled { slot: s } => slot(w, "polled", *s),
        Action::Item { item: i } => {
            w.str("t", "item").object("item", |w| item(w, i));
        }
        Action::Progress {
            done,
            total,
            ok,
            failed,
            skipped,
        } => {
            w.str("t", "progress")
                .num("done", f64::from(*done))
                .num("total", f64::from(*total))
                .num("ok", f64::from(*ok))
                .num("failed", f64::from(*failed))
                .num("skipped", f64::from(*skipped));
        }
        Action::Finish { result } => {
            w.str("t", "finish")
                .object("result", |w| action_result(w, result));
        }
        Action::Return { slot: s } => slot(w, "return", *s),
        Action::ReturnCollected => {
            w.str("t", "returnCollected");
        }
        Action::ReturnItems => {
            w.str("t", "returnItems");
        }
        Action::Fail {
            error,
            slot: s,
            cause,
        } => {
            w.str("t", "fail")
                .error("error", error)
                .opt_num("slot", s.map(f64::from))
                .str(
                    "cause",
                    match cause {
                        Cause::None => "none",
                        Cause::Token => "token",
                        Cause::Signal => "signal",
                        Cause::Network => "network",
                        Cause::Last => "last",
                    },
                );
        }
    }
}

/// The actions as a JSON array of `{ "t": kind, ... }` objects.
///
/// ```
/// use graph_sync_job::{engine::Action, wire};
/// assert_eq!(wire::actions(&[Action::Token, Action::Wait { slot: 0, ms: 2500.0 }]),
///            r#"[{"t":"token"},{"t":"wait","slot":0,"ms":2500}]"#);
/// ```
pub fn actions(list: &[Action]) -> String {
    let mut w = Writer::new();
    w.0.push_str("[");
    for (i, a) in list.iter().enumerate() {
        if i > 0 {
            w.0.push_str(",");
        }
        w.0.push_str("{");
        action(&mut w, a);
        w.0.push_str("}");
    }
    w.0.push_str("]");
    w.0
}

/// A `GraphError`'s fields as a JSON object.
pub fn error(d: &ErrorData) -> String {
    let mut w = Writer::new();
    w.0.push_str("{");
    error_fields(&mut w, d);
    w.0.push_str("}");
    w.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn escapes_what_json_needs_and_parses_back() {
        let mut d = ErrorData::without_response(
            ErrorKind::Http,
            "a \"quoted\" \\ line\nbreak \u{1} é ✓ \u{2028}",
        );
        d.retry_after_ms = Some(2128.0);
        d.hint = Some("h");
        let text = error(&d);
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(v["message"], d.message.as_str());
        assert_eq!(v["kind"], "http");
        assert_eq!(v["retryAfterMs"], 2128);
        assert!(v.get("requestId").is_none(), "absent fields are left out");
    }

    #[test]
    fn numbers_are_whole_rounded_half_away_from_zero() {
        for (ms, text) in [
            (2.5, "3"),
            (2.4, "2"),
            (-2.5, "-3"),
            (-0.4, "0"),
            (f64::NAN, "0"),
            (1e300, "9000000000000000"),
        ] {
            let json = actions(&[Action::Wait { slot: 0, ms }]);
            assert_eq!(
                json,
                ["[{\"t\":\"wait\",\"slot\":0,\"ms\":", text, "}]"].concat(),
                "{ms}"
            );
        }
    }

    #[test]
    fn every_action_is_valid_json_with_its_tag() {
        let d = ErrorData::without_response(ErrorKind::Aborted, "m");
        let r = ActionResult {
            skipped: true,
            status: None,
            request_id: Some("r".into()),
            client_request_id: "c".into(),
            attempts: 2,
            job_status: Some("Active".into()),
        };
        let item = ItemResult {
            index: 3,
            service_principal_id: "sp".into(),
            job_id: "j".into(),
            ok: false,
            skipped: false,
            job_status: None,
            status: Some(404),
            request_id: None,
            error: Some(d.clone()),
            slot: 1,
            sub: Some(4),
        };
        let all = [
            Action::Token,
            Action::Send {
                slot: 1,
                method: "POST",
                url: "u".into(),
                body: Some(r#"{"a":"b"}"#.into()),
                expect: 204,
            },
            Action::Wait { slot: 0, ms: -1.0 },
            Action::Ok {
                slot: 0,
                status: 204,
                request_id: None,
                attempts: 1,
            },
            Action::Retry {
                slot: 0,
                sub: Some(2),
                attempt: 1,
                delay_ms: 1000.0,
                error: d.clone(),
            },
            Action::Collect { slot: 0 },
            Action::Polled { slot: 0 },
            Action::Item { item },
            Action::Progress {
                done: 1,
                total: 2,
                ok: 1,
                failed: 0,
                skipped: 0,
            },
            Action::Finish { result: r },
            Action::Return { slot: 0 },
            Action::ReturnCollected,
            Action::ReturnItems,
            Action::Fail {
                error: d,
                slot: None,
                cause: Cause::Signal,
            },
        ];
        let v: serde_json::Value = serde_json::from_str(&actions(&all)).expect("valid JSON");
        let tags: Vec<&str> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["t"].as_str().unwrap())
            .collect();
        assert_eq!(
            tags,
            [
                "token",
                "send",
                "wait",
                "ok",
                "retry",
                "collect",
                "polled",
                "item",
                "progress",
                "finish",
                "return",
                "returnCollected",
                "returnItems",
                "fail"
            ]
        );
        assert_eq!(v[1]["body"], r#"{"a":"b"}"#);
        assert_eq!(v[2]["ms"], -1);
        assert_eq!(v[7]["item"]["error"]["kind"], "aborted");
        assert_eq!(v[7]["item"]["sub"], 4);
        assert_eq!(v[9]["result"]["jobStatus"], "Active");
        assert_eq!(v[13]["cause"], "signal");
        assert!(v[13].get("slot").is_none());
    }
}
