//! The engine's decisions, with plain values: no wasm build, no server.

use super::*;
use crate::views::{from_json, ErrorBody, SubResponseView};

const BASE: &str = "https://graph.microsoft.com";
const SP: &str = "3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d";
const JOB: &str = "AppTemplate.e4bbf44533ea4eabb17027f3a92e92aa";

fn machine(op: Op, refreshable: bool, timeout_ms: f64) -> Machine<RustDates> {
    Machine::new(
        op,
        Config {
            target: Target {
                base: BASE.into(),
                version: ApiVersion::Beta,
            },
            policy: RetryPolicy::default(),
            timeout_ms,
            refreshable,
            client_request_id: "crid-1".into(),
            dates: RustDates,
            seed: 7,
        },
    )
}

fn act(action: JobAction, if_status: Option<Vec<&'static str>>) -> Op {
    Op::Act {
        sp: SP.into(),
        job: JOB.into(),
        action,
        if_status,
        read: None,
    }
}

/// Starts the machine and hands it a token: the actions that follow.
fn begin(m: &mut Machine<RustDates>) -> Vec<Action> {
    m.start(0.0);
    assert_eq!(m.take(), [Action::Token]);
    m.token(0.0);
    m.take()
}

fn answer(status: u16, headers: &str, body: &str, read: Read) -> Answer {
    Answer {
        status,
        status_text: String::new(),
        headers: from_json(headers),
        body: match read {
            Read::Job => Body::Job(from_json(body)),
            Read::Page => Body::Page(from_json(body)),
            Read::Batch => Body::Batch(from_json(body)),
            Read::Nothing => Body::Error(from_json::<ErrorBody>(body).error, vec![]),
        },
        body_head: Some(body.into()),
    }
}

fn error_answer(status: u16, headers: &str, body: &str) -> Answer {
    answer(status, headers, body, Read::Nothing)
}

fn sends(actions: &[Action]) -> Vec<(u32, &'static str, String, Option<String>)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send {
                slot,
                method,
                url,
                body,
                ..
            } => Some((*slot, *method, url.clone(), body.clone())),
            _ => None,
        })
        .collect()
}

fn failure(actions: &[Action]) -> &ErrorData {
    actions
        .iter()
        .find_map(|a| match a {
            Action::Fail { error, .. } => Some(error),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no Fail in {actions:?}"))
}

fn job_url(suffix: &str) -> String {
    [
        BASE,
        "/beta/servicePrincipals/",
        SP,
        "/synchronization/jobs/",
        JOB,
        suffix,
    ]
    .concat()
}

#[test]
fn urls_for_both_versions_and_any_root() {
    let sp = "3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d";
    let job = "salesforce.e4bbf44533ea4eabb17027f3a92e92aa";
    let beta = Target {
        base: "https://graph.microsoft.com".into(),
        version: ApiVersion::Beta,
    };
    assert_eq!(
        beta.url(&job_path(sp, Some(job), "/start")),
        [
            "https://graph.microsoft.com/beta/servicePrincipals/",
            sp,
            "/synchronization/jobs/",
            job,
            "/start"
        ]
        .concat()
    );
    let v1 = Target {
        base: "http://127.0.0.1:9".into(),
        version: ApiVersion::V1,
    };
    assert_eq!(
        v1.url(&job_path(sp, Some(job), "/start")),
        [
            "http://127.0.0.1:9/v1.0/servicePrincipals/",
            sp,
            "/synchronization/jobs/",
            job,
            "/start"
        ]
        .concat()
    );
    assert_eq!(
        v1.url(&job_path(sp, None, "")),
        [
            "http://127.0.0.1:9/v1.0/servicePrincipals/",
            sp,
            "/synchronization/jobs"
        ]
        .concat()
    );
}

#[test]
fn start_sends_one_post_and_finishes_on_204() {
    let mut m = machine(act(JobAction::Start, None), false, 120_000.0);
    let a = begin(&mut m);
    assert_eq!(sends(&a), [(0, "POST", job_url("/start"), None)]);
    m.response(0, error_answer(204, r#"{"request-id":"r-1"}"#, ""), 10.0);
    let done = m.take();
    assert_eq!(
        done,
        [
            Action::Ok {
                slot: 0,
                status: 204,
                request_id: Some("r-1".into()),
                attempts: 1
            },
            Action::Finish {
                result: ActionResult {
                    skipped: false,
                    status: Some(204),
                    request_id: Some("r-1".into()),
                    client_request_id: "crid-1".into(),
                    attempts: 1,
                    job_status: None,
                }
            }
        ]
    );
    assert!(m.is_finished());
}

#[test]
fn each_operation_has_its_own_success_status() {
    // A 200 is no success for start; a 204 is no success for a read.
    let mut m = machine(act(JobAction::Pause, None), false, 120_000.0);
    assert_eq!(sends(&begin(&mut m))[0].2, job_url("/pause"));
    m.response(0, error_answer(200, "{}", "{}"), 1.0);
    let e = failure(&m.take()).clone();
    assert_eq!((e.kind, e.status), (ErrorKind::Http, 200));
    assert!(e.message.contains("expects 204"), "{}", e.message);

    let mut g = machine(
        Op::Get {
            sp: SP.into(),
            job: JOB.into(),
        },
        false,
        120_000.0,
    );
    assert_eq!(sends(&begin(&mut g)), [(0, "GET", job_url(""), None)]);
    g.response(0, error_answer(204, "{}", ""), 1.0);
    let e = failure(&g.take()).clone();
    assert!(e.message.contains("expects 200 OK"), "{}", e.message);

    let mut g = machine(
        Op::Get {
            sp: SP.into(),
            job: JOB.into(),
        },
        false,
        120_000.0,
    );
    begin(&mut g);
    g.response(
        0,
        answer(
            200,
            "{}",
            r#"{"id":"x","status":{"code":"Paused"}}"#,
            Read::Job,
        ),
        1.0,
    );
    assert_eq!(g.take().last(), Some(&Action::Return { slot: 0 }));
}

#[test]
fn restart_sends_its_criteria_or_no_body() {
    let scoped = JobAction::Restart(Some("Watermark, Escrows".into()));
    let mut m = machine(act(scoped, None), false, 120_000.0);
    let a = begin(&mut m);
    assert_eq!(
        sends(&a),
        [(
            0,
            "POST",
            job_url("/restart"),
            Some(r#"{"criteria":{"resetScope":"Watermark, Escrows"}}"#.into())
        )]
    );
    let mut m = machine(act(JobAction::Restart(None), None), false, 120_000.0);
    assert_eq!(sends(&begin(&mut m))[0].3, None);
}

#[test]
fn one_token_refresh_on_401_for_refreshable_sources_only() {
    let unauthorized = || {
        error_answer(
            401,
            "{}",
            r#"{"error":{"code":"InvalidAuthenticationToken","message":"expired"}}"#,
        )
    };
    let mut m = machine(act(JobAction::Start, None), true, 120_000.0);
    begin(&mut m);
    m.response(0, unauthorized(), 1.0);
    assert_eq!(
        m.take(),
        [Action::Token],
        "asks for a fresh token, sends nothing yet"
    );
    m.token(2.0);
    assert_eq!(
        sends(&m.take()).len(),
        1,
        "sends again with the fresh token"
    );
    m.response(0, unauthorized(), 3.0);
    let e = failure(&m.take()).clone();
    assert_eq!((e.status, e.attempts), (401, 2), "a second 401 is final");

    let mut fixed = machine(act(JobAction::Start, None), false, 120_000.0);
    begin(&mut fixed);
    fixed.response(0, unauthorized(), 1.0);
    assert_eq!(
        failure(&fixed.take()).status,
        401,
        "a string token cannot be refreshed"
    );
}

#[test]
fn token_failure_is_kind_token_with_the_source_as_cause() {
    let mut m = machine(act(JobAction::Start, None), true, 120_000.0);
    m.start(0.0);
    m.take();
    m.token_failed("The token function failed: nope".into(), 5.0);
    let a = m.take();
    assert!(
        matches!(
            &a[..],
            [Action::Fail {
                cause: Cause::Token,
                slot: None,
                ..
            }]
        ),
        "{a:?}"
    );
    let e = failure(&a);
    assert_eq!(
        (e.kind, e.attempts, e.client_request_id.as_deref()),
        (ErrorKind::Token, 0, Some("crid-1"))
    );
    assert_eq!(e.date.as_deref(), Some("1970-01-01T00:00:00.005Z"));
}

#[test]
fn throttling_waits_what_retry_after_says_then_succeeds() {
    let mut m = machine(act(JobAction::Start, None), false, 120_000.0);
    begin(&mut m);
    m.response(
        0,
        error_answer(
            429,
            r#"{"retry-after":"2.5"}"#,
            r#"{"error":{"code":"TooManyRequests","message":"slow"}}"#,
        ),
        100.0,
    );
    let a = m.take();
    assert!(
        matches!(&a[0], Action::Retry { slot: 0, attempt: 1, delay_ms, error, .. } if *delay_ms == 2500.0 && error.status == 429)
    );
    assert_eq!(
        a[1],
        Action::Wait {
            slot: 0,
            ms: 2500.0
        }
    );
    m.waited(0, 2600.0);
    assert_eq!(sends(&m.take()).len(), 1);
    m.response(0, error_answer(204, "{}", ""), 2700.0);
    assert!(matches!(m.take().last(), Some(Action::Finish { result }) if result.attempts == 2));
}

#[test]
fn retries_stop_at_max_retries_and_at_the_deadline() {
    let unavailable = || error_answer(503, "{}", "");
    let mut m = machine(act(JobAction::Start, None), false, 120_000.0);
    begin(&mut m);
    for i in 0..3 {
        m.response(0, unavailable(), 1.0);
        let a = m.take();
        assert!(
            matches!(a.last(), Some(Action::Wait { .. })),
            "retry {i}: {a:?}"
        );
        m.waited(0, 2.0);
        m.take();
    }
    m.response(0, unavailable(), 3.0);
    assert_eq!(failure(&m.take()).attempts, 4, "1 + maxRetries 3");

    // A Retry-After that ends past the deadline gives up at once with the 429.
    let mut m = machine(act(JobAction::Start, None), false, 5_000.0);
    begin(&mut m);
    m.response(0, error_answer(429, r#"{"retry-after":"10"}"#, ""), 100.0);
    let e = failure(&m.take()).clone();
    assert_eq!((e.status, e.retry_after_ms), (429, Some(10_000.0)));

    // What is left of the deadline shrinks with time: the same wait fits early, not late.
    let mut m = machine(act(JobAction::Start, None), false, 5_000.0);
    begin(&mut m);
    m.response(0, error_answer(429, r#"{"retry-after":"1"}"#, ""), 3_000.0);
    assert!(matches!(m.take().last(), Some(Action::Wait { ms, .. }) if *ms == 1000.0));
    m.waited(0, 4_000.0);
    m.take();
    m.response(0, error_answer(429, r#"{"retry-after":"1"}"#, ""), 4_500.0);
    assert_eq!(failure(&m.take()).status, 429);
}

#[test]
fn network_failures_are_retried_and_keep_the_platform_error() {
    let mut m = machine(act(JobAction::Start, None), false, 120_000.0);
    begin(&mut m);
    m.no_answer(0, 1.0);
    assert!(matches!(m.take().last(), Some(Action::Wait { .. })));
    for _ in 0..3 {
        m.waited(0, 2.0);
        m.take();
        m.no_answer(0, 3.0);
        m.take();
    }
    let mut m = machine(act(JobAction::Start, None), false, 120_000.0);
    m.policy.max_retries = 0;
    begin(&mut m);
    m.no_answer(0, 1.0);
    let a = m.take();
    assert!(
        matches!(&a[..], [Action::Fail { cause: Cause::Network, slot: Some(0), error }] if error.kind == ErrorKind::Network && error.attempts == 1)
    );
}

#[test]
fn abort_wins_over_timeout_and_timeout_carries_the_last_failure() {
    let mut m = machine(act(JobAction::Start, None), false, 120_000.0);
    begin(&mut m);
    m.stopped(true, true, 50.0);
    let a = m.take();
    assert!(
        matches!(&a[..], [Action::Fail { cause: Cause::Signal, error, .. }] if error.kind == ErrorKind::Aborted && error.attempts == 1)
    );

    let mut m = machine(act(JobAction::Start, None), false, 120_000.0);
    begin(&mut m);
    m.stopped(false, true, 50.0);
    let a = m.take();
    assert!(
        matches!(&a[..], [Action::Fail { cause: Cause::Last, error, .. }] if error.kind == ErrorKind::Timeout && error.message.contains("120000 ms"))
    );

    // Nothing after the end: a late answer or stop changes nothing.
    m.response(0, error_answer(204, "{}", ""), 60.0);
    m.stopped(true, false, 70.0);
    assert!(m.take().is_empty());
}

#[test]
fn errors_carry_attempts_ids_and_the_calls_client_request_id() {
    let mut m = machine(act(JobAction::Start, None), false, 120_000.0);
    begin(&mut m);
    m.response(0, error_answer(403, r#"{"request-id":"req-9"}"#, r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#), 1.0);
    let e = failure(&m.take()).clone();
    assert_eq!(e.code, "Authorization_RequestDenied");
    assert_eq!(e.request_id.as_deref(), Some("req-9"));
    assert_eq!(e.client_request_id.as_deref(), Some("crid-1"));
    assert_eq!(e.attempts, 1);
    assert_eq!(e.hint, Some(error::HINT_FORBIDDEN));
    assert!(e.date.is_some(), "dated even without a Date header");
}

#[test]
fn a_404_naming_the_service_principal_hints_at_the_object_id() {
    let mut m = machine(act(JobAction::Start, None), false, 120_000.0);
    begin(&mut m);
    let body = [
        r#"{"error":{"code":"Request_ResourceNotFound","message":"Resource '"#,
        SP,
        r#"' does not exist."}}"#,
    ]
    .concat();
    m.response(0, error_answer(404, "{}", &body), 1.0);
    assert_eq!(failure(&m.take()).hint, Some(error::HINT_SP_NOT_FOUND));
}

#[test]
fn redirects_are_errors_not_followed() {
    for status in [301, 302, 303, 307, 308] {
        let mut m = machine(act(JobAction::Start, None), false, 120_000.0);
        begin(&mut m);
        m.response(
            0,
            error_answer(status, r#"{"location":"/beta/other/start"}"#, ""),
            1.0,
        );
        let a = m.take();
        let e = failure(&a);
        assert_eq!((e.kind, e.status, e.attempts), (ErrorKind::Http, status, 1));
        assert!(sends(&a).is_empty(), "nothing followed");
    }
}

#[test]
fn if_status_reads_first_and_acts_only_in_a_listed_state() {
    let mut m = machine(
        act(JobAction::Start, Some(vec!["Paused", "Quarantine"])),
        false,
        120_000.0,
    );
    assert_eq!(sends(&begin(&mut m)), [(0, "GET", job_url(""), None)]);
    m.response(
        0,
        answer(200, "{}", r#"{"status":{"code":"Quarantine"}}"#, Read::Job),
        1.0,
    );
    let a = m.take();
    assert_eq!(sends(&a), [(0, "POST", job_url("/start"), None)]);
    m.response(0, error_answer(204, "{}", ""), 2.0);
    // The result says what the read found, as when it skips.
    assert!(
        matches!(m.take().last(), Some(Action::Finish { result }) if !result.skipped && result.attempts == 2 && result.job_status.as_deref() == Some("Quarantine"))
    );

    let mut m = machine(
        act(JobAction::Start, Some(vec!["Paused", "Quarantine"])),
        false,
        120_000.0,
    );
    begin(&mut m);
    m.response(
        0,
        answer(200, "{}", r#"{"status":{"code":"Active"}}"#, Read::Job),
        1.0,
    );
    let a = m.take();
    assert!(sends(&a).is_empty(), "no POST for an active job");
    assert!(
        matches!(a.last(), Some(Action::Finish { result }) if result.skipped && result.job_status.as_deref() == Some("Active") && result.status.is_none())
    );
}

#[test]
fn list_follows_next_links_under_the_same_root_only() {
    let mut m = machine(
        Op::List {
            sp: SP.into(),
            pages: 0,
        },
        false,
        120_000.0,
    );
    let first = [
        BASE,
        "/beta/servicePrincipals/",
        SP,
        "/synchronization/jobs",
    ]
    .concat();
    assert_eq!(sends(&begin(&mut m)), [(0, "GET", first.clone(), None)]);
    let next = [&first, "?$skiptoken=2"].concat();
    m.response(
        0,
        answer(
            200,
            "{}",
            &[r#"{"value":[],"@odata.nextLink":""#, &next, r#""}"#].concat(),
            Read::Page,
        ),
        1.0,
    );
    let a = m.take();
    assert!(a.contains(&Action::Collect { slot: 0 }));
    assert_eq!(sends(&a), [(0, "GET", next, None)]);
    m.response(0, answer(200, "{}", r#"{"value":[]}"#, Read::Page), 2.0);
    assert_eq!(m.take().last(), Some(&Action::ReturnCollected));

    let mut m = machine(
        Op::List {
            sp: SP.into(),
            pages: 0,
        },
        false,
        120_000.0,
    );
    begin(&mut m);
    m.response(
        0,
        answer(
            200,
            "{}",
            r#"{"value":[],"@odata.nextLink":"https://evil.example/beta/x"}"#,
            Read::Page,
        ),
        1.0,
    );
    let a = m.take();
    assert!(
        sends(&a).is_empty(),
        "the token does not go to another host"
    );
    assert!(failure(&a).message.contains("not followed"));

    // Bounded: page 100 with yet another link ends the call.
    let mut m = machine(
        Op::List {
            sp: SP.into(),
            pages: 0,
        },
        false,
        120_000.0,
    );
    begin(&mut m);
    let page = [r#"{"value":[],"@odata.nextLink":""#, &first, r#"?p"}"#].concat();
    for i in 1..=MAX_PAGES {
        m.response(0, answer(200, "{}", &page, Read::Page), 1.0);
        let a = m.take();
        if i < MAX_PAGES {
            assert_eq!(sends(&a).len(), 1);
        } else {
            assert!(failure(&a).message.contains("more than 100 pages"));
        }
    }
}

fn job_json(
    code: &str,
    began: Option<&str>,
    ended: Option<&str>,
    state: Option<&str>,
    steady: &str,
) -> String {
    let q = |v: Option<&str>| v.map_or("null".to_owned(), |s| ["\"", s, "\""].concat());
    [
        r#"{"status":{"code":""#,
        code,
        r#"","lastExecution":{"timeBegan":"#,
        &q(began),
        r#","timeEnded":"#,
        &q(ended),
        r#","state":"#,
        &q(state),
        r#","error":{"code":"SyncFailed","message":"boom"}},"steadyStateLastAchievedTime":""#,
        steady,
        r#"","quarantine":{"reason":"TooManyDeletes","error":{"message":"too many"}}}}"#,
    ]
    .concat()
}

const T0: &str = "2026-11-29T09:00:00Z";
const T1: &str = "2026-11-29T09:05:00Z";
const T2: &str = "2026-11-29T09:06:00Z";
const NEVER: &str = "0001-01-01T00:00:00Z";

/// Polls a wait with these job bodies, one after another; returns the last poll's actions.
fn poll(until: Until, jobs: &[String]) -> Vec<Action> {
    let mut m = machine(
        Op::Wait(Wait::new(SP.into(), JOB.into(), until, 1000.0)),
        false,
        86_400_000.0,
    );
    begin(&mut m);
    let mut last = Vec::new();
    for (i, j) in jobs.iter().enumerate() {
        m.response(0, answer(200, "{}", j, Read::Job), i as f64);
        last = m.take();
        assert!(
            last.contains(&Action::Polled { slot: 0 }),
            "onProgress after each poll"
        );
        if i + 1 < jobs.len() {
            assert_eq!(
                last.last(),
                Some(&Action::Wait {
                    slot: 0,
                    ms: 1000.0
                }),
                "poll {i} should wait"
            );
            m.waited(0, i as f64 + 0.5);
            assert_eq!(sends(&m.take()).len(), 1);
        }
    }
    last
}

#[test]
fn wait_for_a_cycle_judges_by_grahps_timestamps() {
    // The cycle running at the first poll is the awaited one.
    let a = poll(
        Until::CycleComplete,
        &[
            job_json("Active", Some(T0), None, None, NEVER),
            job_json("Active", Some(T0), Some(T1), Some("Succeeded"), T1),
        ],
    );
    assert_eq!(a.last(), Some(&Action::Return { slot: 0 }));
    // A cycle that had ended before the first poll is not; the next one is.
    let a = poll(
        Until::CycleComplete,
        &[
            job_json("Active", Some(T0), Some(T1), Some("Succeeded"), T1),
            job_json("Active", Some(T0), Some(T1), Some("Succeeded"), T1),
            job_json("Active", Some(T1), None, None, T1),
            job_json("Active", Some(T1), Some(T2), Some("EntryLevelErrors"), T1),
        ],
    );
    assert_eq!(a.last(), Some(&Action::Return { slot: 0 }));
    // A failed cycle rejects with jobFailed and the execution error's code.
    let a = poll(
        Until::CycleComplete,
        &[
            job_json("Active", Some(T0), None, None, NEVER),
            job_json("Active", Some(T0), Some(T1), Some("Failed"), NEVER),
        ],
    );
    let e = failure(&a);
    assert_eq!(
        (e.kind, e.code.as_str()),
        (ErrorKind::JobFailed, "SyncFailed")
    );
    assert!(e.message.contains("boom"));
}

#[test]
fn wait_rejects_on_quarantine_and_reaches_steady_state_and_active() {
    let a = poll(
        Until::CycleComplete,
        &[
            job_json("Active", Some(T0), None, None, NEVER),
            job_json("Quarantine", Some(T0), Some(T1), Some("Failed"), NEVER),
        ],
    );
    let e = failure(&a);
    assert_eq!(
        (e.kind, e.code.as_str(), e.status),
        (ErrorKind::JobFailed, "TooManyDeletes", 200)
    );
    assert!(e.message.contains("too many"), "{}", e.message);

    let a = poll(
        Until::SteadyState,
        &[
            job_json("Active", Some(T0), None, None, T0),
            job_json("Active", Some(T0), Some(T1), Some("Succeeded"), T0),
            job_json("Active", Some(T0), Some(T1), Some("Succeeded"), T1),
        ],
    );
    assert_eq!(a.last(), Some(&Action::Return { slot: 0 }));

    let a = poll(
        Until::Active,
        &[
            job_json("Paused", None, None, None, NEVER),
            job_json("Active", Some(T0), None, None, NEVER),
        ],
    );
    assert_eq!(a.last(), Some(&Action::Return { slot: 0 }));
}

#[test]
fn a_throttled_poll_waits_at_least_the_interval_and_at_least_retry_after() {
    let mut m = machine(
        Op::Wait(Wait::new(SP.into(), JOB.into(), Until::Active, 5000.0)),
        false,
        86_400_000.0,
    );
    begin(&mut m);
    m.response(0, error_answer(429, r#"{"retry-after":"2"}"#, ""), 0.0);
    assert_eq!(
        m.take().last(),
        Some(&Action::Wait {
            slot: 0,
            ms: 5000.0
        }),
        "never shortened below the interval"
    );
    m.waited(0, 1.0);
    m.take();
    m.response(0, error_answer(429, r#"{"retry-after":"9"}"#, ""), 2.0);
    assert_eq!(
        m.take().last(),
        Some(&Action::Wait {
            slot: 0,
            ms: 9000.0
        }),
        "stretched by Retry-After"
    );
    // Retries are counted per request: a successful poll starts the count again.
    m.waited(0, 3.0);
    m.take();
    m.response(
        0,
        answer(
            200,
            "{}",
            &job_json("Paused", None, None, None, NEVER),
            Read::Job,
        ),
        4.0,
    );
    m.take();
    let Some(s) = m.slots[0].as_ref() else {
        panic!("slot")
    };
    assert_eq!(s.retries, 0);
}

// ---- bulk ----

fn pairs(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            (
                ["sp-", &decimal(i as u64 % 3)].concat(),
                ["job-", &decimal(i as u64)].concat(),
            )
        })
        .collect()
}

fn bulk(
    jobs: Vec<(String, String)>,
    if_status: Option<Vec<&'static str>>,
    concurrency: usize,
) -> Machine<RustDates> {
    machine(
        Op::Bulk(Bulk::new(JobAction::Start, if_status, concurrency, jobs)),
        false,
        120_000.0,
    )
}

/// The sub-requests of a `$batch` body: (id, method, url).
fn subs(body: &str) -> Vec<(String, String, String)> {
    let v: serde_json::Value = serde_json::from_str(body).expect("batch body is JSON");
    v["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().into(),
                r["method"].as_str().unwrap().into(),
                r["url"].as_str().unwrap().into(),
            )
        })
        .collect()
}

/// A `$batch` answer giving each sub-request this status (by id), in reverse order (Graph's order is any).
fn batch_answer(n: usize, status: impl Fn(usize) -> (u16, &'static str)) -> Answer {
    let mut responses: Vec<String> = (1..=n)
        .map(|id| {
            let (s, extra) = status(id);
            [
                r#"{"id":""#,
                &decimal(id as u64),
                r#"","status":"#,
                &decimal(u64::from(s)),
                extra,
                "}",
            ]
            .concat()
        })
        .collect();
    responses.reverse();
    answer(
        200,
        "{}",
        &[r#"{"responses":["#, &responses.join(","), "]}"].concat(),
        Read::Batch,
    )
}

fn items(actions: &[Action]) -> Vec<ItemResult> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Item { item } => Some(item.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn batches_hold_at_most_20_and_respect_concurrency() {
    for (n, expected) in [(20, vec![20]), (21, vec![20, 1]), (41, vec![20, 20, 1])] {
        let mut m = bulk(pairs(n), None, 4);
        let a = begin(&mut m);
        let s = sends(&a);
        assert_eq!(
            s.iter()
                .map(|x| subs(x.3.as_deref().unwrap()).len())
                .collect::<Vec<_>>(),
            expected,
            "{n} items"
        );
        for (slot, method, url, body) in &s {
            assert_eq!(
                (*method, url.as_str()),
                ("POST", "https://graph.microsoft.com/beta/$batch")
            );
            let ids: Vec<String> = subs(body.as_deref().unwrap())
                .into_iter()
                .map(|x| x.0)
                .collect();
            assert_eq!(
                ids,
                (1..=ids.len())
                    .map(|i| decimal(i as u64))
                    .collect::<Vec<_>>(),
                "slot {slot}: ids unique"
            );
        }
    }
    let mut m = bulk(pairs(100), None, 2);
    assert_eq!(
        sends(&begin(&mut m)).len(),
        2,
        "two batches in flight at most"
    );
}

#[test]
fn results_come_one_per_input_position_in_order_with_progress() {
    let mut m = bulk(pairs(5), None, 1);
    let s = sends(&begin(&mut m));
    let body = s[0].3.clone().unwrap();
    assert_eq!(
        subs(&body)[2],
        (
            "3".into(),
            "POST".into(),
            "/servicePrincipals/sp-2/synchronization/jobs/job-2/start".into()
        )
    );
    m.response(0, batch_answer(5, |id| match id {
        2 => (404, r#","body":{"error":{"code":"Request_ResourceNotFound","message":"Resource 'sp-1' does not exist."}}"#),
        4 => (403, r#","body":{"error":{"code":"Authorization_RequestDenied","message":"no"}}"#),
        _ => (204, r#","headers":{"request-id":"r"}"#),
    }), 1.0);
    let a = m.take();
    let got = items(&a);
    let mut by_index: Vec<(u32, bool, Option<u16>)> =
        got.iter().map(|i| (i.index, i.ok, i.status)).collect();
    by_index.sort();
    assert_eq!(
        by_index,
        [
            (0, true, Some(204)),
            (1, false, Some(404)),
            (2, true, Some(204)),
            (3, false, Some(403)),
            (4, true, Some(204))
        ]
    );
    let nf = got.iter().find(|i| i.index == 1).unwrap();
    assert_eq!(
        nf.error.as_ref().unwrap().hint,
        Some(error::HINT_SP_NOT_FOUND)
    );
    assert!(a.contains(&Action::Progress {
        done: 5,
        total: 5,
        ok: 3,
        failed: 2,
        skipped: 0
    }));
    assert_eq!(a.last(), Some(&Action::ReturnItems));
}

#[test]
fn a_throttled_item_is_retried_in_a_later_batch_after_its_retry_after() {
    let mut m = bulk(pairs(3), None, 1);
    begin(&mut m);
    m.response(
        0,
        batch_answer(3, |id| {
            if id == 2 {
                (429, r#","headers":{"retry-after":"3"}"#)
            } else {
                (204, "")
            }
        }),
        1_000.0,
    );
    let a = m.take();
    assert_eq!(items(&a).len(), 2, "the other two are settled");
    assert!(sends(&a).is_empty(), "not before its Retry-After");
    assert_eq!(
        a.last(),
        Some(&Action::Wait {
            slot: 1,
            ms: 3000.0
        }),
        "a timer for the retry"
    );
    m.waited(1, 4_000.0);
    let a = m.take();
    let s = sends(&a);
    assert_eq!(
        subs(s[0].3.as_deref().unwrap()),
        [(
            "1".into(),
            "POST".into(),
            "/servicePrincipals/sp-1/synchronization/jobs/job-1/start".into()
        )]
    );
    m.response(0, batch_answer(1, |_| (204, "")), 4_100.0);
    let a = m.take();
    assert!(matches!(
        &items(&a)[..],
        [ItemResult {
            index: 1,
            ok: true,
            ..
        }]
    ));
    assert_eq!(a.last(), Some(&Action::ReturnItems));
}

#[test]
fn an_outer_429_or_a_dropped_batch_is_retried_as_one() {
    let mut m = bulk(pairs(3), None, 1);
    let first = sends(&begin(&mut m))[0].3.clone();
    m.response(0, error_answer(429, r#"{"retry-after":"1"}"#, ""), 1.0);
    assert_eq!(
        m.take().last(),
        Some(&Action::Wait {
            slot: 0,
            ms: 1000.0
        })
    );
    m.waited(0, 1001.0);
    assert_eq!(sends(&m.take())[0].3, first, "the same batch again");
    m.no_answer(0, 1002.0);
    assert!(matches!(
        m.take().last(),
        Some(Action::Wait { slot: 0, .. })
    ));
    m.waited(0, 5000.0);
    assert_eq!(sends(&m.take())[0].3, first);
    // A batch that fails for good fails each of its items, and the call still resolves.
    m.response(
        0,
        error_answer(
            400,
            "{}",
            r#"{"error":{"code":"BadRequest","message":"no"}}"#,
        ),
        5001.0,
    );
    let a = m.take();
    assert_eq!(
        items(&a)
            .iter()
            .filter(|i| !i.ok && i.status == Some(400))
            .count(),
        3
    );
    assert_eq!(a.last(), Some(&Action::ReturnItems));
}

#[test]
fn duplicates_are_sent_once_and_reported_at_each_position() {
    let jobs = vec![
        ("a".into(), "1".into()),
        ("b".into(), "2".into()),
        ("a".into(), "1".into()),
    ];
    let mut m = bulk(jobs, None, 4);
    let s = sends(&begin(&mut m));
    assert_eq!(subs(s[0].3.as_deref().unwrap()).len(), 2);
    m.response(0, batch_answer(2, |_| (204, "")), 1.0);
    let mut idx: Vec<u32> = items(&m.take()).iter().map(|i| i.index).collect();
    idx.sort();
    assert_eq!(idx, [0, 1, 2]);
}

#[test]
fn the_largest_bulk_call_dedupes_and_reports_every_position() {
    // 100 000 jobs (the most a call takes), every pair twice, in an order that collides in a
    // small table: each unique pair is sent once, every position gets its result, in batches of 20.
    let n = 50_000;
    let jobs: Vec<(String, String)> = (0..2 * n)
        .map(|i| {
            (
                ["sp-", &decimal((i % n % 97) as u64)].concat(),
                ["j", &decimal((i % n) as u64)].concat(),
            )
        })
        .collect();
    let mut m = bulk(jobs, None, 4);
    let mut pending: Vec<(u32, usize)> = Vec::new();
    let (mut sent, mut positions) = (0, vec![0u8; 2 * n]);
    let mut actions = begin(&mut m);
    let mut now = 1.0;
    while !m.is_finished() {
        for (slot, _, _, body) in sends(&actions) {
            let k = subs(body.as_deref().unwrap()).len();
            assert!(k <= BATCH_SIZE);
            sent += k;
            pending.push((slot, k));
        }
        for i in items(&actions) {
            assert!(i.ok);
            positions[i.index as usize] += 1;
        }
        let (slot, k) = pending.pop().expect("a batch in flight");
        now += 1.0;
        m.response(slot, batch_answer(k, |_| (204, "")), now);
        actions = m.take();
    }
    for i in items(&actions) {
        positions[i.index as usize] += 1;
    }
    assert_eq!(sent, n, "each unique pair once");
    assert!(
        positions.iter().all(|&p| p == 1),
        "every position reported once"
    );
    assert!(actions.iter().any(|a| matches!(a, Action::ReturnItems)));
}

#[test]
fn bulk_if_status_reads_through_batch_and_acts_only_on_listed_states() {
    let mut m = bulk(pairs(3), Some(vec!["Paused"]), 1);
    let s = sends(&begin(&mut m));
    assert!(subs(s[0].3.as_deref().unwrap())
        .iter()
        .all(|x| x.1 == "GET" && !x.2.ends_with("/start")));
    m.response(
        0,
        batch_answer(3, |id| {
            if id == 2 {
                (200, r#","body":{"status":{"code":"Paused"}}"#)
            } else {
                (200, r#","body":{"status":{"code":"Active"}}"#)
            }
        }),
        1.0,
    );
    let a = m.take();
    let skipped = items(&a);
    assert_eq!(skipped.len(), 2);
    assert!(skipped
        .iter()
        .all(|i| i.skipped && !i.ok && i.job_status.as_deref() == Some("Active")));
    let s = sends(&a);
    assert_eq!(
        subs(s[0].3.as_deref().unwrap()),
        [(
            "1".into(),
            "POST".into(),
            "/servicePrincipals/sp-1/synchronization/jobs/job-1/start".into()
        )]
    );
    m.response(0, batch_answer(1, |_| (204, "")), 2.0);
    let a = m.take();
    assert!(a.contains(&Action::Progress {
        done: 3,
        total: 3,
        ok: 1,
        failed: 0,
        skipped: 2
    }));
    // The acted item says what the read found, as the skipped ones do.
    let acted = items(&a);
    assert_eq!(acted.len(), 1);
    assert!(acted[0].ok && !acted[0].skipped && acted[0].job_status.as_deref() == Some("Paused"));
}

#[test]
fn restart_sub_requests_carry_their_criteria_and_an_empty_bulk_resolves_at_once() {
    let b = Bulk::new(JobAction::Restart(Some("Full".into())), None, 1, pairs(1));
    let mut m = machine(Op::Bulk(b), false, 1000.0);
    let body = sends(&begin(&mut m))[0].3.clone().unwrap();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["requests"][0]["body"]["criteria"]["resetScope"], "Full");
    assert_eq!(
        v["requests"][0]["headers"]["Content-Type"],
        "application/json"
    );

    let mut m = bulk(vec![], None, 4);
    m.start(0.0);
    assert_eq!(m.take(), [Action::Token, Action::ReturnItems]);
}

#[test]
fn missing_sub_responses_fail_their_items() {
    let mut m = bulk(pairs(2), None, 1);
    begin(&mut m);
    let only_one = answer(
        200,
        "{}",
        r#"{"responses":[{"id":"1","status":204}]}"#,
        Read::Batch,
    );
    m.response(0, only_one, 1.0);
    let got = items(&m.take());
    assert!(got.iter().any(|i| i.index == 1
        && !i.ok
        && i.error
            .as_ref()
            .is_some_and(|e| e.message.contains("no response"))));
    let _: Option<SubResponseView> = None;
}

#[test]
fn throttling_holds_every_new_batch_and_retried_items_go_first() {
    let mut m = bulk(pairs(25), None, 1);
    begin(&mut m);
    let throttled = |id: usize| {
        if id == 3 {
            (429, r#","headers":{"retry-after":"2"}"#)
        } else {
            (204, "")
        }
    };
    m.response(0, batch_answer(20, throttled), 1_000.0);
    let a = m.take();
    assert!(
        a.iter().any(|x| matches!(x, Action::Retry { slot: 0, sub: Some(_), attempt: 1, delay_ms, error } if *delay_ms == 2000.0 && error.status == 429)),
        "onRetry is told about the item: {a:?}"
    );
    assert!(
        sends(&a).is_empty(),
        "the five new items wait for the Retry-After too"
    );
    assert_eq!(
        a.last(),
        Some(&Action::Wait {
            slot: 1,
            ms: 2000.0
        })
    );
    m.waited(1, 3_000.0);
    let s = sends(&m.take());
    let next = subs(s[0].3.as_deref().unwrap());
    assert_eq!(next.len(), 6);
    assert!(
        next[0].2.ends_with("/job-2/start"),
        "the retried item goes first: {next:?}"
    );
}

#[test]
fn a_throttled_batch_holds_the_other_slots() {
    let mut m = bulk(pairs(60), None, 2);
    let s = sends(&begin(&mut m));
    assert_eq!(s.len(), 2);
    m.response(0, error_answer(429, r#"{"retry-after":"5"}"#, ""), 1_000.0);
    assert_eq!(
        m.take().last(),
        Some(&Action::Wait {
            slot: 0,
            ms: 5000.0
        })
    );
    m.response(1, batch_answer(20, |_| (204, "")), 1_100.0);
    let a = m.take();
    assert!(
        sends(&a).is_empty(),
        "no new batch while the app is throttled"
    );
    assert!(
        !a.iter().any(|x| matches!(x, Action::Wait { .. })),
        "and no timer: the throttled batch goes first"
    );
    m.waited(0, 6_000.0);
    assert_eq!(sends(&m.take()).len(), 1, "the throttled batch, again");
    m.response(0, batch_answer(20, |_| (204, "")), 6_100.0);
    assert_eq!(
        sends(&m.take()).len(),
        1,
        "then the rest, one batch at a time"
    );
}

#[test]
fn after_throttling_one_batch_is_in_flight_then_one_more_per_clean_batch() {
    let mut m = bulk(pairs(200), None, 4);
    assert_eq!(sends(&begin(&mut m)).len(), 4);
    let one_throttled = |id: usize| {
        if id == 1 {
            (429, r#","headers":{"retry-after":"1"}"#)
        } else {
            (204, "")
        }
    };
    m.response(0, batch_answer(20, one_throttled), 1_000.0);
    m.take();
    for slot in 1..4 {
        m.response(slot, batch_answer(20, |_| (204, "")), 1_001.0);
        assert!(sends(&m.take()).is_empty(), "held until the Retry-After");
    }
    m.waited(4, 2_000.0);
    let s = sends(&m.take());
    assert_eq!(
        s.len(),
        1,
        "one batch in flight after throttling (answers sent before it do not count)"
    );
    m.response(s[0].0, batch_answer(20, |_| (204, "")), 2_100.0);
    assert_eq!(
        sends(&m.take()).len(),
        2,
        "one more per clean batch sent since"
    );
}

// ---- the bulk queue ----

fn sub(item: usize) -> Sub {
    Sub {
        item,
        read: false,
        found: None,
        retries: 0,
        not_before: 0.0,
    }
}

fn order(q: &Queue) -> Vec<usize> {
    q.waiting().iter().map(|s| s.item).collect()
}

#[test]
fn the_bulk_queue_gives_back_into_freed_places_and_keeps_its_order() {
    let mut q = Queue::default();
    for i in 0..5 {
        q.push_back(sub(i));
    }
    let (a, b) = (q.pop_front().unwrap(), q.pop_front().unwrap());
    assert_eq!((a.item, b.item), (0, 1));
    q.push_back(sub(5));
    // Given back in reverse, as `schedule` does with the items still waiting: order kept.
    q.push_front(b);
    q.push_front(a);
    assert_eq!(order(&q), [0, 1, 2, 3, 4, 5]);
    // Given back into freed places: nothing was inserted, the vector did not grow.
    assert_eq!(q.items.len(), 6);
    while q.pop_front().is_some() {}
    assert!(q.is_empty());
    assert_eq!(order(&q), Vec::<usize>::new());
    // A retried item given back after the queue ran empty goes first.
    q.push_back(sub(6));
    q.push_front(sub(3));
    assert_eq!(order(&q), [3, 6]);
    assert_eq!(q.items.len(), 7);
    // With no freed place (never the case in a bulk call) the item is inserted, still first.
    let mut fresh = Queue::default();
    fresh.push_back(sub(1));
    fresh.push_front(sub(0));
    assert_eq!(order(&fresh), [0, 1]);
    assert!(!fresh.is_empty());
}
