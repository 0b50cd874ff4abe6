//! Bindings to the platform: the global `fetch`, the JS glue, `crypto`, clocks.

use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/js/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeGraphError)]
    pub fn make_graph_error(fields: &JsValue, cause: &JsValue) -> JsValue;

    /// Calls `f.call(this_arg, arg)`, always returning a promise (sync throws become rejections).
    #[wasm_bindgen(js_name = callAsync)]
    pub fn call_async(f: &js_sys::Function, this_arg: &JsValue, arg: &JsValue) -> Promise;

    #[wasm_bindgen(js_name = sleep)]
    pub fn sleep(ms: f64, signal: &web_sys::AbortSignal) -> Promise;

    #[wasm_bindgen(js_name = untilAborted)]
    pub fn until_aborted(promise: &Promise, signal: &web_sys::AbortSignal) -> Promise;

    /// The call's own abort controller, fired by the caller's signal or the deadline.
    pub type Stopper;
    #[wasm_bindgen(constructor)]
    pub fn new(user_signal: &JsValue, timeout_ms: f64) -> Stopper;
    #[wasm_bindgen(method, getter)]
    pub fn signal(this: &Stopper) -> web_sys::AbortSignal;
    /// `"aborted"`, `"timeout"`, or undefined while running.
    #[wasm_bindgen(method)]
    pub fn stop(this: &Stopper) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    pub fn cause(this: &Stopper) -> JsValue;
    #[wasm_bindgen(method)]
    pub fn dispose(this: &Stopper);
}

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (windows, workers and Node alike), bound as gloo-net binds it. Called with
    /// a URL and an init rather than through gloo-net's RequestBuilder, which constructs the Request
    /// twice (a measurable share of the client's overhead per call in Node, see README "Benchmarks"), and
    /// so that a network failure's original error (with Node's `cause`) is kept.
    /// `catch`: a fetch polyfill may throw synchronously; that must not unwind through wasm.
    #[wasm_bindgen(catch, js_name = fetch)]
    pub fn fetch_with_init(input: &str, init: &web_sys::RequestInit) -> Result<Promise, JsValue>;
}

/// A fresh client-request-id: `crypto.randomUUID()`, else a v4 UUID from `crypto.getRandomValues`
/// (randomUUID exists only in secure contexts), else from `Math.random`.
pub fn new_client_request_id() -> String {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).unwrap_or(JsValue::UNDEFINED);
    if crypto.is_object() {
        if let Ok(f) = Reflect::get(&crypto, &"randomUUID".into()) {
            if let Some(f) = f.dyn_ref::<js_sys::Function>() {
                if let Some(s) = f.call0(&crypto).ok().and_then(|v| v.as_string()) {
                    return s;
                }
            }
        }
        if let Ok(f) = Reflect::get(&crypto, &"getRandomValues".into()) {
            if let Some(f) = f.dyn_ref::<js_sys::Function>() {
                let buf = Uint8Array::new_with_length(16);
                if f.call1(&crypto, &buf).is_ok() {
                    let mut bytes = [0u8; 16];
                    buf.copy_to(&mut bytes);
                    return crate::input::uuid_v4(bytes);
                }
            }
        }
    }
    let mut bytes = [0u8; 16];
    for b in &mut bytes {
        *b = (js_sys::Math::random() * 256.0) as u8;
    }
    crate::input::uuid_v4(bytes)
}

/// `Date.parse`, as `None` when it gives NaN.
pub fn parse_http_date(s: &str) -> Option<f64> {
    let t = js_sys::Date::parse(s);
    t.is_finite().then_some(t)
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}
