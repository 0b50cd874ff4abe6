//! Malformed and hostile requests must never crash the emulator or stop it serving others.

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::*;

fn assert_still_serving(emu: &Emulator) {
    assert_eq!(emu.control("GET", "/_emulator/health", "").status, 200);
    assert_eq!(emu.get(&job_path("beta", SF, SF_PAUSED), RW).status, 200);
}

/// Sends bytes and returns whatever comes back (maybe nothing) without parsing it.
fn send_raw(emu: &Emulator, bytes: &[u8]) -> Vec<u8> {
    let mut stream = emu.connect();
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    out
}

#[test]
fn garbage_bytes_and_broken_request_lines() {
    let emu = Emulator::start();
    let mut seed = 0x2545F4914F6CDD1Du64;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect();
    let cases: Vec<Vec<u8>> = vec![
        garbage,
        b"\x00\x01\x02\x03\r\n\r\n".to_vec(),
        b"GET\r\n\r\n".to_vec(),
        b"GET /beta/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
        b"GET /beta/%%%zz%G0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec(),
        b"POST /beta/$batch HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n".to_vec(),
        b"POST /beta/$batch HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde".to_vec(),
        b"POST /beta/$batch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n".to_vec(),
        b"GET / HTTP/9.9\r\n\r\n".to_vec(),
        b"GET /beta/x HTTP/1.1\r\nBad Header Line\r\n\r\n".to_vec(),
        b"\r\n\r\n\r\n".to_vec(),
    ];
    for case in &cases {
        let answer = send_raw(&emu, case);
        if !answer.is_empty() {
            let text = String::from_utf8_lossy(&answer);
            assert!(text.starts_with("HTTP/1.1 "), "{text}");
            assert!(
                !text.starts_with("HTTP/1.1 5"),
                "a malformed request is not a server error: {text}"
            );
        }
        assert_still_serving(&emu);
    }
    // A target with bad percent-encoding is answered as Graph would: an error body, not a crash.
    let response = emu.get("/beta/servicePrincipals/%zz/synchronization/jobs/%", RW);
    assert_eq!(response.graph_error(404), "Request_ResourceNotFound");
}

#[test]
fn huge_and_numerous_headers_get_431_without_harming_other_connections() {
    let emu = Emulator::start();
    let mut idle = emu.connect();
    idle.write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\n")
        .unwrap();

    let huge = format!(
        "GET /beta/x HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(200 * 1024)
    );
    let answer = send_raw(&emu, huge.as_bytes());
    let text = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || text.starts_with("HTTP/1.1 431"),
        "{text}"
    );

    let mut many = String::from("GET /beta/x HTTP/1.1\r\nHost: x\r\n");
    for i in 0..500 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    let answer = send_raw(&emu, many.as_bytes());
    let text = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || text.starts_with("HTTP/1.1 431"),
        "{text}"
    );

    // A long URL also counts against the head limit.
    let long_url = format!(
        "GET /beta/{} HTTP/1.1\r\nHost: x\r\n\r\n",
        "p".repeat(100 * 1024)
    );
    let answer = send_raw(&emu, long_url.as_bytes());
    let text = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || text.starts_with("HTTP/1.1 4"),
        "{text}"
    );

    assert_still_serving(&emu);
    // The connection that was half-way through its head still completes normally.
    idle.write_all(b"Connection: close\r\n\r\n").unwrap();
    let response = read_response(&mut idle).expect("answer on the idle connection");
    assert_eq!(response.status, 200);
}

#[test]
fn slow_and_idle_connections_do_not_block_service() {
    let emu = Emulator::start();
    // Many connections that send a partial head and stall (slowloris).
    let mut stalled: Vec<_> = (0..200)
        .map(|_| {
            let mut s = emu.connect();
            s.write_all(b"POST /beta/$batch HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .unwrap();
            s
        })
        .collect();
    // A body that never finishes, too.
    let mut slow_body = emu.connect();
    slow_body.write_all(format!("POST /beta/$batch HTTP/1.1\r\nHost: x\r\nAuthorization: {RW}\r\nContent-Length: 100\r\n\r\n{{").as_bytes()).unwrap();
    let began = Instant::now();
    for _ in 0..20 {
        assert_still_serving(&emu);
    }
    assert!(began.elapsed() < Duration::from_secs(5));
    // The stalled heads are cut off by the header timeout (20 s) rather than held forever.
    let first = &mut stalled[0];
    first
        .set_read_timeout(Some(Duration::from_secs(40)))
        .unwrap();
    let mut buf = Vec::new();
    let began = Instant::now();
    let _ = first.read_to_end(&mut buf);
    assert!(
        began.elapsed() < Duration::from_secs(30),
        "stalled head was not closed"
    );
    assert!(buf.is_empty() || String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 408"));
    assert_still_serving(&emu);
}

#[test]
fn keep_alive_pipelining_and_absolute_form() {
    let emu = Emulator::start();
    let mut stream = emu.connect();
    let one = format!(
        "GET {} HTTP/1.1\r\nHost: x\r\nAuthorization: {RW}\r\n\r\n",
        job_path("beta", SF, SF_PAUSED)
    );
    let two = format!("POST {}/start HTTP/1.1\r\nHost: x\r\nAuthorization: {RW}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", job_path("v1.0", SF, SF_PAUSED));
    stream.write_all(format!("{one}{two}").as_bytes()).unwrap();
    let mut answers = Vec::new();
    stream.read_to_end(&mut answers).unwrap();
    let answers = String::from_utf8_lossy(&answers);
    let first = answers.find("HTTP/1.1 200 OK").expect("first answer");
    let second = answers
        .find("HTTP/1.1 204 No Content")
        .expect("second answer");
    assert!(first < second, "{answers}");
    assert!(
        answers[first..second].contains(r#""code":"Paused""#),
        "answered in order"
    );
    assert_eq!(emu.status_code(SF, SF_PAUSED), "Active");

    let absolute = format!(
        "http://127.0.0.1:{}{}",
        emu.port,
        job_path("beta", SN, SN_ACTIVE)
    );
    let response = emu.get(&absolute, RW);
    assert_eq!(response.status, 200);
    assert_eq!(emu.recorded("http://")[0]["target"], absolute.as_str());
    // HTTP/1.0 without Host.
    let response = emu
        .raw(
            format!(
                "GET {} HTTP/1.0\r\nAuthorization: {RW}\r\n\r\n",
                job_path("beta", SN, SN_ACTIVE)
            )
            .as_bytes(),
        )
        .unwrap();
    assert_eq!(response.status, 200);
}

#[test]
fn concurrent_clients_all_get_answers() {
    let emu = Emulator::start();
    let port = emu.port;
    let threads: Vec<_> = (0..16)
        .map(|i| {
            std::thread::spawn(move || {
                let mut ok = 0;
                for j in 0..25 {
                    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
                    let target = if (i + j) % 2 == 0 { "/beta/$batch" } else { "/beta/servicePrincipals/x" };
                    stream.write_all(format!("GET {target} HTTP/1.1\r\nHost: x\r\nAuthorization: {RW}\r\nConnection: close\r\n\r\n").as_bytes()).unwrap();
                    if let Some(r) = read_response(&mut stream) {
                        ok += usize::from(r.status == 405 || r.status == 404);
                    }
                }
                ok
            })
        })
        .collect();
    let total: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(total, 16 * 25);
}

/// Writes the whole request (head and body) before reading anything, as Python's http.client does.
fn write_all_then_read(stream: &mut std::net::TcpStream, request: &[u8]) -> Response {
    stream
        .write_all(request)
        .expect("the server reads the whole body");
    read_response(stream).expect("an answer, not a reset")
}

#[test]
fn a_client_that_writes_a_whole_oversized_body_first_sees_the_413() {
    let emu = Emulator::start();
    let body = vec![b'x'; 2 * 1024 * 1024];
    let head = format!(
        "POST /beta/$batch HTTP/1.1\r\nHost: x\r\nAuthorization: {RW}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = emu.connect();
    let mut request = head.into_bytes();
    request.extend_from_slice(&body);
    let response = write_all_then_read(&mut stream, &request);
    assert_eq!(response.graph_error(413), "RequestEntityTooLarge");
    // The body was read to its end: the same connection serves the next request.
    let next = format!(
        "GET {} HTTP/1.1\r\nHost: x\r\nAuthorization: {RW}\r\nConnection: close\r\n\r\n",
        job_path("beta", SF, SF_PAUSED)
    );
    let response = write_all_then_read(&mut stream, next.as_bytes());
    assert_eq!(response.status, 200);

    // The same with a chunked body and on a control route.
    let mut request = b"POST /_emulator/faults HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    for chunk in body.chunks(64 * 1024) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let mut stream = emu.connect();
    let response = write_all_then_read(&mut stream, &request);
    assert_eq!(response.graph_error(413), "RequestEntityTooLarge");
    assert_still_serving(&emu);
}
