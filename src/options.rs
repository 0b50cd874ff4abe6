//! Every option, declared once: its name, what it holds, its bounds and which calls take it. The
//! JS layer reads options through this table (own properties only), refuses names it does not
//! list (with the nearest known name), and checks values with the functions here.

use crate::input::InvalidArgument;

/// Which calls take an option (a bit set).
pub type Calls = u8;
pub const GET: Calls = 1;
pub const LIST: Calls = 2;
/// start, pause and restart of one job.
pub const ACT: Calls = 4;
pub const RESTART: Calls = 8;
pub const BULK: Calls = 16;
pub const WAIT: Calls = 32;
pub const ALL: Calls = GET | LIST | ACT | RESTART | BULK | WAIT;

/// What an option holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Text,
    /// A number within `[min, max]`, an integer where asked.
    Number {
        min: f64,
        max: f64,
        integer: bool,
    },
    Function,
    Signal,
    /// An array of strings.
    List,
    /// An object of further options (`retry`).
    Group(&'static [Opt]),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Opt {
    pub name: &'static str,
    /// The full name used in messages and `argument`, e.g. `options.retry.maxRetries`.
    pub path: &'static str,
    pub kind: Kind,
    pub calls: Calls,
}

const fn opt(name: &'static str, path: &'static str, kind: Kind, calls: Calls) -> Opt {
    Opt {
        name,
        path,
        kind,
        calls,
    }
}

const fn int(min: f64, max: f64) -> Kind {
    Kind::Number {
        min,
        max,
        integer: true,
    }
}

const fn ms(min: f64, max: f64) -> Kind {
    Kind::Number {
        min,
        max,
        integer: false,
    }
}

pub use crate::retry::{DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS};
/// `waitForSynchronizationJob`'s deadline when not given: a first cycle can take hours.
pub const DEFAULT_WAIT_TIMEOUT_MS: f64 = MAX_TIMEOUT_MS;
pub const DEFAULT_POLL_INTERVAL_MS: f64 = 20_000.0;
pub const MIN_POLL_INTERVAL_MS: f64 = 1_000.0;
pub const DEFAULT_CONCURRENCY: usize = 4;
pub const MAX_CONCURRENCY: f64 = 20.0;

pub const RETRY: &[Opt] = &[
    opt(
        "maxRetries",
        "options.retry.maxRetries",
        int(0.0, crate::retry::MAX_MAX_RETRIES as f64),
        ALL,
    ),
    opt(
        "maxDelayMs",
        "options.retry.maxDelayMs",
        ms(0.0, crate::retry::MAX_MAX_DELAY_MS),
        ALL,
    ),
    opt(
        "baseDelayMs",
        "options.retry.baseDelayMs",
        ms(1.0, 60_000.0),
        ALL,
    ),
];

/// The options of every call. README "Options" is this table in words.
pub const OPTIONS: &[Opt] = &[
    opt("baseUrl", "options.baseUrl", Kind::Text, ALL),
    opt("cloud", "options.cloud", Kind::Text, ALL),
    opt("apiVersion", "options.apiVersion", Kind::Text, ALL),
    opt("scopes", "options.scopes", Kind::List, ALL),
    opt("signal", "options.signal", Kind::Signal, ALL),
    opt(
        "timeoutMs",
        "options.timeoutMs",
        ms(1.0, MAX_TIMEOUT_MS),
        ALL,
    ),
    opt("retry", "options.retry", Kind::Group(RETRY), ALL),
    opt("onRetry", "options.onRetry", Kind::Function, ALL),
    opt("onResponse", "options.onResponse", Kind::Function, ALL),
    opt(
        "clientRequestId",
        "options.clientRequestId",
        Kind::Text,
        ALL,
    ),
    opt(
        "ifStatus",
        "options.ifStatus",
        Kind::List,
        ACT | RESTART | BULK,
    ),
    opt("resetScope", "options.resetScope", Kind::List, RESTART),
    opt(
        "concurrency",
        "options.concurrency",
        int(1.0, MAX_CONCURRENCY),
        BULK,
    ),
    opt(
        "onProgress",
        "options.onProgress",
        Kind::Function,
        BULK | WAIT,
    ),
    opt("until", "options.until", Kind::Text, WAIT),
    opt(
        "pollIntervalMs",
        "options.pollIntervalMs",
        ms(MIN_POLL_INTERVAL_MS, MAX_TIMEOUT_MS),
        WAIT,
    ),
];

/// Checks a number against the option's declared bounds.
pub fn check(o: &Opt, value: f64) -> Result<f64, InvalidArgument> {
    match o.kind {
        Kind::Number { min, max, integer } => {
            crate::retry::check_number(o.path, value, min, max, integer)
        }
        _ => Err(InvalidArgument::problem(o.path, "must be a number")),
    }
}

/// The option called `name` in `table` that `calls` takes.
pub fn find(table: &'static [Opt], name: &str, calls: Calls) -> Option<&'static Opt> {
    table
        .iter()
        .find(|o| o.name == name && o.calls & calls != 0)
}

/// Refuses an option name the call does not take, naming the nearest one it does.
///
/// ```
/// use graph_sync_job::options::{unknown, OPTIONS, ACT};
/// let e = unknown(OPTIONS, "options", "baseURL", ACT);
/// assert_eq!(e.message, "options.baseURL is not an option of this call; did you mean baseUrl?");
/// ```
pub fn unknown(
    table: &'static [Opt],
    prefix: &'static str,
    name: &str,
    calls: Calls,
) -> InvalidArgument {
    // The first of the nearest, within a third of the name's length (at least 3 edits). A name
    // over 64 bytes is at least 40 edits from every option (none is over 24), more than that
    // third: no distance is computed for it (a key of megabytes costs nothing).
    let (mut nearest, mut best) = (None, 3.max(name.len() / 3) + 1);
    if name.len() <= 64 {
        for o in table {
            if o.calls & calls == 0 {
                continue;
            }
            let d = distance(name, o.name);
            if d < best {
                (nearest, best) = (Some(o.name), d);
            }
        }
    }
    let shown = crate::text::prefix(name, 64);
    let mut message = [prefix, ".", shown, " is not an option of this call"].concat();
    if let Some(n) = nearest {
        message.push_str("; did you mean ");
        message.push_str(n);
        message.push_str("?");
    }
    InvalidArgument::new(prefix, message)
}

/// Levenshtein distance over bytes, ASCII case ignored (option names are short and ASCII).
/// Index loops: at `opt-level = "z"` `enumerate` and `collect` chains here, with `unknown`'s
/// `filter`/`map`/`min_by_key` chain, cost 0.3 KB gzip.
#[allow(clippy::needless_range_loop)]
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut row = Vec::with_capacity(b.len() + 1);
    for j in 0..=b.len() {
        row.push(j);
    }
    for i in 0..a.len() {
        let mut prev = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let cur = row[j + 1];
            let cost = usize::from(!a[i].eq_ignore_ascii_case(&b[j]));
            row[j + 1] = (prev + cost).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// `status.code` values of a synchronization job.
pub const STATUS_CODES: &[&str] = &["NotConfigured", "NotRun", "Active", "Paused", "Quarantine"];
/// Reset scopes a restart may send. Graph's docs mark `None` and `ConnectorDataStore` "DO NOT USE".
pub const RESET_SCOPES: &[&str] = &[
    "Watermark",
    "Escrows",
    "QuarantineState",
    "Full",
    "ForceDeletes",
];

/// Checks a list option against the names it may hold; keeps order, drops repeats.
///
/// ```
/// use graph_sync_job::options::{check_names, RESET_SCOPES};
/// assert_eq!(check_names("options.resetScope", &["Watermark".into(), "Escrows".into()], RESET_SCOPES).unwrap(), ["Watermark", "Escrows"]);
/// assert!(check_names("options.resetScope", &["None".into()], RESET_SCOPES).is_err());
/// ```
pub fn check_names(
    argument: &'static str,
    values: &[String],
    allowed: &'static [&'static str],
) -> Result<Vec<&'static str>, InvalidArgument> {
    if values.is_empty() {
        return Err(InvalidArgument::problem(argument, "is empty"));
    }
    let mut out: Vec<&'static str> = Vec::new();
    for v in values {
        let Some(name) = allowed.iter().find(|a| **a == v) else {
            let mut message = [argument, " may only hold "].concat();
            message.push_str(&crate::text::join(allowed, ", "));
            if v == "None" || v == "ConnectorDataStore" {
                message.push_str(
                    " (Graph's documentation says not to use None or ConnectorDataStore)",
                );
            }
            return Err(InvalidArgument::new(argument, message));
        };
        if !out.contains(name) {
            out.push(name);
        }
    }
    Ok(out)
}

/// What `waitForSynchronizationJob` waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Until {
    /// A cycle that began at or after the first poll has ended (Graph's timestamps).
    #[default]
    CycleComplete,
    /// `steadyStateLastAchievedTime` moved past its value at the first poll.
    SteadyState,
    /// `status.code` is `Active`.
    Active,
}

impl Until {
    pub fn parse(v: &str) -> Result<Self, InvalidArgument> {
        match v {
            "cycleComplete" => Ok(Self::CycleComplete),
            "steadyState" => Ok(Self::SteadyState),
            "active" => Ok(Self::Active),
            _ => Err(InvalidArgument::new(
                "options.until",
                "options.until must be \"cycleComplete\", \"steadyState\" or \"active\"",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_unique_per_call_and_paths_match_names() {
        for table in [OPTIONS, RETRY] {
            for (i, o) in table.iter().enumerate() {
                assert!(o.path.ends_with(&[".", o.name].concat()), "{}", o.path);
                for p in &table[i + 1..] {
                    assert!(o.name != p.name, "{} twice", o.name);
                }
            }
        }
    }

    #[test]
    fn typos_are_refused_with_the_nearest_name() {
        let e = unknown(RETRY, "options.retry", "maxRetires", ALL);
        assert_eq!(e.argument, "options.retry");
        assert!(
            e.message.ends_with("did you mean maxRetries?"),
            "{}",
            e.message
        );
        let e = unknown(OPTIONS, "options", "timeout", ALL);
        assert!(
            e.message.ends_with("did you mean timeoutMs?"),
            "{}",
            e.message
        );
        let far = unknown(OPTIONS, "options", "zzzzzzzzzzzzzzzz", ALL);
        assert!(!far.message.contains("did you mean"), "{}", far.message);
        // A real option of another call is still not an option of this one.
        assert!(find(OPTIONS, "resetScope", ACT).is_none());
        assert!(find(OPTIONS, "resetScope", RESTART).is_some());
        let e = unknown(OPTIONS, "options", "pollInterval", WAIT);
        assert!(
            e.message.ends_with("did you mean pollIntervalMs?"),
            "{}",
            e.message
        );
        let e = unknown(OPTIONS, "options", "BASEURL", ALL);
        assert!(
            e.message.ends_with("did you mean baseUrl?"),
            "{}",
            e.message
        );
    }

    #[test]
    fn long_names_get_no_suggestion_and_cost_no_distance() {
        // What `unknown` skips is safe to skip: every name is at most 24 bytes.
        assert!(OPTIONS.iter().chain(RETRY).all(|o| o.name.len() <= 24));
        // So a name over 64 bytes is further from each than a third of its length.
        for o in OPTIONS.iter().chain(RETRY) {
            let near = [o.name, &"x".repeat(65 - o.name.len())].concat();
            assert!(distance(&near, o.name) > near.len() / 3, "{near}");
        }
        let huge = "timeoutMs".repeat(1_000_000);
        let e = unknown(OPTIONS, "options", &huge, ALL);
        assert!(!e.message.contains("did you mean"));
        assert!(
            e.message.len() < 200,
            "the name is clipped: {}",
            e.message.len()
        );
    }

    #[test]
    fn names_lists() {
        let codes = check_names(
            "options.ifStatus",
            &["Paused".into(), "Quarantine".into(), "Paused".into()],
            STATUS_CODES,
        )
        .unwrap();
        assert_eq!(codes, ["Paused", "Quarantine"]);
        let e = check_names(
            "options.resetScope",
            &["ConnectorDataStore".into()],
            RESET_SCOPES,
        )
        .unwrap_err();
        assert!(e.message.contains("not to use"), "{}", e.message);
        assert!(check_names("options.ifStatus", &[], STATUS_CODES).is_err());
        assert!(check_names("options.ifStatus", &["paused".into()], STATUS_CODES).is_err());
    }
}
