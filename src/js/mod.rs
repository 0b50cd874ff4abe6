//! The thin JS layer: reads the caller's arguments through the option table, builds the
//! operation, and hands the engine to the JS driver in `glue.js`, the one place that performs
//! requests, waits and callbacks. Every decision is made by the pure modules.

mod api;
mod args;
mod platform;
