//! Faults for testing hostile answers over real HTTP: redirects and large or slow bodies.

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

fn add_fault(emu: &Emulator, body: Value) -> String {
    let response = emu.control("POST", "/_emulator/faults", &body.to_string());
    assert_eq!(response.status, 201, "{}", response.text());
    response.json()["id"].as_str().unwrap().to_owned()
}

fn remaining(emu: &Emulator) -> Vec<u64> {
    emu.control("GET", "/_emulator/faults", "").json()["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["remaining"].as_u64().unwrap())
        .collect()
}

#[test]
fn redirect_faults_answer_a_3xx_with_location() {
    let emu = Emulator::start();
    let job = job_path("beta", SF, SF_PAUSED);
    for status in [301, 302, 303, 307, 308] {
        add_fault(
            &emu,
            json!({"match": {"method": "GET"}, "fault": {"kind": "redirect", "status": status, "location": format!("https://evil.example/{status}")}}),
        );
    }
    for status in [301, 302, 303, 307, 308] {
        let response = emu.get(&job, RW);
        assert_eq!(response.status, status);
        assert_eq!(
            response.header("location"),
            Some(format!("https://evil.example/{status}").as_str())
        );
        assert!(response.body.is_empty());
        assert_eq!(response.header("content-length"), Some("0"));
        assert!(response.header("request-id").is_some());
    }
    // Default 302; count and match rules as for every kind.
    add_fault(
        &emu,
        json!({"match": {"pathContains": "/start"}, "count": 2, "fault": {"kind": "redirect", "location": "/elsewhere"}}),
    );
    assert_eq!(emu.get(&job, RW).status, 200, "does not match");
    assert_eq!(remaining(&emu), [2]);
    let start = format!("{job}/start");
    let response = emu.post(&start, RW, "");
    assert_eq!(
        (response.status, response.header("location")),
        (302, Some("/elsewhere"))
    );
    assert_eq!(remaining(&emu), [1]);
    // Inside $batch: a sub-response with its own Location.
    let batch = json!({"requests": [{"id": "1", "method": "POST", "url": format!("/servicePrincipals/{SF}/synchronization/jobs/{SF_PAUSED}/start")}]});
    let response = emu.post("/beta/$batch", RW, &batch.to_string());
    let sub = &response.json()["responses"][0];
    assert_eq!(sub["status"], 302);
    assert_eq!(sub["headers"]["location"], "/elsewhere");
    assert!(sub.get("body").is_none());
    assert!(remaining(&emu).is_empty());
    assert_eq!(emu.post(&start, RW, "").status, 204);
    for bad in [
        json!({"fault": {"kind": "redirect", "status": 304, "location": "/x"}}),
        json!({"fault": {"kind": "redirect", "status": 302}}),
    ] {
        let response = emu.control("POST", "/_emulator/faults", &bad.to_string());
        assert_eq!(response.graph_error(400), "BadRequest", "{bad}");
    }
}

#[test]
fn body_fault_streams_n_bytes_that_are_json_only_when_whole() {
    let emu = Emulator::start();
    add_fault(
        &emu,
        json!({"fault": {"kind": "body", "status": 500, "bytes": 300_000, "chunkBytes": 65536}}),
    );
    let response = emu.get(&job_path("beta", SF, SF_PAUSED), RW);
    assert_eq!(response.status, 500);
    assert_eq!(response.header("content-length"), Some("300000"));
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.body.len(), 300_000);
    assert_eq!(response.json()["error"]["code"], "InternalServerError");
    assert!(response.header("request-id").is_some());

    // Chunked, plain text, paced: four pauses of 30 ms between five chunks.
    add_fault(
        &emu,
        json!({"fault": {"kind": "body", "status": 502, "bytes": 5000, "chunkBytes": 1000, "intervalMs": 30, "contentType": "text/plain", "contentLength": false}}),
    );
    let started = Instant::now();
    let response = emu.get(&job_path("beta", SF, SF_PAUSED), RW);
    assert!(
        started.elapsed() >= Duration::from_millis(120),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(response.status, 502);
    assert_eq!(response.header("content-length"), None);
    assert_eq!(response.header("transfer-encoding"), Some("chunked"));
    assert_eq!(response.header("content-type"), Some("text/plain"));
    assert_eq!(response.body, vec![b'x'; 5000]);

    // In a $batch the sub-response carries the body as a string.
    add_fault(
        &emu,
        json!({"match": {"pathContains": "/jobs"}, "fault": {"kind": "body", "bytes": 100}}),
    );
    let batch = json!({"requests": [{"id": "1", "method": "GET", "url": format!("/servicePrincipals/{SF}/synchronization/jobs")}]});
    let sub = &emu.post("/beta/$batch", RW, &batch.to_string()).json()["responses"][0];
    assert_eq!(sub["status"], 500);
    let text = sub["body"].as_str().unwrap();
    assert_eq!(text.len(), 100);
    assert_eq!(
        serde_json::from_str::<Value>(text).unwrap()["error"]["code"],
        "InternalServerError"
    );
}

#[test]
fn a_client_may_stop_reading_a_slow_huge_body_at_its_cap() {
    let emu = Emulator::start();
    add_fault(
        &emu,
        json!({"fault": {"kind": "body", "status": 500, "bytes": 1_000_000_000, "chunkBytes": 1000, "intervalMs": 50}}),
    );
    let mut stream = emu.connect();
    let started = Instant::now();
    write!(
        stream,
        "GET {} HTTP/1.1\r\nHost: x\r\nAuthorization: {RW}\r\n\r\n",
        job_path("beta", SF, SF_PAUSED)
    )
    .unwrap();
    // Read the head and then 2,500 body bytes: the cap of a careful client.
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let body_at = loop {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed early");
        data.extend_from_slice(&buf[..n]);
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&data[..body_at]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 500"), "{head}");
    assert!(head.contains("content-length: 1000000000"), "{head}");
    while data.len() - body_at < 2500 {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "closed early");
        data.extend_from_slice(&buf[..n]);
    }
    // Three chunks needed, so at least two pauses passed.
    assert!(
        started.elapsed() >= Duration::from_millis(100),
        "{:?}",
        started.elapsed()
    );
    assert!(
        data[body_at..].starts_with(br#"{"error":{"code":"InternalServerError","message":"xxx"#)
    );
    drop(stream);
    assert_eq!(emu.control("GET", "/_emulator/health", "").status, 200);
    assert_eq!(emu.get(&job_path("beta", SF, SF_PAUSED), RW).status, 200);
}
