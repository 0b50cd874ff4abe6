//! The state every handler shares, and the few types the server, Graph and control handlers all
//! use. It imports only lower modules, so handlers import it without going round in circles.

use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use crate::auth::TokenRegistry;
use crate::faults::Faults;
use crate::model::{CycleSettings, Outcome};
use crate::recorder::Recorder;
use crate::seed::Seed;
use crate::store::Tenant;
use crate::throttle::Throttle;

/// Returned by the service to make hyper close the connection without answering.
#[derive(Debug)]
pub struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for DropConnection {}

/// Everything the handlers share.
pub struct App {
    pub seed: Seed,
    pub tenant: Mutex<Tenant>,
    pub tokens: TokenRegistry,
    pub faults: Faults,
    pub throttle: Throttle,
    pub recorder: Recorder,
    /// `http://127.0.0.1:PORT`, for `@odata.context`.
    pub base_url: String,
    /// What later cycles do (`POST /_emulator/cycles`).
    pub cycles: Mutex<CycleSettings>,
    /// Added to every Graph answer (`POST /_emulator/latency`).
    pub latency_ms: AtomicU64,
    /// Jobs per page of `GET .../jobs`; 0 for one page (`POST /_emulator/paging`).
    pub page_size: AtomicU64,
    /// The command line's settings, restored by `POST /_emulator/reset`.
    pub settings: Settings,
}

/// Settings from the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    pub cycle_ms: u64,
    pub latency_ms: u64,
    pub page_size: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            cycle_ms: crate::cli::DEFAULT_CYCLE_MS,
            latency_ms: 0,
            page_size: 0,
        }
    }
}

impl Settings {
    pub fn cycles(&self) -> CycleSettings {
        CycleSettings {
            duration_ms: self.cycle_ms,
            outcome: Outcome::Succeeded,
        }
    }
}

impl App {
    pub fn new(
        seed: Seed,
        extra_tokens: &[crate::seed::TokenGrant],
        base_url: String,
        settings: Settings,
    ) -> App {
        let mut fixed = seed.tokens.clone();
        fixed.extend_from_slice(extra_tokens);
        App {
            cycles: Mutex::new(settings.cycles()),
            latency_ms: AtomicU64::new(settings.latency_ms),
            page_size: AtomicU64::new(settings.page_size),
            settings,
            tenant: Mutex::new(Tenant::new(&seed.service_principals)),
            tokens: TokenRegistry::new(&fixed),
            faults: Faults::default(),
            throttle: Throttle::default(),
            recorder: Recorder::default(),
            base_url,
            seed,
        }
    }
}
