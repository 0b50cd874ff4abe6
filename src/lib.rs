//! Run Microsoft Entra provisioning (synchronization) jobs through Microsoft Graph, from
//! browsers, bundlers and Node, as WebAssembly.
//!
//! The pure modules hold every decision and are tested natively: [`engine`] (the attempt loop as
//! a state machine, and each operation as a description on it), [`options`] (every option,
//! declared once), [`input`], [`error`], [`retry`], [`retry_after`], [`time`] and [`views`] (the
//! typed parts of Graph's answers). `js` is the thin layer that performs what the engine asks
//! for with `fetch`, timers and `AbortSignal`.

// Texts are pushed as `&str`, never as `char`: `String::push(char)` brings UTF-8 encoding into
// the wasm, and str patterns are scanned by bytes (`text`), never by char searchers (README "Size").
#![allow(clippy::single_char_add_str)]

pub mod engine;
pub mod error;
pub mod heap;
pub mod input;
pub mod options;
pub mod retry;
pub mod retry_after;
pub mod text;
pub mod time;
pub mod views;
pub mod wire;

#[cfg(test)]
mod robustness;

#[cfg(target_arch = "wasm32")]
mod js;

#[cfg(target_arch = "wasm32")]
pub use js::*;

/// Size-class free lists ([`heap`]) instead of the standard library's dlmalloc or Talc: smaller in
/// every browser download and no slower (bench/in-process.mjs, bench/soak.mjs; README "Size").
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static HEAP: heap::Global = heap::Global::new();
