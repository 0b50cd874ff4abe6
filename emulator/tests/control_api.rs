//! The `/_emulator/` control API over real HTTP: faults, throttling, job states, tokens, recording.

mod common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;
use serde_json::{json, Value};

fn start_path(version: &str, sp: &str, job: &str) -> String {
    format!("{}/start", job_path(version, sp, job))
}

fn add_fault(emu: &Emulator, body: Value) -> String {
    let response = emu.control("POST", "/_emulator/faults", &body.to_string());
    assert_eq!(response.status, 201, "{}", response.text());
    response.json()["id"].as_str().unwrap().to_owned()
}

#[test]
fn health_and_unknown_control_routes() {
    let emu = Emulator::start();
    let response = emu.control("GET", "/_emulator/health", "");
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), json!({"ok": true}));
    assert_eq!(
        emu.control("GET", "/_emulator/nope", "").graph_error(404),
        "Request_ResourceNotFound"
    );
    assert_eq!(
        emu.control("GET", "/_emulator/reset", "").graph_error(405),
        "Request_BadRequest"
    );
    assert_eq!(
        emu.control("POST", "/_emulator/faults", "{oops")
            .graph_error(400),
        "BadRequest"
    );
    let response = emu.control(
        "POST",
        "/_emulator/faults",
        r#"{"fault":{"kind":"explode"}}"#,
    );
    assert_eq!(response.graph_error(400), "BadRequest");
    assert!(response.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("explode"));
    let too_big = format!("POST /_emulator/faults HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", 1024 * 1024 + 1);
    assert_eq!(
        emu.raw(too_big.as_bytes()).unwrap().graph_error(413),
        "RequestEntityTooLarge"
    );
    // Bad percent-encoding in control paths is taken literally.
    let response = emu.control(
        "PUT",
        "/_emulator/servicePrincipals/%zz/jobs/t.%",
        r#"{"code":"NotRun"}"#,
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["id"], "t.%");
    assert!(
        emu.recorded("").is_empty(),
        "control calls are never recorded"
    );
}

#[test]
fn status_fault_with_retry_after_and_headers_then_normal_service() {
    let emu = Emulator::start();
    add_fault(
        &emu,
        json!({"match": {"method": "POST", "pathContains": "/start"}, "count": 2,
        "fault": {"kind": "status", "status": 429, "retryAfter": "2.128", "headers": {"X-Foo": "bar"}}}),
    );
    // A GET does not match; it passes untouched.
    assert_eq!(emu.get(&job_path("beta", SF, SF_PAUSED), RW).status, 200);
    for _ in 0..2 {
        let response = emu.post(&start_path("beta", SF, SF_PAUSED), RW, "");
        assert_eq!(response.graph_error(429), "TooManyRequests");
        assert_eq!(response.json()["error"]["message"], "Too many requests.");
        assert_eq!(response.header("retry-after"), Some("2.128"));
        assert_eq!(response.header("x-foo"), Some("bar"));
        assert!(is_guid_v4(response.header("request-id").unwrap()));
    }
    assert_eq!(
        emu.status_code(SF, SF_PAUSED),
        "Paused",
        "faulted requests do nothing"
    );
    assert_eq!(
        emu.post(&start_path("beta", SF, SF_PAUSED), RW, "").status,
        204
    );

    add_fault(
        &emu,
        json!({"fault": {"kind": "status", "status": 503, "retryAfter": "Wed, 21 Oct 2015 07:28:00 GMT"}}),
    );
    let response = emu.get(&job_path("v1.0", SF, SF_PAUSED), RW);
    assert_eq!(response.graph_error(503), "ServiceUnavailable");
    assert_eq!(
        response.header("retry-after"),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    add_fault(
        &emu,
        json!({"fault": {"kind": "status", "status": 403, "code": "Authorization_RequestDenied", "message": "custom"}}),
    );
    let response = emu.get(&job_path("v1.0", SF, SF_PAUSED), RW);
    assert_eq!(response.graph_error(403), "Authorization_RequestDenied");
    assert_eq!(response.json()["error"]["message"], "custom");
}

#[test]
fn non_json_fault_kinds() {
    let emu = Emulator::start();
    let target = start_path("beta", SN, SN_NOT_RUN);
    add_fault(&emu, json!({"fault": {"kind": "html", "status": 500}}));
    let response = emu.post(&target, RW, "");
    assert_eq!(response.status, 500);
    assert_eq!(response.header("content-type"), Some("text/html"));
    assert!(response.text().contains("<html") && response.text().contains("500"));

    add_fault(&emu, json!({"fault": {"kind": "empty", "status": 502}}));
    let response = emu.post(&target, RW, "");
    assert_eq!(response.status, 502);
    assert_eq!(response.header("content-type"), None);
    assert_eq!(response.header("content-length"), Some("0"));
    assert!(response.body.is_empty());
    assert!(response.header("request-id").is_some());

    add_fault(
        &emu,
        json!({"fault": {"kind": "text", "status": 500, "body": "upstream connect error"}}),
    );
    let response = emu.post(&target, RW, "");
    assert_eq!(
        (response.status, response.header("content-type")),
        (500, Some("text/plain"))
    );
    assert_eq!(response.text(), "upstream connect error");

    add_fault(&emu, json!({"fault": {"kind": "truncated", "status": 500}}));
    let response = emu.post(&target, RW, "");
    assert_eq!(
        (response.status, response.header("content-type")),
        (500, Some("application/json"))
    );
    assert!(response.text().starts_with("{\"error\""));
    assert!(
        serde_json::from_slice::<Value>(&response.body).is_err(),
        "{}",
        response.text()
    );

    add_fault(&emu, json!({"fault": {"kind": "drop"}}));
    let raw = format!(
        "POST {target} HTTP/1.1\r\nHost: x\r\nAuthorization: {RW}\r\nContent-Length: 0\r\n\r\n"
    );
    assert!(
        emu.raw(raw.as_bytes()).is_none(),
        "drop closes without an answer"
    );

    assert_eq!(emu.status_code(SN, SN_NOT_RUN), "NotRun");
    assert_eq!(emu.post(&target, RW, "").status, 204, "faults were used up");
    // Every faulted request was recorded.
    assert_eq!(emu.recorded("/start").len(), 6);
}

#[test]
fn delay_faults_wait_then_apply() {
    let emu = Emulator::start();
    let target = start_path("beta", SN, SN_NOT_RUN);
    add_fault(&emu, json!({"fault": {"kind": "delay", "ms": 300}}));
    let began = Instant::now();
    assert_eq!(emu.post(&target, RW, "").status, 204);
    assert!(began.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        emu.status_code(SN, SN_NOT_RUN),
        "Active",
        "handled normally after the delay"
    );

    add_fault(
        &emu,
        json!({"fault": {"kind": "status", "status": 504, "delayMs": 200}}),
    );
    let began = Instant::now();
    assert_eq!(
        emu.get(&job_path("beta", SN, SN_NOT_RUN), RW)
            .graph_error(504),
        "GatewayTimeout"
    );
    assert!(began.elapsed() >= Duration::from_millis(200));

    // A hung request does not hold up others.
    add_fault(
        &emu,
        json!({"match": {"pathContains": "hang"}, "fault": {"kind": "delay", "ms": 10000}}),
    );
    let mut hung = emu.connect();
    std::io::Write::write_all(
        &mut hung,
        format!("GET /beta/hang HTTP/1.1\r\nHost: x\r\nAuthorization: {RW}\r\n\r\n").as_bytes(),
    )
    .unwrap();
    let began = Instant::now();
    assert_eq!(emu.get(&job_path("beta", SN, SN_NOT_RUN), RW).status, 200);
    assert!(began.elapsed() < Duration::from_secs(2));
    drop(hung);
}

#[test]
fn faults_are_fifo_match_raw_targets_and_can_be_cleared() {
    let emu = Emulator::start();
    add_fault(
        &emu,
        json!({"match": {"pathContains": "a%2Fb"}, "fault": {"kind": "status", "status": 409}}),
    );
    add_fault(&emu, json!({"fault": {"kind": "status", "status": 500}}));
    add_fault(&emu, json!({"fault": {"kind": "status", "status": 502}}));
    // The raw target contains a%2Fb, so the first fault matches although the decoded id is a/b.
    assert_eq!(emu.get(&job_path("beta", SF, "a%2Fb"), RW).status, 409);
    assert_eq!(emu.get(&job_path("beta", SF, SF_PAUSED), RW).status, 500);
    // Control calls never take faults.
    assert_eq!(emu.control("GET", "/_emulator/health", "").status, 200);
    // Preflights are not taken by a catch-all fault.
    assert_eq!(emu.send("OPTIONS", "/beta/x", &[], "").status, 200);
    assert_eq!(emu.get(&job_path("beta", SF, SF_PAUSED), RW).status, 502);
    assert_eq!(emu.get(&job_path("beta", SF, SF_PAUSED), RW).status, 200);

    add_fault(
        &emu,
        json!({"count": 5, "fault": {"kind": "status", "status": 500}}),
    );
    assert_eq!(emu.control("DELETE", "/_emulator/faults", "").status, 204);
    assert_eq!(emu.get(&job_path("beta", SF, SF_PAUSED), RW).status, 200);
    // Preflights fault only when asked for by method.
    add_fault(
        &emu,
        json!({"match": {"method": "OPTIONS"}, "fault": {"kind": "status", "status": 500}}),
    );
    assert_eq!(emu.send("OPTIONS", "/beta/x", &[], "").status, 500);
}

#[test]
fn throttling_over_http() {
    let emu = Emulator::start();
    let response = emu.control(
        "POST",
        "/_emulator/throttle",
        r#"{"requestsPerSecond":0.2,"burst":2}"#,
    );
    assert_eq!(response.status, 204);
    let target = job_path("beta", SF, SF_PAUSED);
    assert_eq!(emu.get(&target, RW).status, 200);
    assert_eq!(emu.get(&target, RW).status, 200);
    let response = emu.get(&target, RW);
    assert_eq!(response.graph_error(429), "TooManyRequests");
    // 0.2 tokens per second: the next one is about 5 s away (rounded up).
    let retry: u64 = response.header("retry-after").unwrap().parse().unwrap();
    assert!((4..=5).contains(&retry), "{retry}");
    // Another token has its own bucket; the control API is never throttled.
    assert_eq!(emu.get(&target, RO).status, 200);
    for _ in 0..5 {
        assert_eq!(emu.control("GET", "/_emulator/health", "").status, 200);
    }
    // Requests without a token share one bucket, and are throttled before auth.
    assert_eq!(emu.get(&target, "").status, 401);
    assert_eq!(emu.get(&target, "").status, 401);
    assert_eq!(emu.get(&target, "").status, 429);

    assert_eq!(
        emu.control(
            "POST",
            "/_emulator/throttle",
            r#"{"requestsPerSecond":null}"#
        )
        .status,
        204
    );
    assert_eq!(emu.get(&target, RW).status, 200);
    assert_eq!(
        emu.control("POST", "/_emulator/throttle", r#"{"requestsPerSecond":1}"#)
            .status,
        204
    );
    assert_eq!(emu.get(&target, RW).status, 200);
    let response = emu.get(&target, RW);
    assert_eq!(response.status, 429);
    assert_eq!(response.header("retry-after"), Some("1"));
    assert_eq!(emu.control("DELETE", "/_emulator/throttle", "").status, 204);
    assert_eq!(emu.get(&target, RW).status, 200);
    assert_eq!(
        emu.control("POST", "/_emulator/throttle", r#"{"requestsPerSecond":-1}"#)
            .graph_error(400),
        "BadRequest"
    );
    assert_eq!(
        emu.control(
            "POST",
            "/_emulator/throttle",
            r#"{"requestsPerSecond":5,"burst":0}"#
        )
        .graph_error(400),
        "BadRequest"
    );
}

#[test]
fn batch_sub_requests_are_faulted_and_throttled_one_by_one() {
    let emu = Emulator::start();
    add_fault(
        &emu,
        json!({"match": {"pathContains": SF_PAUSED}, "fault": {"kind": "status", "status": 503, "retryAfter": "7"}}),
    );
    assert_eq!(
        emu.control(
            "POST",
            "/_emulator/throttle",
            r#"{"requestsPerSecond":0.5,"burst":2}"#
        )
        .status,
        204
    );
    let requests = json!({"requests": [
        {"id": "1", "method": "POST", "url": format!("/servicePrincipals/{SF}/synchronization/jobs/{SF_PAUSED}/start")},
        {"id": "2", "method": "POST", "url": format!("/servicePrincipals/{SN}/synchronization/jobs/{SN_NOT_RUN}/start")},
        {"id": "3", "method": "GET", "url": format!("/servicePrincipals/{SN}/synchronization/jobs")},
        {"id": "4", "method": "GET", "url": format!("/servicePrincipals/{SN}/synchronization/jobs")},
    ]});
    let response = emu.post("/beta/$batch", RW, &requests.to_string());
    assert_eq!(response.status, 200, "{}", response.text());
    let body = response.json();
    let sub = |id: &str| {
        body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(sub("1")["status"], 503);
    assert_eq!(sub("1")["headers"]["Retry-After"], "7");
    assert_eq!(sub("1")["body"]["error"]["code"], "ServiceUnavailable");
    assert_eq!(sub("2")["status"], 204);
    assert_eq!(sub("3")["status"], 200);
    assert_eq!(sub("4")["status"], 429);
    assert_eq!(sub("4")["headers"]["Retry-After"], "2");
    assert_eq!(sub("4")["body"]["error"]["code"], "TooManyRequests");

    // A drop fault on a sub-request drops the whole connection.
    assert_eq!(emu.control("DELETE", "/_emulator/throttle", "").status, 204);
    assert_eq!(emu.status_code(SF, SF_PAUSED), "Paused");
    add_fault(
        &emu,
        json!({"match": {"pathContains": "/pause"}, "fault": {"kind": "drop"}}),
    );
    let body = json!({"requests": [{"id": "1", "method": "POST", "url": format!("/servicePrincipals/{SN}/synchronization/jobs/{SN_NOT_RUN}/pause")}]}).to_string();
    let raw = format!("POST /beta/$batch HTTP/1.1\r\nHost: x\r\nAuthorization: {RW}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    assert!(emu.raw(raw.as_bytes()).is_none());
}

#[test]
fn put_job_sets_status_and_creates_missing_ones() {
    let emu = Emulator::start();
    let response = emu.control(
        "PUT",
        &format!("/_emulator/servicePrincipals/{SN}/jobs/{SN_ACTIVE}"),
        r#"{"code":"Paused"}"#,
    );
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(response.json()["status"]["code"], "Paused");
    assert_eq!(emu.status_code(SN, SN_ACTIVE), "Paused");

    let sp = "11111111-2222-4333-8444-555555555555";
    let job = "myApp.0123456789abcdef0123456789abcdef";
    let response = emu.control(
        "PUT",
        &format!("/_emulator/servicePrincipals/{sp}/jobs/{job}"),
        r#"{"code":"Quarantine","quarantineReason":"EncounteredEscrowProportionThreshold"}"#,
    );
    assert_eq!(response.status, 200);
    let created = emu.job(sp, job);
    assert_eq!(created["templateId"], "myApp");
    assert_eq!(
        created["status"]["quarantine"]["reason"],
        "EncounteredEscrowProportionThreshold"
    );
    assert_eq!(emu.post(&start_path("beta", sp, job), RW, "").status, 204);
    assert_eq!(emu.status_code(sp, job), "Active");

    // Percent-decoded path segments: the job id contains a slash.
    let response = emu.control(
        "PUT",
        "/_emulator/servicePrincipals/sp-x/jobs/t.a%2Fb",
        r#"{"code":"NotRun"}"#,
    );
    assert_eq!(response.json()["id"], "t.a/b");
    assert_eq!(
        emu.get(&job_path("beta", "sp-x", "t.a%2Fb"), RW).json()["status"]["code"],
        "NotRun"
    );

    for bad in [
        r#"{"code":"Running"}"#,
        "{}",
        "nope",
        r#"{"code":"Paused","quarantineReason":"Bored"}"#,
    ] {
        let response = emu.control(
            "PUT",
            &format!("/_emulator/servicePrincipals/{SN}/jobs/{SN_ACTIVE}"),
            bad,
        );
        assert_eq!(response.graph_error(400), "BadRequest", "{bad}");
    }
}

#[test]
fn runtime_tokens() {
    let emu = Emulator::start();
    let target = start_path("beta", SN, SN_NOT_RUN);
    assert_eq!(emu.post(&target, "Bearer mine", "").status, 401);
    let response = emu.control(
        "POST",
        "/_emulator/tokens",
        r#"{"token":"mine","scopes":["Synchronization.Read.All"]}"#,
    );
    assert_eq!(response.status, 204);
    assert_eq!(emu.post(&target, "Bearer mine", "").status, 403);
    assert_eq!(
        emu.get(&job_path("beta", SN, SN_NOT_RUN), "Bearer mine")
            .status,
        200
    );
    emu.control(
        "POST",
        "/_emulator/tokens",
        r#"{"token":"owner","scopes":["Application.ReadWrite.OwnedBy"]}"#,
    );
    assert_eq!(emu.post(&target, "Bearer owner", "").status, 204);
    emu.control(
        "POST",
        "/_emulator/tokens",
        r#"{"token":"none","scopes":["User.Read"]}"#,
    );
    assert_eq!(
        emu.get(&job_path("beta", SN, SN_NOT_RUN), "Bearer none")
            .status,
        403
    );
    assert_eq!(
        emu.control("POST", "/_emulator/tokens", r#"{"token":""}"#)
            .graph_error(400),
        "BadRequest"
    );
}

#[test]
fn reset_restores_everything_but_command_line_tokens() {
    let emu = Emulator::start_with(&["--token", "cli-token"]);
    assert_eq!(
        emu.post(&start_path("beta", SF, SF_PAUSED), "Bearer cli-token", "")
            .status,
        204
    );
    emu.control(
        "PUT",
        "/_emulator/servicePrincipals/new-sp/jobs/t.1",
        r#"{"code":"Active"}"#,
    );
    emu.control(
        "POST",
        "/_emulator/tokens",
        r#"{"token":"runtime","scopes":["Synchronization.ReadWrite.All"]}"#,
    );
    add_fault(
        &emu,
        json!({"fault": {"kind": "status", "status": 500}, "count": 10}),
    );
    emu.control(
        "POST",
        "/_emulator/throttle",
        r#"{"requestsPerSecond":0.01,"burst":1}"#,
    );
    assert_eq!(emu.control("POST", "/_emulator/reset", "").status, 204);
    assert!(emu.recorded("").is_empty());
    assert_eq!(emu.status_code(SF, SF_PAUSED), "Paused");
    assert_eq!(
        emu.get(&job_path("beta", "new-sp", "t.1"), RW)
            .graph_error(404),
        "Request_ResourceNotFound"
    );
    assert_eq!(
        emu.get(&job_path("beta", SF, SF_PAUSED), "Bearer runtime")
            .status,
        401
    );
    for _ in 0..3 {
        assert_eq!(
            emu.get(&job_path("beta", SF, SF_PAUSED), "Bearer cli-token")
                .status,
            200
        );
    }
    assert_eq!(
        emu.recorded("")[0]["seq"],
        1,
        "numbering starts again after reset"
    );
}

#[test]
fn requests_are_recorded_raw_and_redacted() {
    let emu = Emulator::start();
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0;
    let target = format!("/beta/servicePrincipals/{SF}/synchronization/jobs/a%2Fb%20c?x=1&y=%41");
    emu.send(
        "GET",
        &target,
        &[
            ("Authorization", RW),
            ("Client-Request-Id", "abc"),
            ("X-Custom", "v"),
        ],
        "",
    );
    emu.post(
        &start_path("v1.0", SN, SN_NOT_RUN),
        "Bearer xyz",
        r#"{"hello":"wörld"}"#,
    );
    emu.send("OPTIONS", "/beta/preflight", &[("Origin", "http://a")], "");
    emu.post("/beta/%24batch", RW, r#"{"requests":[]}"#);
    emu.control("GET", "/_emulator/health", "");

    let all = emu.recorded("");
    let targets: Vec<&str> = all.iter().map(|r| r["target"].as_str().unwrap()).collect();
    assert_eq!(
        targets,
        [
            target.as_str(),
            &start_path("v1.0", SN, SN_NOT_RUN),
            "/beta/preflight",
            "/beta/%24batch"
        ]
    );
    let seqs: Vec<u64> = all.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    let first = &all[0];
    assert_eq!(first["method"], "GET");
    assert_eq!(
        first["headers"]["authorization"],
        format!("<redacted:{}>", RW.len())
    );
    assert_eq!(first["headers"]["client-request-id"], "abc");
    assert_eq!(first["headers"]["x-custom"], "v");
    assert_eq!(first["body"], "");
    let received = first["receivedAt"].as_f64().unwrap();
    assert!(
        (received - now_ms).abs() < 60_000.0,
        "{received} vs {now_ms}"
    );
    assert!(all[1]["receivedAt"].as_f64().unwrap() >= received);
    assert_eq!(all[1]["headers"]["authorization"], "<redacted:10>");
    assert_eq!(all[1]["body"], r#"{"hello":"wörld"}"#);
    assert_eq!(all[2]["method"], "OPTIONS");
    let everything = emu.control("GET", "/_emulator/requests", "").text();
    assert!(!everything.contains("demo-token") && !everything.contains("xyz"));

    let filtered = emu.recorded("%252F");
    assert_eq!(filtered.len(), 1, "filter value is decoded once: %2F");
    assert_eq!(filtered[0]["target"], target.as_str());
    assert_eq!(emu.recorded("batch").len(), 1);

    assert_eq!(emu.control("DELETE", "/_emulator/requests", "").status, 204);
    assert!(emu.recorded("").is_empty());
    emu.get("/beta/again", RW);
    assert_eq!(emu.recorded("")[0]["seq"], 5, "clearing keeps numbering");
}
