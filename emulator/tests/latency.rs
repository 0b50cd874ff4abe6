//! Added latency over real HTTP: every Graph answer waits, control answers do not.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = f();
    (value, started.elapsed())
}

#[test]
fn command_line_latency_holds_every_graph_answer() {
    let emu = Emulator::start_with(&["--latency-ms", "200"]);
    let floor = Duration::from_millis(200);
    let (response, took) = timed(|| emu.get(&job_path("beta", SF, SF_PAUSED), RW));
    assert_eq!(response.status, 200);
    assert!(took >= floor, "{took:?}");
    let (response, took) = timed(|| emu.get(&job_path("beta", SF, SF_PAUSED), ""));
    assert_eq!(response.graph_error(401), "InvalidAuthenticationToken");
    assert!(took >= floor, "errors wait too: {took:?}");
    let (response, took) = timed(|| {
        emu.send(
            "OPTIONS",
            &job_path("beta", SF, SF_PAUSED),
            &[
                ("Origin", "http://x"),
                ("Access-Control-Request-Method", "GET"),
            ],
            "",
        )
    });
    assert_eq!(response.status, 200);
    assert!(took >= floor, "preflights too: {took:?}");
    let batch = json!({"requests": [
        {"id": "1", "method": "GET", "url": format!("/servicePrincipals/{SF}/synchronization/jobs")},
        {"id": "2", "method": "GET", "url": format!("/servicePrincipals/{SN}/synchronization/jobs")},
    ]});
    let (response, took) = timed(|| emu.post("/beta/$batch", RW, &batch.to_string()));
    assert_eq!(response.status, 200);
    assert!(took >= floor, "{took:?}");
    let response = emu.control("GET", "/_emulator/latency", "");
    assert_eq!(response.json(), json!({"ms": 200}));
}

#[test]
fn latency_set_through_the_control_api() {
    let emu = Emulator::start();
    assert_eq!(
        emu.control("GET", "/_emulator/latency", "").json(),
        json!({"ms": 0})
    );
    let response = emu.control("POST", "/_emulator/latency", r#"{"ms":150}"#);
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), json!({"ms": 150}));
    let floor = Duration::from_millis(150);
    let (response, took) = timed(|| {
        emu.post(
            &format!("{}/start", job_path("v1.0", SF, SF_PAUSED)),
            RW,
            "",
        )
    });
    assert_eq!(response.status, 204);
    assert!(took >= floor, "{took:?}");
    // Faulted answers wait as well.
    let fault = json!({"fault": {"kind": "status", "status": 503}});
    assert_eq!(
        emu.control("POST", "/_emulator/faults", &fault.to_string())
            .status,
        201
    );
    let (response, took) = timed(|| emu.get(&job_path("beta", SF, SF_PAUSED), RW));
    assert_eq!(response.graph_error(503), "ServiceUnavailable");
    assert!(took >= floor, "{took:?}");
    emu.refuses_setting(
        "latency",
        &[
            r#"{"ms":-1}"#,
            r#"{"ms":60001}"#,
            r#"{"ms":"5"}"#,
            r#"{}"#,
            "{",
        ],
    );
    assert_eq!(
        emu.control("PUT", "/_emulator/latency", "{}")
            .graph_error(405),
        "Request_BadRequest"
    );
    emu.reset_restores("latency", json!({"ms": 0}));
}
