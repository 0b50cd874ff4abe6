//! The command line: seeds, tokens, the first stdout line, exit codes and signal shutdown.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_graph-emulator"))
}

fn temp_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("graph-emulator-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs to completion; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let output = binary().args(args).stdin(Stdio::null()).output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn bad_seed_files_exit_non_zero_naming_the_problem() {
    let bad_code = temp_file(
        "bad-code.json",
        r#"{"servicePrincipals":[{"id":"sp","jobs":[{"id":"a.1","status":{"code":"Running"}}]}]}"#,
    );
    let (code, stdout, stderr) = run(&["--seed", bad_code.to_str().unwrap()]);
    assert_ne!(code, Some(0));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("servicePrincipals[0].jobs[0].status.code"),
        "{stderr}"
    );
    assert!(stderr.contains("bad-code.json"), "{stderr}");

    let missing_field = temp_file("missing.json", r#"{"servicePrincipals":[{"jobs":[]}]}"#);
    let (code, _, stderr) = run(&["--seed", missing_field.to_str().unwrap()]);
    assert_ne!(code, Some(0));
    assert!(stderr.contains("missing field `id`"), "{stderr}");

    let not_json = temp_file("not.json", "{ this is not json");
    let (code, _, stderr) = run(&["--seed", not_json.to_str().unwrap()]);
    assert_ne!(code, Some(0));
    assert!(stderr.contains("bad seed file"), "{stderr}");

    let (code, _, stderr) = run(&["--seed", "/nonexistent/seed.json"]);
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains("/nonexistent/seed.json") && stderr.contains("cannot read"),
        "{stderr}"
    );
}

#[test]
fn custom_seed_is_served_with_demo_tokens_by_default() {
    let seed = temp_file(
        "custom.json",
        r#"{"servicePrincipals":[{"id":"sp-1","displayName":"Custom","jobs":[{"id":"custom.1","status":{"code":"Paused"}}]}]}"#,
    );
    let emu = Emulator::start_with(&["--seed", seed.to_str().unwrap()]);
    assert_eq!(emu.status_code("sp-1", "custom.1"), "Paused");
    assert_eq!(
        emu.post(
            &format!("{}/start", job_path("beta", "sp-1", "custom.1")),
            RW,
            ""
        )
        .status,
        204
    );
    assert_eq!(emu.get(&job_path("beta", SF, SF_PAUSED), RW).status, 404);
    // Reset goes back to this seed, not the built-in one.
    emu.control("POST", "/_emulator/reset", "");
    assert_eq!(emu.status_code("sp-1", "custom.1"), "Paused");

    let seed = temp_file(
        "tokens.json",
        r#"{"servicePrincipals":[],"tokens":[{"token":"only-this","scopes":["Synchronization.Read.All"]}]}"#,
    );
    let emu = Emulator::start_with(&["--seed", seed.to_str().unwrap()]);
    assert_eq!(emu.get("/beta/servicePrincipals/x", RW).status, 401);
    assert_eq!(
        emu.get("/beta/servicePrincipals/x", "Bearer only-this")
            .status,
        404
    );
}

#[test]
fn command_line_tokens_and_their_scopes() {
    let emu = Emulator::start_with(&[
        "--token",
        "full",
        "--token=ro:Synchronization.Read.All",
        "--token",
        "owned:Application.ReadWrite.OwnedBy",
    ]);
    let start = format!("{}/start", job_path("beta", SN, SN_NOT_RUN));
    assert_eq!(emu.post(&start, "Bearer ro", "").status, 403);
    assert_eq!(
        emu.get(&job_path("beta", SN, SN_NOT_RUN), "Bearer ro")
            .status,
        200
    );
    assert_eq!(emu.post(&start, "Bearer owned", "").status, 204);
    assert_eq!(
        emu.post(
            &format!("{}/pause", job_path("beta", SN, SN_NOT_RUN)),
            "Bearer full",
            ""
        )
        .status,
        204
    );
    assert_eq!(
        emu.post(&start, RW, "").status,
        204,
        "demo tokens still work"
    );
}

#[test]
fn logs_never_print_tokens() {
    let mut child = binary()
        .args([
            "--port",
            "0",
            "--token",
            "s3cret-token-value:Synchronization.ReadWrite.All",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    let emu_port = port;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", emu_port)).unwrap();
    std::io::Write::write_all(&mut stream, b"GET /beta/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret-token-value\r\nConnection: close\r\n\r\n").unwrap();
    let _ = read_response(&mut stream);
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("graph-emulator"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

fn stops_on(signal: &str) {
    let emu = Emulator::start();
    // A request left hanging must not hold up shutdown for long.
    emu.control(
        "POST",
        "/_emulator/faults",
        r#"{"fault":{"kind":"delay","ms":60000}}"#,
    );
    let mut hung = emu.connect();
    std::io::Write::write_all(&mut hung, b"GET /beta/x HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let mut emu = emu;
    Command::new("kill")
        .args([signal, &emu.pid().to_string()])
        .status()
        .unwrap();
    let began = Instant::now();
    let status = loop {
        if let Some(status) = emu.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "did not exit on {signal}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", emu.port)).is_err(),
        "still listening"
    );
}

#[test]
fn sigterm_shuts_down_cleanly() {
    stops_on("-TERM");
}

#[test]
fn sigint_shuts_down_cleanly() {
    stops_on("-INT");
}

#[test]
fn help_and_bad_arguments() {
    let (code, stdout, _) = run(&["--help"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("--seed") && stdout.contains("--token"));
    let (code, _, stderr) = run(&["--frobnicate"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--frobnicate") && stderr.contains("usage"));
    let (code, _, stderr) = run(&["--port", "99999"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--port"));
}

#[test]
fn first_line_names_the_bound_port() {
    let emu = Emulator::start();
    assert_eq!(emu.url, format!("http://127.0.0.1:{}", emu.port));
    assert_ne!(emu.port, 0);
}
