//! A minimal Rust front-end of the Arvak service: what an app built with Leptos, Yew or Dioxus
//! would write. It runs a Bell circuit and a small θ sweep through the client's Rust API.
#![cfg(target_arch = "wasm32")]

use arvak_grpc_wasm::web::{
    ArvakClient, BatchJobManager, CallOptions, ClientOptions, ManagerOptions, RunOptions,
    SubmitOptions, WaitOptions,
};
use arvak_grpc_wasm::{ArvakError, BatchCircuit, Circuit, JobResult};

/// A Bell pair, measured.
pub const BELL: &str =
    "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncx q[0], q[1];\nc = measure q;\n";

/// Submits a Bell circuit and waits for its counts.
pub async fn bell(url: &str, shots: u32) -> Result<JobResult, ArvakError> {
    let client = ArvakClient::new(url, ClientOptions::default())?;
    let call = CallOptions::default();
    let submit = SubmitOptions {
        shots,
        ..Default::default()
    };
    let job_id = client.submit_qasm(BELL, "simulator", submit, &call).await?;
    client
        .wait_for_job(&job_id, WaitOptions::default(), &call, &mut |_| {})
        .await
}

/// Runs `ry(θ)` for `points` angles in [0, π] as one batch; returns how many results came back.
pub async fn sweep(url: &str, points: usize) -> Result<usize, ArvakError> {
    let client = ArvakClient::new(url, ClientOptions::default())?;
    let circuits = (0..points)
        .map(|i| {
            let theta = std::f64::consts::PI * i as f64 / (points.max(2) - 1) as f64;
            BatchCircuit {
                circuit: Circuit::Qasm3(format!(
                    "OPENQASM 3.0;\nqubit[1] q;\nbit[1] c;\nry({theta}) q[0];\nc = measure q;\n"
                )),
                shots: 200,
                optimization_level: 0,
            }
        })
        .collect();
    let manager = BatchJobManager::new(&client, ManagerOptions::default());
    let report = manager
        .execute_batch(circuits, "simulator", RunOptions::default(), None)
        .await?;
    Ok(report.results.iter().flatten().count())
}
