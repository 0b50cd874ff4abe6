//! `startSynchronizationJob`: argument reading, the attempt loop, and the JS-facing results.

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::convert::{self, set};
use super::platform::{self, Stopper};
use crate::error::{self, ErrorData, ErrorKind, HttpResponse};
use crate::input::{self, ApiVersion, InvalidArgument};
use crate::retry::{self, Decision, Outcome, RetryPolicy};
use crate::text::decimal;

/// Bodies longer than this many UTF-16 units are cut before they are copied into wasm memory.
const MAX_READ_CHARS: u32 = 1024 * 1024;

/// Starts (or resumes) a synchronization job: `POST .../jobs/{jobId}/start`, resolving on 204.
/// Types are hand-written in the package's `index.d.ts`.
#[wasm_bindgen(js_name = startSynchronizationJob, skip_typescript)]
pub async fn start_synchronization_job(
    token: JsValue,
    service_principal_id: JsValue,
    job_id: JsValue,
    options: JsValue,
) -> Result<(), JsValue> {
    let call = match Call::prepare(&token, &service_principal_id, &job_id, &options) {
        Ok(call) => call,
        Err(e) => {
            return Err(convert::graph_error(
                &ErrorData::invalid_argument(e),
                &JsValue::UNDEFINED,
            ))
        }
    };
    let stopper = Stopper::new(&call.signal, call.timeout_ms);
    let result = call.run(&stopper).await;
    stopper.dispose();
    result
}

/// Where the token comes from.
enum TokenSource {
    Static(String),
    /// A function returning a token or a promise of one (e.g. wrapping MSAL's acquireTokenSilent).
    Function(Function),
    /// An object with `getToken(scopes)` resolving to `{ token }` (an @azure/identity TokenCredential).
    Credential(JsValue, Function),
}

struct Call {
    token: TokenSource,
    url: String,
    scope: String,
    client_request_id: String,
    policy: RetryPolicy,
    signal: JsValue,
    timeout_ms: f64,
    on_retry: Option<Function>,
    on_response: Option<Function>,
}

/// Reads `obj[key]`, refusing getters that throw; `undefined` and `null` are absent.
fn get(
    obj: &JsValue,
    key: &str,
    argument: &'static str,
) -> Result<Option<JsValue>, InvalidArgument> {
    let v = Reflect::get(obj, &JsValue::from_str(key))
        .map_err(|_| InvalidArgument::problem(argument, "could not be read"))?;
    Ok((!v.is_undefined() && !v.is_null()).then_some(v))
}

fn string(v: Option<JsValue>, argument: &'static str) -> Result<Option<String>, InvalidArgument> {
    v.map(|v| {
        v.as_string()
            .ok_or_else(|| InvalidArgument::problem(argument, "must be a string"))
    })
    .transpose()
}

fn number(v: Option<JsValue>, argument: &'static str) -> Result<Option<f64>, InvalidArgument> {
    v.map(|v| {
        v.as_f64()
            .ok_or_else(|| InvalidArgument::problem(argument, "must be a number"))
    })
    .transpose()
}

fn function(
    v: Option<JsValue>,
    argument: &'static str,
) -> Result<Option<Function>, InvalidArgument> {
    v.map(|v| {
        v.dyn_into::<Function>()
            .map_err(|_| InvalidArgument::problem(argument, "must be a function"))
    })
    .transpose()
}

fn id(v: &JsValue, argument: &'static str) -> Result<String, InvalidArgument> {
    let s = v
        .as_string()
        .ok_or_else(|| InvalidArgument::problem(argument, "must be a string"))?;
    input::validate_id(argument, &s)?;
    Ok(s)
}

impl Call {
    fn prepare(
        token: &JsValue,
        sp: &JsValue,
        job: &JsValue,
        options: &JsValue,
    ) -> Result<Self, InvalidArgument> {
        let token = if let Some(s) = token.as_string() {
            input::validate_token("token", &s)?;
            TokenSource::Static(s)
        } else if let Some(f) = token.dyn_ref::<Function>() {
            TokenSource::Function(f.clone())
        } else if token.is_object() {
            match function(get(token, "getToken", "token")?, "token.getToken")? {
                Some(f) => TokenSource::Credential(token.clone(), f),
                None => return Err(bad_token_type()),
            }
        } else {
            return Err(bad_token_type());
        };
        let sp = id(sp, "servicePrincipalId")?;
        let job = id(job, "jobId")?;

        let opts = if options.is_undefined() || options.is_null() {
            JsValue::from(Object::new())
        } else if options.is_object() {
            options.clone()
        } else {
            return Err(InvalidArgument::new("options", "options must be an object"));
        };
        let base_url = string(get(&opts, "baseUrl", "options.baseUrl")?, "options.baseUrl")?;
        let cloud = string(get(&opts, "cloud", "options.cloud")?, "options.cloud")?;
        let base = input::resolve_base_url(base_url.as_deref(), cloud.as_deref())?;
        let version = match string(
            get(&opts, "apiVersion", "options.apiVersion")?,
            "options.apiVersion",
        )? {
            Some(v) => ApiVersion::parse(&v)?,
            None => ApiVersion::default(),
        };
        let signal = match get(&opts, "signal", "options.signal")? {
            Some(s) if s.is_instance_of::<web_sys::AbortSignal>() => s,
            Some(_) => {
                return Err(InvalidArgument::new(
                    "options.signal",
                    "options.signal must be an AbortSignal",
                ))
            }
            None => JsValue::UNDEFINED,
        };
        let timeout_ms = match number(
            get(&opts, "timeoutMs", "options.timeoutMs")?,
            "options.timeoutMs",
        )? {
            Some(t) => {
                retry::check_number("options.timeoutMs", t, 1.0, retry::MAX_TIMEOUT_MS, false)?
            }
            None => retry::DEFAULT_TIMEOUT_MS,
        };
        let policy = match get(&opts, "retry", "options.retry")? {
            Some(r) if r.is_object() => RetryPolicy::from_options(
                number(
                    get(&r, "maxRetries", "options.retry.maxRetries")?,
                    "options.retry.maxRetries",
                )?,
                number(
                    get(&r, "maxDelayMs", "options.retry.maxDelayMs")?,
                    "options.retry.maxDelayMs",
                )?,
                number(
                    get(&r, "baseDelayMs", "options.retry.baseDelayMs")?,
                    "options.retry.baseDelayMs",
                )?,
            )?,
            Some(_) => {
                return Err(InvalidArgument::new(
                    "options.retry",
                    "options.retry must be an object",
                ))
            }
            None => RetryPolicy::default(),
        };
        let on_retry = function(get(&opts, "onRetry", "options.onRetry")?, "options.onRetry")?;
        let on_response = function(
            get(&opts, "onResponse", "options.onResponse")?,
            "options.onResponse",
        )?;
        let client_request_id = match string(
            get(&opts, "clientRequestId", "options.clientRequestId")?,
            "options.clientRequestId",
        )? {
            Some(c) => {
                input::validate_client_request_id(&c)?;
                c
            }
            None => platform::new_client_request_id(),
        };
        Ok(Self {
            token,
            url: input::start_url(&base, version, &sp, &job),
            scope: input::default_scope(&base),
            client_request_id,
            policy,
            signal,
            timeout_ms,
            on_retry,
            on_response,
        })
    }

    async fn run(&self, stopper: &Stopper) -> Result<(), JsValue> {
        let started = platform::now_ms();
        let mut attempts = 0u32;
        let mut retries = 0u32;
        let mut refreshed = false;
        let mut last_error = JsValue::UNDEFINED;
        // One place awaits the token source (a second await would duplicate its state machine).
        let mut token = String::new();
        loop {
            if token.is_empty() {
                token = self.token(stopper, attempts, &last_error).await?;
            }
            if let Some(stop) = self.stopped(stopper, attempts, &last_error) {
                return Err(stop);
            }
            attempts += 1;
            let (data, cause, outcome) = match self.send(&token, stopper).await {
                Ok(resp) if resp.status() == 204 => {
                    self.report_success(&resp, attempts);
                    return Ok(());
                }
                Ok(resp) => {
                    let status = resp.status();
                    let data = self.read_error(resp, stopper).await;
                    (data, JsValue::UNDEFINED, Outcome::Status(status))
                }
                Err(cause) => {
                    if let Some(stop) = self.stopped(stopper, attempts, &last_error) {
                        return Err(stop);
                    }
                    let d = self.no_response(
                        ErrorKind::Network,
                        "The request to Microsoft Graph failed before any response arrived (network down, \
                         connection refused or reset, DNS failure, or a CORS refusal).",
                        attempts,
                    );
                    (d, cause, Outcome::NoResponse)
                }
            };
            let mut data = data;
            if let Some(stop) = self.stopped(stopper, attempts, &last_error) {
                return Err(stop);
            }
            data.attempts = attempts;
            if data.client_request_id.is_none() {
                data.client_request_id = Some(self.client_request_id.clone());
            }
            data.redact(&token);
            let error = convert::graph_error(&data, &cause);

            // A token from a function or credential may have expired: get a fresh one once.
            if data.status == 401 && !refreshed && !matches!(self.token, TokenSource::Static(_)) {
                refreshed = true;
                last_error = error;
                token.clear();
                continue;
            }
            let remaining = Some(self.timeout_ms - (platform::now_ms() - started));
            match retry::decide(
                &self.policy,
                outcome,
                data.retry_after_ms,
                retries,
                remaining,
                js_sys::Math::random(),
            ) {
                Decision::GiveUp(_) => return Err(error),
                Decision::RetryAfter(delay_ms) => {
                    retries += 1;
                    self.report_retry(retries, delay_ms, &error);
                    last_error = error;
                    if JsFuture::from(platform::sleep(delay_ms, &stopper.signal()))
                        .await
                        .is_err()
                    {
                        if let Some(stop) = self.stopped(stopper, attempts, &last_error) {
                            return Err(stop);
                        }
                    }
                }
            }
        }
    }

    /// An error with no response behind it, dated now, with the call's client-request-id.
    fn no_response(&self, kind: ErrorKind, message: impl Into<String>, attempts: u32) -> ErrorData {
        let mut d = ErrorData::without_response(kind, message);
        d.attempts = attempts;
        d.client_request_id = Some(self.client_request_id.clone());
        d.date = crate::time::iso_from_epoch_ms(platform::now_ms());
        d
    }

    /// The aborted or timeout error, if the call was stopped.
    fn stopped(&self, stopper: &Stopper, attempts: u32, last_error: &JsValue) -> Option<JsValue> {
        let (kind, message, cause) = match stopper.stop()?.as_str() {
            "timeout" => (
                ErrorKind::Timeout,
                [
                    "The call did not finish within options.timeoutMs (",
                    &decimal(self.timeout_ms as u64),
                    " ms).",
                ]
                .concat(),
                last_error.clone(),
            ),
            _ => (
                ErrorKind::Aborted,
                "The call was aborted through options.signal.".to_owned(),
                stopper.cause(),
            ),
        };
        Some(convert::graph_error(
            &self.no_response(kind, message, attempts),
            &cause,
        ))
    }

    /// Gets a usable token from the source; failures are kind `token` with the source's error as cause.
    async fn token(
        &self,
        stopper: &Stopper,
        attempts: u32,
        last_error: &JsValue,
    ) -> Result<String, JsValue> {
        let (promise, what) = match &self.token {
            TokenSource::Static(s) => return Ok(s.clone()),
            TokenSource::Function(f) => (
                platform::call_async(f, &JsValue::UNDEFINED, &JsValue::UNDEFINED),
                "The token function",
            ),
            TokenSource::Credential(cred, get_token) => {
                let scopes = js_sys::Array::of1(&JsValue::from_str(&self.scope));
                (
                    platform::call_async(get_token, cred, &scopes),
                    "The credential's getToken",
                )
            }
        };
        let fail = |message: String, cause: &JsValue| {
            convert::graph_error(
                &self.no_response(ErrorKind::Token, message, attempts),
                cause,
            )
        };
        let value = match JsFuture::from(platform::until_aborted(&promise, &stopper.signal())).await
        {
            Ok(v) => v,
            Err(e) => {
                if let Some(stop) = self.stopped(stopper, attempts, last_error) {
                    return Err(stop);
                }
                return Err(fail([what, " failed: ", &describe(&e)].concat(), &e));
            }
        };
        // Accept a string, MSAL's { accessToken }, or @azure/identity's { token }.
        let token = value.as_string().or_else(|| {
            ["token", "accessToken"].iter().find_map(|k| {
                Reflect::get(&value, &JsValue::from_str(k))
                    .ok()
                    .and_then(|v| v.as_string())
            })
        });
        let Some(token) = token else {
            return Err(fail(
                [
                    what,
                    " gave no token (expected a string, { token } or { accessToken }).",
                ]
                .concat(),
                &JsValue::UNDEFINED,
            ));
        };
        if let Err(e) = input::validate_token("token", &token) {
            return Err(fail(
                [what, " gave an unusable token: ", &e.message].concat(),
                &JsValue::UNDEFINED,
            ));
        }
        Ok(token)
    }

    async fn send(&self, token: &str, stopper: &Stopper) -> Result<web_sys::Response, JsValue> {
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        let h = Object::new();
        set(
            &h,
            "authorization",
            &JsValue::from_str(&["Bearer ", token].concat()),
        );
        set(
            &h,
            "client-request-id",
            &JsValue::from_str(&self.client_request_id),
        );
        init.set_headers(&h);
        init.set_signal(Some(&stopper.signal()));
        let resp = JsFuture::from(platform::fetch_with_init(&self.url, &init)?).await?;
        resp.dyn_into::<web_sys::Response>()
    }

    async fn read_error(&self, resp: web_sys::Response, stopper: &Stopper) -> ErrorData {
        let headers = response_headers(&resp);
        let body = match resp.text() {
            Ok(p) => JsFuture::from(platform::until_aborted(&p, &stopper.signal()))
                .await
                .ok(),
            Err(_) => None,
        }
        .and_then(|v| v.dyn_into::<js_sys::JsString>().ok());
        let (body, json) = match body {
            Some(text) => {
                // One copy into wasm; a cut body is not JSON worth parsing.
                let whole = text.length() <= MAX_READ_CHARS;
                let text = String::from(if whole {
                    text
                } else {
                    text.slice(0, MAX_READ_CHARS)
                });
                let json = whole
                    .then(|| js_sys::JSON::parse(&text).ok())
                    .flatten()
                    .map(|v| convert::json_from_js(&v, 0));
                (Some(text), json)
            }
            None => (None, None),
        };
        let status_text = resp.status_text();
        error::from_response(
            HttpResponse {
                status: resp.status(),
                status_text: &status_text,
                headers,
                body,
                json,
            },
            &platform::parse_http_date,
            platform::now_ms(),
        )
    }

    fn report_success(&self, resp: &web_sys::Response, attempts: u32) {
        let Some(cb) = &self.on_response else { return };
        let headers = response_headers(resp);
        let find = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let info = Object::new();
        set(&info, "status", &JsValue::from(resp.status()));
        set(
            &info,
            "requestId",
            &find("request-id").map_or(JsValue::UNDEFINED, |v| v.into()),
        );
        set(
            &info,
            "clientRequestId",
            &JsValue::from_str(
                &find("client-request-id").unwrap_or_else(|| self.client_request_id.clone()),
            ),
        );
        set(&info, "attempts", &JsValue::from(attempts));
        set(&info, "headers", &convert::headers_object(&headers));
        // A throwing callback must not turn a started job into a failure.
        let _ = cb.call1(&JsValue::UNDEFINED, &info);
    }

    fn report_retry(&self, attempt: u32, delay_ms: f64, error: &JsValue) {
        let Some(cb) = &self.on_retry else { return };
        let info = Object::new();
        set(&info, "attempt", &JsValue::from(attempt));
        set(&info, "delayMs", &JsValue::from_f64(delay_ms));
        set(&info, "error", error);
        let _ = cb.call1(&JsValue::UNDEFINED, &info);
    }
}

/// Response headers as (lower-case name, value) pairs.
fn response_headers(resp: &web_sys::Response) -> Vec<(String, String)> {
    gloo_net::http::Headers::from_raw(resp.headers())
        .entries()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

fn bad_token_type() -> InvalidArgument {
    InvalidArgument::new(
        "token",
        "token must be a string, a function returning one (or a promise of one), or a credential with getToken(scopes)",
    )
}

/// A short description of a thrown value, for messages.
fn describe(e: &JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    // Reflect, not Error.prototype.message: a throwing getter must not unwind through wasm.
    Reflect::get(e, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "it threw a value without a message".to_owned())
}
