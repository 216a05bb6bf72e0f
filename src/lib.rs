//! arvak-grpc-wasm: the browser client of the Arvak quantum job service (`arvak.v1.ArvakService`),
//! speaking grpc-web through `tonic-web-wasm-client`.
//!
//! Four layers, each in its own module tree. Each may use the ones above it, never the ones below:
//!
//! * [`logic`] — pure Rust, no `web-sys`, no clock, no I/O: what one call needs to know — error
//!   classification, grpc-message handling, data conversions, result helpers, deadline arithmetic,
//!   the wait decisions and small single-threaded synchronisation primitives.
//! * [`resilience`] — pure Rust as well, for what spans many calls of a client: retry decisions,
//!   the retry budget, the circuit breaker, the submit pacer and batch accounting. Time is passed
//!   in as numbers and randomness through a trait, so it is tested natively and deterministically.
//!   Rule: state that lives longer than one call, or a decision over several calls, belongs here;
//!   facts about a single call or message belong in `logic`.
//! * `web` (wasm32 only) — the browser-bound core and the Rust API for Rust wasm apps:
//!   `web::ArvakClient` with the transport, the call pipeline (deadline, abort, concurrency
//!   limit, breaker, retries, `grpc-timeout`), waits, streams, futures and batches. It only wires
//!   `logic` and `resilience` to timers, `fetch` and `AbortSignal`; decisions stay in the pure
//!   layers.
//! * `bindings` (wasm32 and the default `bindings` feature) — the thin JavaScript surface generated
//!   by wasm-bindgen: one module per exported class, every option object and data object declared
//!   once (`bindings::shape`), every argument type-checked (`bindings::args`). It converts and
//!   delegates to `web`; it decides nothing.
//!
//! Both pure layers compile and are tested on the host (`cargo test -p arvak-grpc-wasm`).
#![warn(missing_docs)]

/// Generated protobuf messages of `arvak.v1.ArvakService`.
pub mod proto {
    #![allow(missing_docs, clippy::all)]
    tonic::include_proto!("arvak.v1");
}

pub mod logic;
pub mod resilience;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(all(target_arch = "wasm32", feature = "bindings"))]
pub mod bindings;

pub use logic::data::{
    BackendInfo, BatchCircuit, CancelOutcome, Circuit, Job, JobResult, JobState, JobUpdate,
    UpdateSource,
};
pub use logic::error::{ArvakError, ErrorField, ErrorKind, Rpc, Tag};
pub use logic::wait::Strategy;
