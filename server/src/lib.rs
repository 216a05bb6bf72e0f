//! arvak-dev-server: an Arvak-compatible gRPC/grpc-web server for development and tests.

/// Generated protobuf messages, server trait and native client of `arvak.v1.ArvakService`.
pub mod proto {
    #![allow(missing_docs, clippy::all)]
    tonic::include_proto!("arvak.v1");
}

/// The circuit core shared with the browser's circuit tools.
pub use arvak_circuit::{circuit, qasm, simulator};

pub mod app;
pub mod backend;
pub mod config;
pub mod control;
pub mod faults;
pub mod gateway;
pub mod limits;
pub mod service;
pub mod store;
pub mod tls;
