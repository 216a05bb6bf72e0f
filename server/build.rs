//! Generates server and native client code for `arvak.v1.ArvakService` from the
//! workspace's `proto/` (protox: no system `protoc`). The client is used by the tests.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto = "../proto/arvak/v1/arvak.proto";
    println!("cargo:rerun-if-changed={proto}");
    let fds = protox::compile([proto], ["../proto"])?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .compile_fds(fds)?;
    Ok(())
}
