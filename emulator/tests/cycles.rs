//! Provisioning cycles over real HTTP: what a start or restart sets in motion, as Graph shows it.

mod common;

use std::thread::sleep;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

const NEVER: &str = "0001-01-01T00:00:00Z";

fn action(emu: &Emulator, sp: &str, job: &str, name: &str, body: &str) {
    let response = emu.post(&format!("{}/{name}", job_path("beta", sp, job)), RW, body);
    assert_eq!(response.status, 204, "{name}: {}", response.text());
}

fn set_cycles(emu: &Emulator, body: Value) -> Value {
    let response = emu.control("POST", "/_emulator/cycles", &body.to_string());
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()
}

fn put_job(emu: &Emulator, sp: &str, job: &str, body: Value) -> Value {
    let response = emu.control(
        "PUT",
        &format!("/_emulator/servicePrincipals/{sp}/jobs/{job}"),
        &body.to_string(),
    );
    assert_eq!(response.status, 200, "{}", response.text());
    response.json()
}

/// `2026-11-29T09:00:00.1234567Z` to milliseconds since the epoch (checks the exact format).
fn iso_ms(text: &str) -> u64 {
    let b = text.as_bytes();
    assert_eq!(b.len(), 28, "{text}");
    assert_eq!(
        (b[4], b[7], b[10], b[13], b[16], b[19], b[27]),
        (b'-', b'-', b'T', b':', b':', b'.', b'Z'),
        "{text}"
    );
    let n = |range: std::ops::Range<usize>| text[range].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    // Days from civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19);
    (secs * 1000 + n(20..27) / 10_000) as u64
}

fn str_of<'a>(value: &'a Value, at: &str) -> &'a str {
    value
        .pointer(at)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{at} is not a string in {value}"))
}

#[test]
fn start_runs_a_cycle_then_shows_its_success() {
    let emu = Emulator::start();
    set_cycles(&emu, json!({"durationMs": 1000, "outcome": "succeeded"}));
    let before = emu.job(SN, SN_NOT_RUN);
    assert_eq!(before["status"]["lastExecution"], Value::Null);
    let started = Instant::now();
    action(&emu, SN, SN_NOT_RUN, "start", "");

    // While it runs: Active, lastExecution open, progress under way.
    let running = emu.job(SN, SN_NOT_RUN);
    assert!(
        started.elapsed() < Duration::from_millis(1000),
        "too slow to see the cycle run"
    );
    assert_eq!(running["status"]["code"], "Active");
    assert_eq!(running["schedule"]["state"], "Active");
    let execution = &running["status"]["lastExecution"];
    let began = iso_ms(str_of(execution, "/timeBegan"));
    assert_eq!(execution["timeEnded"], Value::Null);
    assert_eq!(execution["state"], Value::Null);
    assert!(execution["activityIdentifier"].is_string());
    let progress = &running["status"]["progress"][0];
    assert_eq!(progress["units"], "entries");
    assert_eq!(progress["totalUnits"], 100);
    let first = progress["completedUnits"].as_i64().unwrap();
    assert!(first < 100, "{progress}");
    assert_eq!(running["status"]["steadyStateFirstAchievedTime"], NEVER);
    sleep(Duration::from_millis(300));
    let later = emu.job(SN, SN_NOT_RUN);
    let second = later["status"]["progress"][0]["completedUnits"]
        .as_i64()
        .unwrap();
    assert!(second > first, "progress advances: {first} then {second}");
    assert!(
        iso_ms(str_of(
            &later,
            "/status/progress/0/progressObservationDateTime"
        )) > iso_ms(str_of(progress, "/progressObservationDateTime"))
    );
    // The list shows the same cycle.
    let list = emu.get(
        &format!("/beta/servicePrincipals/{SN}/synchronization/jobs"),
        RW,
    );
    let listed = list.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == SN_NOT_RUN)
        .cloned()
        .unwrap();
    assert_eq!(listed["status"]["lastExecution"]["timeEnded"], Value::Null);

    // After it ends: Succeeded, timeEnded one cycle after timeBegan, steady state reached.
    sleep(Duration::from_millis(900));
    let done = emu.job(SN, SN_NOT_RUN);
    let status = &done["status"];
    assert_eq!(status["code"], "Active", "Active between scheduled cycles");
    assert_eq!(done["schedule"]["state"], "Active");
    let execution = &status["lastExecution"];
    assert_eq!(execution["state"], "Succeeded");
    assert_eq!(
        execution["activityIdentifier"],
        running["status"]["lastExecution"]["activityIdentifier"]
    );
    let ended = iso_ms(str_of(execution, "/timeEnded"));
    assert_eq!(ended - began, 1000);
    assert_eq!(execution["countEntitled"], 100);
    assert_eq!(execution["countImported"], 100);
    assert!(execution["countExported"].as_i64().unwrap() > 0);
    assert_eq!(execution["error"], Value::Null);
    assert_eq!(&status["lastSuccessfulExecution"], execution);
    assert_eq!(&status["lastSuccessfulExecutionWithExports"], execution);
    assert_eq!(
        status["steadyStateFirstAchievedTime"],
        execution["timeEnded"]
    );
    assert_eq!(
        status["steadyStateLastAchievedTime"],
        execution["timeEnded"]
    );
    assert_eq!(status["progress"][0]["completedUnits"], 100);
    assert_eq!(status["countSuccessiveCompleteFailures"], 0);
    // Reads do not change a finished cycle.
    sleep(Duration::from_millis(20));
    assert_eq!(emu.job(SN, SN_NOT_RUN), done);

    // Start on an Active job changes nothing; restart runs a new cycle.
    action(&emu, SN, SN_NOT_RUN, "start", "");
    assert_eq!(emu.job(SN, SN_NOT_RUN), done);
    set_cycles(&emu, json!({"durationMs": 200}));
    action(&emu, SN, SN_NOT_RUN, "restart", "");
    let rerun = emu.job(SN, SN_NOT_RUN);
    assert_eq!(rerun["status"]["lastExecution"]["timeEnded"], Value::Null);
    assert_ne!(
        rerun["status"]["lastExecution"]["activityIdentifier"],
        execution["activityIdentifier"]
    );
    // Only the last steady-state time moves on the next success.
    sleep(Duration::from_millis(350));
    let again = emu.job(SN, SN_NOT_RUN);
    let status = &again["status"];
    assert_eq!(status["lastExecution"]["state"], "Succeeded");
    assert_eq!(
        status["steadyStateFirstAchievedTime"],
        done["status"]["steadyStateFirstAchievedTime"]
    );
    assert_eq!(
        status["steadyStateLastAchievedTime"],
        status["lastExecution"]["timeEnded"]
    );
    assert!(
        iso_ms(str_of(status, "/steadyStateLastAchievedTime"))
            > iso_ms(str_of(status, "/steadyStateFirstAchievedTime"))
    );
}

#[test]
fn each_outcome_as_graph_shows_it() {
    let emu = Emulator::start();
    let sp = "outcomes-sp";
    for outcome in ["entryLevelErrors", "failed", "quarantine"] {
        put_job(
            &emu,
            sp,
            &format!("app.{outcome}"),
            json!({"code": "NotRun"}),
        );
    }
    for outcome in ["entryLevelErrors", "failed", "quarantine"] {
        set_cycles(&emu, json!({"durationMs": 50, "outcome": outcome}));
        action(&emu, sp, &format!("app.{outcome}"), "start", "");
    }
    sleep(Duration::from_millis(150));

    let job = emu.job(sp, "app.entryLevelErrors");
    let status = &job["status"];
    assert_eq!(status["code"], "Active");
    assert_eq!(status["lastExecution"]["state"], "EntryLevelErrors");
    assert!(status["lastExecution"]["countEscrowed"].as_i64().unwrap() > 0);
    assert!(status["lastExecution"]["timeEnded"].is_string());
    assert_eq!(status["lastSuccessfulExecution"], Value::Null);
    assert_eq!(status["steadyStateLastAchievedTime"], NEVER);
    assert_eq!(status["countSuccessiveCompleteFailures"], 0);

    let job = emu.job(sp, "app.failed");
    let status = &job["status"];
    assert_eq!(status["code"], "Active");
    assert_eq!(status["lastExecution"]["state"], "Failed");
    assert!(status["lastExecution"]["error"]["code"].is_string());
    assert_eq!(status["lastExecution"]["error"]["tenantActionable"], false);
    assert_eq!(status["lastSuccessfulExecution"], Value::Null);
    assert_eq!(status["steadyStateFirstAchievedTime"], NEVER);
    assert_eq!(status["countSuccessiveCompleteFailures"], 1);
    assert_eq!(status["quarantine"], Value::Null);

    let job = emu.job(sp, "app.quarantine");
    let status = &job["status"];
    assert_eq!(status["code"], "Quarantine");
    assert_eq!(job["schedule"]["state"], "Active");
    assert_eq!(status["lastExecution"]["state"], "Failed");
    assert_eq!(status["countSuccessiveCompleteFailures"], 1);
    let quarantine = &status["quarantine"];
    assert_eq!(quarantine["reason"], "TooManyDeletes");
    assert_eq!(
        quarantine["currentBegan"],
        status["lastExecution"]["timeEnded"]
    );
    assert_eq!(quarantine["seriesBegan"], quarantine["currentBegan"]);
    assert_eq!(quarantine["seriesCount"], 1);
    assert!(
        iso_ms(str_of(quarantine, "/nextAttempt")) > iso_ms(str_of(quarantine, "/currentBegan"))
    );
    assert_eq!(quarantine["error"]["code"], "TooManyDeletes");
    assert!(quarantine["error"]["message"].is_string());
    assert_eq!(quarantine["error"]["tenantActionable"], true);
    assert_eq!(status["lastExecution"]["error"], quarantine["error"]);

    // A quarantined job's restart with QuarantineState runs a cycle (now a successful one).
    set_cycles(&emu, json!({"durationMs": 0, "outcome": "succeeded"}));
    action(
        &emu,
        sp,
        "app.quarantine",
        "restart",
        r#"{"criteria":{"resetScope":"QuarantineState"}}"#,
    );
    let job = emu.job(sp, "app.quarantine");
    assert_eq!(job["status"]["code"], "Active");
    assert_eq!(job["status"]["quarantine"], Value::Null);
    assert_eq!(job["status"]["lastExecution"]["state"], "Succeeded");
    assert_eq!(job["status"]["countSuccessiveCompleteFailures"], 0);
}

#[test]
fn one_job_can_have_its_own_cycle() {
    let emu = Emulator::start();
    set_cycles(&emu, json!({"durationMs": 60000, "outcome": "succeeded"}));
    let own = put_job(
        &emu,
        "own-sp",
        "app.own",
        json!({"code": "NotRun", "cycle": {"durationMs": 50, "outcome": "failed"}}),
    );
    assert_eq!(own["status"]["code"], "NotRun");
    put_job(&emu, "own-sp", "app.shared", json!({"code": "NotRun"}));
    action(&emu, "own-sp", "app.own", "start", "");
    action(&emu, "own-sp", "app.shared", "start", "");
    sleep(Duration::from_millis(150));
    assert_eq!(
        emu.job("own-sp", "app.own")["status"]["lastExecution"]["state"],
        "Failed"
    );
    let shared = emu.job("own-sp", "app.shared");
    assert_eq!(shared["status"]["lastExecution"]["timeEnded"], Value::Null);
    // A cycle keeps the settings it began with; later cycles take new ones.
    set_cycles(&emu, json!({"durationMs": 0}));
    assert_eq!(
        emu.job("own-sp", "app.shared")["status"]["lastExecution"]["timeEnded"],
        Value::Null
    );
    // The job's own settings stay (for every later cycle) until cleared with null; code may be left out.
    action(&emu, "own-sp", "app.own", "restart", "");
    sleep(Duration::from_millis(100));
    assert_eq!(
        emu.job("own-sp", "app.own")["status"]["lastExecution"]["state"],
        "Failed"
    );
    put_job(&emu, "own-sp", "app.own", json!({"cycle": null}));
    action(&emu, "own-sp", "app.own", "restart", "");
    assert_eq!(
        emu.job("own-sp", "app.own")["status"]["lastExecution"]["state"],
        "Succeeded"
    );
    // A forced code interrupts a running cycle: timeEnded set, state null.
    set_cycles(&emu, json!({"durationMs": 60000}));
    action(&emu, "own-sp", "app.own", "restart", "");
    let forced = put_job(&emu, "own-sp", "app.own", json!({"code": "Paused"}));
    assert_eq!(forced["status"]["code"], "Paused");
    assert!(forced["status"]["lastExecution"]["timeEnded"].is_string());
    assert_eq!(forced["status"]["lastExecution"]["state"], Value::Null);

    for bad in [
        json!({}),
        json!({"cycle": {"durationMs": 86_400_001}}),
        json!({"cycle": {"outcome": "exploded"}}),
        json!({"cycle": {"seconds": 1}}),
    ] {
        let response = emu.control(
            "PUT",
            "/_emulator/servicePrincipals/own-sp/jobs/app.own",
            &bad.to_string(),
        );
        assert_eq!(response.graph_error(400), "BadRequest", "{bad}");
    }
}

#[test]
fn pause_stops_a_cycle_and_start_continues_it() {
    let emu = Emulator::start();
    set_cycles(&emu, json!({"durationMs": 600, "outcome": "succeeded"}));
    action(&emu, SN, SN_NOT_RUN, "start", "");
    sleep(Duration::from_millis(150));
    action(&emu, SN, SN_NOT_RUN, "pause", "");
    let paused = emu.job(SN, SN_NOT_RUN);
    assert_eq!(paused["status"]["code"], "Paused");
    assert_eq!(paused["schedule"]["state"], "Paused");
    assert_eq!(paused["status"]["lastExecution"]["timeEnded"], Value::Null);
    let at_pause = paused["status"]["progress"][0]["completedUnits"]
        .as_i64()
        .unwrap();
    assert!((1..100).contains(&at_pause), "{at_pause}");
    // Frozen while paused, even past the cycle's end.
    sleep(Duration::from_millis(650));
    assert_eq!(emu.job(SN, SN_NOT_RUN), paused);
    action(&emu, SN, SN_NOT_RUN, "start", "");
    let resumed = emu.job(SN, SN_NOT_RUN);
    assert_eq!(resumed["status"]["code"], "Active");
    assert_eq!(
        resumed["status"]["lastExecution"]["activityIdentifier"],
        paused["status"]["lastExecution"]["activityIdentifier"]
    );
    assert!(
        resumed["status"]["progress"][0]["completedUnits"]
            .as_i64()
            .unwrap()
            >= at_pause
    );
    sleep(Duration::from_millis(650));
    let done = emu.job(SN, SN_NOT_RUN);
    let execution = &done["status"]["lastExecution"];
    assert_eq!(execution["state"], "Succeeded");
    let (began, ended) = (
        iso_ms(str_of(execution, "/timeBegan")),
        iso_ms(str_of(execution, "/timeEnded")),
    );
    assert!(
        ended - began >= 600 + 650,
        "the paused time is not counted: {began} {ended}"
    );
}

#[test]
fn restart_runs_a_cycle_and_watermark_resets_steady_state() {
    let emu = Emulator::start_with(&["--cycle-ms", "100"]);
    let before = emu.job(SN, SN_ACTIVE);
    action(
        &emu,
        SN,
        SN_ACTIVE,
        "restart",
        r#"{"criteria":{"resetScope":"Watermark"}}"#,
    );
    let running = emu.job(SN, SN_ACTIVE);
    assert_eq!(running["status"]["code"], "Active");
    assert_eq!(running["status"]["lastExecution"]["timeEnded"], Value::Null);
    assert_eq!(running["status"]["steadyStateFirstAchievedTime"], NEVER);
    // Entitled count of the last run sizes the next one.
    assert_eq!(
        running["status"]["progress"][0]["totalUnits"],
        before["status"]["lastExecution"]["countEntitled"]
    );
    sleep(Duration::from_millis(250));
    let done = emu.job(SN, SN_ACTIVE);
    let ended = &done["status"]["lastExecution"]["timeEnded"];
    assert_eq!(&done["status"]["steadyStateFirstAchievedTime"], ended);
    assert_eq!(&done["status"]["steadyStateLastAchievedTime"], ended);
}

#[test]
fn cycle_settings_control_route() {
    let emu = Emulator::start_with(&["--cycle-ms", "250"]);
    let response = emu.control("GET", "/_emulator/cycles", "");
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json(),
        json!({"durationMs": 250, "outcome": "succeeded"})
    );
    assert_eq!(
        set_cycles(&emu, json!({"outcome": "quarantine"})),
        json!({"durationMs": 250, "outcome": "quarantine"})
    );
    emu.refuses_setting(
        "cycles",
        &[
            r#"{"durationMs":-5}"#,
            r#"{"durationMs":86400001}"#,
            r#"{"outcome":"Succeeded"}"#,
            r#"{"durationMs":"10"}"#,
            "{",
        ],
    );
    assert_eq!(
        emu.control("DELETE", "/_emulator/cycles", "")
            .graph_error(405),
        "Request_BadRequest"
    );
    emu.reset_restores("cycles", json!({"durationMs": 250, "outcome": "succeeded"}));
    // The default cycle lasts 3 s.
    let emu = Emulator::start();
    assert_eq!(
        emu.control("GET", "/_emulator/cycles", "").json(),
        json!({"durationMs": 3000, "outcome": "succeeded"})
    );
    action(&emu, SF, SF_QUARANTINED, "start", "");
    let job = emu.job(SF, SF_QUARANTINED);
    assert_eq!(job["status"]["code"], "Active");
    assert_eq!(job["status"]["lastExecution"]["timeEnded"], Value::Null);
}
