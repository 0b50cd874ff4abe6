//! Retries, Retry-After, cancellation, deadlines and token sources, against the emulator's fault
//! injection, in Node and (with WASM_BINDGEN_USE_BROWSER=1) in headless Chromium.
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

/// Options with an `onRetry` that records its calls in the returned object's `calls`.
fn with_on_retry(json: &str) -> (JsValue, JsValue) {
    let opts = options(json);
    let seen = js("{ calls: [] }");
    let cb = Function::new_with_args("seen", "return (info) => seen.calls.push(info)")
        .call1(&JsValue::NULL, &seen)
        .unwrap();
    Reflect::set(&opts, &"onRetry".into(), &cb).unwrap();
    (opts, seen)
}

fn calls(seen: &JsValue) -> Vec<JsValue> {
    Array::from(&get(seen, "calls")).iter().collect()
}

fn arrivals(reqs: &[JsValue]) -> Vec<f64> {
    reqs.iter()
        .map(|r| get_num(r, "receivedAt").unwrap())
        .collect()
}

#[wasm_bindgen_test]
async fn throttled_twice_then_started() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    fault(
        &sp,
        1,
        r#"{"kind":"status","status":429,"retryAfter":"0.3"}"#,
    )
    .await;
    fault(
        &sp,
        1,
        r#"{"kind":"status","status":429,"retryAfter":"0.2"}"#,
    )
    .await;
    let (opts, seen) = with_on_retry("{}");
    start(TOKEN, &sp, &job, opts)
        .await
        .expect("third attempt succeeds");
    let reqs: Vec<_> = recorded(&sp)
        .await
        .into_iter()
        .filter(|r| get_str(r, "target").unwrap().ends_with("/start"))
        .collect();
    assert_eq!(reqs.len(), 3);
    let ids: Vec<_> = reqs
        .iter()
        .map(|r| header(r, "client-request-id").unwrap())
        .collect();
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "one client-request-id for the whole call: {ids:?}"
    );
    let t = arrivals(&reqs);
    assert!(
        t[1] - t[0] >= 300.0 - 5.0,
        "waited {} ms for Retry-After 0.3",
        t[1] - t[0]
    );
    assert!(
        t[2] - t[1] >= 200.0 - 5.0,
        "waited {} ms for Retry-After 0.2",
        t[2] - t[1]
    );
    let c = calls(&seen);
    assert_eq!(c.len(), 2);
    assert_eq!(
        (get_num(&c[0], "attempt"), get_num(&c[0], "delayMs")),
        (Some(1.0), Some(300.0))
    );
    assert_eq!(
        (get_num(&c[1], "attempt"), get_num(&c[1], "delayMs")),
        (Some(2.0), Some(200.0))
    );
    assert_eq!(get_num(&get(&c[0], "error"), "status"), Some(429.0));
    assert_eq!(
        get_str(&job_status("beta", &sp, &job).await, "code").as_deref(),
        Some("Active")
    );
}

#[wasm_bindgen_test]
async fn http_date_retry_after_is_honoured() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    // Two seconds after the emulator's clock; read against the response's own Date header.
    let date = js("new Date(Date.now() + 2000).toUTCString()")
        .as_string()
        .unwrap();
    fault(
        &sp,
        1,
        &format!(r#"{{"kind":"status","status":503,"retryAfter":"{date}"}}"#),
    )
    .await;
    let (opts, seen) = with_on_retry("{}");
    start(TOKEN, &sp, &job, opts).await.unwrap();
    let delay = get_num(&calls(&seen)[0], "delayMs").unwrap();
    assert!((1000.0..=3000.0).contains(&delay), "delay {delay}");
    let t = arrivals(&recorded(&sp).await[..2]);
    assert!(
        t[1] - t[0] >= delay - 5.0,
        "waited {} < {delay}",
        t[1] - t[0]
    );
}

#[wasm_bindgen_test]
async fn retry_after_beyond_max_delay_rejects_at_once() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    fault(
        &sp,
        1,
        r#"{"kind":"status","status":429,"retryAfter":"120"}"#,
    )
    .await;
    let t0 = now();
    let err = start_err(
        TOKEN,
        &sp,
        &job,
        options(r#"{"retry":{"maxDelayMs":5000}}"#),
    )
    .await;
    assert!(now() - t0 < 2000.0, "did not wait");
    assert_eq!(get_num(&err, "status"), Some(429.0));
    assert_eq!(get_num(&err, "retryAfterMs"), Some(120_000.0));
    assert_eq!(get_num(&err, "attempts"), Some(1.0));
    assert_eq!(recorded(&sp).await.len(), 1);
}

#[wasm_bindgen_test]
async fn retry_after_beyond_the_deadline_rejects_at_once() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    fault(
        &sp,
        1,
        r#"{"kind":"status","status":503,"retryAfter":"30"}"#,
    )
    .await;
    let err = start_err(TOKEN, &sp, &job, options(r#"{"timeoutMs":5000}"#)).await;
    assert_eq!(get_str(&err, "kind").as_deref(), Some("http"));
    assert_eq!(get_num(&err, "status"), Some(503.0));
    assert_eq!(get_num(&err, "retryAfterMs"), Some(30_000.0));
}

#[wasm_bindgen_test]
async fn unavailable_storm_stops_after_max_retries() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    fault(&sp, 10, r#"{"kind":"status","status":503}"#).await;
    let (opts, seen) = with_on_retry(r#"{"retry":{"maxRetries":2,"baseDelayMs":20}}"#);
    let err = start_err(TOKEN, &sp, &job, opts).await;
    assert_eq!(get_num(&err, "status"), Some(503.0));
    assert_eq!(get_num(&err, "attempts"), Some(3.0));
    assert_eq!(recorded(&sp).await.len(), 3);
    let delays: Vec<f64> = calls(&seen)
        .iter()
        .map(|c| get_num(c, "delayMs").unwrap())
        .collect();
    assert_eq!(delays.len(), 2);
    assert!(
        (10.0..=20.0).contains(&delays[0]) && (20.0..=40.0).contains(&delays[1]),
        "backoff {delays:?}"
    );
}

#[wasm_bindgen_test]
async fn other_statuses_are_never_retried() {
    for status in [400, 401, 403, 404, 409, 500, 502] {
        let (sp, job) = (guid(), job_id());
        fault(&sp, 5, &format!(r#"{{"kind":"status","status":{status}}}"#)).await;
        let err = start_err(TOKEN, &sp, &job, options(r#"{"retry":{"baseDelayMs":1}}"#)).await;
        assert_eq!(get_num(&err, "status"), Some(status as f64));
        assert_eq!(recorded(&sp).await.len(), 1, "status {status} was retried");
    }
}

#[wasm_bindgen_test]
async fn network_failure_is_retried() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    fault(&sp, 1, r#"{"kind":"drop"}"#).await;
    start(TOKEN, &sp, &job, options(r#"{"retry":{"baseDelayMs":10}}"#))
        .await
        .expect("retried after the drop");
    assert_eq!(
        recorded(&sp)
            .await
            .iter()
            .filter(|r| get_str(r, "method").as_deref() == Some("POST"))
            .count(),
        2
    );
}

#[wasm_bindgen_test]
async fn already_aborted_signal_sends_nothing() {
    let (sp, job) = (guid(), job_id());
    let controller = web_sys::AbortController::new().unwrap();
    let reason = js("new Error('user left the page')");
    controller.abort_with_reason(&reason);
    let opts = options("{}");
    Reflect::set(&opts, &"signal".into(), &controller.signal()).unwrap();
    let err = start_err(TOKEN, &sp, &job, opts).await;
    assert_eq!(get_str(&err, "kind").as_deref(), Some("aborted"));
    assert_eq!(get_num(&err, "attempts"), Some(0.0));
    assert!(
        get(&err, "cause") == reason,
        "the signal's reason is the cause"
    );
    assert!(recorded(&sp).await.is_empty());
}

#[wasm_bindgen_test]
async fn abort_during_the_request() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    fault(&sp, 1, r#"{"kind":"delay","ms":3000}"#).await;
    let controller = web_sys::AbortController::new().unwrap();
    let opts = options("{}");
    Reflect::set(&opts, &"signal".into(), &controller.signal()).unwrap();
    let reason = js("'cancelled by test'");
    abort_later(&controller, 150, &reason);
    let t0 = now();
    let err = start_err(TOKEN, &sp, &job, opts).await;
    assert!(
        now() - t0 < 1500.0,
        "rejected promptly, took {}",
        now() - t0
    );
    assert_eq!(get_str(&err, "kind").as_deref(), Some("aborted"));
    assert_eq!(get(&err, "cause"), reason);
    assert_eq!(get_num(&err, "attempts"), Some(1.0));
}

#[wasm_bindgen_test]
async fn abort_during_a_retry_wait() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    fault(&sp, 1, r#"{"kind":"status","status":429,"retryAfter":"5"}"#).await;
    let controller = web_sys::AbortController::new().unwrap();
    let opts = options("{}");
    Reflect::set(&opts, &"signal".into(), &controller.signal()).unwrap();
    abort_later(&controller, 200, &JsValue::UNDEFINED);
    let t0 = now();
    let err = start_err(TOKEN, &sp, &job, opts).await;
    assert!(
        now() - t0 < 2000.0,
        "the wait was cancelled, took {}",
        now() - t0
    );
    assert_eq!(get_str(&err, "kind").as_deref(), Some("aborted"));
    assert_eq!(recorded(&sp).await.len(), 1);
    assert_eq!(
        get_str(&job_status("beta", &sp, &job).await, "code").as_deref(),
        Some("Paused")
    );
}

#[wasm_bindgen_test]
async fn deadline_against_a_hung_server() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    fault(&sp, 1, r#"{"kind":"delay","ms":5000}"#).await;
    let t0 = now();
    let err = start_err(TOKEN, &sp, &job, options(r#"{"timeoutMs":300}"#)).await;
    let took = now() - t0;
    assert!((290.0..2000.0).contains(&took), "took {took}");
    assert_eq!(get_str(&err, "kind").as_deref(), Some("timeout"));
    assert_eq!(get_str(&err, "code").as_deref(), Some("timeout"));
}

#[wasm_bindgen_test]
async fn token_function_sync_and_async() {
    for src in [
        format!("() => '{TOKEN}'"),
        format!("async () => '{TOKEN}'"),
        format!("() => Promise.resolve({{ accessToken: '{TOKEN}', expiresOn: new Date() }})"),
    ] {
        let (sp, job) = (guid(), job_id());
        job_in_state(&sp, &job, "Paused").await;
        start(js(&src), &sp, &job, options("{}"))
            .await
            .unwrap_or_else(|e| panic!("{src}: {}", to_json_text(&e)));
        assert_eq!(
            get_str(&job_status("beta", &sp, &job).await, "code").as_deref(),
            Some("Active"),
            "{src}"
        );
    }
}

#[wasm_bindgen_test]
async fn credential_is_asked_for_the_cloud_default_scope() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    let cred = js(&format!(
        "{{ scopes: null, async getToken(scopes) {{ this.scopes = scopes; return {{ token: '{TOKEN}', expiresOnTimestamp: Date.now() + 3600e3 }}; }} }}"
    ));
    start(cred.clone(), &sp, &job, options("{}")).await.unwrap();
    let scopes = Array::from(&get(&cred, "scopes"));
    assert_eq!(scopes.length(), 1);
    assert_eq!(
        scopes.get(0).as_string().unwrap(),
        format!("{EMULATOR}/.default")
    );
}

#[wasm_bindgen_test]
async fn failing_token_sources_are_kind_token() {
    for (src, has_cause) in [
        ("() => { throw new Error('interaction_required') }", true),
        ("async () => { throw new Error('no account') }", true),
        ("() => ''", false),
        ("async () => '   '", false),
        ("() => 42", false),
        ("({ getToken: async () => null })", false),
        (
            "({ getToken: () => Promise.reject(new TypeError('CredentialUnavailableError')) })",
            true,
        ),
    ] {
        let sp = guid();
        let err = start_err(js(src), &sp, &job_id(), options("{}")).await;
        assert_eq!(get_str(&err, "kind").as_deref(), Some("token"), "{src}");
        assert_eq!(get_str(&err, "code").as_deref(), Some("tokenUnavailable"));
        assert_eq!(get(&err, "cause").is_object(), has_cause, "{src}");
        assert!(recorded(&sp).await.is_empty(), "{src} sent a request");
    }
}

#[wasm_bindgen_test]
async fn expired_token_is_refreshed_once_on_401() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    let src = js(&format!(
        "{{ n: 0, fn() {{ return this.n++ === 0 ? 'expired-token-000000' : '{TOKEN}'; }} }}"
    ));
    let f = Function::from(get(&src, "fn")).bind0(&src);
    start(f, &sp, &job, options("{}"))
        .await
        .expect("second token works");
    assert_eq!(get_num(&src, "n"), Some(2.0));
    let reqs = recorded(&sp)
        .await
        .into_iter()
        .filter(|r| get_str(r, "method").as_deref() == Some("POST"))
        .collect::<Vec<_>>();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        header(&reqs[0], "client-request-id"),
        header(&reqs[1], "client-request-id")
    );
    // A string token is not refreshed: one request, 401.
    let err = start_err("expired-token-000000", &sp, &job, options("{}")).await;
    assert_eq!(get_num(&err, "status"), Some(401.0));
    assert_eq!(get_num(&err, "attempts"), Some(1.0));
}

#[wasm_bindgen_test]
async fn a_second_401_is_not_refreshed_again() {
    let (sp, job) = (guid(), job_id());
    let err = start_err(
        js("() => 'always-bad-token-0000'"),
        &sp,
        &job,
        options("{}"),
    )
    .await;
    assert_eq!(get_num(&err, "status"), Some(401.0));
    assert_eq!(get_num(&err, "attempts"), Some(2.0));
}

#[wasm_bindgen_test]
async fn cloud_and_base_url_together_are_refused() {
    let err = start_err(TOKEN, &guid(), &job_id(), options(r#"{"cloud":"usGov"}"#)).await;
    assert_eq!(get_str(&err, "argument").as_deref(), Some("options.cloud"));
}

#[wasm_bindgen_test]
async fn each_cloud_calls_its_own_root() {
    // No internet here: a stand-in global fetch captures the URL and answers 204 (restored after).
    let capture = js(
        "(() => { const real = globalThis.fetch; const seen = []; \
         globalThis.fetch = (input) => { seen.push(typeof input === 'string' ? input : input.url); return Promise.resolve(new Response(null, { status: 204 })); }; \
         return { seen, restore() { globalThis.fetch = real; } }; })()",
    );
    let sp = "3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d";
    let job = "salesforce.e4bbf44533ea4eabb17027f3a92e92aa";
    let mut results = Vec::new();
    for cloud in ["global", "usGov", "usGovDoD", "china"] {
        let o = obj(&format!(r#"{{"cloud":"{cloud}","apiVersion":"v1.0"}}"#));
        results.push(start(TOKEN, sp, job, o).await);
    }
    results.push(start(TOKEN, sp, job, JsValue::UNDEFINED).await);
    Function::from(get(&capture, "restore"))
        .call0(&capture)
        .unwrap();
    assert!(results.iter().all(|r| r.is_ok()));
    let seen: Vec<String> = Array::from(&get(&capture, "seen"))
        .iter()
        .map(|v| v.as_string().unwrap())
        .collect();
    let path = format!("servicePrincipals/{sp}/synchronization/jobs/{job}/start");
    assert_eq!(
        seen,
        vec![
            format!("https://graph.microsoft.com/v1.0/{path}"),
            format!("https://graph.microsoft.us/v1.0/{path}"),
            format!("https://dod-graph.microsoft.us/v1.0/{path}"),
            format!("https://microsoftgraph.chinacloudapi.cn/v1.0/{path}"),
            format!("https://graph.microsoft.com/beta/{path}"),
        ]
    );
}

#[wasm_bindgen_test]
async fn hostile_values_from_the_platform_do_not_break_the_module() {
    // A token function throwing an Error whose message getter throws too.
    let src = js("() => { class Nasty extends Error { get message() { throw new Error('gotcha') } } throw new Nasty(); }");
    let err = start_err(src, &guid(), &job_id(), options("{}")).await;
    assert_eq!(get_str(&err, "kind").as_deref(), Some("token"));
    // A fetch stand-in that throws synchronously, and one that resolves to something not a Response.
    let swap = js(
        "(() => { const real = globalThis.fetch; let n = 0; \
         globalThis.fetch = () => { if (n++ === 0) throw new TypeError('sync throw'); return Promise.resolve(42); }; \
         return { restore() { globalThis.fetch = real; } }; })()",
    );
    let first = start(
        TOKEN,
        &guid(),
        &job_id(),
        options(r#"{"retry":{"maxRetries":0}}"#),
    )
    .await;
    let second = start(
        TOKEN,
        &guid(),
        &job_id(),
        options(r#"{"retry":{"maxRetries":0}}"#),
    )
    .await;
    Function::from(get(&swap, "restore")).call0(&swap).unwrap();
    for r in [first, second] {
        let e = r.expect_err("should fail");
        assert_eq!(get_str(&e, "kind").as_deref(), Some("network"));
    }
    // The module still works.
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    start(TOKEN, &sp, &job, options("{}"))
        .await
        .expect("still works");
}
