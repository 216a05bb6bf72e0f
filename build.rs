//! Generates the Arvak client from `proto/` with protox (pure Rust, no system `protoc`).
//! Client only and without a transport: the wasm build brings its own (tonic-web-wasm-client).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "proto/arvak/v1/arvak.proto";
    println!("cargo:rerun-if-changed={proto}");
    let fds = protox::compile([proto], ["proto"])?;
    tonic_prost_build::configure()
        .build_server(false)
        .build_client(true)
        .build_transport(false)
        .compile_fds(fds)?;
    Ok(())
}
