//! arvak-grpc-wasm: the browser client of the Arvak quantum job service.

/// Generated protobuf messages and the tonic client of `arvak.v1.ArvakService`.
pub mod proto {
    #![allow(missing_docs, clippy::all)]
    tonic::include_proto!("arvak.v1");
}
