//! arvak-dev-server: an Arvak-compatible gRPC/grpc-web server for development and tests.

/// Generated protobuf messages, server trait and native client of `arvak.v1.ArvakService`.
pub mod proto {
    #![allow(missing_docs, clippy::all)]
    tonic::include_proto!("arvak.v1");
}

pub mod app;
pub mod backend;
pub mod circuit;
pub mod config;
pub mod control;
pub mod faults;
pub mod gateway;
pub mod limits;
pub mod qasm;
pub mod service;
pub mod simulator;
pub mod store;
pub mod tls;
