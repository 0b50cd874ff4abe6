//! The thin JS layer: reads the caller's arguments, drives `fetch`, waits and aborts, and turns
//! [`crate::error::ErrorData`] into a `GraphError`. Every decision is made by the pure modules.

mod call;
mod convert;
mod platform;

pub use call::start_synchronization_job;
