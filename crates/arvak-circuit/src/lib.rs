//! arvak-circuit: the OpenQASM 3 subset the Arvak service accepts, as plain Rust with no I/O.
//!
//! One core for both sides of the wire: the dev server parses, checks and simulates submitted
//! circuits with it, and the browser's circuit tools (the `arvak-grpc-wasm/circuit` module)
//! validate, draw and simulate with the same code, so a diagnostic in the page carries exactly
//! the text the service would answer.
//!
//! * [`qasm`] — source text → [`circuit::Circuit`], rejecting with the service's messages
//!   (spec §10.4) and, for editors, the byte span of the offending text.
//! * [`circuit`] — the circuit model and its invariants.
//! * [`complexity`] — the submit-time complexity limits (spec §6.1 step 4).
//! * [`simulator_backend`] — what the service's `simulator` backend advertises and the
//!   run-time failures it reports for accepted jobs (spec §6.1, §8.2).
//! * [`simulator`] — the dense state-vector simulator.
//! * [`analysis`] — depth and gate counts.
//! * [`validate`] — a report for editors: counts and line/column diagnostics.
//! * [`draw`] — an SVG diagram of a circuit.

pub mod analysis;
pub mod circuit;
pub mod complexity;
pub mod draw;
pub mod qasm;
pub mod simulator;
pub mod simulator_backend;
pub mod validate;
