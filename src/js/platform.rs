//! Bindings to the platform and to the JS driver (`glue.js`).

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::api::Machine;

#[wasm_bindgen(module = "/src/js/glue.js")]
extern "C" {
    /// Runs the engine to the end: performs its actions and reports back. Never throws
    /// synchronously. The rest is what the driver needs of the checked arguments.
    #[allow(clippy::too_many_arguments)]
    pub fn drive(
        machine: Machine,
        kind: &str,
        source: &JsValue,
        get_token: JsValue,
        scopes: JsValue,
        signal: JsValue,
        timeout_ms: f64,
        client_request_id: &str,
        on_retry: JsValue,
        on_response: JsValue,
        on_progress: JsValue,
        error_limit: u32,
        paths: &str,
    ) -> Promise;

    /// A promise rejected with a `GraphError` made of these fields (JSON text).
    pub fn reject(fields: &str) -> Promise;

    /// A copy of an array's items: `false` when not an array, `null` when longer than `max` or
    /// unreadable. Never throws.
    #[wasm_bindgen(js_name = listOf)]
    pub fn list_of(v: &JsValue, max: u32) -> JsValue;

    /// The own data property `key` of `o`, else undefined. Never throws.
    #[wasm_bindgen(js_name = ownValue)]
    pub fn own_value(o: &JsValue, key: &str) -> JsValue;

    /// A credential's `getToken` (own or its class's, never `Object.prototype`'s); `null` when
    /// reading it threw. Never throws.
    #[wasm_bindgen(js_name = getTokenOf)]
    pub fn get_token_of(o: &JsValue) -> JsValue;

    /// The own enumerable properties of a plain object as `[key, value, ...]` (`[]` for
    /// undefined or null; `undefined` values left out), or a string saying why it is not one; when
    /// a getter throws, the list ends with its key alone. Read in one crossing. Never throws.
    #[wasm_bindgen(js_name = ownEntries)]
    pub fn own_entries(v: &JsValue) -> JsValue;

    /// Whether a string is well-formed UTF-16 (no lone surrogate). Never throws.
    #[wasm_bindgen(js_name = wellFormed)]
    pub fn well_formed(s: &js_sys::JsString) -> bool;

    /// A fresh client-request-id: `crypto.randomUUID()`, else a v4 UUID from
    /// `crypto.getRandomValues` (randomUUID exists only in secure contexts), else `Math.random`.
    #[wasm_bindgen(js_name = newClientRequestId)]
    fn client_request_id_of() -> JsValue;

    /// `new Date(ms).toISOString()` in one crossing, for the range a Date can hold.
    #[wasm_bindgen(js_name = isoDate)]
    fn iso_date_of(ms: f64) -> JsValue;
}

/// A fresh client-request-id (see `newClientRequestId`, which always gives a string). The JS
/// helpers give strings back as JS values, read with `as_string` like every other string.
pub fn new_client_request_id() -> String {
    client_request_id_of().as_string().unwrap_or_default()
}

/// `Date.parse`, as `None` when it gives NaN.
pub fn parse_date(s: &str) -> Option<f64> {
    let t = js_sys::Date::parse(s);
    t.is_finite().then_some(t)
}

/// `new Date(ms).toISOString()`, for the range a Date can hold.
pub fn iso_date(ms: f64) -> Option<String> {
    if ms.is_finite() && ms.abs() <= 8.64e15 {
        iso_date_of(ms).as_string()
    } else {
        None
    }
}
