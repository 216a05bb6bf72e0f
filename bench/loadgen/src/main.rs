//! The physical limit beside the browser benchmarks: the workload of `bench/www`'s peer loop —
//! N Bell circuits × 100 shots at once, each submitted, its status polled immediately and then
//! every 50 ms until it ends, then its result fetched — driven natively over one HTTP/2 gRPC
//! connection (tonic) against the same dev server. Prints one JSON object:
//! `{"jobsPerSecond": {"50": …, "500": …, "1000": …}, "callsPerJob": {…}, "rounds": R}` (medians).
//!
//!   arvak-loadgen <server-url> [rounds] [N,N,…]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use arvak_dev_server::proto::arvak_service_client::ArvakServiceClient;
use arvak_dev_server::proto::{
    circuit_payload::Format, CircuitPayload, GetJobResultRequest, GetJobStatusRequest, JobState,
    SubmitJobRequest,
};
use futures::future::try_join_all;
use tonic::transport::Channel;

const BELL: &str = "OPENQASM 3.0; qubit[2] q; h q[0]; cx q[0], q[1];";
const POLL: Duration = Duration::from_millis(50);

type Client = ArvakServiceClient<Channel>;
type Error = Box<dyn std::error::Error + Send + Sync>;

/// One job as the peer loop runs it; returns the calls it made.
async fn one_job(mut client: Client) -> Result<u32, Error> {
    let submit = SubmitJobRequest {
        circuit: Some(CircuitPayload {
            format: Some(Format::Qasm3(BELL.to_string())),
        }),
        backend_id: "simulator".to_string(),
        shots: 100,
        ..Default::default()
    };
    let job_id = client.submit_job(submit).await?.into_inner().job_id;
    let mut calls = 1;
    loop {
        let status = client
            .get_job_status(GetJobStatusRequest {
                job_id: job_id.clone(),
            })
            .await?
            .into_inner();
        calls += 1;
        let state = status.job.map_or(JobState::Unspecified, |j| j.state());
        if matches!(
            state,
            JobState::Completed | JobState::Failed | JobState::Canceled | JobState::ResultExpired
        ) {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    client
        .get_job_result(GetJobResultRequest { job_id })
        .await?;
    Ok(calls + 1)
}

/// N jobs at once, first submit → last result: (jobs/s, calls per job).
async fn round(client: &Client, n: usize) -> Result<(f64, f64), Error> {
    let started = Instant::now();
    let calls = try_join_all((0..n).map(|_| one_job(client.clone()))).await?;
    let seconds = started.elapsed().as_secs_f64();
    let total: u32 = calls.iter().sum();
    Ok((n as f64 / seconds, f64::from(total) / n as f64))
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[(xs.len() - 1) / 2]
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: arvak-loadgen <server-url> [rounds] [N,N,…]")?;
    let rounds: usize = args.next().map_or(Ok(3), |r| r.parse())?;
    let sizes: Vec<usize> = args
        .next()
        .unwrap_or_else(|| "50,500,1000".to_string())
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let client = ArvakServiceClient::new(Channel::from_shared(url)?.connect().await?);
    // One warm-up job: the connection and the server's first simulation are not measured.
    round(&client, 1).await?;
    let mut jobs_per_second = BTreeMap::new();
    let mut calls_per_job = BTreeMap::new();
    for &n in &sizes {
        let mut rates = Vec::new();
        let mut calls = Vec::new();
        for _ in 0..rounds {
            let (rate, per_job) = round(&client, n).await?;
            rates.push(rate);
            calls.push(per_job);
        }
        jobs_per_second.insert(n.to_string(), median(rates));
        calls_per_job.insert(n.to_string(), median(calls));
    }
    let object = |m: &BTreeMap<String, f64>| {
        let fields: Vec<String> = m.iter().map(|(k, v)| format!("\"{k}\":{v:.2}")).collect();
        format!("{{{}}}", fields.join(","))
    };
    println!(
        "{{\"jobsPerSecond\":{},\"callsPerJob\":{},\"rounds\":{rounds}}}",
        object(&jobs_per_second),
        object(&calls_per_job)
    );
    Ok(())
}
