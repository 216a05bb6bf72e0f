//! arvak-dev-server: an Arvak-compatible gRPC/grpc-web server for development and tests.

/// Generated protobuf messages, server trait and native client of `arvak.v1.ArvakService`.
pub mod proto {
    #![allow(missing_docs, clippy::all)]
    tonic::include_proto!("arvak.v1");
}

pub mod circuit;
pub mod qasm;
pub mod simulator;
