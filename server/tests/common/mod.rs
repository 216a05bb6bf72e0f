//! Shared helpers of the server's socket tests: start a server on a free port, connect a
//! native tonic client, build requests.
#![allow(dead_code)]

use arvak_dev_server::app::{self, RunningServer};
use arvak_dev_server::config::Settings;
use arvak_dev_server::proto::arvak_service_client::ArvakServiceClient;
use arvak_dev_server::proto::circuit_payload::Format;
use arvak_dev_server::proto::*;
use tonic::transport::Channel;

pub const BELL: &str = "OPENQASM 3.0; qubit[2] q; h q[0]; cx q[0], q[1];";

/// Starts a server with test defaults adjusted by `tweak`.
pub async fn start(
    tweak: impl FnOnce(&mut Settings),
) -> (RunningServer, ArvakServiceClient<Channel>) {
    let mut settings = Settings::for_tests();
    tweak(&mut settings);
    let server = app::start(settings).await.expect("server starts");
    let client = ArvakServiceClient::connect(server.url())
        .await
        .expect("client connects")
        .max_decoding_message_size(64 * 1024 * 1024)
        .max_encoding_message_size(64 * 1024 * 1024);
    (server, client)
}

/// A QASM payload.
pub fn qasm(source: &str) -> Option<CircuitPayload> {
    Some(CircuitPayload {
        format: Some(Format::Qasm3(source.to_string())),
    })
}

/// A SubmitJob request for the simulator.
pub fn submit(source: &str, shots: u32) -> SubmitJobRequest {
    SubmitJobRequest {
        circuit: qasm(source),
        backend_id: "simulator".into(),
        shots,
        optimization_level: 0,
    }
}

/// Submits and returns the job id.
pub async fn submit_ok(
    client: &mut ArvakServiceClient<Channel>,
    source: &str,
    shots: u32,
) -> String {
    client
        .submit_job(submit(source, shots))
        .await
        .expect("submit accepted")
        .into_inner()
        .job_id
}

/// Polls until the job is terminal (at most 10 s) and returns it.
pub async fn wait_terminal(client: &mut ArvakServiceClient<Channel>, job_id: &str) -> Job {
    for _ in 0..1000 {
        let job = client
            .get_job_status(GetJobStatusRequest {
                job_id: job_id.to_string(),
            })
            .await
            .expect("status")
            .into_inner()
            .job
            .expect("job set");
        if matches!(
            job.state(),
            JobState::Completed | JobState::Failed | JobState::Canceled
        ) {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("job {job_id} did not finish in 10 s");
}

/// GET/POST JSON to a control endpoint.
pub async fn http_json(
    method: reqwest::Method,
    url: String,
    body: Option<&str>,
) -> serde_json::Value {
    let client = reqwest::Client::new();
    let mut req = client.request(method, url);
    if let Some(body) = body {
        req = req
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let resp = req.send().await.expect("http call");
    assert!(resp.status().is_success(), "status {}", resp.status());
    resp.json().await.expect("json body")
}

/// A grpc-web frame: flag byte (0 data, 0x80 trailers), big-endian length, payload.
pub fn frame(flag: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![flag];
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(payload);
    out
}
