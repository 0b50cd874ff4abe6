//! When to try again: which failures are retried, and how long to wait.

use crate::input::InvalidArgument;
use crate::text::decimal;

/// Retries after the first attempt, unless `options.retry.maxRetries` says otherwise (as Microsoft's SDKs).
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// Most retries accepted in `options.retry.maxRetries`.
pub const MAX_MAX_RETRIES: u32 = 10;
/// Longest single wait, unless `options.retry.maxDelayMs` says otherwise.
pub const DEFAULT_MAX_DELAY_MS: f64 = 60_000.0;
/// Most accepted for `options.retry.maxDelayMs` (10 minutes).
pub const MAX_MAX_DELAY_MS: f64 = 600_000.0;
/// First backoff step when the server gave no Retry-After; doubles each retry, with jitter.
pub const DEFAULT_BASE_DELAY_MS: f64 = 1_000.0;
/// Deadline over the whole call when `options.timeoutMs` is not given: a hung server never
/// leaves the promise pending forever.
pub const DEFAULT_TIMEOUT_MS: f64 = 120_000.0;
/// Most accepted for `options.timeoutMs` (one day).
pub const MAX_TIMEOUT_MS: f64 = 86_400_000.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub max_delay_ms: f64,
    pub base_delay_ms: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: DEFAULT_MAX_RETRIES,
            max_delay_ms: DEFAULT_MAX_DELAY_MS,
            base_delay_ms: DEFAULT_BASE_DELAY_MS,
        }
    }
}

/// Checks a number option: finite, within `[min, max]`, an integer where asked.
pub fn check_number(
    argument: &'static str,
    value: f64,
    min: f64,
    max: f64,
    integer: bool,
) -> Result<f64, InvalidArgument> {
    let ok =
        value.is_finite() && value >= min && value <= max && (!integer || value.fract() == 0.0);
    if ok {
        Ok(value)
    } else {
        let what = if integer {
            "must be an integer from "
        } else {
            "must be a number from "
        };
        let range = [what, &decimal(min as u64), " to ", &decimal(max as u64)].concat();
        Err(InvalidArgument::problem(argument, &range))
    }
}

/// How an attempt ended, as far as retrying goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// A response with this status (not 204).
    Status(u16),
    /// No response at all (connection refused, dropped, DNS, CORS).
    NoResponse,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Wait this long, then send again.
    RetryAfter(f64),
    /// Reject with this attempt's error.
    GiveUp(GiveUpReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUpReason {
    /// The failure is not one that retrying can fix.
    NotRetryable,
    /// `maxRetries` retries were made already.
    RetriesExhausted,
    /// The server asked for a longer wait than `maxDelayMs` allows.
    RetryAfterTooLong,
    /// The wait would not end before the deadline.
    PastDeadline,
}

/// Whether this outcome may be retried at all: 429, 503, 504, and failures before any response.
pub fn is_retryable(outcome: Outcome) -> bool {
    matches!(
        outcome,
        Outcome::NoResponse | Outcome::Status(429 | 503 | 504)
    )
}

/// Exponential backoff with "equal jitter": half fixed, half random, capped at `max_delay_ms`.
///
/// ```
/// use graph_sync_job::retry::{backoff_ms, RetryPolicy};
/// let p = RetryPolicy::default(); // base 1000 ms
/// assert_eq!(backoff_ms(&p, 3, 0.0), 2000.0); // 4000 ms step, half of it fixed
/// ```
/// `retry` is 1 for the first retry; `random` is uniform in `[0, 1)`.
pub fn backoff_ms(policy: &RetryPolicy, retry: u32, random: f64) -> f64 {
    let exp = policy.base_delay_ms * 2f64.powi(retry.saturating_sub(1).min(30) as i32);
    let capped = exp.min(policy.max_delay_ms);
    let r = if random.is_finite() {
        random.clamp(0.0, 1.0)
    } else {
        0.5
    };
    round(capped / 2.0 + capped / 2.0 * r).min(policy.max_delay_ms)
}

/// `x` rounded half away from zero, as `f64::round`, for `x >= 0`: with the wasm's own `floor`
/// instead of the software `round` of compiler-builtins.
pub fn round(x: f64) -> f64 {
    let f = x.floor();
    if x - f >= 0.5 {
        f + 1.0
    } else {
        f
    }
}

/// Decides what follows an attempt. `retries_done` counts retries already made;
/// `remaining_ms` is what is left of the deadline, if there is one.
///
/// ```
/// use graph_sync_job::retry::{decide, Decision, GiveUpReason, Outcome, RetryPolicy};
/// let p = RetryPolicy::default();
/// assert_eq!(decide(&p, Outcome::Status(429), Some(2128.0), 0, None, 0.5), Decision::RetryAfter(2128.0));
/// assert_eq!(decide(&p, Outcome::Status(403), None, 0, None, 0.5), Decision::GiveUp(GiveUpReason::NotRetryable));
/// // Never shortened: a longer Retry-After than maxDelayMs gives up at once.
/// assert_eq!(decide(&p, Outcome::Status(429), Some(120_000.0), 0, None, 0.5), Decision::GiveUp(GiveUpReason::RetryAfterTooLong));
/// ```
pub fn decide(
    policy: &RetryPolicy,
    outcome: Outcome,
    retry_after_ms: Option<f64>,
    retries_done: u32,
    remaining_ms: Option<f64>,
    random: f64,
) -> Decision {
    if !is_retryable(outcome) {
        return Decision::GiveUp(GiveUpReason::NotRetryable);
    }
    if retries_done >= policy.max_retries {
        return Decision::GiveUp(GiveUpReason::RetriesExhausted);
    }
    let delay = match retry_after_ms {
        Some(ra) if ra > policy.max_delay_ms => {
            return Decision::GiveUp(GiveUpReason::RetryAfterTooLong)
        }
        Some(ra) => ra,
        None => backoff_ms(policy, retries_done + 1, random),
    };
    match remaining_ms {
        Some(left) if delay >= left => Decision::GiveUp(GiveUpReason::PastDeadline),
        _ => Decision::RetryAfter(delay),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_is_f64_round_for_non_negative_numbers() {
        let cases = [
            0.0,
            0.4,
            0.5,
            0.49999999999999994,
            1.5,
            2.5,
            2.4999,
            1e15 + 0.5,
            4503599627370497.0,
            9.0e15,
        ];
        for x in cases {
            assert_eq!(round(x), x.round(), "{x}");
        }
        for i in 0..100_000 {
            let x = f64::from(i) * 0.37;
            assert_eq!(round(x), x.round(), "{x}");
        }
    }

    const P: RetryPolicy = RetryPolicy {
        max_retries: 3,
        max_delay_ms: 60_000.0,
        base_delay_ms: 1000.0,
    };

    #[test]
    fn only_throttling_unavailability_and_no_response_are_retried() {
        for s in [429, 503, 504] {
            assert!(matches!(
                decide(&P, Outcome::Status(s), None, 0, None, 0.5),
                Decision::RetryAfter(_)
            ));
        }
        assert!(matches!(
            decide(&P, Outcome::NoResponse, None, 0, None, 0.5),
            Decision::RetryAfter(_)
        ));
        for s in [200, 400, 401, 403, 404, 409, 500, 501, 502] {
            assert_eq!(
                decide(&P, Outcome::Status(s), None, 0, None, 0.5),
                Decision::GiveUp(GiveUpReason::NotRetryable)
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_never_shortened() {
        assert_eq!(
            decide(&P, Outcome::Status(429), Some(2128.0), 0, None, 0.0),
            Decision::RetryAfter(2128.0)
        );
        assert_eq!(
            decide(&P, Outcome::Status(429), Some(0.0), 0, None, 0.0),
            Decision::RetryAfter(0.0)
        );
        assert_eq!(
            decide(&P, Outcome::Status(429), Some(60_001.0), 0, None, 0.0),
            Decision::GiveUp(GiveUpReason::RetryAfterTooLong)
        );
        assert_eq!(
            decide(
                &P,
                Outcome::Status(503),
                Some(5_000.0),
                0,
                Some(4_000.0),
                0.0
            ),
            Decision::GiveUp(GiveUpReason::PastDeadline)
        );
    }

    #[test]
    fn retries_are_counted() {
        assert!(matches!(
            decide(&P, Outcome::Status(503), None, 2, None, 0.0),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            decide(&P, Outcome::Status(503), None, 3, None, 0.0),
            Decision::GiveUp(GiveUpReason::RetriesExhausted)
        );
        let none = RetryPolicy {
            max_retries: 0,
            ..P
        };
        assert_eq!(
            decide(&none, Outcome::Status(429), Some(1.0), 0, None, 0.0),
            Decision::GiveUp(GiveUpReason::RetriesExhausted)
        );
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter() {
        assert_eq!(backoff_ms(&P, 1, 0.0), 500.0);
        assert_eq!(backoff_ms(&P, 1, 1.0), 1000.0);
        assert_eq!(backoff_ms(&P, 2, 0.0), 1000.0);
        assert_eq!(backoff_ms(&P, 3, 1.0), 4000.0);
        assert_eq!(backoff_ms(&P, 40, 1.0), 60_000.0);
        assert_eq!(backoff_ms(&P, 1, f64::NAN), 750.0);
        for r in [0.0, 0.3, 0.99] {
            let d = backoff_ms(&P, 2, r);
            assert!((1000.0..=2000.0).contains(&d));
        }
    }

    #[test]
    fn options_are_bounded_by_the_option_table() {
        use crate::options::{check, find, ALL, RETRY};
        let opt = |n| find(RETRY, n, ALL).unwrap();
        assert_eq!(check(opt("maxRetries"), 0.0), Ok(0.0));
        assert_eq!(check(opt("maxDelayMs"), 250.0), Ok(250.0));
        for (name, v) in [
            ("maxRetries", -1.0),
            ("maxRetries", 1.5),
            ("maxRetries", 11.0),
            ("maxRetries", f64::NAN),
            ("maxDelayMs", -1.0),
            ("maxDelayMs", f64::INFINITY),
            ("maxDelayMs", 600_001.0),
            ("baseDelayMs", 0.0),
        ] {
            assert!(check(opt(name), v).is_err(), "{name} {v}");
        }
    }
}
