//! Generates the Arvak protobuf messages from `proto/` with protox (pure Rust, no system
//! `protoc`). Messages only: the client calls the service through one untyped tonic call path
//! (`src/web/rpc.rs`) over tonic-web-wasm-client, so no generated service client is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "proto/arvak/v1/arvak.proto";
    println!("cargo:rerun-if-changed={proto}");
    let fds = protox::compile([proto], ["proto"])?;
    tonic_prost_build::configure()
        .build_server(false)
        .build_client(false)
        .build_transport(false)
        .compile_fds(fds)?;
    Ok(())
}
