//! graph-emulator: a local Microsoft Graph for the synchronization-job API.
//!
//! Run the binary (`graph-emulator --port 0`) and read `listening on http://127.0.0.1:PORT` from
//! its first stdout line. The README describes the routes and the `/_emulator/` control API.

pub mod app;
pub mod auth;
pub mod body;
pub mod cli;
pub mod clock;
pub mod control;
pub mod cycle;
pub mod faults;
pub mod graph;
pub mod model;
pub mod parse;
pub mod recorder;
pub mod respond;
pub mod seed;
pub mod server;
pub mod store;
pub mod sync;
pub mod throttle;
