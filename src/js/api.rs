//! The exports, and the engine as the JS driver sees it. Every export takes one shared path:
//! read the arguments, build the operation, hand the engine to `drive`. Types are hand-written
//! in the package's `index.d.ts` (wasm-bindgen would type every argument as `any`).

use js_sys::{Array, JsString, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::args::{self, Options};
use super::platform;
use crate::engine::{self, Answer, Body, Op, Read};
use crate::error::ErrorData;
use crate::input::{self, InvalidArgument};
use crate::options::{self as o, Calls};
use crate::views::{self, BatchView, ErrorBody, HeaderView, JobView, PageView, Row};

/// The engine, driven from `glue.js`.
#[wasm_bindgen]
pub struct Machine {
    engine: engine::Machine<JsDates>,
}

/// The platform's dates for the engine: `Date.parse` and `toISOString`.
struct JsDates;

impl engine::Dates for JsDates {
    fn parse(&self, s: &str) -> Option<f64> {
        platform::parse_date(s)
    }
    fn format(&self, ms: f64) -> Option<String> {
        platform::iso_date(ms)
    }
}

/// Cells of an answer as the JS layer read them (see [`views`]): a string, or absent. Read from
/// the driver's array item by item, which needs no glue of its own for a list of JS values.
fn cells(v: &Array) -> Row {
    let mut row = Vec::with_capacity(v.length() as usize);
    for i in 0..v.length() {
        row.push(v.get(i).as_string());
    }
    row
}

#[wasm_bindgen]
impl Machine {
    /// What the token source gave: a string, `{ accessToken }` or `{ token }`; or, when it
    /// threw or rejected, `failed`, what went wrong. Returns the token to send, the caller's own
    /// string (it crosses back as the JS value it is), or `undefined` when there is none usable
    /// (the engine then fails the call).
    pub fn token(&mut self, value: JsValue, failed: JsValue, now: f64) -> JsValue {
        // Strings from the driver cross as JS values, read with `as_string` (one shared path).
        let found = match failed.as_string() {
            Some(message) => Err(message),
            None => usable_token(&value),
        };
        match found {
            Ok(t) => {
                self.engine.token(now);
                t.into()
            }
            Err(message) => {
                self.engine.token_failed(message, now);
                JsValue::UNDEFINED
            }
        }
    }

    /// An answer in `slot`: its cells in one list, `rows` of them the answer's own (see
    /// [`views::answer_rows`]), then `inner` of them its inner errors' (see [`views::inner_rows`]),
    /// then the `$batch` sub-responses' (see [`BatchView::from_cells`]; none when `subs` is false:
    /// there is no `responses` array); whether the body parsed, and the start of the body text.
    #[allow(clippy::too_many_arguments)]
    pub fn response(
        &mut self,
        slot: u32,
        status: u16,
        status_text: JsValue,
        all: Array,
        rows: u32,
        inner: u32,
        subs: bool,
        parsed: bool,
        head: JsValue,
        now: f64,
    ) {
        let Some(r) = self.engine.request(slot) else {
            return;
        };
        let (read, expect) = (r.read, r.expect);
        let all = cells(&all);
        let (answer, rest) = all.split_at((rows as usize).min(all.len()));
        let (inner, rest) = rest.split_at((inner as usize).min(rest.len()));
        let (top, job) = views::answer_rows(answer);
        let body = match read {
            _ if status != expect => {
                Body::Error(ErrorBody::from_row(top).error, views::inner_rows(inner))
            }
            _ if !parsed => Body::None,
            Read::Job => Body::Job(JobView::from_row(job)),
            Read::Page => Body::Page(PageView::from_row(top)),
            Read::Batch => Body::Batch(BatchView::from_cells(subs.then_some(rest))),
            Read::Nothing => Body::None,
        };
        let answer = Answer {
            status,
            status_text: status_text.as_string().unwrap_or_default(),
            headers: HeaderView::from_row(top),
            body,
            body_head: head.as_string(),
        };
        self.engine.response(slot, answer, now);
    }

    #[wasm_bindgen(js_name = noAnswer)]
    pub fn no_answer(&mut self, slot: u32, now: f64) {
        self.engine.no_answer(slot, now);
    }

    pub fn waited(&mut self, slot: u32, now: f64) {
        self.engine.waited(slot, now);
    }

    pub fn stopped(&mut self, aborted: bool, timed_out: bool, now: f64) {
        self.engine.stopped(aborted, timed_out, now);
    }

    /// The actions queued since the last call, as the JSON text of plain objects
    /// `{ t: "send", ... }`; a JS string made by one import (no return area to read it from).
    pub fn take(&mut self) -> JsValue {
        JsValue::from_str(&crate::wire::actions(&self.engine.take()))
    }
}

/// One documented rule: a string; else an object's `accessToken` or `token`, not both.
fn usable_token(value: &JsValue) -> Result<JsString, String> {
    // Own data properties only: a polluted Object.prototype.token must not count.
    let own = |k: &str| {
        value
            .is_object()
            .then(|| platform::own_value(value, k))
            .and_then(|v| v.dyn_into::<JsString>().ok())
    };
    let found = match (value.dyn_ref::<JsString>().cloned(), own("accessToken"), own("token")) {
        (Some(s), _, _) => s,
        (None, Some(_), Some(_)) => {
            return Err("The token source returned an object with both accessToken and token; return one of them.".into())
        }
        (None, Some(s), None) | (None, None, Some(s)) => s,
        _ => {
            return Err(
                "The token source gave no token: it must give a string, { accessToken } or { token }.".into(),
            )
        }
    };
    if !platform::well_formed(&found) {
        return Err("The token source gave a token that is not valid text.".into());
    }
    input::validate_token("token", &found.as_string().unwrap_or_default())
        .map_err(|e| ["The token source gave an unusable token: ", &e.message].concat())?;
    Ok(found)
}

/// What each export does with its arguments.
enum Shape {
    Job(&'static str),
    Jobs(&'static str),
    Sp,
}

/// The one path every export takes. A refused argument rejects at once and sends nothing.
fn call(
    shape: Shape,
    calls: Calls,
    token: JsValue,
    a: JsValue,
    b: JsValue,
    options: JsValue,
) -> Promise {
    match prepare(shape, calls, &token, &a, &b, &options) {
        Ok(p) => p,
        Err(e) => platform::reject(&crate::wire::error(&ErrorData::invalid_argument(e))),
    }
}

fn prepare(
    shape: Shape,
    calls: Calls,
    token: &JsValue,
    a: &JsValue,
    b: &JsValue,
    options: &JsValue,
) -> Result<Promise, InvalidArgument> {
    let (kind, get_token) = args::token_source(token)?;
    let opts: Options = args::options(options, calls)?;
    let op = match shape {
        Shape::Job(name) => {
            let (sp, job) = (args::id(a, "servicePrincipalId")?, args::id(b, "jobId")?);
            match name {
                "get" => Op::Get { sp, job },
                "wait" => args::wait(sp, job, &opts)?,
                _ => args::act(name, sp, job, &opts)?,
            }
        }
        Shape::Jobs(name) => args::bulk(name, a, &opts)?,
        Shape::Sp => Op::List {
            sp: args::id(a, "servicePrincipalId")?,
            pages: 0,
        },
    };
    let target = args::target(&opts)?;
    let scopes = args::scopes(&opts, &target)?;
    let client_request_id = args::client_request_id(&opts)?;
    let default_timeout = if calls == o::WAIT {
        o::DEFAULT_WAIT_TIMEOUT_MS
    } else {
        o::DEFAULT_TIMEOUT_MS
    };
    let timeout_ms = opts.number("timeoutMs").unwrap_or(default_timeout);
    let mut engine = engine::Machine::new(
        op,
        engine::Config {
            policy: args::policy(&opts),
            target,
            timeout_ms,
            refreshable: kind != "string",
            client_request_id: client_request_id.clone(),
            dates: JsDates,
            seed: (js_sys::Math::random() * 9.0e15) as u64,
        },
    );
    // The call begins: its deadline runs from now, and its first action is to get a token.
    engine.start(js_sys::Date::now());
    Ok(platform::drive(
        Machine { engine },
        kind,
        token,
        get_token.map_or(JsValue::UNDEFINED, JsValue::from),
        scopes,
        opts.js("signal"),
        timeout_ms,
        &client_request_id,
        opts.js("onRetry"),
        opts.js("onResponse"),
        opts.js("onProgress"),
        crate::error::MAX_BODY_CHARS as u32,
        views::TABLES,
    ))
}

/// The exports, one line each: the JS name, the Rust name, the arguments after the token, and
/// the shape and option set they take to [`call`].
macro_rules! exports {
    ($($(#[$doc:meta])* $js:ident => $rust:ident($($arg:ident),*) as $shape:expr, $calls:expr;)*) => {$(
        $(#[$doc])*
        #[wasm_bindgen(js_name = $js, skip_typescript)]
        pub fn $rust(token: JsValue, $($arg: JsValue,)* options: JsValue) -> Promise {
            let [a, b] = exports!(@pad $($arg),*);
            call($shape, $calls, token, a, b, options)
        }
    )*};
    (@pad $a:ident, $b:ident) => { [$a, $b] };
    (@pad $a:ident) => { [$a, JsValue::UNDEFINED] };
}

exports! {
    /// `GET .../jobs/{jobId}`: the job exactly as Graph sent it.
    getSynchronizationJob => get_synchronization_job(service_principal_id, job_id)
        as Shape::Job("get"), o::GET;
    /// `GET .../jobs`, following `@odata.nextLink`.
    listSynchronizationJobs => list_synchronization_jobs(service_principal_id)
        as Shape::Sp, o::LIST;
    /// Starts (or resumes) a job: `POST .../start`, 204.
    startSynchronizationJob => start_synchronization_job(service_principal_id, job_id)
        as Shape::Job("start"), o::ACT;
    /// Pauses a job: `POST .../pause`, 204.
    pauseSynchronizationJob => pause_synchronization_job(service_principal_id, job_id)
        as Shape::Job("pause"), o::ACT;
    /// Restarts a job: `POST .../restart` with the reset scopes asked for, 204.
    restartSynchronizationJob => restart_synchronization_job(service_principal_id, job_id)
        as Shape::Job("restart"), o::RESTART;
    /// Polls a job until `options.until` holds.
    waitForSynchronizationJob => wait_for_synchronization_job(service_principal_id, job_id)
        as Shape::Job("wait"), o::WAIT;
    /// Starts many jobs through `$batch`.
    startSynchronizationJobs => start_synchronization_jobs(jobs)
        as Shape::Jobs("start"), o::BULK;
    /// Pauses many jobs through `$batch`.
    pauseSynchronizationJobs => pause_synchronization_jobs(jobs)
        as Shape::Jobs("pause"), o::BULK;
    /// Restarts many jobs through `$batch`.
    restartSynchronizationJobs => restart_synchronization_jobs(jobs)
        as Shape::Jobs("restart"), o::BULK | o::RESTART;
}
