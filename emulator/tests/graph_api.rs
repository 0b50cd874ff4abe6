//! The Graph routes over real HTTP: transitions, statuses, errors, headers, CORS, $batch.

mod common;

use common::*;
use serde_json::{json, Value};

#[test]
fn start_resumes_a_paused_job_keeping_progress_under_both_versions() {
    let emu = Emulator::start();
    let before = emu.job(SF, SF_PAUSED);
    assert_eq!(before["status"]["code"], "Paused");
    assert!(!before["status"]["progress"].as_array().unwrap().is_empty());
    let response = emu.post(
        &format!("{}/start", job_path("beta", SF, SF_PAUSED)),
        RW,
        "",
    );
    assert_eq!(response.status, 204);
    assert!(response.body.is_empty());
    assert_eq!(response.header("content-type"), None);
    let after = emu.job(SF, SF_PAUSED);
    assert_eq!(after["status"]["code"], "Active");
    assert_eq!(after["schedule"]["state"], "Active");
    // The cycle a start begins carries the paused progress over.
    let (was, now) = (
        &before["status"]["progress"][0],
        &after["status"]["progress"][0],
    );
    assert_eq!(now["totalUnits"], was["totalUnits"]);
    assert!(now["completedUnits"].as_i64() >= was["completedUnits"].as_i64());
    assert_ne!(
        after["status"]["lastExecution"],
        before["status"]["lastExecution"]
    );
    // v1.0 sees the same tenant and the same paths.
    let response = emu.post(
        &format!("{}/pause", job_path("v1.0", SF, SF_PAUSED)),
        RW,
        "",
    );
    assert_eq!(response.status, 204);
    let v1 = emu.get(&job_path("v1.0", SF, SF_PAUSED), RW);
    assert_eq!(v1.status, 200);
    assert_eq!(v1.json()["status"]["code"], "Paused");
    assert!(v1.json()["@odata.context"]
        .as_str()
        .unwrap()
        .contains("/v1.0/$metadata#servicePrincipals('3f0c9b4e"));
}

#[test]
fn start_clears_quarantine_runs_not_run_and_leaves_active_alone() {
    let emu = Emulator::start();
    let quarantined = emu.job(SF, SF_QUARANTINED);
    assert_eq!(quarantined["status"]["code"], "Quarantine");
    assert_eq!(
        quarantined["status"]["quarantine"]["reason"],
        "TooManyDeletes"
    );
    let error = &quarantined["status"]["quarantine"]["error"];
    assert!(
        error["code"].is_string()
            && error["message"].is_string()
            && error["tenantActionable"].is_boolean()
    );
    for field in ["currentBegan", "nextAttempt", "seriesBegan", "seriesCount"] {
        assert!(
            !quarantined["status"]["quarantine"][field].is_null(),
            "{field}"
        );
    }
    assert_eq!(
        emu.post(
            &format!("{}/start", job_path("beta", SF, SF_QUARANTINED)),
            RW,
            ""
        )
        .status,
        204
    );
    let job = emu.job(SF, SF_QUARANTINED);
    assert_eq!(job["status"]["code"], "Active");
    assert!(job["status"]["quarantine"].is_null());

    assert_eq!(
        emu.post(
            &format!("{}/start", job_path("v1.0", SN, SN_NOT_RUN)),
            RW,
            ""
        )
        .status,
        204
    );
    assert_eq!(emu.status_code(SN, SN_NOT_RUN), "Active");

    let before = emu.job(SN, SN_ACTIVE);
    assert_eq!(
        emu.post(
            &format!("{}/start", job_path("beta", SN, SN_ACTIVE)),
            RW,
            ""
        )
        .status,
        204
    );
    assert_eq!(emu.job(SN, SN_ACTIVE), before);
}

#[test]
fn start_on_not_configured_is_a_bad_request() {
    let emu = Emulator::start();
    let response = emu.post(
        &format!("{}/start", job_path("beta", WD, WD_NOT_CONFIGURED)),
        RW,
        "",
    );
    assert_eq!(response.graph_error(400), "BadRequest");
    assert_eq!(emu.status_code(WD, WD_NOT_CONFIGURED), "NotConfigured");
    let response = emu.post(
        &format!("{}/pause", job_path("beta", WD, WD_NOT_CONFIGURED)),
        RW,
        "",
    );
    assert_eq!(response.graph_error(400), "BadRequest");
}

#[test]
fn pause_and_restart_transitions() {
    let emu = Emulator::start();
    assert_eq!(
        emu.post(
            &format!("{}/pause", job_path("beta", SN, SN_ACTIVE)),
            RW,
            ""
        )
        .status,
        204
    );
    let job = emu.job(SN, SN_ACTIVE);
    assert_eq!(
        (
            job["status"]["code"].as_str(),
            job["schedule"]["state"].as_str()
        ),
        (Some("Paused"), Some("Paused"))
    );

    let restart = format!("{}/restart", job_path("beta", SF, SF_QUARANTINED));
    // Without QuarantineState the quarantine stays.
    let response = emu.post(
        &restart,
        RW,
        r#"{"criteria":{"resetScope":"Watermark, Escrows"}}"#,
    );
    assert_eq!(response.status, 204);
    assert_eq!(emu.status_code(SF, SF_QUARANTINED), "Quarantine");
    let response = emu.post(
        &restart,
        RW,
        r#"{"criteria":{"resetScope":"Watermark, Escrows, QuarantineState"}}"#,
    );
    assert_eq!(response.status, 204);
    assert!(response.body.is_empty());
    let job = emu.job(SF, SF_QUARANTINED);
    assert_eq!(job["status"]["code"], "Active");
    assert!(job["status"]["quarantine"].is_null());

    let response = emu.post(&restart, RW, r#"{"criteria":{"resetScope":"Bogus"}}"#);
    assert_eq!(response.graph_error(400), "BadRequest");
    let response = emu.post(&restart, RW, r#"{"criteria":"#);
    assert_eq!(response.graph_error(400), "BadRequest");
    // An empty body restarts with no reset.
    assert_eq!(
        emu.post(
            &format!("{}/restart", job_path("v1.0", SN, SN_ACTIVE)),
            RW,
            ""
        )
        .status,
        204
    );
    assert_eq!(emu.status_code(SN, SN_ACTIVE), "Active");
}

#[test]
fn get_and_list_jobs_with_graph_casing() {
    let emu = Emulator::start();
    let response = emu.get(&job_path("beta", WD, WD_NOT_CONFIGURED), RO);
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let text = response.text();
    let expected_order = [
        "\"id\"",
        "\"templateId\"",
        "\"schedule\"",
        "\"expiration\"",
        "\"interval\"",
        "\"state\"",
        "\"status\"",
        "\"code\"",
        "\"countSuccessiveCompleteFailures\"",
        "\"escrowsPruned\"",
        "\"lastExecution\"",
        "\"lastSuccessfulExecution\"",
        "\"lastSuccessfulExecutionWithExports\"",
        "\"progress\"",
        "\"quarantine\"",
        "\"steadyStateFirstAchievedTime\"",
        "\"steadyStateLastAchievedTime\"",
        "\"synchronizedEntryCountByType\"",
        "\"troubleshootingUrl\"",
        "\"synchronizationJobSettings\"",
    ];
    let positions: Vec<usize> = expected_order
        .iter()
        .map(|k| text.find(k).unwrap_or_else(|| panic!("{k} in {text}")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    let job = response.json();
    assert_eq!(job["id"], WD_NOT_CONFIGURED);
    assert_eq!(job["templateId"], "workday");
    assert_eq!(
        job["schedule"],
        json!({"expiration": null, "interval": "PT40M", "state": "Disabled"})
    );
    assert_eq!(
        job["synchronizationJobSettings"],
        json!([{"name": "QuarantineTooManyDeletesThreshold", "value": "500"}])
    );
    assert_eq!(
        job["status"]["steadyStateFirstAchievedTime"],
        "0001-01-01T00:00:00Z"
    );

    let list = emu.get(
        &format!("/v1.0/servicePrincipals/{SF}/synchronization/jobs"),
        RO,
    );
    assert_eq!(list.status, 200);
    let value = list.json();
    let ids: Vec<&str> = value["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [SF_PAUSED, SF_QUARANTINED]);
    assert!(value["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/synchronization/jobs"));
    let sp = emu.get(&format!("/beta/servicePrincipals/{SN}"), RO).json();
    assert_eq!(
        (sp["displayName"].as_str(), sp["appId"].as_str()),
        (
            Some("ServiceNow"),
            Some("2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f")
        )
    );
}

#[test]
fn create_and_delete_jobs() {
    let emu = Emulator::start();
    let jobs = format!("/beta/servicePrincipals/{WD}/synchronization/jobs");
    let created = emu.post(&jobs, RW, r#"{"templateId":"workday"}"#);
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert!(
        id.starts_with("workday.") && id.len() == "workday.".len() + 32,
        "{id}"
    );
    assert_eq!(created.json()["status"]["code"], "NotConfigured");
    assert_eq!(emu.post(&jobs, RW, "{}").graph_error(400), "BadRequest");
    assert_eq!(
        emu.post(&jobs, RO, r#"{"templateId":"workday"}"#)
            .graph_error(403),
        "Authorization_RequestDenied"
    );
    let delete = emu.send(
        "DELETE",
        &job_path("beta", WD, &id),
        &[("Authorization", RW)],
        "",
    );
    assert_eq!(delete.status, 204);
    assert_eq!(
        emu.get(&job_path("beta", WD, &id), RW).graph_error(404),
        "Request_ResourceNotFound"
    );
}

#[test]
fn authentication_and_permission_errors() {
    let emu = Emulator::start();
    let start = format!("{}/start", job_path("beta", SF, SF_PAUSED));
    for auth in [None, Some(""), Some("Bearer "), Some("Bearer")] {
        let headers: Vec<(&str, &str)> =
            auth.map(|a| vec![("Authorization", a)]).unwrap_or_default();
        let response = emu.send("POST", &start, &headers, "");
        assert_eq!(response.graph_error(401), "InvalidAuthenticationToken");
        assert_eq!(
            response.json()["error"]["message"],
            "Access token is empty."
        );
        assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    }
    let response = emu.post(&start, "Bearer not-a-known-token", "");
    assert_eq!(response.graph_error(401), "InvalidAuthenticationToken");
    assert!(response.json()["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("Access token validation failure"));
    for action in ["start", "pause", "restart"] {
        let response = emu.post(
            &format!("{}/{action}", job_path("v1.0", SF, SF_PAUSED)),
            RO,
            "",
        );
        assert_eq!(response.graph_error(403), "Authorization_RequestDenied");
        assert_eq!(
            response.json()["error"]["message"],
            "Insufficient privileges to complete the operation."
        );
    }
    assert_eq!(emu.status_code(SF, SF_PAUSED), "Paused");
    // Auth is checked before lookups: no token on an unknown job is still 401.
    let response = emu.send("GET", &job_path("beta", "nope", "nope"), &[], "");
    assert_eq!(response.graph_error(401), "InvalidAuthenticationToken");
}

#[test]
fn unknown_resources_routes_and_methods() {
    let emu = Emulator::start();
    let response = emu.post(
        &format!(
            "{}/start",
            job_path("beta", "00000000-0000-0000-0000-000000000000", SF_PAUSED)
        ),
        RW,
        "",
    );
    assert_eq!(response.graph_error(404), "Request_ResourceNotFound");
    let response = emu.post(
        &format!("{}/start", job_path("beta", SF, "salesforce.nope")),
        RW,
        "",
    );
    assert_eq!(response.graph_error(404), "Request_ResourceNotFound");
    // The appId is not the object id: a common mistake, answered with 404.
    let response = emu.get(
        &job_path("v1.0", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", SF_PAUSED),
        RW,
    );
    assert_eq!(response.graph_error(404), "Request_ResourceNotFound");

    let response = emu.post(
        &format!("{}/launch", job_path("beta", SF, SF_PAUSED)),
        RW,
        "",
    );
    assert_eq!(response.graph_error(400), "BadRequest");
    assert_eq!(
        response.json()["error"]["message"],
        "Resource not found for the segment 'launch'."
    );
    assert_eq!(emu.get("/beta/users", RW).graph_error(400), "BadRequest");
    assert_eq!(emu.get("/", RW).graph_error(400), "BadRequest");
    assert_eq!(
        emu.get("/v2.0/servicePrincipals", RW).graph_error(400),
        "BadRequest"
    );

    let response = emu.get(&format!("{}/start", job_path("beta", SF, SF_PAUSED)), RW);
    assert_eq!(response.graph_error(405), "Request_BadRequest");
    assert_eq!(response.header("allow"), Some("POST"));
    let response = emu.send(
        "PATCH",
        &job_path("beta", SF, SF_PAUSED),
        &[("Authorization", RW)],
        "{}",
    );
    assert_eq!(response.graph_error(405), "Request_BadRequest");
    assert_eq!(
        emu.get("/beta/$batch", RW).graph_error(405),
        "Request_BadRequest"
    );
}

#[test]
fn percent_encoded_slash_stays_inside_the_id() {
    let emu = Emulator::start();
    // `a/b` as a job id is looked up literally, never as two segments.
    // Were %2F a separator, this POST would be `start` on job `a` (404); it is a job resource (405).
    let response = emu.post(
        &format!("/beta/servicePrincipals/{SF}/synchronization/jobs/a%2Fstart"),
        RW,
        "",
    );
    assert_eq!(response.graph_error(405), "Request_BadRequest");
    let response = emu.get(
        &format!("/beta/servicePrincipals/{SF}/synchronization/jobs/a%2Fstart"),
        RW,
    );
    assert_eq!(response.graph_error(404), "Request_ResourceNotFound");
    assert!(response.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("'a/start'"));
    let response = emu.get(
        &format!("/beta/servicePrincipals/{SF}%2Fsynchronization%2Fjobs"),
        RW,
    );
    assert_eq!(response.graph_error(404), "Request_ResourceNotFound");
    // Encoded ordinary characters decode to the real id.
    let encoded = SF_PAUSED.replace('.', "%2E");
    assert_eq!(emu.get(&job_path("beta", SF, &encoded), RW).status, 200);
    // Bad percent-encoding is an unknown id, not a crash.
    assert_eq!(
        emu.get(&job_path("beta", SF, "%zz%"), RW).graph_error(404),
        "Request_ResourceNotFound"
    );
    assert_eq!(
        emu.get(&job_path("beta", SF, "%FF%FE"), RW)
            .graph_error(404),
        "Request_ResourceNotFound"
    );
}

#[test]
fn every_answer_carries_graph_headers() {
    let emu = Emulator::start();
    let cases = [
        emu.post(
            &format!("{}/start", job_path("beta", SF, SF_PAUSED)),
            RW,
            "",
        ),
        emu.get(&job_path("v1.0", SF, SF_PAUSED), RW),
        emu.get("/beta/nothing", ""),
        emu.control("GET", "/_emulator/health", ""),
        emu.control("GET", "/_emulator/nothing", ""),
        emu.send(
            "OPTIONS",
            "/beta/x",
            &[("Origin", "http://localhost:5173")],
            "",
        ),
    ];
    for response in &cases {
        let request_id = response.header("request-id").expect("request-id");
        assert!(is_guid_v4(request_id), "{request_id}");
        assert_eq!(response.header("client-request-id"), Some(request_id));
        let date = response.header("date").expect("date");
        assert!(
            httpdate::parse_http_date(date).is_ok() && date.ends_with(" GMT"),
            "{date}"
        );
        let diagnostic: Value =
            serde_json::from_str(response.header("x-ms-ags-diagnostic").unwrap()).unwrap();
        assert_eq!(diagnostic["ServerInfo"]["DataCenter"], "Emulator");
        assert_eq!(response.header("access-control-allow-origin"), Some("*"));
        let expose = response.header("access-control-expose-headers").unwrap();
        for name in [
            "request-id",
            "client-request-id",
            "Retry-After",
            "Date",
            "x-ms-ags-diagnostic",
            "WWW-Authenticate",
        ] {
            assert!(expose.contains(name), "{expose}");
        }
    }
    let ids: std::collections::HashSet<_> = cases
        .iter()
        .map(|r| r.header("request-id").unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), cases.len(), "request ids are fresh");
    // client-request-id is echoed, also into error bodies.
    let response = emu.send(
        "GET",
        "/beta/nothing",
        &[("client-request-id", "e70c5c1b-0000-4000-8000-000000000001")],
        "",
    );
    assert_eq!(
        response.header("client-request-id"),
        Some("e70c5c1b-0000-4000-8000-000000000001")
    );
    assert_ne!(
        response.header("request-id"),
        Some("e70c5c1b-0000-4000-8000-000000000001")
    );
    response.graph_error(401);
}

#[test]
fn cors_preflight_answers_any_origin() {
    let emu = Emulator::start();
    let response = emu.send(
        "OPTIONS",
        &format!("{}/start", job_path("beta", SF, SF_PAUSED)),
        &[
            ("Origin", "http://localhost:8080"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "authorization,client-request-id,content-type",
            ),
        ],
        "",
    );
    assert!(response.status == 200 || response.status == 204);
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    let methods = response.header("access-control-allow-methods").unwrap();
    for m in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        assert!(methods.contains(m), "{methods}");
    }
    assert_eq!(
        response.header("access-control-allow-headers"),
        Some("authorization,client-request-id,content-type")
    );
    assert!(
        response
            .header("access-control-max-age")
            .unwrap()
            .parse::<u32>()
            .unwrap()
            > 0
    );
    assert!(response.body.is_empty());
    // Without a requested header list, the usual Graph headers are allowed.
    let response = emu.send("OPTIONS", "/_emulator/faults", &[("Origin", "null")], "");
    let allowed = response
        .header("access-control-allow-headers")
        .unwrap()
        .to_ascii_lowercase();
    for h in [
        "authorization",
        "client-request-id",
        "content-type",
        "return-client-request-id",
        "prefer",
        "consistencylevel",
    ] {
        assert!(allowed.contains(h), "{allowed}");
    }
    assert_eq!(
        response.header("access-control-allow-private-network"),
        None
    );
    let response = emu.send(
        "OPTIONS",
        "/beta/x",
        &[
            ("Origin", "https://portal.example"),
            ("Access-Control-Request-Private-Network", "true"),
        ],
        "",
    );
    assert_eq!(
        response.header("access-control-allow-private-network"),
        Some("true")
    );
    // The preflight did not run the job.
    assert_eq!(emu.status_code(SF, SF_PAUSED), "Paused");
}

#[test]
fn oversized_bodies_get_413() {
    let emu = Emulator::start();
    let head = format!(
        "POST /beta/$batch HTTP/1.1\r\nHost: x\r\nAuthorization: {RW}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        2 * 1024 * 1024
    );
    let response = emu.raw(head.as_bytes()).expect("413 answer");
    assert_eq!(response.graph_error(413), "RequestEntityTooLarge");
    // Exactly 1 MiB is accepted (and then fails as a bad batch, not as too large).
    let body = format!(
        "{{\"requests\":[], \"pad\":\"{}\"}}",
        "x".repeat(1024 * 1024 - 25)
    );
    assert_eq!(body.len(), 1024 * 1024);
    assert_eq!(
        emu.post("/beta/$batch", RW, &body).graph_error(400),
        "BadRequest"
    );
    assert_eq!(emu.control("GET", "/_emulator/health", "").status, 200);
}

fn batch(emu: &Emulator, version: &str, auth: &str, requests: Value) -> (u16, Value) {
    let response = emu.post(
        &format!("/{version}/$batch"),
        auth,
        &json!({ "requests": requests }).to_string(),
    );
    let status = response.status;
    (
        status,
        if response.body.is_empty() {
            Value::Null
        } else {
            response.json()
        },
    )
}

fn by_id(body: &Value, id: &str) -> Value {
    body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no {id} in {body}"))
}

#[test]
fn batch_runs_each_request_with_its_own_status() {
    let emu = Emulator::start();
    let start =
        |sp: &str, job: &str| format!("/servicePrincipals/{sp}/synchronization/jobs/{job}/start");
    let (status, body) = batch(
        &emu,
        "beta",
        RW,
        json!([
            {"id": "1", "method": "POST", "url": start(SF, SF_PAUSED)},
            {"id": "2", "method": "POST", "url": start(WD, WD_NOT_CONFIGURED), "headers": {"client-request-id": "sub-2"}},
            {"id": "3", "method": "GET", "url": format!("servicePrincipals/{SN}/synchronization/jobs/{SN_NOT_RUN}")},
            {"id": "4", "method": "POST", "url": start(SF, "missing")},
            {"id": "5", "method": "POST", "url": format!("/servicePrincipals/{SF}/synchronization/jobs/{SF_QUARANTINED}/restart"),
             "body": {"criteria": {"resetScope": "Watermark, Escrows, QuarantineState"}}, "headers": {"Content-Type": "application/json"}},
        ]),
    );
    assert_eq!(status, 200);
    let one = by_id(&body, "1");
    assert_eq!(one["status"], 204);
    assert!(one.get("body").is_none(), "{one}");
    assert!(one["headers"].is_object());
    let two = by_id(&body, "2");
    assert_eq!(two["status"], 400);
    assert_eq!(two["body"]["error"]["code"], "BadRequest");
    assert_eq!(
        two["body"]["error"]["innerError"]["client-request-id"],
        "sub-2"
    );
    let three = by_id(&body, "3");
    assert_eq!(three["status"], 200);
    assert_eq!(three["body"]["status"]["code"], "NotRun");
    assert_eq!(
        by_id(&body, "4")["body"]["error"]["code"],
        "Request_ResourceNotFound"
    );
    assert_eq!(by_id(&body, "5")["status"], 204);
    assert_eq!(emu.status_code(SF, SF_PAUSED), "Active");
    assert_eq!(emu.status_code(SF, SF_QUARANTINED), "Active");

    // Readonly token: each write sub-request is refused on its own; %24batch works too.
    let response = emu.post("/v1.0/%24batch", RO, &json!({"requests": [
        {"id": "a", "method": "POST", "url": start(SN, SN_ACTIVE)},
        {"id": "b", "method": "GET", "url": format!("/servicePrincipals/{SN}/synchronization/jobs")},
    ]}).to_string());
    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(by_id(&body, "a")["status"], 403);
    assert_eq!(by_id(&body, "b")["status"], 200);
}

#[test]
fn batch_limits_reject_the_whole_batch() {
    let emu = Emulator::start();
    let request = |i: usize| json!({"id": i.to_string(), "method": "POST", "url": format!("/servicePrincipals/{SN}/synchronization/jobs/{SN_NOT_RUN}/start")});
    let (status, body) = batch(
        &emu,
        "beta",
        RW,
        Value::Array((0..21).map(request).collect()),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "BadRequest");
    assert_eq!(
        emu.status_code(SN, SN_NOT_RUN),
        "NotRun",
        "nothing in a rejected batch runs"
    );
    let (status, _) = batch(&emu, "beta", RW, json!([request(1), request(1)]));
    assert_eq!(status, 400);
    assert_eq!(emu.status_code(SN, SN_NOT_RUN), "NotRun");
    for bad in [
        "{",
        "[]",
        r#"{"requests":{}}"#,
        r#"{"requests":[{"id":"1","url":"/x"}]}"#,
        r#"{"requests":[{"id":1,"method":"GET","url":"/x"}]}"#,
    ] {
        emu.post("/beta/$batch", RW, bad).graph_error(400);
    }
    let (status, body) = batch(
        &emu,
        "beta",
        RW,
        Value::Array((0..20).map(request).collect()),
    );
    assert_eq!(status, 200);
    assert_eq!(body["responses"].as_array().unwrap().len(), 20);
    // The outer request needs a token.
    let response = emu.send(
        "POST",
        "/beta/$batch",
        &[],
        &json!({"requests": [request(1)]}).to_string(),
    );
    response.graph_error(401);
    // Absolute and nested urls are refused per request.
    let (_, body) = batch(
        &emu,
        "beta",
        RW,
        json!([
            {"id": "abs", "method": "GET", "url": "https://graph.microsoft.com/beta/servicePrincipals"},
            {"id": "nested", "method": "POST", "url": "/$batch"},
        ]),
    );
    assert_eq!(by_id(&body, "abs")["status"], 400);
    assert_eq!(by_id(&body, "nested")["status"], 400);
}
