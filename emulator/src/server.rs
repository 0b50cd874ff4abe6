//! The HTTP server: accept loop, per-request pipeline (record, fault, size, Graph), shutdown.
//! It drives the handlers in `graph` and `control`, which never call back into it.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderName};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use crate::app::{App, DropConnection};
use crate::faults::FaultKind;
use crate::recorder::Recorded;
use crate::respond::{preflight, Ids, Reply, Resp};

/// Largest request body accepted; larger ones get 413.
pub const BODY_LIMIT: usize = 1 << 20;
/// Most bytes of a too-large body read and thrown away so its sender sees the 413.
const DRAIN_LIMIT: u64 = 16 << 20;
/// Longest time spent throwing a too-large body away.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest request head (request line and headers); larger ones get 431.
pub const HEAD_LIMIT: usize = 64 * 1024;
/// A request head must arrive within this time (slowloris guard). hyper also applies it to idle
/// keep-alive connections, hence the `Keep-Alive: timeout` hint below it.
const HEAD_TIMEOUT: Duration = Duration::from_secs(20);
/// A request body must arrive within this time.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long open connections get to finish on shutdown.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// The request target exactly as received: path and query, or the absolute form.
fn raw_target(uri: &Uri) -> String {
    if uri.scheme().is_some() {
        uri.to_string()
    } else {
        uri.path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| uri.to_string())
    }
}

enum BodyRead {
    Complete(Bytes),
    TooLarge,
}

async fn read_body(headers: &HeaderMap, mut body: Incoming) -> Result<BodyRead, DropConnection> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > BODY_LIMIT as u64) {
        tokio::spawn(drain(body, 0));
        return Ok(BodyRead::TooLarge);
    }
    let collect = async {
        let mut buf: Vec<u8> = Vec::new();
        while let Some(frame) = body.frame().await {
            let Ok(data) = frame.map_err(|_| DropConnection)?.into_data() else {
                continue;
            };
            let read = buf.len() + data.len();
            if read > BODY_LIMIT {
                return Ok(Err(read as u64));
            }
            buf.extend_from_slice(&data);
        }
        Ok(Ok(Bytes::from(buf)))
    };
    match tokio::time::timeout(BODY_TIMEOUT, collect).await {
        Err(_) => Err(DropConnection),
        Ok(Err(e)) => Err(e),
        Ok(Ok(Ok(bytes))) => Ok(BodyRead::Complete(bytes)),
        Ok(Ok(Err(read))) => {
            tokio::spawn(drain(body, read));
            Ok(BodyRead::TooLarge)
        }
    }
}

/// Reads and discards the rest of a body that got 413, up to [`DRAIN_LIMIT`] bytes in all and
/// [`DRAIN_TIMEOUT`], so a client that writes its whole body before reading (Python's
/// http.client does) gets the 413 instead of a reset. Past either bound hyper closes the
/// connection.
async fn drain(mut body: Incoming, mut read: u64) {
    let discard = async {
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                read = read.saturating_add(data.len() as u64);
                if read > DRAIN_LIMIT {
                    return;
                }
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, discard).await;
}

fn too_large() -> Reply {
    Reply::error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        format!("The request body exceeds the maximum of {BODY_LIMIT} bytes."),
    )
}

/// Applies the first queued fault that matches: waits its delay, then drops the connection,
/// answers for the request, or (a plain delay) lets it through (`Ok(None)`).
async fn apply_fault(
    app: &App,
    method: &str,
    target: &str,
    ids: &Ids,
) -> Result<Option<Resp>, DropConnection> {
    let Some(fault) = app.faults.take(method, target) else {
        return Ok(None);
    };
    if fault.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
    }
    match fault.kind {
        FaultKind::Drop => Err(DropConnection),
        FaultKind::Delay => Ok(None),
        _ => Ok(Some(Reply::from_fault(&fault).into_response(ids))),
    }
}

/// One request through the pipeline; Graph answers (not control ones) wait the set latency.
pub async fn handle(app: Arc<App>, request: Request<Incoming>) -> Result<Resp, DropConnection> {
    let path = request.uri().path();
    let is_control = path == "/_emulator" || path.starts_with("/_emulator/");
    let result = pipeline(&app, request, is_control).await;
    let latency_ms = app.latency_ms.load(Ordering::Relaxed);
    if !is_control && latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    }
    result
}

async fn pipeline(
    app: &App,
    request: Request<Incoming>,
    is_control: bool,
) -> Result<Resp, DropConnection> {
    let received_at_ms = crate::clock::now().1;
    let ids = Ids::new(
        request
            .headers()
            .get(HeaderName::from_static("client-request-id")),
    );
    let target = raw_target(request.uri());

    if request.method() == Method::OPTIONS {
        if !is_control {
            app.recorder.record(Recorded {
                method: Method::OPTIONS,
                target: target.clone(),
                headers: request.headers().clone(),
                body: Bytes::new(),
                received_at_ms,
            });
            if let Some(reply) = apply_fault(app, "OPTIONS", &target, &ids).await? {
                return Ok(reply);
            }
        }
        return Ok(preflight(request.headers(), &ids));
    }

    let (parts, body) = request.into_parts();
    let body = read_body(&parts.headers, body).await?;

    if is_control {
        let reply = match body {
            BodyRead::TooLarge => too_large(),
            BodyRead::Complete(bytes) => crate::control::handle(
                app,
                &parts.method,
                parts.uri.path(),
                parts.uri.query(),
                &bytes,
            ),
        };
        return Ok(reply.into_response(&ids));
    }

    let bytes = match &body {
        BodyRead::Complete(bytes) => bytes.clone(),
        BodyRead::TooLarge => Bytes::new(),
    };
    app.recorder.record(Recorded {
        method: parts.method.clone(),
        target: target.clone(),
        headers: parts.headers.clone(),
        body: bytes.clone(),
        received_at_ms,
    });
    if let Some(reply) = apply_fault(app, parts.method.as_str(), &target, &ids).await? {
        return Ok(reply);
    }
    if matches!(body, BodyRead::TooLarge) {
        return Ok(too_large().into_response(&ids));
    }
    let reply = crate::graph::serve(
        app,
        &parts.method,
        parts.uri.path(),
        parts.uri.query(),
        &parts.headers,
        &bytes,
    )
    .await?;
    Ok(reply.into_response(&ids))
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called, not when the
/// future is first polled, so a signal sent right after the first answer cannot kill the process.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let handlers = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        );
        async move {
            let (Ok(mut term), Ok(mut int)) = handlers else {
                std::future::pending::<()>().await;
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Serves on `listener` until SIGINT/SIGTERM, then lets open requests finish briefly.
pub async fn serve(listener: TcpListener, app: Arc<App>, quiet: bool) {
    let signal = shutdown_signal();
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(HEAD_LIMIT)
        .keep_alive(true);
    tokio::pin!(signal);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _peer): (_, SocketAddr) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        if !quiet {
                            eprintln!("graph-emulator: accept failed: {e}");
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let service = service_fn(move |request| handle(app.clone(), request));
                let connection = http.serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
            _ = &mut signal => break,
        }
    }
    drop(listener);
    if !quiet {
        eprintln!("graph-emulator: shutting down");
    }
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
}
