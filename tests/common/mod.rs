//! Helpers for the wasm-bindgen-test suites: the emulator's URL (compiled in from
//! `GRAPH_EMULATOR_URL`, so a missing emulator fails the build rather than skipping), its control
//! API, and reading `GraphError` fields.
#![allow(dead_code)]

use graph_sync_job::start_synchronization_job;
use js_sys::{Function, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

pub const EMULATOR: &str = env!("GRAPH_EMULATOR_URL");
pub const TOKEN: &str = "demo-token-readwrite";
pub const READONLY_TOKEN: &str = "demo-token-readonly";

/// A fresh GUID, so each test has its own service principal and its own recordings.
pub fn guid() -> String {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).unwrap();
    let f: Function = Reflect::get(&crypto, &"randomUUID".into()).unwrap().into();
    f.call0(&crypto).unwrap().as_string().unwrap()
}

pub fn job_id() -> String {
    format!("AppTemplate.{}", guid().replace('-', ""))
}

pub fn js(code: &str) -> JsValue {
    Function::new_no_args(&format!("return ({code});"))
        .call0(&JsValue::NULL)
        .unwrap()
}

pub fn obj(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

pub async fn control(method: &str, path: &str, body: Option<&str>) -> JsValue {
    let url = format!("{EMULATOR}/_emulator{path}");
    let b = gloo_net::http::RequestBuilder::new(&url).method(method.parse().unwrap());
    let resp = match body {
        Some(body) => {
            b.header("Content-Type", "application/json")
                .body(body)
                .unwrap()
                .send()
                .await
        }
        None => b.send().await,
    }
    .unwrap();
    assert!(
        resp.status() < 300,
        "control {method} {path}: {}",
        resp.status()
    );
    let text = resp.text().await.unwrap();
    if text.is_empty() {
        JsValue::NULL
    } else {
        JSON::parse(&text).unwrap()
    }
}

/// Creates (or resets) a job in the given state under a service principal of its own.
pub async fn job_in_state(sp: &str, job: &str, code: &str) {
    control(
        "PUT",
        &format!("/servicePrincipals/{sp}/jobs/{job}"),
        Some(&format!(r#"{{"code":"{code}"}}"#)),
    )
    .await;
}

/// The job as the emulator serves it to a plain GET with the demo token.
pub async fn served_job(version: &str, sp: &str, job: &str) -> JsValue {
    let url = format!("{EMULATOR}/{version}/servicePrincipals/{sp}/synchronization/jobs/{job}");
    let resp = gloo_net::http::Request::get(&url)
        .header("Authorization", &format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    JSON::parse(&resp.text().await.unwrap()).unwrap()
}

pub async fn job_status(version: &str, sp: &str, job: &str) -> JsValue {
    get(&served_job(version, sp, job).await, "status")
}

pub async fn fault(path_contains: &str, count: u32, fault: &str) {
    let body = format!(
        r#"{{"match":{{"method":"POST","pathContains":{}}},"count":{count},"fault":{fault}}}"#,
        JSON::stringify(&path_contains.into())
            .unwrap()
            .as_string()
            .unwrap()
    );
    control("POST", "/faults", Some(&body)).await;
}

/// Recorded Graph requests whose raw target contains `marker`, preflights left out.
pub async fn recorded(marker: &str) -> Vec<JsValue> {
    let q = js_sys::encode_uri_component(marker);
    let all = control("GET", &format!("/requests?pathContains={q}"), None).await;
    let list: js_sys::Array = get(&all, "requests").into();
    list.iter()
        .filter(|r| get(r, "method").as_string().as_deref() != Some("OPTIONS"))
        .collect()
}

pub fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

pub fn get_str(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

pub fn get_num(v: &JsValue, key: &str) -> Option<f64> {
    get(v, key).as_f64()
}

pub fn header(request: &JsValue, name: &str) -> Option<String> {
    get_str(&get(request, "headers"), name)
}

pub fn start_url(version: &str, sp: &str, job: &str) -> String {
    format!("/{version}/servicePrincipals/{sp}/synchronization/jobs/{job}/start")
}

pub fn options(json: &str) -> JsValue {
    let o = obj(json);
    Reflect::set(&o, &"baseUrl".into(), &EMULATOR.into()).unwrap();
    o
}

pub async fn start(
    token: impl Into<JsValue>,
    sp: &str,
    job: &str,
    opts: JsValue,
) -> Result<(), JsValue> {
    JsFuture::from(start_synchronization_job(
        token.into(),
        sp.into(),
        job.into(),
        opts,
    ))
    .await
    .map(|_| ())
}

/// Starts and expects a GraphError; checks the invariants every GraphError keeps.
pub async fn start_err(token: impl Into<JsValue>, sp: &str, job: &str, opts: JsValue) -> JsValue {
    let err = start(token, sp, job, opts)
        .await
        .expect_err("the call should have failed");
    assert!(err.is_instance_of::<js_sys::Error>(), "not an Error");
    assert_eq!(get_str(&err, "name").as_deref(), Some("GraphError"));
    assert!(
        get_str(&err, "stack").is_some_and(|s| !s.is_empty()),
        "no stack"
    );
    assert!(
        get_str(&err, "message").is_some_and(|m| !m.is_empty()),
        "empty message"
    );
    assert!(
        get_str(&err, "code").is_some_and(|m| !m.is_empty()),
        "empty code"
    );
    let json = Reflect::get(&err, &"toJSON".into()).unwrap();
    let plain = Function::from(json).call0(&err).unwrap();
    // structuredClone must accept it (no functions, no class instances).
    let sc: Function = Reflect::get(&js_sys::global(), &"structuredClone".into())
        .unwrap()
        .into();
    sc.call1(&JsValue::NULL, &plain)
        .expect("toJSON() output is not structured-clone safe");
    err
}

pub fn to_json_text(err: &JsValue) -> String {
    let json = Function::from(Reflect::get(err, &"toJSON".into()).unwrap())
        .call0(err)
        .unwrap();
    JSON::stringify(&json).unwrap().as_string().unwrap()
}

pub fn now() -> f64 {
    js_sys::Date::now()
}

/// Aborts `controller` after `ms` milliseconds.
pub fn abort_later(controller: &web_sys::AbortController, ms: u32, reason: &JsValue) {
    let f = Function::new_with_args("c, ms, r", "setTimeout(() => c.abort(r), ms)");
    f.call3(&JsValue::NULL, controller, &ms.into(), reason)
        .unwrap();
}

pub async fn sleep_ms(ms: u32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        Function::new_with_args("r, ms", "setTimeout(r, ms)")
            .call2(&JsValue::NULL, &resolve, &ms.into())
            .unwrap();
    });
    JsFuture::from(p).await.unwrap();
}

pub fn new_object() -> Object {
    Object::new()
}
