//! Command line: `graph-emulator [--bind IP] [--port N] [--seed FILE] [--token VALUE[:scope,...]]... [--quiet]`.

use std::net::IpAddr;
use std::path::PathBuf;

use crate::cycle::MAX_DURATION_MS;
use crate::seed::TokenGrant;

/// Largest added latency, in milliseconds (one minute).
pub const MAX_LATENCY_MS: u64 = 60_000;

/// Largest page size.
pub const MAX_PAGE_SIZE: u64 = 1000;

/// Default length of a provisioning cycle, in milliseconds.
pub const DEFAULT_CYCLE_MS: u64 = 3000;

pub const USAGE: &str = "usage: graph-emulator [--bind 127.0.0.1] [--port 0] [--seed FILE] [--token VALUE[:scope,scope...]]... [--cycle-ms 3000] [--latency-ms 0] [--page-size N] [--quiet]

A local Microsoft Graph for synchronization jobs.
  --bind IP         address to listen on (default 127.0.0.1)
  --port N          port to listen on; 0 picks a free one (default 0)
  --seed FILE       tenant to serve instead of the built-in one (same format as src/seed.json)
  --token V[:S,..]  accept bearer token V with scopes S (default Synchronization.ReadWrite.All); repeatable
  --cycle-ms N      length of the provisioning cycle a start or restart runs (default 3000)
  --latency-ms N    hold every Graph answer N ms, like Graph's round trip (default 0)
  --page-size N     list jobs N per page with @odata.nextLink (default: all in one page)
  --quiet           no log lines on stderr
The first stdout line is `listening on http://IP:PORT`.";

/// Parsed options.
#[derive(Debug, PartialEq)]
pub struct Options {
    pub bind: IpAddr,
    pub port: u16,
    pub seed: Option<PathBuf>,
    pub tokens: Vec<TokenGrant>,
    pub cycle_ms: u64,
    pub latency_ms: u64,
    pub page_size: u64,
    pub quiet: bool,
    pub help: bool,
}

/// Parses `--name value` and `--name=value` forms.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Options, String> {
    let mut options = Options {
        bind: IpAddr::from([127, 0, 0, 1]),
        port: 0,
        seed: None,
        tokens: Vec::new(),
        cycle_ms: DEFAULT_CYCLE_MS,
        latency_ms: 0,
        page_size: 0,
        quiet: false,
        help: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs {what}"))
        };
        match name.as_str() {
            "--bind" => {
                let text = value("an IP address")?;
                options.bind = text
                    .parse()
                    .map_err(|_| format!("--bind: '{text}' is not an IP address"))?;
            }
            "--port" => {
                let text = value("a port number")?;
                options.port = text
                    .parse()
                    .map_err(|_| format!("--port: '{text}' is not a port number (0-65535)"))?;
            }
            "--seed" => options.seed = Some(PathBuf::from(value("a file")?)),
            "--token" => options
                .tokens
                .push(parse_token(&value("VALUE[:scope,...]")?)?),
            "--cycle-ms" => {
                options.cycle_ms = parse_ms(&name, &value("milliseconds")?, MAX_DURATION_MS)?
            }
            "--latency-ms" => {
                options.latency_ms = parse_ms(&name, &value("milliseconds")?, MAX_LATENCY_MS)?
            }
            "--page-size" => {
                let text = value("a number of jobs")?;
                options.page_size = text
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                    .ok_or_else(|| {
                        format!("--page-size: '{text}' is not a number from 1 to {MAX_PAGE_SIZE}")
                    })?;
            }
            "--quiet" | "-q" => options.quiet = true,
            "--help" | "-h" => options.help = true,
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(options)
}

/// A whole number of milliseconds from 0 to `max`.
fn parse_ms(name: &str, text: &str, max: u64) -> Result<u64, String> {
    text.parse::<u64>()
        .ok()
        .filter(|ms| *ms <= max)
        .ok_or_else(|| {
            format!("{name}: '{text}' is not a whole number of milliseconds from 0 to {max}")
        })
}

/// `VALUE[:scope,scope...]`; without scopes, `Synchronization.ReadWrite.All`.
fn parse_token(text: &str) -> Result<TokenGrant, String> {
    let (token, scopes) = match text.split_once(':') {
        Some((token, scopes)) => (
            token,
            scopes
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        None => (text, vec!["Synchronization.ReadWrite.All".to_owned()]),
    };
    // The message never repeats the token itself: logs must not carry secrets.
    if token.is_empty() || token.chars().any(char::is_whitespace) {
        return Err("--token: the token value must be non-empty without whitespace".to_owned());
    }
    Ok(TokenGrant {
        token: token.to_owned(),
        scopes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_all_options() {
        let o = parse(args(&[
            "--port",
            "8080",
            "--bind=127.0.0.2",
            "--seed",
            "s.json",
            "--token",
            "a",
            "--token",
            "b:Synchronization.Read.All,User.Read",
            "--quiet",
            "--cycle-ms=250",
            "--latency-ms",
            "40",
        ]))
        .unwrap();
        assert_eq!(o.latency_ms, 40);
        assert_eq!(o.page_size, 0);
        assert_eq!(parse(args(&["--page-size", "2"])).unwrap().page_size, 2);
        assert_eq!(o.cycle_ms, 250);
        assert_eq!(o.port, 8080);
        assert_eq!(o.bind.to_string(), "127.0.0.2");
        assert_eq!(o.seed, Some(PathBuf::from("s.json")));
        assert_eq!(o.tokens[0].scopes, ["Synchronization.ReadWrite.All"]);
        assert_eq!(
            o.tokens[1].scopes,
            ["Synchronization.Read.All", "User.Read"]
        );
        assert!(o.quiet);
        let o = parse(args(&[])).unwrap();
        assert_eq!((o.bind.to_string(), o.port), ("127.0.0.1".to_owned(), 0));
    }

    #[test]
    fn rejects_bad_options_without_echoing_tokens() {
        assert!(parse(args(&["--port", "x"])).is_err());
        assert!(parse(args(&["--port"])).is_err());
        assert!(parse(args(&["--what"])).is_err());
        assert!(parse(args(&["--cycle-ms", "-1"])).is_err());
        assert!(parse(args(&["--cycle-ms", "86400001"])).is_err());
        assert!(parse(args(&["--latency-ms", "60001"])).is_err());
        assert!(parse(args(&["--page-size", "0"])).is_err());
        let err = parse(args(&["--token", ":Scope"])).unwrap_err();
        assert!(!err.contains("Scope"));
    }
}
