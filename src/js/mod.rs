//! The thin JS layer: reads the caller's arguments through the option table, builds the
//! operation, and hands the engine to the JS driver in `glue.js`, the one place that performs
//! requests, waits and callbacks. Every decision is made by the pure modules.

mod api;
mod args;
mod platform;

pub use api::{
    get_synchronization_job, list_synchronization_jobs, pause_synchronization_job,
    pause_synchronization_jobs, restart_synchronization_job, restart_synchronization_jobs,
    start_synchronization_job, start_synchronization_jobs, wait_for_synchronization_job,
};
