//! Every export but start against the emulator over real HTTP, in Node and (with
//! WASM_BINDGEN_USE_BROWSER=1) in headless Chromium: reads, list paging, pause, restart's exact
//! body, ifStatus, hints, bulk calls through $batch, and waiting for a cycle.
#![cfg(target_arch = "wasm32")]

mod common;
use common::*;
use graph_sync_job as g;
use js_sys::{Array, Function, Promise, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

async fn done(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

/// An export taking (token, servicePrincipalId, jobId, options), called with the demo token.
fn on_job(
    export: fn(JsValue, JsValue, JsValue, JsValue) -> Promise,
    sp: &str,
    job: &str,
    opts: JsValue,
) -> Promise {
    export(TOKEN.into(), sp.into(), job.into(), opts)
}

async fn graph_error(p: Promise) -> JsValue {
    let e = done(p).await.expect_err("the call should have failed");
    assert_eq!(get_str(&e, "name").as_deref(), Some("GraphError"));
    e
}

fn stringify(v: &JsValue) -> String {
    JSON::stringify(v).unwrap().as_string().unwrap()
}

/// The job as the emulator serves it to a plain GET (without @odata.context).
async fn served(sp: &str, job: &str) -> JsValue {
    let v = served_job("beta", sp, job).await;
    Reflect::delete_property(&v.clone().into(), &"@odata.context".into()).unwrap();
    v
}

fn posts(reqs: &[JsValue]) -> Vec<String> {
    reqs.iter()
        .filter(|r| get_str(r, "method").as_deref() == Some("POST"))
        .map(|r| get_str(r, "target").unwrap())
        .collect()
}

#[wasm_bindgen_test]
async fn get_resolves_with_the_job_exactly_as_served() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Quarantine").await;
    let got = done(on_job(g::get_synchronization_job, &sp, &job, options("{}")))
        .await
        .unwrap();
    assert_eq!(stringify(&got), stringify(&served(&sp, &job).await));
    assert_eq!(
        get_str(&get(&got, "status"), "code").as_deref(),
        Some("Quarantine")
    );
    assert!(get(&got, "@odata.context").is_undefined());
}

#[wasm_bindgen_test]
async fn list_follows_next_links_across_pages() {
    let sp = guid();
    let jobs: Vec<String> = (0..5).map(|_| job_id()).collect();
    for j in &jobs {
        job_in_state(&sp, j, "Paused").await;
    }
    control("POST", "/paging", Some(r#"{"pageSize":2}"#)).await;
    let listed = done(g::list_synchronization_jobs(
        TOKEN.into(),
        sp.as_str().into(),
        options("{}"),
    ))
    .await;
    control("POST", "/paging", Some(r#"{"pageSize":null}"#)).await;
    let listed = Array::from(&listed.unwrap());
    let ids: Vec<String> = listed.iter().map(|j| get_str(&j, "id").unwrap()).collect();
    assert_eq!(ids, jobs, "every job once, in order");
    let gets = recorded(&sp)
        .await
        .into_iter()
        .filter(|r| get_str(r, "method").as_deref() == Some("GET"))
        .count();
    assert_eq!(gets, 3, "three pages of 2, 2 and 1");
}

#[wasm_bindgen_test]
async fn pause_and_restart_send_exactly_the_documented_requests() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Active").await;
    let r = done(on_job(
        g::pause_synchronization_job,
        &sp,
        &job,
        options("{}"),
    ))
    .await
    .unwrap();
    assert_eq!(get_num(&r, "status"), Some(204.0));
    assert_eq!(get(&r, "skipped").as_bool(), Some(false));
    assert!(get_str(&r, "requestId").is_some() && get_str(&r, "clientRequestId").is_some());
    assert_eq!(
        get_str(&get(&served(&sp, &job).await, "status"), "code").as_deref(),
        Some("Paused")
    );

    let opts = options(r#"{"resetScope":["Watermark","Escrows"]}"#);
    done(on_job(g::restart_synchronization_job, &sp, &job, opts))
        .await
        .unwrap();
    done(on_job(
        g::restart_synchronization_job,
        &sp,
        &job,
        options("{}"),
    ))
    .await
    .unwrap();
    let reqs: Vec<JsValue> = recorded(&sp)
        .await
        .into_iter()
        .filter(|r| get_str(r, "method").as_deref() == Some("POST"))
        .collect();
    let targets: Vec<String> = reqs.iter().map(|r| get_str(r, "target").unwrap()).collect();
    let base = format!("/beta/servicePrincipals/{sp}/synchronization/jobs/{job}");
    assert_eq!(
        targets,
        [
            format!("{base}/pause"),
            format!("{base}/restart"),
            format!("{base}/restart")
        ]
    );
    assert_eq!(
        get_str(&reqs[1], "body").as_deref(),
        Some(r#"{"criteria":{"resetScope":"Watermark, Escrows"}}"#)
    );
    assert_eq!(
        header(&reqs[1], "content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(
        get_str(&reqs[2], "body").unwrap_or_default(),
        "",
        "no criteria without resetScope"
    );
}

#[wasm_bindgen_test]
async fn refused_reset_scopes_send_nothing() {
    let (sp, job) = (guid(), job_id());
    for scope in [
        r#"["None"]"#,
        r#"["ConnectorDataStore"]"#,
        r#"["Watermark","full"]"#,
        "[]",
        r#""Full""#,
    ] {
        let opts = options(&format!(r#"{{"resetScope":{scope}}}"#));
        let e = graph_error(on_job(g::restart_synchronization_job, &sp, &job, opts)).await;
        assert_eq!(
            get_str(&e, "kind").as_deref(),
            Some("invalidArgument"),
            "{scope}"
        );
        assert_eq!(
            get_str(&e, "argument").as_deref(),
            Some("options.resetScope"),
            "{scope}"
        );
    }
    // resetScope belongs to restart only.
    let e = graph_error(on_job(
        g::start_synchronization_job,
        &sp,
        &job,
        options(r#"{"resetScope":["Full"]}"#),
    ))
    .await;
    assert!(get_str(&e, "message")
        .unwrap()
        .contains("not an option of this call"));
    assert!(recorded(&sp).await.is_empty());
}

#[wasm_bindgen_test]
async fn if_status_reads_first_and_sends_no_post_for_other_states() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Active").await;
    let opts = || options(r#"{"ifStatus":["Paused","Quarantine"]}"#);
    let r = done(on_job(g::start_synchronization_job, &sp, &job, opts()))
        .await
        .unwrap();
    assert_eq!(get(&r, "skipped").as_bool(), Some(true));
    assert_eq!(get_str(&r, "jobStatus").as_deref(), Some("Active"));
    assert!(get(&r, "status").is_undefined());
    assert!(
        posts(&recorded(&sp).await).is_empty(),
        "no POST for an active job"
    );

    job_in_state(&sp, &job, "Quarantine").await;
    let r = done(on_job(g::start_synchronization_job, &sp, &job, opts()))
        .await
        .unwrap();
    assert_eq!(
        (
            get(&r, "skipped").as_bool(),
            get_num(&r, "status"),
            get_num(&r, "attempts"),
            get_str(&r, "jobStatus")
        ),
        (
            Some(false),
            Some(204.0),
            Some(2.0),
            Some("Quarantine".to_owned())
        )
    );
    assert_eq!(posts(&recorded(&sp).await).len(), 1);
}

#[wasm_bindgen_test]
async fn hints_name_the_likely_cause() {
    let (sp, job) = (guid(), job_id());
    // An unknown service principal (an appId passed by mistake).
    let e = graph_error(on_job(
        g::start_synchronization_job,
        &sp,
        &job,
        options("{}"),
    ))
    .await;
    assert_eq!(get_num(&e, "status"), Some(404.0));
    assert!(
        get_str(&e, "hint").unwrap().contains("object id"),
        "{:?}",
        get_str(&e, "hint")
    );
    // A known service principal without that job.
    job_in_state(&sp, &job_id(), "Paused").await;
    let e = graph_error(on_job(g::get_synchronization_job, &sp, &job, options("{}"))).await;
    assert!(get_str(&e, "hint")
        .unwrap()
        .contains("listSynchronizationJobs"));
    // A read-only token.
    job_in_state(&sp, &job, "Paused").await;
    let e = graph_error(g::pause_synchronization_job(
        READONLY_TOKEN.into(),
        sp.as_str().into(),
        job.as_str().into(),
        options("{}"),
    ))
    .await;
    assert_eq!(get_num(&e, "status"), Some(403.0));
    assert!(get_str(&e, "hint")
        .unwrap()
        .contains("Synchronization.ReadWrite.All"));
    // 401 UnknownError with an empty message (missing rights).
    fault(
        &format!("{job}/start"),
        1,
        r#"{"kind":"status","status":401,"code":"UnknownError","message":""}"#,
    )
    .await;
    let e = graph_error(on_job(
        g::start_synchronization_job,
        &sp,
        &job,
        options("{}"),
    ))
    .await;
    assert_eq!(get_str(&e, "code").as_deref(), Some("UnknownError"));
    assert!(get_str(&e, "hint")
        .unwrap()
        .contains("Application.ReadWrite.OwnedBy"));
    // No hint where the response shows no likely cause.
    fault(
        &format!("{job}/start"),
        1,
        r#"{"kind":"status","status":500}"#,
    )
    .await;
    let e = graph_error(on_job(
        g::start_synchronization_job,
        &sp,
        &job,
        options(r#"{"retry":{"maxRetries":0}}"#),
    ))
    .await;
    assert!(get(&e, "hint").is_undefined());
}

// ---- bulk ----

/// A bulk export called with the demo token on these (servicePrincipalId, jobId) pairs.
fn on_jobs(
    export: fn(JsValue, JsValue, JsValue) -> Promise,
    pairs: &[(String, String)],
    opts: JsValue,
) -> Promise {
    export(TOKEN.into(), jobs_array(pairs), opts)
}

fn jobs_array(pairs: &[(String, String)]) -> JsValue {
    let a = Array::new();
    for (sp, job) in pairs {
        a.push(&obj(&format!(
            r#"{{"servicePrincipalId":"{sp}","jobId":"{job}"}}"#
        )));
    }
    a.into()
}

/// The sub-requests of every recorded $batch that names `marker`: (method, url) per batch.
async fn batches(marker: &str) -> Vec<Vec<(String, String)>> {
    let all = control("GET", "/requests?pathContains=%24batch", None).await;
    Array::from(&get(&all, "requests"))
        .iter()
        .filter_map(|r| get_str(&r, "body"))
        .filter(|b| b.contains(marker))
        .map(|b| {
            Array::from(&get(&JSON::parse(&b).unwrap(), "requests"))
                .iter()
                .map(|s| (get_str(&s, "method").unwrap(), get_str(&s, "url").unwrap()))
                .collect()
        })
        .collect()
}

async fn paused_jobs(sp: &str, n: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for _ in 0..n {
        let j = job_id();
        job_in_state(sp, &j, "Paused").await;
        out.push((sp.to_owned(), j));
    }
    out
}

#[wasm_bindgen_test]
async fn batches_of_20_21_and_41_items() {
    for (n, sizes) in [(20, vec![20]), (21, vec![20, 1]), (41, vec![20, 20, 1])] {
        let sp = guid();
        let pairs = paused_jobs(&sp, n).await;
        let results = done(on_jobs(
            g::start_synchronization_jobs,
            &pairs,
            options("{}"),
        ))
        .await
        .unwrap();
        let results = Array::from(&results);
        assert_eq!(results.length() as usize, n);
        for (i, r) in results.iter().enumerate() {
            assert_eq!(get(&r, "ok").as_bool(), Some(true), "{n}: item {i}");
            assert_eq!(
                get_str(&r, "jobId").as_deref(),
                Some(pairs[i].1.as_str()),
                "input order"
            );
        }
        let mut got: Vec<usize> = batches(&sp).await.iter().map(Vec::len).collect();
        got.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(got, sizes, "{n} items");
        assert_eq!(
            get_str(&get(&served(&sp, &pairs[n - 1].1).await, "status"), "code").as_deref(),
            Some("Active")
        );
    }
}

#[wasm_bindgen_test]
async fn a_throttled_item_is_retried_after_its_retry_after_then_ok() {
    let sp = guid();
    let pairs = paused_jobs(&sp, 3).await;
    fault(
        &format!("{}/start", pairs[1].1),
        1,
        r#"{"kind":"status","status":429,"retryAfter":"1"}"#,
    )
    .await;
    let started = now();
    let results = Array::from(
        &done(on_jobs(
            g::start_synchronization_jobs,
            &pairs,
            options("{}"),
        ))
        .await
        .unwrap(),
    );
    assert!(now() - started >= 1000.0, "waited the item's Retry-After");
    assert!(results
        .iter()
        .all(|r| get(&r, "ok").as_bool() == Some(true)));
    let b = batches(&sp).await;
    assert_eq!(b.len(), 2);
    assert_eq!(
        b[1],
        [(
            "POST".to_owned(),
            format!(
                "/servicePrincipals/{sp}/synchronization/jobs/{}/start",
                pairs[1].1
            )
        )]
    );
}

#[wasm_bindgen_test]
async fn a_mix_of_ok_404_and_403_keeps_input_order_and_never_rejects() {
    let sp = guid();
    let mut pairs = paused_jobs(&sp, 2).await;
    pairs.insert(1, (guid(), job_id())); // no such service principal: 404
    fault(
        &format!("{}/pause", pairs[2].1),
        1,
        r#"{"kind":"status","status":403}"#,
    )
    .await;
    let progress = Array::new();
    let opts = options("{}");
    let push = Function::new_with_args("a", "return (p) => a.push(p)")
        .call1(&JsValue::NULL, &progress)
        .unwrap();
    Reflect::set(&opts, &"onProgress".into(), &push).unwrap();
    let results = Array::from(
        &done(on_jobs(g::pause_synchronization_jobs, &pairs, opts))
            .await
            .unwrap(),
    );
    let summary: Vec<(bool, Option<f64>)> = results
        .iter()
        .map(|r| (get(&r, "ok").as_bool().unwrap(), get_num(&r, "status")))
        .collect();
    assert_eq!(
        summary,
        [
            (true, Some(204.0)),
            (false, Some(404.0)),
            (false, Some(403.0))
        ]
    );
    let e = get(&results.get(1), "error");
    assert!(e.is_instance_of::<js_sys::Error>());
    assert_eq!(
        get_str(&e, "code").as_deref(),
        Some("Request_ResourceNotFound")
    );
    assert!(get_str(&e, "hint").unwrap().contains("object id"));
    let last = progress.get(progress.length() - 1);
    assert_eq!(
        stringify(&last),
        r#"{"done":3,"total":3,"ok":1,"failed":2,"skipped":0}"#
    );
}

#[wasm_bindgen_test]
async fn bulk_if_status_skips_items_and_sends_no_post_for_them() {
    let sp = guid();
    let pairs = paused_jobs(&sp, 3).await;
    job_in_state(&sp, &pairs[0].1, "Active").await;
    let results = Array::from(
        &done(on_jobs(
            g::start_synchronization_jobs,
            &pairs,
            options(r#"{"ifStatus":["Paused"]}"#),
        ))
        .await
        .unwrap(),
    );
    assert_eq!(get(&results.get(0), "skipped").as_bool(), Some(true));
    assert_eq!(
        get_str(&results.get(0), "jobStatus").as_deref(),
        Some("Active")
    );
    assert_eq!(get(&results.get(1), "ok").as_bool(), Some(true));
    let sent: Vec<(String, String)> = batches(&sp).await.concat();
    let posted: Vec<&String> = sent
        .iter()
        .filter(|(m, _)| m == "POST")
        .map(|(_, u)| u)
        .collect();
    assert_eq!(posted.len(), 2);
    assert!(
        posted.iter().all(|u| !u.contains(&pairs[0].1)),
        "no POST for the active job"
    );
}

#[wasm_bindgen_test]
async fn duplicates_are_sent_once_and_reported_at_each_position() {
    let sp = guid();
    let pairs = paused_jobs(&sp, 1).await;
    let twice = vec![pairs[0].clone(), pairs[0].clone()];
    let results = Array::from(
        &done(on_jobs(
            g::start_synchronization_jobs,
            &twice,
            options("{}"),
        ))
        .await
        .unwrap(),
    );
    assert_eq!(results.length(), 2);
    assert!(results
        .iter()
        .all(|r| get(&r, "ok").as_bool() == Some(true)));
    assert_eq!(batches(&sp).await.concat().len(), 1);
}

#[wasm_bindgen_test]
async fn abort_mid_way_rejects_and_sends_no_more_batches() {
    let sp = guid();
    let pairs = paused_jobs(&sp, 60).await;
    let controller = web_sys::AbortController::new().unwrap();
    let opts = options(r#"{"concurrency":1}"#);
    Reflect::set(&opts, &"signal".into(), &controller.signal()).unwrap();
    let abort = Function::new_with_args("c", "return () => c.abort(new Error('enough'))")
        .call1(&JsValue::NULL, &controller)
        .unwrap();
    Reflect::set(&opts, &"onProgress".into(), &abort).unwrap();
    let e = graph_error(on_jobs(g::start_synchronization_jobs, &pairs, opts)).await;
    assert_eq!(get_str(&e, "kind").as_deref(), Some("aborted"));
    sleep_ms(300).await;
    assert_eq!(batches(&sp).await.len(), 1, "nothing sent after the abort");
}

/// The error of a bulk start of a good job and then `second`, which the call must refuse.
async fn refused_with_second_item(sp: &str, second: &str) -> JsValue {
    let jobs = js(&format!(
        r#"[{{"servicePrincipalId":"{sp}","jobId":"a"}},{second}]"#
    ));
    let e = graph_error(g::start_synchronization_jobs(
        TOKEN.into(),
        jobs,
        options("{}"),
    ))
    .await;
    assert_eq!(get_str(&e, "argument").as_deref(), Some("jobs"));
    e
}

#[wasm_bindgen_test]
async fn a_bad_item_refuses_the_call_naming_its_index() {
    let sp = guid();
    let e = refused_with_second_item(
        &sp,
        &format!(r#"{{"servicePrincipalId":"{sp}","jobId":""}}"#),
    )
    .await;
    assert!(
        get_str(&e, "message")
            .unwrap()
            .starts_with("jobs[1]: jobId"),
        "{:?}",
        get_str(&e, "message")
    );
    // A field a job does not have is refused, naming the field of the nearer length.
    for (item, message) in [
        (
            format!(r#"{{"servicePrincipalID":"{sp}","jobId":"b"}}"#),
            "jobs[1]: servicePrincipalID is not a field of a job; did you mean servicePrincipalId?",
        ),
        (
            format!(r#"{{"servicePrincipalId":"{sp}","jobID":"b"}}"#),
            "jobs[1]: jobID is not a field of a job; did you mean jobId?",
        ),
    ] {
        let e = refused_with_second_item(&sp, &item).await;
        assert_eq!(get_str(&e, "message").as_deref(), Some(message));
    }
    let e = graph_error(g::start_synchronization_jobs(
        TOKEN.into(),
        js("[]"),
        options(r#"{"concurrency":21}"#),
    ))
    .await;
    assert_eq!(
        get_str(&e, "argument").as_deref(),
        Some("options.concurrency")
    );
    assert!(batches(&sp).await.is_empty());
}

// ---- wait ----

async fn cycling_job(sp: &str, job: &str, outcome: &str) {
    control(
        "PUT",
        &format!("/servicePrincipals/{sp}/jobs/{job}"),
        Some(&format!(
            r#"{{"code":"Paused","cycle":{{"durationMs":1200,"outcome":"{outcome}"}}}}"#
        )),
    )
    .await;
}

fn wait_options(json: &str) -> JsValue {
    let o = options(json);
    Reflect::set(&o, &"pollIntervalMs".into(), &1000.into()).unwrap();
    o
}

#[wasm_bindgen_test]
async fn wait_until_the_cycle_a_start_began_has_ended() {
    let (sp, job) = (guid(), job_id());
    cycling_job(&sp, &job, "succeeded").await;
    done(on_job(
        g::start_synchronization_job,
        &sp,
        &job,
        options("{}"),
    ))
    .await
    .unwrap();
    let polls = Array::new();
    let opts = wait_options("{}");
    let push = Function::new_with_args("a", "return (j) => a.push(j)")
        .call1(&JsValue::NULL, &polls)
        .unwrap();
    Reflect::set(&opts, &"onProgress".into(), &push).unwrap();
    let j = done(on_job(g::wait_for_synchronization_job, &sp, &job, opts))
        .await
        .unwrap();
    let last = get(&get(&j, "status"), "lastExecution");
    assert_eq!(get_str(&last, "state").as_deref(), Some("Succeeded"));
    assert!(get_str(&last, "timeEnded").is_some());
    assert!(polls.length() >= 2, "onProgress after each poll");
}

/// A job whose next cycle ends with `outcome`, started, then waited for with these options.
async fn start_then_wait(outcome: &str, wait: JsValue) -> Result<JsValue, JsValue> {
    let (sp, job) = (guid(), job_id());
    cycling_job(&sp, &job, outcome).await;
    done(on_job(
        g::start_synchronization_job,
        &sp,
        &job,
        options("{}"),
    ))
    .await
    .unwrap();
    done(on_job(g::wait_for_synchronization_job, &sp, &job, wait)).await
}

#[wasm_bindgen_test]
async fn wait_until_steady_state_and_until_active() {
    let j = start_then_wait("succeeded", wait_options(r#"{"until":"steadyState"}"#))
        .await
        .unwrap();
    assert!(!get_str(&get(&j, "status"), "steadyStateLastAchievedTime")
        .unwrap()
        .starts_with("0001"));
    let j = start_then_wait("succeeded", wait_options(r#"{"until":"active"}"#))
        .await
        .unwrap();
    assert_eq!(
        get_str(&get(&j, "status"), "code").as_deref(),
        Some("Active")
    );
}

#[wasm_bindgen_test]
async fn a_cycle_ending_in_quarantine_rejects_job_failed() {
    let e = start_then_wait("quarantine", wait_options("{}"))
        .await
        .expect_err("a quarantine rejects");
    assert_eq!(get_str(&e, "name").as_deref(), Some("GraphError"));
    assert_eq!(get_str(&e, "kind").as_deref(), Some("jobFailed"));
    assert_eq!(get_str(&e, "code").as_deref(), Some("TooManyDeletes"));
    assert_eq!(
        get_str(&get(&get(&e, "job"), "status"), "code").as_deref(),
        Some("Quarantine")
    );
    let plain = to_json_text(&e);
    assert!(
        plain.contains(r#""kind":"jobFailed""#) && plain.contains(r#""job":{"#),
        "{plain}"
    );
}

#[wasm_bindgen_test]
async fn polling_honours_a_429s_retry_after() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    let body = format!(
        r#"{{"match":{{"method":"GET","pathContains":"{job}"}},"count":1,"fault":{{"kind":"status","status":429,"retryAfter":"2"}}}}"#
    );
    control("POST", "/faults", Some(&body)).await;
    job_in_state(&sp, &job, "Active").await;
    let e = done(on_job(
        g::wait_for_synchronization_job,
        &sp,
        &job,
        wait_options(r#"{"until":"active"}"#),
    ))
    .await;
    assert!(e.is_ok());
    let gets: Vec<f64> = recorded(&sp)
        .await
        .iter()
        .filter(|r| get_str(r, "method").as_deref() == Some("GET"))
        .map(|r| get_num(r, "receivedAt").unwrap())
        .collect();
    assert_eq!(gets.len(), 2);
    assert!(
        gets[1] - gets[0] >= 1990.0,
        "waited {} ms",
        gets[1] - gets[0]
    );
}

#[wasm_bindgen_test]
async fn abort_during_a_wait_stops_it_at_once() {
    let (sp, job) = (guid(), job_id());
    job_in_state(&sp, &job, "Paused").await;
    let controller = web_sys::AbortController::new().unwrap();
    let opts = wait_options(r#"{"until":"active"}"#);
    Reflect::set(&opts, &"signal".into(), &controller.signal()).unwrap();
    abort_later(&controller, 300, &JsValue::from_str("stop"));
    let started = now();
    let e = graph_error(on_job(g::wait_for_synchronization_job, &sp, &job, opts)).await;
    assert_eq!(get_str(&e, "kind").as_deref(), Some("aborted"));
    assert_eq!(get(&e, "cause").as_string().as_deref(), Some("stop"));
    assert!(now() - started < 900.0, "stopped during the poll interval");
}
