//! Entry point: parse the command line, load the seed, bind, serve until SIGINT/SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use graph_emulator::{app, cli, seed, server};

fn main() -> ExitCode {
    let options = match cli::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("graph-emulator: {message}\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    if options.help {
        println!("{}", cli::USAGE);
        return ExitCode::SUCCESS;
    }
    let seed = match &options.seed {
        None => seed::parse(seed::BUILT_IN),
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => seed::parse(&text),
            Err(e) => Err(format!("cannot read it: {e}")),
        },
    };
    let seed = match seed {
        Ok(seed) => seed,
        Err(message) => {
            let source = options
                .seed
                .as_ref()
                .map_or("the built-in seed".to_owned(), |p| {
                    format!("seed file {}", p.display())
                });
            eprintln!("graph-emulator: bad {source}: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("graph-emulator: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(SocketAddr::new(
            options.bind,
            options.port,
        ))
        .await
        {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!(
                    "graph-emulator: cannot listen on {}:{}: {e}",
                    options.bind, options.port
                );
                return ExitCode::FAILURE;
            }
        };
        let address = match listener.local_addr() {
            Ok(address) => address,
            Err(e) => {
                eprintln!("graph-emulator: cannot read the bound address: {e}");
                return ExitCode::FAILURE;
            }
        };
        let base_url = format!("http://{address}");
        let mut stdout = std::io::stdout();
        if writeln!(stdout, "listening on {base_url}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            // Nobody reads stdout any more; keep serving anyway.
        }
        if !options.quiet {
            let jobs: usize = seed.service_principals.iter().map(|sp| sp.jobs.len()).sum();
            eprintln!(
                "graph-emulator: serving {} service principals, {jobs} jobs, {} tokens",
                seed.service_principals.len(),
                seed.tokens.len() + options.tokens.len()
            );
        }
        let app = Arc::new(app::App::new(
            seed,
            &options.tokens,
            base_url,
            app::Settings {
                cycle_ms: options.cycle_ms,
                latency_ms: options.latency_ms,
                page_size: options.page_size,
            },
        ));
        server::serve(listener, app, options.quiet).await;
        ExitCode::SUCCESS
    })
}
