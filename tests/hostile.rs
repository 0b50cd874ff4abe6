//! Issue #12's classes that apply in a browser, in Node and (with WASM_BINDGEN_USE_BROWSER=1)
//! headless Chromium: odd signals, redirects, a polluted Object.prototype, server-sent
//! `__proto__` keys, callbacks that reject, lone surrogates, the token rule, one signal shared by
//! many calls. The full suite, with a hostile server of its own, is tests/js/hostile.test.mjs (Node).
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;
use graph_sync_job as g;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

async fn start_with(
    token: JsValue,
    sp: &str,
    job: &str,
    opts: JsValue,
) -> Result<JsValue, JsValue> {
    JsFuture::from(g::start_synchronization_job(
        token,
        sp.into(),
        job.into(),
        opts,
    ))
    .await
}

fn with_signal(signal: &JsValue) -> JsValue {
    let o = options("{}");
    Reflect::set(&o, &"signal".into(), signal).unwrap();
    o
}

#[wasm_bindgen_test]
async fn odd_signals_settle_send_nothing_and_leave_other_calls_alone() {
    let refused = [
        "Object.create(AbortSignal.prototype)",
        "(() => { const s = new AbortController().signal; s.addEventListener = () => { throw new Error('no'); }; return s; })()",
        "new Proxy(new AbortController().signal, { get() { throw new Error('trap'); } })",
        "(() => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; })()",
    ];
    for src in refused {
        let sp = guid();
        let e = start_with(TOKEN.into(), &sp, &job_id(), with_signal(&js(src)))
            .await
            .expect_err(src);
        assert_eq!(
            get_str(&e, "kind").as_deref(),
            Some("invalidArgument"),
            "{src}"
        );
        assert_eq!(
            get_str(&e, "argument").as_deref(),
            Some("options.signal"),
            "{src}"
        );
        assert!(recorded(&sp).await.is_empty(), "{src} sent a request");
    }
    // Already aborted, and its reason getter throws: aborted, nothing sent.
    let sp = guid();
    let src = "(() => { const s = AbortSignal.abort(new Error('x')); Object.defineProperty(s, 'reason', { get() { throw new Error('r'); } }); return s; })()";
    let e = start_with(TOKEN.into(), &sp, &job_id(), with_signal(&js(src)))
        .await
        .expect_err("aborted");
    assert_eq!(get_str(&e, "kind").as_deref(), Some("aborted"));
    assert!(recorded(&sp).await.is_empty());
    // The module still serves everyone else.
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    start(TOKEN, &sp, &job, options("{}")).await.unwrap();
}

#[wasm_bindgen_test]
async fn redirects_are_errors_and_are_not_followed() {
    let (sp, job, other) = (guid(), job_id(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    job_in_state(&sp, &other, "Paused").await;
    for status in [301, 307, 308] {
        let location =
            format!("{EMULATOR}/beta/servicePrincipals/{sp}/synchronization/jobs/{other}/start");
        fault(
            &format!("{job}/start"),
            1,
            &format!(r#"{{"kind":"redirect","status":{status},"location":"{location}"}}"#),
        )
        .await;
        let e = start_err(TOKEN, &sp, &job, options("{}")).await;
        assert_eq!(get_str(&e, "kind").as_deref(), Some("http"), "{status}");
        // Node shows the redirect; a browser hides it (an opaque redirect, status 0).
        let seen = get_num(&e, "status").unwrap();
        assert!(seen == f64::from(status) || seen == 0.0, "{status}: {seen}");
        assert_eq!(get_num(&e, "attempts"), Some(1.0));
    }
    let posts: Vec<String> = recorded(&sp)
        .await
        .iter()
        .filter(|r| get_str(r, "method").as_deref() == Some("POST"))
        .map(|r| get_str(r, "target").unwrap())
        .collect();
    assert_eq!(
        posts.len(),
        3,
        "one request each, nothing followed: {posts:?}"
    );
    assert!(posts.iter().all(|t| t.contains(&job)));
    let other_status = job_status("beta", &sp, &other).await;
    assert_eq!(
        get_str(&other_status, "code").as_deref(),
        Some("Paused"),
        "the other job was not started"
    );
}

#[wasm_bindgen_test]
async fn a_polluted_object_prototype_changes_nothing() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    let pollute = js("(() => { Object.prototype.cloud = 'china'; Object.prototype.timeoutMs = 1; Object.prototype.accessToken = 'x'.repeat(20); \
         return () => { delete Object.prototype.cloud; delete Object.prototype.timeoutMs; delete Object.prototype.accessToken; }; })()");
    let token = js(&format!("() => ({{ token: '{TOKEN}' }})"));
    let r = start_with(token, &sp, &job, options("{}")).await;
    Function::from(pollute).call0(&JsValue::NULL).unwrap();
    let r = r.expect("own properties only: no cloud, no 1 ms deadline, no second token");
    assert_eq!(get_num(&r, "status"), Some(204.0));
}

#[wasm_bindgen_test]
async fn server_sent_proto_keys_stay_own_properties() {
    let (sp, job) = (guid(), job_id());
    let body = r#"{\"error\":{\"code\":\"X\",\"message\":\"m\",\"details\":[{\"__proto__\":{\"polluted\":1},\"code\":\"d\"}],\"innerError\":{\"__proto__\":{\"polluted\":2},\"request-id\":\"r\"}}}"#;
    fault(
        &format!("{job}/start"),
        1,
        &format!(r#"{{"kind":"text","status":400,"body":"{body}"}}"#),
    )
    .await;
    let e = start_err(TOKEN, &sp, &job, options("{}")).await;
    assert_eq!(get_str(&e, "code").as_deref(), Some("X"));
    let check = Function::new_with_args(
        "e",
        "const d = e.details[0], i = e.innerErrors[0]; \
         return Object.getPrototypeOf(d) === Object.prototype && d.polluted === undefined && d.code === 'd' \
           && Object.getPrototypeOf(i) === Object.prototype && i.polluted === undefined && ({}).polluted === undefined;",
    );
    assert_eq!(
        check.call1(&JsValue::NULL, &e).unwrap().as_bool(),
        Some(true)
    );
}

#[wasm_bindgen_test]
async fn callbacks_that_reject_leave_no_unhandled_rejection() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    fault(
        &format!("{job}/start"),
        1,
        r#"{"kind":"status","status":503,"retryAfter":"0"}"#,
    )
    .await;
    let watch = js("(() => { const seen = { n: 0 }; const on = () => { seen.n++; }; \
         if (typeof process !== 'undefined' && process.on) process.on('unhandledRejection', on); \
         else globalThis.addEventListener('unhandledrejection', (ev) => { ev.preventDefault(); on(); }); return seen; })()");
    let opts = options("{}");
    let reject = js("async () => { throw new Error('callback') }");
    Reflect::set(&opts, &"onRetry".into(), &reject).unwrap();
    Reflect::set(&opts, &"onResponse".into(), &reject).unwrap();
    let r = start(TOKEN, &sp, &job, opts).await;
    sleep_ms(100).await;
    assert!(r.is_ok(), "the call's outcome is unchanged");
    assert_eq!(get_num(&watch, "n"), Some(0.0));
}

#[wasm_bindgen_test]
async fn lone_surrogates_and_two_tokens_are_refused_before_sending() {
    let sp = guid();
    let e = start_err(TOKEN, &format!("{sp}\u{FFFD}"), &job_id(), options("{}")).await;
    assert_eq!(
        get_str(&e, "kind").as_deref(),
        Some("http"),
        "U+FFFD itself is a valid character"
    );
    let lone = js(&format!("'{sp}' + '\\uD800'"));
    let e = JsFuture::from(g::start_synchronization_job(
        TOKEN.into(),
        lone,
        job_id().into(),
        options("{}"),
    ))
    .await
    .expect_err("lone surrogate");
    assert_eq!(
        get_str(&e, "argument").as_deref(),
        Some("servicePrincipalId")
    );
    let both = js(&format!(
        "() => ({{ accessToken: '{TOKEN}', token: '{TOKEN}' }})"
    ));
    let e = start_err(both, &sp, &job_id(), options("{}")).await;
    assert_eq!(get_str(&e, "kind").as_deref(), Some("token"));
    assert_eq!(get_num(&e, "attempts"), Some(0.0));
    let surrogate_token = js(&format!("() => '{TOKEN}' + '\\uDC00'"));
    let e = start_err(surrogate_token, &sp, &job_id(), options("{}")).await;
    assert_eq!(get_str(&e, "kind").as_deref(), Some("token"));
    assert_eq!(
        recorded(&sp).await.len(),
        1,
        "only the U+FFFD call was sent"
    );
}

#[wasm_bindgen_test]
async fn one_signal_shared_by_many_calls() {
    let sp = guid();
    let jobs: Vec<String> = (0..20).map(|_| job_id()).collect();
    for j in &jobs {
        job_in_state(&sp, j, "Paused").await;
    }
    let controller = web_sys::AbortController::new().unwrap();
    // Every job started at once, all with the one signal.
    let start_all = || -> Vec<Promise> {
        jobs.iter()
            .map(|j| {
                g::start_synchronization_job(
                    TOKEN.into(),
                    sp.as_str().into(),
                    j.as_str().into(),
                    with_signal(&controller.signal()),
                )
            })
            .collect()
    };
    let calls = start_all();
    for p in calls {
        JsFuture::from(p).await.expect("each call resolves");
    }
    // Twenty in flight when it fires: every one rejects aborted.
    fault(&sp, 20, r#"{"kind":"delay","ms":3000}"#).await;
    let calls = start_all();
    abort_later(&controller, 100, &JsValue::from_str("stop"));
    let t0 = now();
    for p in calls {
        let e = JsFuture::from(p).await.expect_err("aborted");
        assert_eq!(get_str(&e, "kind").as_deref(), Some("aborted"));
    }
    assert!(now() - t0 < 2000.0, "promptly");
    control("DELETE", "/faults", None).await;
}
