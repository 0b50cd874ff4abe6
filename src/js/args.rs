//! Reading the caller's arguments: own properties only, through the option table in
//! [`crate::options`]; every value checked before anything is sent.

use js_sys::{Array, Function, JsString};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::platform;
use crate::engine::{Bulk, JobAction, Op, Target, Wait};
use crate::input::{self, ApiVersion, InvalidArgument};
use crate::options::{self as o, Calls, Kind, Opt, Until, OPTIONS, RETRY};
use crate::retry::RetryPolicy;

/// The caller's options, read and checked.
#[derive(Default)]
pub struct Options {
    values: Vec<(&'static str, JsValue)>,
    retry: Vec<(&'static str, JsValue)>,
}

impl Options {
    fn get(&self, name: &str) -> Option<&JsValue> {
        self.values.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).and_then(JsValue::as_string)
    }
    pub fn number(&self, name: &str) -> Option<f64> {
        self.get(name).and_then(JsValue::as_f64)
    }
    pub fn js(&self, name: &str) -> JsValue {
        self.get(name).cloned().unwrap_or(JsValue::UNDEFINED)
    }
    /// A list option: `check` made it an array of strings.
    fn list(&self, name: &str) -> Option<Vec<String>> {
        let a: &Array = self.get(name)?.unchecked_ref();
        let mut out = Vec::new();
        for i in 0..a.length() {
            out.extend(a.get(i).as_string());
        }
        Some(out)
    }
}

/// A string argument that is well-formed UTF-16 (a lone surrogate would be sent as U+FFFD).
fn string(v: &JsValue, argument: &'static str) -> Result<String, InvalidArgument> {
    let s = v
        .dyn_ref::<JsString>()
        .ok_or_else(|| InvalidArgument::problem(argument, "must be a string"))?;
    if !platform::well_formed(s) {
        return Err(InvalidArgument::problem(
            argument,
            "contains a lone surrogate (not valid Unicode text)",
        ));
    }
    // `as_string`, the one path every string from JS takes (it is one here); `String::from` would
    // bring js-sys's throwing path of its own.
    Ok(s.as_string().unwrap_or_default())
}

/// Own enumerable properties of a plain object, as (name, value); `undefined` values left out.
/// Only own properties are read: a polluted `Object.prototype` changes nothing. A getter that
/// throws is refused, named by `name_of`.
fn own(
    v: &JsValue,
    argument: &'static str,
    name_of: impl Fn(&str) -> &'static str,
) -> Result<Vec<(String, JsValue)>, InvalidArgument> {
    let entries = platform::own_entries(v);
    if let Some(problem) = entries.as_string() {
        return Err(InvalidArgument::problem(argument, &problem));
    }
    let a: Array = entries.unchecked_into();
    let n = a.length();
    if n % 2 == 1 {
        let key = a.get(n - 1).as_string().unwrap_or_default();
        return Err(InvalidArgument::problem(
            name_of(&key),
            "could not be read (its getter threw)",
        ));
    }
    // A plain loop: at `opt-level = "z"` a `step_by` chain stays a chain of calls.
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        out.push((a.get(i).as_string().unwrap_or_default(), a.get(i + 1)));
        i += 2;
    }
    Ok(out)
}

fn check(opt: &Opt, v: JsValue) -> Result<JsValue, InvalidArgument> {
    let path = opt.path;
    match opt.kind {
        Kind::Text => string(&v, path).map(|_| v),
        Kind::Number { .. } => {
            let n = v
                .as_f64()
                .ok_or_else(|| InvalidArgument::problem(path, "must be a number"))?;
            o::check(opt, n).map(|_| v)
        }
        Kind::Function if v.is_function() => Ok(v),
        Kind::Function => Err(InvalidArgument::problem(path, "must be a function")),
        // Whether it works as an AbortSignal is tried (safely) when the call begins.
        Kind::Signal if v.is_object() => Ok(v),
        Kind::Signal => Err(InvalidArgument::problem(path, "must be an AbortSignal")),
        Kind::List => {
            let items = list(&v, 64, path, "must be an array of strings")?;
            for i in 0..items.length() {
                string(&items.get(i), path)?;
            }
            Ok(items.into())
        }
        Kind::Group(_) => Ok(v),
    }
}

/// A copy of an array argument's items, read safely (a Proxy or a throwing getter is refused).
fn list(
    v: &JsValue,
    max: u32,
    argument: &'static str,
    not_array: &str,
) -> Result<Array, InvalidArgument> {
    let copy = platform::list_of(v, max);
    if copy.is_null() {
        let limit = [
            "has more than ",
            &crate::text::decimal(u64::from(max)),
            " items or could not be read",
        ]
        .concat();
        return Err(InvalidArgument::problem(argument, &limit));
    }
    if !Array::is_array(&copy) {
        return Err(InvalidArgument::problem(argument, not_array));
    }
    Ok(copy.unchecked_into())
}

fn read_table(
    v: &JsValue,
    table: &'static [Opt],
    prefix: &'static str,
    calls: Calls,
) -> Result<Vec<(&'static str, JsValue)>, InvalidArgument> {
    let mut out = Vec::new();
    for (name, value) in own(v, prefix, |n| {
        o::find(table, n, calls).map_or(prefix, |o| o.path)
    })? {
        let opt =
            o::find(table, &name, calls).ok_or_else(|| o::unknown(table, prefix, &name, calls))?;
        out.push((opt.name, check(opt, value)?));
    }
    Ok(out)
}

pub fn options(v: &JsValue, calls: Calls) -> Result<Options, InvalidArgument> {
    let values = read_table(v, OPTIONS, "options", calls)?;
    let retry = match values.iter().find(|(n, _)| *n == "retry") {
        Some((_, r)) => read_table(r, RETRY, "options.retry", calls)?,
        None => Vec::new(),
    };
    Ok(Options { values, retry })
}

pub fn id(v: &JsValue, argument: &'static str) -> Result<String, InvalidArgument> {
    let s = string(v, argument)?;
    input::validate_id(argument, &s)?;
    Ok(s)
}

/// Where the token comes from: `[kind, source, getToken]` for the JS driver.
pub fn token_source(token: &JsValue) -> Result<(&'static str, Option<Function>), InvalidArgument> {
    if token.is_string() {
        let s = string(token, "token")?;
        input::validate_token("token", &s)?;
        return Ok(("string", None));
    }
    if token.is_function() {
        return Ok(("function", None));
    }
    if token.is_object() {
        // A credential is usually a class instance: getToken may come from its class.
        let get = platform::get_token_of(token);
        if get.is_null() {
            return Err(InvalidArgument::problem(
                "token",
                "could not be read (a getter or proxy threw)",
            ));
        }
        if let Some(f) = get.dyn_ref::<Function>() {
            return Ok(("credential", Some(f.clone())));
        }
    }
    Err(InvalidArgument::new(
        "token",
        "token must be a string, a function returning one (or a promise of one), or a credential with getToken(scopes)",
    ))
}

/// The Graph root and version, the retry policy and the deadline from the options.
pub fn target(opts: &Options) -> Result<Target, InvalidArgument> {
    let base = input::resolve_base_url(
        opts.text("baseUrl").as_deref(),
        opts.text("cloud").as_deref(),
    )?;
    let version = match opts.text("apiVersion") {
        Some(v) => ApiVersion::parse(&v)?,
        None => ApiVersion::default(),
    };
    Ok(Target { base, version })
}

pub fn policy(opts: &Options) -> RetryPolicy {
    let d = RetryPolicy::default();
    let n = |name: &str| {
        opts.retry
            .iter()
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.as_f64())
    };
    RetryPolicy {
        max_retries: n("maxRetries").map_or(d.max_retries, |v| v as u32),
        max_delay_ms: n("maxDelayMs").unwrap_or(d.max_delay_ms),
        base_delay_ms: n("baseDelayMs").unwrap_or(d.base_delay_ms),
    }
}

pub fn client_request_id(opts: &Options) -> Result<String, InvalidArgument> {
    match opts.text("clientRequestId") {
        Some(c) => input::validate_client_request_id(&c).map(|_| c),
        None => Ok(platform::new_client_request_id()),
    }
}

/// The scopes a credential is asked for: `options.scopes` (the array `check` copied), else
/// `{root}/.default`, handed over as one string that the driver puts in an array.
pub fn scopes(opts: &Options, target: &Target) -> Result<JsValue, InvalidArgument> {
    match opts.list("scopes") {
        Some(list) => {
            if list.is_empty()
                || list
                    .iter()
                    .any(|s| s.is_empty() || s.len() > 512 || s.chars().any(char::is_control))
            {
                return Err(InvalidArgument::new(
                    "options.scopes",
                    "options.scopes must be 1-64 non-empty scope strings without control characters",
                ));
            }
            Ok(opts.js("scopes"))
        }
        None => Ok(JsValue::from_str(&input::default_scope(&target.base))),
    }
}

/// A list option of names, each one of `allowed` (see [`o::check_names`]).
fn names(
    opts: &Options,
    name: &str,
    argument: &'static str,
    allowed: &'static [&'static str],
) -> Result<Option<Vec<&'static str>>, InvalidArgument> {
    match opts.list(name) {
        Some(l) => o::check_names(argument, &l, allowed).map(Some),
        None => Ok(None),
    }
}

fn if_status(opts: &Options) -> Result<Option<Vec<&'static str>>, InvalidArgument> {
    names(opts, "ifStatus", "options.ifStatus", o::STATUS_CODES)
}

pub fn job_action(name: &str, opts: &Options) -> Result<JobAction, InvalidArgument> {
    Ok(match name {
        "start" => JobAction::Start,
        "pause" => JobAction::Pause,
        _ => JobAction::Restart(
            names(opts, "resetScope", "options.resetScope", o::RESET_SCOPES)?
                .map(|names| crate::text::join(&names, ", ")),
        ),
    })
}

pub fn act(name: &str, sp: String, job: String, opts: &Options) -> Result<Op, InvalidArgument> {
    Ok(Op::Act {
        sp,
        job,
        action: job_action(name, opts)?,
        if_status: if_status(opts)?,
        read: None,
    })
}

pub fn wait(sp: String, job: String, opts: &Options) -> Result<Op, InvalidArgument> {
    let until = opts
        .text("until")
        .map(|u| Until::parse(&u))
        .transpose()?
        .unwrap_or_default();
    let interval = opts
        .number("pollIntervalMs")
        .unwrap_or(o::DEFAULT_POLL_INTERVAL_MS);
    Ok(Op::Wait(Wait::new(sp, job, until, interval)))
}

/// Most jobs one bulk call takes.
const MAX_JOBS: u32 = 100_000;

pub fn bulk(name: &str, jobs: &JsValue, opts: &Options) -> Result<Op, InvalidArgument> {
    let arr = list(
        jobs,
        MAX_JOBS,
        "jobs",
        "must be an array of { servicePrincipalId, jobId }",
    )?;
    let mut pairs = Vec::with_capacity(arr.length() as usize);
    for i in 0..arr.length() {
        let item = arr.get(i);
        let at = |e: InvalidArgument| {
            InvalidArgument::new(
                "jobs",
                ["jobs[", &crate::text::decimal(i as u64), "]: ", &e.message].concat(),
            )
        };
        let props = own(&item, "item", |_| "item").map_err(at)?;
        const SP: &str = "servicePrincipalId";
        const JOB: &str = "jobId";
        let (mut sp, mut job) = (JsValue::UNDEFINED, JsValue::UNDEFINED);
        for (k, v) in &props {
            match k.as_str() {
                SP => sp = v.clone(),
                JOB => job = v.clone(),
                _ => {
                    // The field whose length is nearer (a tie goes to servicePrincipalId).
                    let nearest = if k.len().abs_diff(SP.len()) <= k.len().abs_diff(JOB.len()) {
                        SP
                    } else {
                        JOB
                    };
                    let shown = crate::text::prefix(k, 64);
                    return Err(at(InvalidArgument::new(
                        "jobs",
                        [
                            shown,
                            " is not a field of a job; did you mean ",
                            nearest,
                            "?",
                        ]
                        .concat(),
                    )));
                }
            }
        }
        pairs.push((id(&sp, SP).map_err(at)?, id(&job, JOB).map_err(at)?));
    }
    let concurrency = opts
        .number("concurrency")
        .map_or(o::DEFAULT_CONCURRENCY, |c| c as usize);
    Ok(Op::Bulk(Bulk::new(
        job_action(name, opts)?,
        if_status(opts)?,
        concurrency,
        pairs,
    )))
}
