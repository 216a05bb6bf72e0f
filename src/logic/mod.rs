//! Pure client logic: no `web-sys`, no clock, no I/O.
//!
//! Everything here compiles for the host and is tested natively (`cargo test -p arvak-grpc-wasm`):
//! status → error classification, grpc-message handling, proto → data conversions, result helpers,
//! deadline arithmetic, the wait decision logic and the small single-threaded synchronisation
//! primitives (concurrency limiter, stream slots, cancel token) the browser layer builds on.

pub mod data;
pub mod deadline;
pub mod error;
pub mod journal;
pub mod json;
pub mod message;
pub mod order;
pub mod protocol;
pub mod relay;
pub mod results;
pub mod sync;
pub mod wait;
