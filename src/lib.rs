//! Start Microsoft Entra provisioning (synchronization) jobs through Microsoft Graph, from
//! browsers, bundlers and Node, as WebAssembly.
//!
//! The pure modules (`input`, `error`, `retry`, `retry_after`, `time`, `json`) hold all decisions
//! and are tested natively; `js` is the thin layer that talks to `fetch`, promises and `AbortSignal`.

pub mod error;
pub mod input;
pub mod json;
pub mod retry;
pub mod retry_after;
pub mod text;
pub mod time;

#[cfg(test)]
mod robustness;

#[cfg(target_arch = "wasm32")]
mod js;

#[cfg(target_arch = "wasm32")]
pub use js::start_synchronization_job;
