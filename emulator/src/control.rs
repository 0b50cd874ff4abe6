//! The control API under `/_emulator/`: reset, faults, throttling, job states, tokens, recordings.

use std::sync::atomic::Ordering;

use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use crate::app::App;
use crate::auth::Grants;
use crate::cli::{MAX_LATENCY_MS, MAX_PAGE_SIZE};
use crate::cycle::MAX_DURATION_MS;
use crate::model::{CycleSettings, JobStatusCode, Outcome, QuarantineReason};
use crate::parse::{from_json, segments};
use crate::respond::Reply;
use crate::store::Tenant;
use crate::sync::lock;
use crate::throttle::Limits;

fn bad_request(message: String) -> Reply {
    Reply::error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

fn json_reply(status: StatusCode, value: &Value) -> Reply {
    Reply::json(status, serde_json::to_vec(value).unwrap_or_default())
}

fn method_not_allowed(allow: &'static str) -> Reply {
    Reply::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )
    .with_header(
        hyper::header::ALLOW,
        hyper::header::HeaderValue::from_static(allow),
    )
}

/// Handles `/_emulator/...`; `path` is the raw path, `query` the raw query string.
pub fn handle(app: &App, method: &Method, path: &str, query: Option<&str>, body: &[u8]) -> Reply {
    let segs = segments(path);
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match (segs.as_slice(), method) {
        (["_emulator", "health"], &Method::GET) => {
            json_reply(StatusCode::OK, &serde_json::json!({"ok": true}))
        }
        (["_emulator", "health"], _) => method_not_allowed("GET"),
        (["_emulator", "reset"], &Method::POST) => {
            *lock(&app.tenant) = Tenant::new(&app.seed.service_principals);
            app.faults.clear();
            app.throttle.configure(None);
            app.tokens.clear_runtime();
            app.recorder.clear(true);
            *lock(&app.cycles) = app.settings.cycles();
            app.latency_ms
                .store(app.settings.latency_ms, Ordering::Relaxed);
            app.page_size
                .store(app.settings.page_size, Ordering::Relaxed);
            Reply::no_content()
        }
        (["_emulator", "reset"], _) => method_not_allowed("POST"),
        (["_emulator", "faults"], &Method::POST) => match crate::faults::parse_request(body) {
            Ok(request) => {
                let id = app.faults.push(request);
                json_reply(StatusCode::CREATED, &serde_json::json!({ "id": id }))
            }
            Err(message) => bad_request(message),
        },
        (["_emulator", "faults"], &Method::DELETE) => {
            app.faults.clear();
            Reply::no_content()
        }
        (["_emulator", "faults"], &Method::GET) => json_reply(
            StatusCode::OK,
            &serde_json::json!({ "faults": app.faults.list() }),
        ),
        (["_emulator", "faults"], _) => method_not_allowed("GET, POST, DELETE"),
        (["_emulator", "faults", id], &Method::DELETE) => {
            if app.faults.remove(id) {
                Reply::no_content()
            } else {
                Reply::error(
                    StatusCode::NOT_FOUND,
                    "Request_ResourceNotFound",
                    format!("No queued fault with id '{id}'."),
                )
            }
        }
        (["_emulator", "faults", _], _) => method_not_allowed("DELETE"),
        (["_emulator", "throttle"], &Method::POST) => match throttle_limits(body) {
            Ok(limits) => {
                app.throttle.configure(limits);
                Reply::no_content()
            }
            Err(message) => bad_request(message),
        },
        (["_emulator", "throttle"], &Method::DELETE) => {
            app.throttle.configure(None);
            Reply::no_content()
        }
        (["_emulator", "throttle"], _) => method_not_allowed("POST, DELETE"),
        (["_emulator", "cycles"], &Method::POST) => {
            let current = *lock(&app.cycles);
            match cycle_settings(body, current) {
                Ok(settings) => {
                    *lock(&app.cycles) = settings;
                    json_reply(StatusCode::OK, &serde_json::json!(settings))
                }
                Err(message) => bad_request(message),
            }
        }
        (["_emulator", "cycles"], &Method::GET) => {
            json_reply(StatusCode::OK, &serde_json::json!(*lock(&app.cycles)))
        }
        (["_emulator", "cycles"], _) => method_not_allowed("GET, POST"),
        (["_emulator", "latency"], &Method::POST) => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Latency {
                ms: u64,
            }
            match from_json::<Latency>(body) {
                Ok(l) if l.ms > MAX_LATENCY_MS => {
                    bad_request(format!("ms must be from 0 to {MAX_LATENCY_MS}"))
                }
                Ok(l) => {
                    app.latency_ms.store(l.ms, Ordering::Relaxed);
                    json_reply(StatusCode::OK, &serde_json::json!({ "ms": l.ms }))
                }
                Err(message) => bad_request(message),
            }
        }
        (["_emulator", "latency"], &Method::GET) => json_reply(
            StatusCode::OK,
            &serde_json::json!({ "ms": app.latency_ms.load(Ordering::Relaxed) }),
        ),
        (["_emulator", "latency"], _) => method_not_allowed("GET, POST"),
        (["_emulator", "paging"], &Method::POST) => {
            #[derive(Deserialize)]
            #[serde(rename_all = "camelCase", deny_unknown_fields)]
            struct Paging {
                page_size: Option<u64>,
            }
            match from_json::<Paging>(body) {
                Ok(Paging { page_size: Some(n) }) if !(1..=MAX_PAGE_SIZE).contains(&n) => {
                    bad_request(format!(
                        "pageSize must be from 1 to {MAX_PAGE_SIZE}, or null for one page"
                    ))
                }
                Ok(p) => {
                    app.page_size
                        .store(p.page_size.unwrap_or(0), Ordering::Relaxed);
                    paging_reply(app)
                }
                Err(message) => bad_request(message),
            }
        }
        (["_emulator", "paging"], &Method::GET) => paging_reply(app),
        (["_emulator", "paging"], _) => method_not_allowed("GET, POST"),
        (["_emulator", "servicePrincipals", sp, "jobs", job], &Method::PUT) => {
            set_job(app, sp, job, body)
        }
        (["_emulator", "servicePrincipals", _, "jobs", _], _) => method_not_allowed("PUT"),
        (["_emulator", "tokens"], &Method::POST) => {
            #[derive(Deserialize)]
            #[serde(deny_unknown_fields)]
            struct Token {
                token: String,
                scopes: Vec<String>,
            }
            match from_json::<Token>(body) {
                Ok(t) if t.token.is_empty() || t.token.chars().any(char::is_whitespace) => {
                    bad_request("token must be non-empty without whitespace".to_owned())
                }
                Ok(t) => {
                    app.tokens.register(t.token, Grants::from_scopes(&t.scopes));
                    Reply::no_content()
                }
                Err(message) => bad_request(message),
            }
        }
        (["_emulator", "tokens"], _) => method_not_allowed("POST"),
        (["_emulator", "requests"], &Method::GET) => {
            let filter = query.and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "pathContains")
                    .map(|(_, v)| v.into_owned())
            });
            Reply::json(StatusCode::OK, app.recorder.to_json(filter.as_deref()))
        }
        (["_emulator", "requests"], &Method::DELETE) => {
            app.recorder.clear(false);
            Reply::no_content()
        }
        (["_emulator", "requests"], _) => method_not_allowed("GET, DELETE"),
        _ => Reply::error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!("No emulator control route at '{path}'. See the README's control API section."),
        ),
    }
}

/// `{"pageSize":N}`, or `{"pageSize":null}` when paging is off.
fn paging_reply(app: &App) -> Reply {
    let size = app.page_size.load(Ordering::Relaxed);
    let size = (size > 0).then_some(size);
    json_reply(StatusCode::OK, &serde_json::json!({ "pageSize": size }))
}

/// `{"requestsPerSecond":R,"burst":B}`; `null` rate turns throttling off.
fn throttle_limits(body: &[u8]) -> Result<Option<Limits>, String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Throttle {
        requests_per_second: Option<f64>,
        #[serde(default)]
        burst: Option<f64>,
    }
    let t: Throttle = from_json(body)?;
    let Some(rate) = t.requests_per_second else {
        return Ok(None);
    };
    if !(rate.is_finite() && rate > 0.0) {
        return Err(
            "requestsPerSecond must be a positive number, or null to turn throttling off"
                .to_owned(),
        );
    }
    let burst = match t.burst {
        Some(b) if !(b.is_finite() && b >= 1.0) => {
            return Err("burst must be a number of at least 1".to_owned())
        }
        Some(b) => b,
        None => rate.max(1.0),
    };
    Ok(Some(Limits { rate, burst }))
}

/// `{"durationMs":N,"outcome":"..."}`, each optional: what is left out keeps its value in `base`.
fn cycle_settings(body: &[u8], base: CycleSettings) -> Result<CycleSettings, String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Cycles {
        #[serde(default)]
        duration_ms: Option<u64>,
        #[serde(default)]
        outcome: Option<Outcome>,
    }
    let c: Cycles = from_json(body)?;
    cycles_from(c.duration_ms, c.outcome, base)
}

fn cycles_from(
    duration_ms: Option<u64>,
    outcome: Option<Outcome>,
    base: CycleSettings,
) -> Result<CycleSettings, String> {
    let duration_ms = duration_ms.unwrap_or(base.duration_ms);
    if duration_ms > MAX_DURATION_MS {
        return Err(format!(
            "durationMs must be from 0 to {MAX_DURATION_MS} (one day)"
        ));
    }
    Ok(CycleSettings {
        duration_ms,
        outcome: outcome.unwrap_or(base.outcome),
    })
}

fn set_job(app: &App, sp: &str, job: &str, body: &[u8]) -> Reply {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct SetJob {
        #[serde(default)]
        code: Option<JobStatusCode>,
        #[serde(default)]
        quarantine_reason: Option<QuarantineReason>,
        /// Absent: unchanged; `null`: back to the emulator-wide settings.
        #[serde(default, deserialize_with = "present")]
        cycle: Option<Option<JobCycle>>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct JobCycle {
        #[serde(default)]
        duration_ms: Option<u64>,
        #[serde(default)]
        outcome: Option<Outcome>,
    }
    let set: SetJob = match from_json(body) {
        Ok(set) => set,
        Err(message) => return bad_request(message),
    };
    if sp.is_empty() || job.is_empty() {
        return bad_request("service principal and job ids must not be empty".to_owned());
    }
    if set.code.is_none() && set.cycle.is_none() {
        return bad_request("the body needs code, cycle or both".to_owned());
    }
    let defaults = *lock(&app.cycles);
    let cycle = match set.cycle {
        None => None,
        Some(None) => Some(None),
        Some(Some(c)) => match cycles_from(c.duration_ms, c.outcome, defaults) {
            Ok(settings) => Some(Some(settings)),
            Err(message) => return bad_request(format!("cycle: {message}")),
        },
    };
    let reason = set
        .quarantine_reason
        .unwrap_or(QuarantineReason::TooManyDeletes);
    let now = crate::clock::now_ms();
    let updated = lock(&app.tenant).force_status(sp, job, set.code, reason, cycle, now);
    Reply::json(
        StatusCode::OK,
        serde_json::to_vec(&updated).unwrap_or_default(),
    )
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`, via `default`).
fn present<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_body_validation() {
        assert_eq!(throttle_limits(br#"{"requestsPerSecond":null}"#), Ok(None));
        assert_eq!(
            throttle_limits(br#"{"requestsPerSecond":5}"#),
            Ok(Some(Limits {
                rate: 5.0,
                burst: 5.0
            }))
        );
        assert_eq!(
            throttle_limits(br#"{"requestsPerSecond":0.5}"#),
            Ok(Some(Limits {
                rate: 0.5,
                burst: 1.0
            }))
        );
        assert!(throttle_limits(br#"{"requestsPerSecond":0}"#).is_err());
        assert!(throttle_limits(br#"{"requestsPerSecond":2,"burst":0.5}"#).is_err());
        assert!(throttle_limits(b"{").is_err());
    }

    #[test]
    fn cycle_body_validation() {
        let base = CycleSettings {
            duration_ms: 3000,
            outcome: Outcome::Succeeded,
        };
        assert_eq!(
            cycle_settings(br#"{"outcome":"entryLevelErrors"}"#, base),
            Ok(CycleSettings {
                duration_ms: 3000,
                outcome: Outcome::EntryLevelErrors
            })
        );
        assert_eq!(
            cycle_settings(br#"{"durationMs":0,"outcome":"quarantine"}"#, base),
            Ok(CycleSettings {
                duration_ms: 0,
                outcome: Outcome::Quarantine
            })
        );
        for bad in [
            r#"{"durationMs":-1}"#,
            r#"{"durationMs":86400001}"#,
            r#"{"outcome":"Succeeded"}"#,
            r#"{"outcome":"exploded"}"#,
            r#"{"durationsMs":1}"#,
        ] {
            assert!(cycle_settings(bad.as_bytes(), base).is_err(), "{bad}");
        }
    }
}
