//! Token-bucket throttling per bearer token, switched on through the control API.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::sync::lock;

/// Throttling settings: `rate` tokens per second refill a bucket of `burst` tokens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub rate: f64,
    pub burst: f64,
}

/// One caller's bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    pub tokens: f64,
    pub updated: f64,
}

/// Takes one token from `bucket` at time `now` (seconds); on refusal, the whole seconds until a
/// token is available, rounded up and at least 1: the `Retry-After` value.
pub fn take(bucket: &mut Bucket, now: f64, limits: Limits) -> Result<(), u64> {
    let elapsed = (now - bucket.updated).max(0.0);
    bucket.tokens = (bucket.tokens + elapsed * limits.rate).min(limits.burst);
    bucket.updated = now;
    if bucket.tokens >= 1.0 {
        bucket.tokens -= 1.0;
        Ok(())
    } else {
        Err(retry_after_secs(1.0 - bucket.tokens, limits.rate))
    }
}

/// Seconds until `missing` tokens refill at `rate` per second: rounded up, at least 1.
pub fn retry_after_secs(missing: f64, rate: f64) -> u64 {
    let wait = missing / rate;
    // The epsilon keeps float noise (1.0000000000000002) from adding a whole second.
    let secs = (wait - 1e-9).ceil();
    if secs >= 1.0 {
        // `as` saturates: an endless wait (rate 0) becomes u64::MAX.
        secs as u64
    } else {
        1
    }
}

/// Buckets beyond this many distinct callers are forgotten, so token floods cannot grow memory.
const MAX_BUCKETS: usize = 100_000;

/// The live throttle: off until configured.
pub struct Throttle {
    enabled: AtomicBool,
    state: Mutex<State>,
    epoch: Instant,
}

struct State {
    limits: Option<Limits>,
    buckets: HashMap<String, Bucket>,
}

impl Default for Throttle {
    fn default() -> Self {
        Throttle {
            enabled: AtomicBool::new(false),
            state: Mutex::new(State {
                limits: None,
                buckets: HashMap::new(),
            }),
            epoch: Instant::now(),
        }
    }
}

impl Throttle {
    /// Turns throttling on with fresh, full buckets, or off with `None`.
    pub fn configure(&self, limits: Option<Limits>) {
        let mut state = lock(&self.state);
        state.limits = limits;
        state.buckets.clear();
        self.enabled.store(limits.is_some(), Ordering::Release);
    }

    /// `Err(retry_after_secs)` when `key` (the bearer token, or "" without one) is over its limit.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        if !self.enabled.load(Ordering::Acquire) {
            return Ok(());
        }
        let now = self.epoch.elapsed().as_secs_f64();
        let mut state = lock(&self.state);
        let Some(limits) = state.limits else {
            return Ok(());
        };
        if !state.buckets.contains_key(key) && state.buckets.len() >= MAX_BUCKETS {
            state.buckets.clear();
        }
        let bucket = state.buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: limits.burst,
            updated: now,
        });
        take(bucket, now, limits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_and_is_at_least_one() {
        assert_eq!(retry_after_secs(1.0, 1.0), 1);
        assert_eq!(retry_after_secs(1.0, 0.5), 2);
        assert_eq!(retry_after_secs(1.0, 0.4), 3); // 2.5 s -> 3
        assert_eq!(retry_after_secs(0.1, 10.0), 1); // 10 ms -> 1
        assert_eq!(retry_after_secs(1.0, 1.0 / 3.0), 3); // float noise must not make it 4
        assert_eq!(retry_after_secs(0.0, 1.0), 1);
        assert_eq!(retry_after_secs(1.0, 0.0), u64::MAX); // never refills: as long as possible
    }

    #[test]
    fn bucket_allows_burst_then_refuses_then_refills() {
        let limits = Limits {
            rate: 2.0,
            burst: 3.0,
        };
        let mut bucket = Bucket {
            tokens: 3.0,
            updated: 0.0,
        };
        for _ in 0..3 {
            assert_eq!(take(&mut bucket, 0.0, limits), Ok(()));
        }
        assert_eq!(take(&mut bucket, 0.0, limits), Err(1));
        assert_eq!(take(&mut bucket, 0.25, limits), Err(1));
        assert_eq!(take(&mut bucket, 0.5, limits), Ok(()));
        // Refill is capped at the burst.
        let mut bucket = Bucket {
            tokens: 0.0,
            updated: 0.0,
        };
        let _ = take(&mut bucket, 100.0, limits);
        assert_eq!(bucket.tokens, 2.0);
    }

    #[test]
    fn slow_rates_give_long_waits() {
        let limits = Limits {
            rate: 0.1,
            burst: 1.0,
        };
        let mut bucket = Bucket {
            tokens: 1.0,
            updated: 0.0,
        };
        assert_eq!(take(&mut bucket, 0.0, limits), Ok(()));
        assert_eq!(take(&mut bucket, 0.0, limits), Err(10));
        assert_eq!(take(&mut bucket, 4.5, limits), Err(6)); // 5.5 s left -> 6
    }

    #[test]
    fn throttle_keys_are_independent_and_switchable() {
        let throttle = Throttle::default();
        assert!(throttle.check("a").is_ok());
        throttle.configure(Some(Limits {
            rate: 0.001,
            burst: 1.0,
        }));
        assert!(throttle.check("a").is_ok());
        assert!(throttle.check("a").is_err());
        assert!(throttle.check("b").is_ok());
        throttle.configure(None);
        assert!(throttle.check("a").is_ok());
    }
}
