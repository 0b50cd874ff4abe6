//! Conversions at the boundary: parsed JSON into [`Json`], [`ErrorData`] into a `GraphError`.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::platform;
use crate::error::ErrorData;
use crate::json::{Json, MAX_DEPTH, MAX_ITEMS};

/// Converts a `JSON.parse` result (plain data only), bounded in depth and width.
pub fn json_from_js(v: &JsValue, depth: usize) -> Json {
    if depth >= MAX_DEPTH || v.is_null() || v.is_undefined() {
        return Json::Null;
    }
    if let Some(b) = v.as_bool() {
        return Json::Bool(b);
    }
    if let Some(n) = v.as_f64() {
        return Json::Number(n);
    }
    if let Some(s) = v.as_string() {
        return Json::String(s);
    }
    if Array::is_array(v) {
        let a: &Array = v.unchecked_ref();
        let n = a.length().min(MAX_ITEMS as u32);
        return Json::Array((0..n).map(|i| json_from_js(&a.get(i), depth + 1)).collect());
    }
    if let Some(o) = v.dyn_ref::<Object>() {
        let keys = Object::keys(o);
        let n = keys.length().min(MAX_ITEMS as u32);
        let members = (0..n)
            .filter_map(|i| {
                let k = keys.get(i);
                let val = Reflect::get(o, &k).ok()?;
                Some((k.as_string()?, json_from_js(&val, depth + 1)))
            })
            .collect();
        return Json::Object(members);
    }
    Json::Null
}

pub fn json_to_js(j: &Json) -> JsValue {
    match j {
        Json::Null => JsValue::NULL,
        Json::Bool(b) => JsValue::from_bool(*b),
        Json::Number(n) => JsValue::from_f64(*n),
        Json::String(s) => JsValue::from_str(s),
        Json::Array(items) => items.iter().map(json_to_js).collect::<Array>().into(),
        Json::Object(members) => {
            let o = Object::new();
            for (k, v) in members {
                set(&o, k, &json_to_js(v));
            }
            o.into()
        }
    }
}

pub fn set(o: &Object, key: &str, value: &JsValue) {
    // Setting a data property on a fresh plain object cannot fail.
    let _ = Reflect::set(o, &JsValue::from_str(key), value);
}

fn opt_str(s: &Option<String>) -> JsValue {
    s.as_deref().map_or(JsValue::UNDEFINED, JsValue::from_str)
}

pub fn headers_object(headers: &[(String, String)]) -> Object {
    let o = Object::new();
    for (k, v) in headers {
        set(&o, k, &JsValue::from_str(v));
    }
    o
}

/// The plain fields object a `GraphError` is made from.
pub fn fields(d: &ErrorData) -> Object {
    let o = Object::new();
    set(&o, "kind", &d.kind.as_str().into());
    set(&o, "status", &JsValue::from(d.status));
    set(&o, "code", &JsValue::from_str(&d.code));
    set(&o, "message", &JsValue::from_str(&d.message));
    set(&o, "requestId", &opt_str(&d.request_id));
    set(&o, "clientRequestId", &opt_str(&d.client_request_id));
    set(&o, "date", &opt_str(&d.date));
    set(
        &o,
        "innerErrors",
        &d.inner_errors.iter().map(json_to_js).collect::<Array>(),
    );
    set(
        &o,
        "details",
        &d.details.iter().map(json_to_js).collect::<Array>(),
    );
    set(&o, "target", &opt_str(&d.target));
    set(
        &o,
        "retryAfterMs",
        &d.retry_after_ms
            .map_or(JsValue::UNDEFINED, JsValue::from_f64),
    );
    set(&o, "headers", &headers_object(&d.headers));
    set(&o, "body", &opt_str(&d.body));
    set(&o, "bodyTruncated", &JsValue::from_bool(d.body_truncated));
    set(&o, "attempts", &JsValue::from(d.attempts));
    set(
        &o,
        "argument",
        &d.argument.map_or(JsValue::UNDEFINED, JsValue::from_str),
    );
    o
}

/// A `GraphError` instance; `cause` is attached when not undefined.
pub fn graph_error(d: &ErrorData, cause: &JsValue) -> JsValue {
    platform::make_graph_error(&fields(d), cause)
}
