//! startSynchronizationJob against the emulator over real HTTP, in Node and (with
//! WASM_BINDGEN_USE_BROWSER=1) in headless Chromium, where every call is cross-origin.
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

async fn starts_and_becomes_active(from: &str, version: &str) {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, from).await;
    let opts = options(&format!(r#"{{"apiVersion":"{version}"}}"#));
    start(TOKEN, &sp, &job, opts)
        .await
        .expect("start should resolve");
    let status = job_status(version, &sp, &job).await;
    assert_eq!(
        get_str(&status, "code").as_deref(),
        Some("Active"),
        "{from} via {version}"
    );
    assert!(get(&status, "quarantine").is_null());
    let reqs = recorded(&sp).await;
    assert_eq!(reqs.len(), 2, "one start and one GET");
    assert_eq!(
        get_str(&reqs[0], "target").unwrap(),
        start_url(version, &sp, &job)
    );
}

#[wasm_bindgen_test]
async fn paused_job_becomes_active_beta() {
    starts_and_becomes_active("Paused", "beta").await;
}

#[wasm_bindgen_test]
async fn quarantined_job_becomes_active_v1() {
    starts_and_becomes_active("Quarantine", "v1.0").await;
}

#[wasm_bindgen_test]
async fn not_run_job_becomes_active() {
    starts_and_becomes_active("NotRun", "beta").await;
}

#[wasm_bindgen_test]
async fn active_job_stays_active() {
    starts_and_becomes_active("Active", "v1.0").await;
}

#[wasm_bindgen_test]
async fn seeded_paused_job_resumes() {
    // The built-in seed tenant, as the demo uses it.
    let (sp, job) = (
        "3f0c9b4e-2a71-4d5e-9c8b-6e1f2a3b4c5d",
        "salesforce.e4bbf44533ea4eabb17027f3a92e92aa",
    );
    job_in_state(sp, job, "Paused").await;
    start(TOKEN, sp, job, options("{}")).await.unwrap();
    assert_eq!(
        get_str(&job_status("beta", sp, job).await, "code").as_deref(),
        Some("Active")
    );
}

#[wasm_bindgen_test]
async fn sends_exactly_the_documented_request() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    start(TOKEN, &sp, &job, options("{}")).await.unwrap();
    let reqs = recorded(&sp).await;
    let r = &reqs[0];
    assert_eq!(get_str(r, "method").as_deref(), Some("POST"));
    assert_eq!(get_str(r, "target").unwrap(), start_url("beta", &sp, &job));
    let auth_len = format!("Bearer {TOKEN}").len();
    assert_eq!(
        header(r, "authorization"),
        Some(format!("<redacted:{auth_len}>"))
    );
    let crid = header(r, "client-request-id").expect("client-request-id sent");
    assert_eq!(crid.len(), 36);
    assert_eq!(crid.chars().nth(14), Some('4'), "a v4 GUID: {crid}");
    assert_eq!(get_str(r, "body").as_deref(), Some(""));
    // Nothing that would fail a CORS preflight against Graph, and no body headers.
    let headers = js_sys::Object::keys(&get(r, "headers").into());
    for h in headers.iter() {
        let h = h.as_string().unwrap();
        assert!(
            !h.starts_with("sdk") && !h.starts_with("x-") && h != "content-type",
            "unexpected header {h}"
        );
    }
}

#[wasm_bindgen_test]
async fn each_call_sends_a_fresh_client_request_id() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Active").await;
    start(TOKEN, &sp, &job, options("{}")).await.unwrap();
    start(TOKEN, &sp, &job, options("{}")).await.unwrap();
    let reqs = recorded(&sp).await;
    assert_ne!(
        header(&reqs[0], "client-request-id"),
        header(&reqs[1], "client-request-id")
    );
}

/// `crypto.randomUUID` exists only in secure contexts (an admin page served over plain http has
/// none): the id is then a version-4 UUID made from `crypto.getRandomValues`.
#[wasm_bindgen_test]
async fn without_random_uuid_the_client_request_id_is_still_a_v4_uuid() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    js("Object.defineProperty(globalThis.crypto, 'randomUUID', { value: undefined, configurable: true })");
    let result = start(TOKEN, &sp, &job, options("{}")).await;
    js("delete globalThis.crypto.randomUUID");
    result.unwrap();
    let reqs = recorded(&sp).await;
    let id = header(&reqs[0], "client-request-id").expect("client-request-id");
    let groups: Vec<&str> = id.split('-').collect();
    assert_eq!(
        groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12],
        "{id}"
    );
    assert!(
        id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()),
        "{id}"
    );
    assert!(groups[2].starts_with('4'), "version 4: {id}");
    assert!(
        matches!(&groups[3][..1], "8" | "9" | "a" | "b"),
        "variant: {id}"
    );
    assert_ne!(id, guid(), "randomUUID is back");
}

#[wasm_bindgen_test]
async fn unknown_token_is_401_with_every_field() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    let secret = format!("not-a-known-token-{}", guid());
    let err = start_err(secret.as_str(), &sp, &job, options("{}")).await;
    assert_eq!(get_str(&err, "kind").as_deref(), Some("http"));
    assert_eq!(get_num(&err, "status"), Some(401.0));
    assert_eq!(
        get_str(&err, "code").as_deref(),
        Some("InvalidAuthenticationToken")
    );
    let reqs = recorded(&sp).await;
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        get_str(&err, "clientRequestId"),
        header(&reqs[0], "client-request-id")
    );
    let request_id = get_str(&err, "requestId").expect("requestId");
    assert_eq!(request_id.len(), 36);
    assert_eq!(
        get_str(&get(&err, "headers"), "request-id").as_deref(),
        Some(request_id.as_str())
    );
    let date = get_str(&err, "date").expect("date");
    assert!(date.ends_with('Z') && date.len() == 24, "{date}");
    let inner: js_sys::Array = get(&err, "innerErrors").into();
    assert!(inner.length() >= 1);
    assert_eq!(
        get_str(&inner.get(0), "request-id").as_deref(),
        Some(request_id.as_str())
    );
    assert!(get_str(&err, "body")
        .unwrap()
        .contains("InvalidAuthenticationToken"));
    assert_eq!(get_num(&err, "attempts"), Some(1.0));
    assert!(
        !to_json_text(&err).contains(&secret),
        "token leaked into toJSON()"
    );
    assert!(!get_str(&err, "message").unwrap().contains(&secret));
}

#[wasm_bindgen_test]
async fn readonly_token_is_403() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    let err = start_err(READONLY_TOKEN, &sp, &job, options("{}")).await;
    assert_eq!(get_num(&err, "status"), Some(403.0));
    assert_eq!(
        get_str(&err, "code").as_deref(),
        Some("Authorization_RequestDenied")
    );
    assert_eq!(
        get_str(&err, "message").as_deref(),
        Some("Insufficient privileges to complete the operation.")
    );
    assert_eq!(
        get_str(&job_status("beta", &sp, &job).await, "code").as_deref(),
        Some("Paused")
    );
}

#[wasm_bindgen_test]
async fn unknown_job_is_404() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    let err = start_err(TOKEN, &sp, "AppTemplate.doesnotexist", options("{}")).await;
    assert_eq!(get_num(&err, "status"), Some(404.0));
    assert_eq!(get_str(&err, "kind").as_deref(), Some("http"));
    assert!(get_str(&err, "code").is_some());
}

#[wasm_bindgen_test]
async fn throttled_without_retries_keeps_retry_after() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    fault(
        &sp,
        1,
        r#"{"kind":"status","status":429,"retryAfter":"2.128"}"#,
    )
    .await;
    let err = start_err(TOKEN, &sp, &job, options(r#"{"retry":{"maxRetries":0}}"#)).await;
    assert_eq!(get_num(&err, "status"), Some(429.0));
    assert_eq!(get_num(&err, "retryAfterMs"), Some(2128.0));
    assert_eq!(
        get_str(&get(&err, "headers"), "retry-after").as_deref(),
        Some("2.128")
    );
}

async fn non_graph_body(fault_json: &str, status: f64) -> JsValue {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    fault(&sp, 1, fault_json).await;
    let err = start_err(TOKEN, &sp, &job, options("{}")).await;
    assert_eq!(get_str(&err, "kind").as_deref(), Some("http"));
    assert_eq!(get_num(&err, "status"), Some(status));
    assert_eq!(get_str(&err, "code").as_deref(), Some("unexpectedResponse"));
    assert!(
        get_str(&get(&err, "headers"), "request-id").is_some(),
        "headers kept"
    );
    err
}

#[wasm_bindgen_test]
async fn html_500_body_is_kept_and_explained() {
    let err = non_graph_body(r#"{"kind":"html","status":500}"#, 500.0).await;
    assert!(get_str(&err, "body").unwrap().contains('<'));
    assert!(get_str(&err, "message").unwrap().contains("500"));
}

#[wasm_bindgen_test]
async fn empty_body_is_explained() {
    let err = non_graph_body(r#"{"kind":"empty","status":502}"#, 502.0).await;
    assert_eq!(get_str(&err, "body").as_deref(), Some(""));
    assert!(get_str(&err, "message").unwrap().contains("empty"));
}

#[wasm_bindgen_test]
async fn plain_text_body_is_quoted() {
    let err = non_graph_body(
        r#"{"kind":"text","status":500,"body":"upstream connect error"}"#,
        500.0,
    )
    .await;
    assert!(get_str(&err, "message")
        .unwrap()
        .contains("upstream connect error"));
}

#[wasm_bindgen_test]
async fn truncated_json_is_explained() {
    let err = non_graph_body(r#"{"kind":"truncated","status":500}"#, 500.0).await;
    assert!(get_str(&err, "body").unwrap().starts_with('{'));
    assert!(get_str(&err, "message")
        .unwrap()
        .contains("not a Graph error"));
}

#[wasm_bindgen_test]
async fn dropped_connection_is_a_network_error() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    // Chromium silently resends once on a reused connection closed before any response, so
    // drop more than once to see the failure there too.
    fault(&sp, 4, r#"{"kind":"drop"}"#).await;
    let err = start_err(TOKEN, &sp, &job, options(r#"{"retry":{"maxRetries":0}}"#)).await;
    assert_eq!(get_str(&err, "kind").as_deref(), Some("network"));
    assert_eq!(get_num(&err, "status"), Some(0.0));
    assert_eq!(get_str(&err, "code").as_deref(), Some("networkError"));
    assert!(
        get(&err, "cause").is_object(),
        "the platform's error is kept as cause"
    );
    assert_eq!(
        get_str(&err, "clientRequestId"),
        header(&recorded(&sp).await[0], "client-request-id")
    );
}

#[wasm_bindgen_test]
async fn adversarial_ids_are_one_encoded_segment() {
    let sp = guid();
    for (job, encoded) in [
        ("../x", "..%2Fx"),
        ("a/b", "a%2Fb"),
        ("?q=1", "%3Fq%3D1"),
        ("#frag", "%23frag"),
        ("%2F", "%252F"),
        ("a b", "a%20b"),
        ("é✓", "%C3%A9%E2%9C%93"),
        ("...", "..."),
    ] {
        let err = start_err(TOKEN, &sp, job, options(r#"{"retry":{"maxRetries":0}}"#)).await;
        assert_eq!(get_num(&err, "status"), Some(404.0), "{job}");
        let _ = encoded;
    }
    let reqs = recorded(&sp).await;
    let targets: Vec<String> = reqs.iter().map(|r| get_str(r, "target").unwrap()).collect();
    let want: Vec<String> = [
        "..%2Fx",
        "a%2Fb",
        "%3Fq%3D1",
        "%23frag",
        "%252F",
        "a%20b",
        "%C3%A9%E2%9C%93",
        "...",
    ]
    .iter()
    .map(|e| start_url("beta", &sp, e))
    .collect();
    assert_eq!(targets, want);
}

#[wasm_bindgen_test]
async fn refused_input_sends_nothing() {
    let sp = guid();
    let job = job_id();
    let long = "x".repeat(257);
    let cases: Vec<(JsValue, JsValue, JsValue, JsValue, &str)> = vec![
        (
            "".into(),
            sp.clone().into(),
            job.clone().into(),
            options("{}"),
            "token",
        ),
        (
            "   ".into(),
            sp.clone().into(),
            job.clone().into(),
            options("{}"),
            "token",
        ),
        (
            "tok\r\nX-Evil: 1".into(),
            sp.clone().into(),
            job.clone().into(),
            options("{}"),
            "token",
        ),
        (
            "tok\u{0}".into(),
            sp.clone().into(),
            job.clone().into(),
            options("{}"),
            "token",
        ),
        (
            "Bearer abc".into(),
            sp.clone().into(),
            job.clone().into(),
            options("{}"),
            "token",
        ),
        (
            JsValue::from(42),
            sp.clone().into(),
            job.clone().into(),
            options("{}"),
            "token",
        ),
        (
            JsValue::NULL,
            sp.clone().into(),
            job.clone().into(),
            options("{}"),
            "token",
        ),
        (
            TOKEN.into(),
            "".into(),
            job.clone().into(),
            options("{}"),
            "servicePrincipalId",
        ),
        (
            TOKEN.into(),
            " \t".into(),
            job.clone().into(),
            options("{}"),
            "servicePrincipalId",
        ),
        (
            TOKEN.into(),
            JsValue::UNDEFINED,
            job.clone().into(),
            options("{}"),
            "servicePrincipalId",
        ),
        (
            TOKEN.into(),
            sp.clone().into(),
            "".into(),
            options("{}"),
            "jobId",
        ),
        (
            TOKEN.into(),
            sp.clone().into(),
            "..".into(),
            options("{}"),
            "jobId",
        ),
        (
            TOKEN.into(),
            sp.clone().into(),
            long.clone().into(),
            options("{}"),
            "jobId",
        ),
        (
            TOKEN.into(),
            sp.clone().into(),
            JsValue::from(7),
            options("{}"),
            "jobId",
        ),
        (
            TOKEN.into(),
            sp.clone().into(),
            job.clone().into(),
            options(r#"{"apiVersion":"v2"}"#),
            "options.apiVersion",
        ),
        (
            TOKEN.into(),
            sp.clone().into(),
            job.clone().into(),
            obj(r#"{"baseUrl":"ftp://x"}"#),
            "options.baseUrl",
        ),
        (
            TOKEN.into(),
            sp.clone().into(),
            job.clone().into(),
            options(r#"{"cloud":"china"}"#),
            "options.cloud",
        ),
        (
            TOKEN.into(),
            sp.clone().into(),
            job.clone().into(),
            options(r#"{"timeoutMs":-1}"#),
            "options.timeoutMs",
        ),
        (
            TOKEN.into(),
            sp.clone().into(),
            job.clone().into(),
            options(r#"{"retry":{"maxRetries":1000}}"#),
            "options.retry.maxRetries",
        ),
        (
            TOKEN.into(),
            sp.clone().into(),
            job.clone().into(),
            options(r#"{"signal":"stop"}"#),
            "options.signal",
        ),
        (
            TOKEN.into(),
            sp.clone().into(),
            job.clone().into(),
            options(r#"{"clientRequestId":"a b"}"#),
            "options.clientRequestId",
        ),
        (
            TOKEN.into(),
            sp.clone().into(),
            job.clone().into(),
            "fast".into(),
            "options",
        ),
    ];
    for (token, s, j, o, argument) in cases {
        let err = start_synchronization_job_direct(token, s, j, o).await;
        assert_eq!(
            get_str(&err, "kind").as_deref(),
            Some("invalidArgument"),
            "{argument}"
        );
        assert_eq!(get_str(&err, "argument").as_deref(), Some(argument));
        assert_eq!(get_str(&err, "code").as_deref(), Some("invalidArgument"));
        assert_eq!(get_num(&err, "attempts"), Some(0.0));
        assert!(!get_str(&err, "message").unwrap().contains("X-Evil"));
    }
    assert!(
        recorded(&sp).await.is_empty(),
        "a refused call sent a request"
    );
}

async fn start_synchronization_job_direct(
    t: JsValue,
    s: JsValue,
    j: JsValue,
    o: JsValue,
) -> JsValue {
    let err =
        wasm_bindgen_futures::JsFuture::from(graph_sync_job::start_synchronization_job(t, s, j, o))
            .await
            .expect_err("should be refused");
    assert_eq!(get_str(&err, "name").as_deref(), Some("GraphError"));
    err
}

#[wasm_bindgen_test]
async fn throwing_option_getter_is_refused_not_a_crash() {
    // After a valid option, so the one that threw is told apart from the ones read before it.
    let opts = js(r#"{ timeoutMs: 5000, get apiVersion() { throw new Error("boom") } }"#);
    let err =
        start_synchronization_job_direct(TOKEN.into(), guid().into(), job_id().into(), opts).await;
    assert_eq!(
        get_str(&err, "argument").as_deref(),
        Some("options.apiVersion")
    );
    // The module still works afterwards.
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    start(TOKEN, &sp, &job, options("{}")).await.unwrap();
}

#[wasm_bindgen_test]
async fn on_response_reports_graph_ids() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    let opts = options("{}");
    let seen = js("{ calls: [] }");
    let cb = js_sys::Function::new_with_args("seen", "return (info) => seen.calls.push(info)")
        .call1(&JsValue::NULL, &seen)
        .unwrap();
    js_sys::Reflect::set(&opts, &"onResponse".into(), &cb).unwrap();
    js_sys::Reflect::set(
        &opts,
        &"clientRequestId".into(),
        &"11111111-2222-4333-8444-555555555555".into(),
    )
    .unwrap();
    start(TOKEN, &sp, &job, opts).await.unwrap();
    let calls: js_sys::Array = get(&seen, "calls").into();
    assert_eq!(calls.length(), 1);
    let info = calls.get(0);
    assert_eq!(get_num(&info, "status"), Some(204.0));
    assert_eq!(get_num(&info, "attempts"), Some(1.0));
    assert_eq!(
        get_str(&info, "clientRequestId").as_deref(),
        Some("11111111-2222-4333-8444-555555555555")
    );
    let request_id = get_str(&info, "requestId").expect("request-id readable (exposed by CORS)");
    assert_eq!(
        get_str(&get(&info, "headers"), "request-id"),
        Some(request_id)
    );
    assert_eq!(
        header(&recorded(&sp).await[0], "client-request-id").as_deref(),
        Some("11111111-2222-4333-8444-555555555555")
    );
}

#[wasm_bindgen_test]
async fn unexpected_2xx_is_an_error_with_its_body() {
    let err = non_graph_body(
        r#"{"kind":"text","status":200,"body":"{\"value\":[]}"}"#,
        200.0,
    )
    .await;
    assert_eq!(get_str(&err, "body").as_deref(), Some(r#"{"value":[]}"#));
    assert!(get_str(&err, "message").unwrap().contains("204"));
}

#[wasm_bindgen_test]
async fn graph_error_json_is_read_whatever_the_content_type() {
    // text/plain, nested inner errors in both spellings, details and target.
    let body = r#"{"error":{"code":"Request_BadRequest","message":"Invalid job.","target":"jobId","details":[{"code":"D1","message":"dm","target":"t"}],"innererror":{"code":"Mid","request-id":"body-request-id","date":"2025-02-13T10:17:05","innerError":{"code":"Deep"}}}}"#;
    let fault_json = format!(
        r#"{{"kind":"text","status":400,"body":{}}}"#,
        js_sys::JSON::stringify(&body.into())
            .unwrap()
            .as_string()
            .unwrap()
    );
    let (sp, job) = (guid(), job_id());
    fault(&sp, 1, &fault_json).await;
    let err = start_err(TOKEN, &sp, &job, options("{}")).await;
    assert_eq!(get_str(&err, "code").as_deref(), Some("Request_BadRequest"));
    assert_eq!(get_str(&err, "message").as_deref(), Some("Invalid job."));
    assert_eq!(get_str(&err, "target").as_deref(), Some("jobId"));
    assert_eq!(
        get_str(&err, "requestId").as_deref(),
        Some("body-request-id")
    );
    assert_eq!(
        get_str(&err, "date").as_deref(),
        Some("2025-02-13T10:17:05.000Z")
    );
    let inner: Vec<_> = js_sys::Array::from(&get(&err, "innerErrors"))
        .iter()
        .map(|e| get_str(&e, "code").unwrap())
        .collect();
    assert_eq!(inner, ["Mid", "Deep"]);
    assert_eq!(js_sys::Array::from(&get(&err, "details")).length(), 1);
}

#[wasm_bindgen_test]
async fn long_bodies_are_capped() {
    let (sp, job) = (guid(), job_id());
    let long = "x".repeat(70 * 1024);
    fault(
        &sp,
        1,
        &format!(r#"{{"kind":"text","status":500,"body":"{long}"}}"#),
    )
    .await;
    let err = start_err(TOKEN, &sp, &job, options("{}")).await;
    assert_eq!(get_str(&err, "body").unwrap().len(), 64 * 1024);
    assert_eq!(get(&err, "bodyTruncated").as_bool(), Some(true));
}
