//! The Graph routes: `/{version}/servicePrincipals/{id}/synchronization/jobs...` and `$batch`.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use crate::app::{App, DropConnection};
use crate::auth::{credential, Credential, Grants};
use crate::faults::FaultKind;
use crate::parse::segments;
use crate::respond::{Ids, Reply, SubResponse};
use crate::store::{JobError, ResetScope};
use crate::sync::lock;

/// Most requests one `$batch` may carry.
pub const MAX_BATCH: usize = 20;

#[derive(Debug, PartialEq, Eq)]
enum Action {
    Start,
    Pause,
    Restart,
}

#[derive(Debug, PartialEq, Eq)]
enum Route<'a> {
    ServicePrincipal(&'a str),
    Jobs(&'a str),
    Job(&'a str, &'a str),
    JobAction(&'a str, &'a str, Action),
}

/// Matches the segments after the version; on failure, the segment Graph would name.
fn route(segs: &[String]) -> Result<Route<'_>, &str> {
    let is = |i: usize, name: &str| segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(name));
    let last = || segs.last().map(String::as_str).unwrap_or("");
    if !is(0, "servicePrincipals") {
        return Err(segs.first().map(String::as_str).unwrap_or(""));
    }
    match segs.len() {
        2 => return Ok(Route::ServicePrincipal(&segs[1])),
        n if n < 4 => return Err(last()),
        _ => {}
    }
    if !is(2, "synchronization") {
        return Err(&segs[2]);
    }
    if !is(3, "jobs") {
        return Err(&segs[3]);
    }
    let (sp, job) = (segs[1].as_str(), segs.get(4).map(String::as_str));
    match (job, segs.get(5).map(String::as_str), segs.len()) {
        (None, _, _) => Ok(Route::Jobs(sp)),
        (Some(job), None, _) => Ok(Route::Job(sp, job)),
        (Some(job), Some(action), 6) => match action.to_ascii_lowercase().as_str() {
            "start" => Ok(Route::JobAction(sp, job, Action::Start)),
            "pause" => Ok(Route::JobAction(sp, job, Action::Pause)),
            "restart" => Ok(Route::JobAction(sp, job, Action::Restart)),
            _ => Err(action),
        },
        (Some(_), Some(_), _) => Err(&segs[6]),
    }
}

fn bad_segment(segment: &str) -> Reply {
    Reply::error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        format!("Resource not found for the segment '{segment}'."),
    )
}

fn method_not_allowed(allow: &'static str) -> Reply {
    Reply::error(
        StatusCode::METHOD_NOT_ALLOWED,
        "Request_BadRequest",
        "Specified HTTP method is not allowed for the request target.",
    )
    .with_header(header::ALLOW, HeaderValue::from_static(allow))
}

fn forbidden() -> Reply {
    Reply::error(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

fn not_found(id: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
    )
}

fn bad_request(message: impl Into<Cow<'static, str>>) -> Reply {
    Reply::error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

fn job_error(error: JobError, sp: &str, job: &str) -> Reply {
    match error {
        JobError::NoServicePrincipal => not_found(sp),
        JobError::NoJob => not_found(job),
        // (ours) Graph does not document this; a job must be configured before it can run.
        JobError::NotConfigured => bad_request(
            "The synchronization job is not configured (status NotConfigured): save its credentials and schema before running it.",
        ),
    }
}

/// 401 for an empty or unknown token, else the token's grants.
fn authenticate(app: &App, credential: &Credential<'_>) -> Result<Grants, Reply> {
    let token = match credential {
        Credential::Empty => {
            return Err(Reply::error(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                "Access token is empty.",
            )
            .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")))
        }
        Credential::Bearer(token) => token,
    };
    app.tokens.lookup(token).ok_or_else(|| {
        Reply::error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token validation failure. Invalid audience.",
        )
        .with_header(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))
    })
}

/// What every routed request (top level or inside a batch) shares.
struct Ctx<'a> {
    app: &'a App,
    version: &'a str,
    grants: Grants,
    /// `http://host:port` the client reached, for `@odata.nextLink`.
    link_base: String,
}

/// `http://{Host}` when the request's Host header is a plain authority, else the bound address.
fn link_base(app: &App, headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.contains('@'))
        .and_then(|h| h.parse::<hyper::http::uri::Authority>().ok())
        .map_or_else(|| app.base_url.clone(), |a| format!("http://{a}"))
}

/// Handles a Graph request that no fault answered: throttling, auth, then the route.
pub async fn serve(
    app: &App,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Reply, DropConnection> {
    let credential = credential(
        headers
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes),
    );
    let throttle_key = match credential {
        Credential::Bearer(token) => token,
        Credential::Empty => "",
    };
    let segs = segments(path);
    let is_batch = segs.len() == 2 && segs[1] == "$batch";
    // (ours) A $batch is throttled per sub-request, not as a whole.
    if !is_batch {
        if let Err(secs) = app.throttle.check(throttle_key) {
            return Ok(Reply::throttled(secs));
        }
    }
    let grants = match authenticate(app, &credential) {
        Ok(grants) => grants,
        Err(reply) => return Ok(reply),
    };
    let version = segs[0].as_str();
    if version != "beta" && version != "v1.0" {
        return Ok(bad_request(format!("Invalid version: {version}")));
    }
    let ctx = Ctx {
        app,
        version,
        grants,
        link_base: link_base(app, headers),
    };
    if is_batch {
        if method != Method::POST {
            return Ok(method_not_allowed("POST"));
        }
        return batch(&ctx, throttle_key, body).await;
    }
    Ok(dispatch(&ctx, method, &segs[1..], query, body))
}

/// The offset a `$skiptoken` (from an `@odata.nextLink`) stands for; 0 without one.
fn skip_offset(query: Option<&str>) -> Result<usize, Reply> {
    let token = query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k.eq_ignore_ascii_case("$skiptoken"))
            .map(|(_, v)| v.into_owned())
    });
    match token {
        None => Ok(0),
        Some(token) => token
            .strip_prefix(SKIP_PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| bad_request(format!("The $skiptoken '{token}' is not valid."))),
    }
}

/// `$skiptoken` values look like `emu-3` (the offset of the next page); clients treat them as opaque.
const SKIP_PREFIX: &str = "emu-";

/// Characters kept as they are in a nextLink path segment.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Runs one routed request (top level or inside a batch).
fn dispatch(
    ctx: &Ctx<'_>,
    method: &Method,
    segs: &[String],
    query: Option<&str>,
    body: &[u8],
) -> Reply {
    let (app, version, grants) = (ctx.app, ctx.version, ctx.grants);
    if segs.len() == 1 && segs[0] == "$batch" {
        return bad_request("A $batch request cannot contain another $batch request.");
    }
    let route = match route(segs) {
        Ok(route) => route,
        Err(segment) => return bad_segment(segment),
    };
    let need_write = match (&route, method) {
        (Route::ServicePrincipal(_), &Method::GET) => false,
        (Route::ServicePrincipal(_), _) => return method_not_allowed("GET"),
        (Route::Jobs(_), &Method::GET) => false,
        (Route::Jobs(_), &Method::POST) => true,
        (Route::Jobs(_), _) => return method_not_allowed("GET, POST"),
        (Route::Job(..), &Method::GET) => false,
        (Route::Job(..), &Method::DELETE) => true,
        (Route::Job(..), _) => return method_not_allowed("GET, DELETE"),
        (Route::JobAction(..), &Method::POST) => true,
        (Route::JobAction(..), _) => return method_not_allowed("POST"),
    };
    if !(if need_write {
        grants.write
    } else {
        grants.read
    }) {
        return forbidden();
    }
    let now = crate::clock::now_ms();
    let context = |sp: &str, suffix: &str| {
        format!(
            "{}/{version}/$metadata#servicePrincipals('{sp}')/synchronization/jobs{suffix}",
            app.base_url
        )
    };
    match route {
        Route::ServicePrincipal(sp) => {
            let tenant = lock(&app.tenant);
            match tenant.service_principal(sp) {
                Ok(found) => {
                    let value = serde_json::json!({
                        "@odata.context": format!("{}/{version}/$metadata#servicePrincipals/$entity", app.base_url),
                        "id": found.id,
                        "appId": found.app_id,
                        "displayName": found.display_name,
                        "servicePrincipalType": "Application",
                        "accountEnabled": true,
                    });
                    Reply::json(
                        StatusCode::OK,
                        serde_json::to_vec(&value).unwrap_or_default(),
                    )
                }
                Err(e) => job_error(e, sp, ""),
            }
        }
        Route::Jobs(sp) if method == Method::GET => {
            let offset = match skip_offset(query) {
                Ok(offset) => offset,
                Err(reply) => return reply,
            };
            let page_size = app.page_size.load(Ordering::Relaxed);
            let mut tenant = lock(&app.tenant);
            match tenant.jobs(sp, now) {
                Ok(jobs) => {
                    let start = offset.min(jobs.len());
                    let end = match usize::try_from(page_size) {
                        Ok(size) if size > 0 => start.saturating_add(size).min(jobs.len()),
                        _ => jobs.len(),
                    };
                    let value = serde_json::to_vec(&jobs[start..end]).unwrap_or_default();
                    let more = end < jobs.len();
                    drop(tenant);
                    let mut out = with_context(&context(sp, ""), b"{}");
                    out.pop();
                    if more {
                        let next = format!(
                            "{}/{version}/servicePrincipals/{}/synchronization/jobs?$skiptoken={SKIP_PREFIX}{end}",
                            ctx.link_base,
                            percent_encoding::utf8_percent_encode(sp, SEGMENT)
                        );
                        out.extend_from_slice(b",\"@odata.nextLink\":");
                        out.extend_from_slice(
                            serde_json::to_string(&next).unwrap_or_default().as_bytes(),
                        );
                    }
                    out.extend_from_slice(b",\"value\":");
                    out.extend_from_slice(&value);
                    out.push(b'}');
                    Reply::json(StatusCode::OK, out)
                }
                Err(e) => job_error(e, sp, ""),
            }
        }
        Route::Jobs(sp) => {
            #[derive(Deserialize)]
            #[serde(rename_all = "camelCase")]
            struct Create {
                template_id: String,
            }
            let create: Create = match parse_json(body) {
                Ok(create) => create,
                Err(reply) => return reply,
            };
            if create.template_id.is_empty() {
                return bad_request("templateId must not be empty.");
            }
            match lock(&app.tenant).create(sp, &create.template_id) {
                Ok(job) => Reply::json(
                    StatusCode::CREATED,
                    with_context(
                        &context(sp, "/$entity"),
                        &serde_json::to_vec(&job).unwrap_or_default(),
                    ),
                ),
                Err(e) => job_error(e, sp, ""),
            }
        }
        Route::Job(sp, job) if method == Method::GET => {
            let mut tenant = lock(&app.tenant);
            match tenant.job(sp, job, now) {
                Ok(found) => {
                    let value = serde_json::to_vec(found).unwrap_or_default();
                    drop(tenant);
                    Reply::json(
                        StatusCode::OK,
                        with_context(&context(sp, "/$entity"), &value),
                    )
                }
                Err(e) => job_error(e, sp, job),
            }
        }
        Route::Job(sp, job) => match lock(&app.tenant).delete(sp, job) {
            Ok(()) => Reply::no_content(),
            Err(e) => job_error(e, sp, job),
        },
        Route::JobAction(sp, job, action) => {
            let cycles = *lock(&app.cycles);
            let result = match action {
                Action::Start => lock(&app.tenant).start(sp, job, now, cycles),
                Action::Pause => lock(&app.tenant).pause(sp, job, now),
                Action::Restart => {
                    let scope = match restart_scope(body) {
                        Ok(scope) => scope,
                        Err(reply) => return reply,
                    };
                    lock(&app.tenant).restart(sp, job, scope, now, cycles)
                }
            };
            match result {
                Ok(()) => Reply::no_content(),
                Err(e) => job_error(e, sp, job),
            }
        }
    }
}

/// `{"@odata.context":"...",` spliced before the fields of a serialized object.
fn with_context(context: &str, object: &[u8]) -> Vec<u8> {
    let context = serde_json::to_string(context).unwrap_or_default();
    let mut out = Vec::with_capacity(object.len() + context.len() + 20);
    out.extend_from_slice(b"{\"@odata.context\":");
    out.extend_from_slice(context.as_bytes());
    if object.len() > 2 {
        out.push(b',');
    }
    out.extend_from_slice(object.get(1..).unwrap_or(b"}"));
    out
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Reply> {
    serde_json::from_slice(body)
        .map_err(|e| bad_request(format!("Unable to read JSON request payload: {e}.")))
}

/// An empty body restarts with no reset; otherwise `{"criteria":{"resetScope":"..."}}`.
fn restart_scope(body: &[u8]) -> Result<ResetScope, Reply> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Restart {
        #[serde(default)]
        criteria: Option<Criteria>,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Criteria {
        #[serde(default)]
        reset_scope: Option<String>,
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(ResetScope::default());
    }
    let restart: Restart = parse_json(body)?;
    let scope = restart
        .criteria
        .and_then(|c| c.reset_scope)
        .unwrap_or_default();
    ResetScope::parse(&scope).map_err(bad_request)
}

#[derive(Debug)]
struct SubRequest {
    id: String,
    method: Method,
    url: String,
    client_request_id: Option<HeaderValue>,
    body: Vec<u8>,
}

fn parse_batch(body: &[u8]) -> Result<Vec<SubRequest>, Cow<'static, str>> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Cow::Owned(format!("Invalid batch payload format: {e}.")))?;
    let requests = value
        .get("requests")
        .and_then(Value::as_array)
        .ok_or(Cow::Borrowed(
            "Invalid batch payload format: 'requests' must be an array.",
        ))?;
    if requests.is_empty() {
        return Err("Invalid batch payload format: 'requests' must not be empty.".into());
    }
    if requests.len() > MAX_BATCH {
        return Err(format!(
            "The batch contains {} requests; the maximum is {MAX_BATCH}.",
            requests.len()
        )
        .into());
    }
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(requests.len());
    for (i, request) in requests.iter().enumerate() {
        let field = |name: &str| request.get(name).and_then(Value::as_str);
        let id = field("id").ok_or_else(|| format!("requests[{i}].id must be a string."))?;
        if !seen.insert(id) {
            return Err(format!(
                "Batch request ids must be unique; '{id}' appears more than once."
            )
            .into());
        }
        let method = field("method")
            .and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
            .ok_or_else(|| format!("requests[{i}].method must be an HTTP method."))?;
        let url = field("url").ok_or_else(|| format!("requests[{i}].url must be a string."))?;
        let mut client_request_id = None;
        match request.get("headers") {
            None | Some(Value::Null) => {}
            Some(Value::Object(headers)) => {
                for (name, value) in headers {
                    let value = value
                        .as_str()
                        .ok_or_else(|| format!("requests[{i}].headers.{name} must be a string."))?;
                    if name.eq_ignore_ascii_case("client-request-id") {
                        client_request_id = HeaderValue::from_str(value).ok();
                    }
                }
            }
            Some(_) => return Err(format!("requests[{i}].headers must be an object.").into()),
        }
        let body = match request.get("body") {
            None | Some(Value::Null) => Vec::new(),
            Some(body) => serde_json::to_vec(body).unwrap_or_default(),
        };
        out.push(SubRequest {
            id: id.to_owned(),
            method,
            url: url.to_owned(),
            client_request_id,
            body,
        });
    }
    Ok(out)
}

async fn batch(ctx: &Ctx<'_>, throttle_key: &str, body: &Bytes) -> Result<Reply, DropConnection> {
    let app = ctx.app;
    let requests = match parse_batch(body) {
        Ok(requests) => requests,
        Err(message) => return Ok(bad_request(message)),
    };
    let mut responses: Vec<SubResponse> = Vec::with_capacity(requests.len());
    for sub in requests {
        let sub_ids = Ids::new(sub.client_request_id.as_ref());
        // Faults match a sub-request by its method and its url as written in the batch.
        if let Some(fault) = app.faults.take(sub.method.as_str(), &sub.url) {
            if fault.delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
            }
            match fault.kind {
                FaultKind::Drop => return Err(DropConnection),
                FaultKind::Delay => {}
                _ => {
                    responses.push(Reply::from_fault(&fault).into_sub_response(&sub.id, &sub_ids));
                    continue;
                }
            }
        }
        let reply = if let Err(secs) = app.throttle.check(throttle_key) {
            Reply::throttled(secs)
        } else if sub.url.contains("://") {
            bad_request("Batch request urls must be relative, like /servicePrincipals/{id}.")
        } else {
            let url = sub.url.split('#').next().unwrap_or("");
            let (path, query) = match url.split_once('?') {
                Some((path, query)) => (path, Some(query)),
                None => (url, None),
            };
            let path = path.strip_prefix('/').unwrap_or(path);
            dispatch(ctx, &sub.method, &segments(path), query, &sub.body)
        };
        responses.push(reply.into_sub_response(&sub.id, &sub_ids));
    }
    #[derive(serde::Serialize)]
    struct BatchResponse {
        responses: Vec<SubResponse>,
    }
    let body = serde_json::to_vec(&BatchResponse { responses }).unwrap_or_default();
    Ok(Reply::json(StatusCode::OK, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(path: &str) -> Vec<String> {
        segments(path)
    }

    #[test]
    fn routes_and_names_the_bad_segment() {
        let r = segs("servicePrincipals/sp/synchronization/jobs/j/start");
        assert_eq!(route(&r), Ok(Route::JobAction("sp", "j", Action::Start)));
        let r = segs("serviceprincipals/sp/Synchronization/jobs");
        assert_eq!(route(&r), Ok(Route::Jobs("sp")));
        let r = segs("servicePrincipals/sp/synchronization/jobs/j/launch");
        assert_eq!(route(&r), Err("launch"));
        let r = segs("users/me");
        assert_eq!(route(&r), Err("users"));
        let r = segs("servicePrincipals/sp/synchronization/jobs/j/start/more");
        assert_eq!(route(&r), Err("more"));
        let r = segs("servicePrincipals/a%2Fb/synchronization/jobs");
        assert_eq!(route(&r), Ok(Route::Jobs("a/b")));
    }

    #[test]
    fn batch_validation() {
        assert!(parse_batch(b"{").is_err());
        assert!(parse_batch(br#"{"requests":[]}"#).is_err());
        assert!(parse_batch(br#"{"requests":[{"id":"1","method":"GET","url":"/x"},{"id":"1","method":"GET","url":"/y"}]}"#).is_err());
        let many: Vec<Value> = (0..21)
            .map(|i| serde_json::json!({"id": i.to_string(), "method":"GET","url":"/x"}))
            .collect();
        let body = serde_json::to_vec(&serde_json::json!({ "requests": many })).unwrap();
        assert!(parse_batch(&body).unwrap_err().contains("maximum is 20"));
        let ok = parse_batch(br#"{"requests":[{"id":"a","method":"post","url":"/x","body":{"k":1},"headers":{"client-request-id":"c"}}]}"#).unwrap();
        assert_eq!(ok[0].method, Method::POST);
        assert_eq!(ok[0].body, br#"{"k":1}"#);
    }

    #[test]
    fn context_is_spliced_first() {
        assert_eq!(
            with_context("c", br#"{"a":1}"#),
            br#"{"@odata.context":"c","a":1}"#
        );
        assert_eq!(with_context("c", b"{}"), br#"{"@odata.context":"c"}"#);
    }
}
