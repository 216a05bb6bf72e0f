//! The dev server over real sockets with a native tonic client: the success path of every RPC
//! and every applicable row of the status-code catalogue (spec §7).

mod common;

use std::time::{Duration, Instant};

use arvak_dev_server::proto::circuit_payload::Format;
use arvak_dev_server::proto::*;
use common::*;
use tokio_stream::StreamExt;
use tonic::{Code, Request};

fn status_of<T: std::fmt::Debug>(r: Result<T, tonic::Status>) -> tonic::Status {
    r.expect_err("call must fail")
}

#[tokio::test]
async fn submit_status_result_roundtrip_bell() {
    let (server, mut client) = start(|_| {}).await;
    let id = submit_ok(&mut client, BELL, 1000).await;
    assert_eq!(id.len(), 36, "uuid v4 text");
    let job = wait_terminal(&mut client, &id).await;
    assert_eq!(job.state(), JobState::Completed);
    assert_eq!(job.backend_id, "simulator");
    assert_eq!(job.shots, 1000);
    assert!(job.submitted_at > 1_700_000_000 && job.started_at >= job.submitted_at);
    assert!(job.completed_at >= job.started_at);
    assert!(job.error_message.is_empty());
    let result = client
        .get_job_result(GetJobResultRequest { job_id: id.clone() })
        .await
        .unwrap()
        .into_inner()
        .result
        .unwrap();
    assert_eq!(result.job_id, id);
    assert_eq!(result.shots, 1000);
    assert_eq!(result.metadata_json, "null");
    let mut keys: Vec<_> = result.counts.keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["00", "11"]);
    assert_eq!(result.counts.values().sum::<u64>(), 1000);
    let zeros = result.counts["00"];
    assert!((400..=600).contains(&zeros), "Bell ≈ 50/50, got {zeros}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn bit_order_and_optimization_level_width() {
    let (server, mut client) = start(|_| {}).await;
    let id = submit_ok(&mut client, "OPENQASM 3.0; qubit[3] q; x q[0];", 100).await;
    wait_terminal(&mut client, &id).await;
    let counts = client
        .get_job_result(GetJobResultRequest { job_id: id })
        .await
        .unwrap()
        .into_inner()
        .result
        .unwrap()
        .counts;
    assert_eq!(counts.get("001"), Some(&100));

    let mut req = submit("OPENQASM 3.0; qubit[2] q; x q[1];", 10);
    req.optimization_level = 2;
    let id = client.submit_job(req).await.unwrap().into_inner().job_id;
    wait_terminal(&mut client, &id).await;
    let counts = client
        .get_job_result(GetJobResultRequest { job_id: id })
        .await
        .unwrap()
        .into_inner()
        .result
        .unwrap()
        .counts;
    assert_eq!(counts.get("00000000000000000010"), Some(&10), "{counts:?}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn same_seed_same_counts() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let (server, mut client) = start(|s| s.seed = Some(42)).await;
        let id = submit_ok(&mut client, "OPENQASM 3.0; qubit[3] q; h q;", 500).await;
        wait_terminal(&mut client, &id).await;
        let mut counts: Vec<_> = client
            .get_job_result(GetJobResultRequest { job_id: id })
            .await
            .unwrap()
            .into_inner()
            .result
            .unwrap()
            .counts
            .into_iter()
            .collect();
        counts.sort();
        runs.push(counts);
        server.stop().await.unwrap();
    }
    assert_eq!(runs[0], runs[1]);
    assert_eq!(
        runs[0].len(),
        8,
        "broadcast h over 3 qubits gives 8 outcomes"
    );
}

#[tokio::test]
async fn list_and_get_backend() {
    let (server, mut client) = start(|_| {}).await;
    let backends = client
        .list_backends(ListBackendsRequest {})
        .await
        .unwrap()
        .into_inner()
        .backends;
    assert_eq!(backends.len(), 1);
    let sim = &backends[0];
    assert_eq!(sim.backend_id, "simulator");
    assert_eq!((sim.max_qubits, sim.max_shots), (20, 100_000));
    assert_eq!(sim.supported_gates.len(), 32);
    assert_eq!(sim.supported_gates[0], "id");
    assert_eq!(sim.supported_gates[31], "cswap");
    let info = client
        .get_backend_info(GetBackendInfoRequest {
            backend_id: "simulator".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .backend
        .unwrap();
    assert_eq!(&info, sim);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn not_found_rows_carry_only_the_id() {
    let (server, mut client) = start(|_| {}).await;
    let missing = "00000000-0000-4000-8000-000000000000".to_string();
    let checks = [
        status_of(
            client
                .get_backend_info(GetBackendInfoRequest {
                    backend_id: "nope".into(),
                })
                .await,
        ),
        status_of(
            client
                .get_backend_info(GetBackendInfoRequest {
                    backend_id: String::new(),
                })
                .await,
        ),
        status_of(
            client
                .submit_job(SubmitJobRequest {
                    backend_id: "nope".into(),
                    ..submit(BELL, 1)
                })
                .await,
        ),
        status_of(
            client
                .submit_batch(SubmitBatchRequest {
                    backend_id: "nope".into(),
                    jobs: vec![],
                })
                .await,
        ),
        status_of(
            client
                .get_job_status(GetJobStatusRequest {
                    job_id: missing.clone(),
                })
                .await,
        ),
        status_of(
            client
                .get_job_result(GetJobResultRequest {
                    job_id: missing.clone(),
                })
                .await,
        ),
        status_of(
            client
                .cancel_job(CancelJobRequest {
                    job_id: missing.clone(),
                })
                .await,
        ),
        status_of(
            client
                .stream_results(StreamResultsRequest {
                    job_id: missing.clone(),
                    chunk_size: 0,
                })
                .await,
        ),
    ];
    let expected = [
        "[permanent] nope",
        "[permanent] ",
        "[permanent] nope",
        "[permanent] nope",
    ];
    for (i, status) in checks.iter().enumerate() {
        assert_eq!(status.code(), Code::NotFound, "check {i}: {status:?}");
        let want = expected
            .get(i)
            .map(|s| s.to_string())
            .unwrap_or(format!("[permanent] {missing}"));
        assert_eq!(status.message(), want, "check {i}");
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn invalid_argument_rows() {
    let (server, mut client) = start(|s| s.max_circuit_gates = 10).await;
    let cases: Vec<(SubmitJobRequest, &str)> = vec![
        (
            SubmitJobRequest { circuit: None, ..submit(BELL, 1) },
            "[permanent] Missing circuit payload",
        ),
        (
            SubmitJobRequest { circuit: Some(CircuitPayload { format: None }), ..submit(BELL, 1) },
            "[permanent] No circuit format specified",
        ),
        (
            SubmitJobRequest {
                circuit: Some(CircuitPayload { format: Some(Format::ArvakIrJson("{}".into())) }),
                ..submit(BELL, 1)
            },
            "[permanent] Arvak IR JSON format not yet supported. Use OpenQASM 3 format instead.",
        ),
        (
            submit("invalid qasm", 1),
            "[permanent] QASM parse error: Unexpected token at line 1: expected OPENQASM, found invalid",
        ),
        (
            submit("OPENQASM 3.0; qubit[201] q; h q[0];", 1),
            "Circuit exceeds complexity limits: 201 qubits exceeds limit of 200",
        ),
        (
            submit("OPENQASM 3.0; qubit[11] q; h q;", 1),
            "Circuit exceeds complexity limits: 11 gates exceeds limit of 10",
        ),
        (
            // A parse error wins over an unknown backend.
            SubmitJobRequest { backend_id: "nope".into(), ..submit("invalid qasm", 1) },
            "[permanent] QASM parse error: Unexpected token at line 1: expected OPENQASM, found invalid",
        ),
    ];
    for (req, message) in cases {
        let status = status_of(client.submit_job(req).await);
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), message);
    }
    let stats = http_json(
        reqwest::Method::GET,
        format!("{}/__stats", server.url()),
        None,
    )
    .await;
    assert_eq!(
        stats["jobsCreated"], 0,
        "no job created by a rejected submit"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn failed_job_gives_aborted_and_cancel_message() {
    let (server, mut client) = start(|_| {}).await;
    let id = submit_ok(&mut client, BELL, 100_001).await;
    let job = wait_terminal(&mut client, &id).await;
    assert_eq!(job.state(), JobState::Failed);
    let message = "Backend submit failed: Invalid circuit: Requested 100001 shots but simulator supports max 100000";
    assert_eq!(job.error_message, message);
    let status = status_of(
        client
            .get_job_result(GetJobResultRequest { job_id: id.clone() })
            .await,
    );
    assert_eq!(status.code(), Code::Aborted);
    assert_eq!(status.message(), format!("[permanent] {message}"));
    let status = status_of(
        client
            .stream_results(StreamResultsRequest {
                job_id: id.clone(),
                chunk_size: 0,
            })
            .await,
    );
    assert_eq!(status.code(), Code::Aborted);
    let cancel = client
        .cancel_job(CancelJobRequest { job_id: id })
        .await
        .unwrap()
        .into_inner();
    assert!(!cancel.success);
    assert_eq!(
        cancel.message,
        format!("Job already in terminal state: Failed: {message}")
    );

    let id = submit_ok(&mut client, "OPENQASM 3.0; qubit[21] q; h q[0];", 1).await;
    let job = wait_terminal(&mut client, &id).await;
    assert_eq!(
        job.error_message,
        "Backend submit failed: Invalid circuit: Circuit has 21 qubits but simulator only supports 20"
    );
    let id = submit_ok(&mut client, "OPENQASM 3.0; qubit q; rx(theta) q;", 1).await;
    let job = wait_terminal(&mut client, &id).await;
    assert_eq!(job.state(), JobState::Failed);
    assert!(job
        .error_message
        .starts_with("Backend submit failed: Backend error: simulation failed: "));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn gates_the_simulator_cannot_execute_fail_the_job_as_upstream() {
    let (server, mut client) = start(|_| {}).await;
    for (source, gate) in [
        (
            "OPENQASM 3.0; qubit[2] q; x q[0]; crx(0.5) q[0], q[1];",
            "CRx(Constant(0.5))",
        ),
        (
            "OPENQASM 3.0; qubit[2] q; rzz(0.3) q[0], q[1];",
            "RZZ(Constant(0.3))",
        ),
        ("OPENQASM 3.0; qubit[2] q; ecr q[0], q[1];", "ECR"),
    ] {
        let id = submit_ok(&mut client, source, 10).await;
        let job = wait_terminal(&mut client, &id).await;
        assert_eq!(job.state(), JobState::Failed);
        assert_eq!(
            job.error_message,
            format!("Backend submit failed: Backend error: simulation failed: Unhandled gate type in simulation: {gate}")
        );
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn unfinished_and_cancelled_jobs_give_failed_precondition() {
    let (server, mut client) = start(|s| s.min_job_ms = 400).await;
    let id = submit_ok(&mut client, BELL, 10).await;
    let status = status_of(
        client
            .get_job_result(GetJobResultRequest { job_id: id.clone() })
            .await,
    );
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(status.message(), format!("[transient] {id}"));
    let status = status_of(
        client
            .stream_results(StreamResultsRequest {
                job_id: id.clone(),
                chunk_size: 0,
            })
            .await,
    );
    assert_eq!(status.code(), Code::FailedPrecondition);

    let cancel = client
        .cancel_job(CancelJobRequest { job_id: id.clone() })
        .await
        .unwrap()
        .into_inner();
    assert!(cancel.success);
    assert_eq!(cancel.message, "Job cancelled successfully");
    let job = client
        .get_job_status(GetJobStatusRequest { job_id: id.clone() })
        .await
        .unwrap()
        .into_inner()
        .job
        .unwrap();
    assert_eq!(job.state(), JobState::Canceled);
    assert!(job.completed_at > 0);
    assert!(job.error_message.is_empty());
    let status = status_of(
        client
            .get_job_result(GetJobResultRequest { job_id: id.clone() })
            .await,
    );
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(status.message(), format!("[transient] {id}"));
    let again = client
        .cancel_job(CancelJobRequest { job_id: id.clone() })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (again.success, again.message.as_str()),
        (false, "Job already in terminal state: Cancelled")
    );
    // The job stays cancelled even after its run time has passed.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let job = client
        .get_job_status(GetJobStatusRequest { job_id: id.clone() })
        .await
        .unwrap()
        .into_inner()
        .job
        .unwrap();
    assert_eq!(job.state(), JobState::Canceled);

    let done = submit_ok(&mut client, BELL, 1).await;
    wait_terminal(&mut client, &done).await;
    let cancel = client
        .cancel_job(CancelJobRequest { job_id: done })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (cancel.success, cancel.message.as_str()),
        (false, "Job already in terminal state: Completed")
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn rate_limit_counts_jobs_per_ip() {
    let (server, mut client) = start(|s| s.rate_limit = 100).await;
    let mut ok = 0;
    let mut first_error = None;
    for _ in 0..110 {
        match client.submit_job(submit(BELL, 1)).await {
            Ok(_) => ok += 1,
            Err(status) => {
                first_error.get_or_insert(status);
            }
        }
    }
    assert_eq!(ok, 100);
    let status = first_error.unwrap();
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert_eq!(
        status.message(),
        "Rate limit exceeded: 100 req/s (limit: 100 req/s)"
    );
    server.stop().await.unwrap();

    // A batch counts each job and is not atomic: 150 jobs → 100 created, then the error.
    let (server, mut client) = start(|s| s.rate_limit = 100).await;
    let jobs = (0..150)
        .map(|_| BatchJobRequest {
            circuit: qasm(BELL),
            shots: 1,
            optimization_level: 0,
        })
        .collect();
    let status = status_of(
        client
            .submit_batch(SubmitBatchRequest {
                backend_id: "simulator".into(),
                jobs,
            })
            .await,
    );
    assert_eq!(status.code(), Code::ResourceExhausted);
    let stats = http_json(
        reqwest::Method::GET,
        format!("{}/__stats", server.url()),
        None,
    )
    .await;
    assert_eq!(stats["jobsCreated"], 100);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn concurrency_limit_and_no_slot_leak_on_cancel() {
    let (server, mut client) = start(|s| {
        s.max_concurrent_jobs = 2;
        s.min_job_ms = 5_000;
    })
    .await;
    let a = submit_ok(&mut client, BELL, 1).await;
    let b = submit_ok(&mut client, BELL, 1).await;
    let status = status_of(client.submit_job(submit(BELL, 1)).await);
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert_eq!(
        status.message(),
        "Concurrency limit reached: 2 jobs running (limit: 2)"
    );
    for id in [a, b] {
        assert!(
            client
                .cancel_job(CancelJobRequest { job_id: id })
                .await
                .unwrap()
                .into_inner()
                .success
        );
    }
    // Upstream leaks a slot per cancel; here both slots are free again.
    submit_ok(&mut client, BELL, 1).await;
    submit_ok(&mut client, BELL, 1).await;
    server.stop().await.unwrap();
}

#[tokio::test]
async fn batch_order_and_non_atomicity() {
    let (server, mut client) = start(|_| {}).await;
    let sources = [
        "OPENQASM 3.0; qubit q; x q;",
        "OPENQASM 3.0; qubit[2] q;",
        "OPENQASM 3.0; qubit[3] q; x q[2];",
    ];
    let jobs = sources
        .iter()
        .map(|s| BatchJobRequest {
            circuit: qasm(s),
            shots: 5,
            optimization_level: 0,
        })
        .collect();
    let ids = client
        .submit_batch(SubmitBatchRequest {
            backend_id: "simulator".into(),
            jobs,
        })
        .await
        .unwrap()
        .into_inner()
        .job_ids;
    assert_eq!(ids.len(), 3);
    let expected = ["1", "00", "100"];
    for (id, key) in ids.iter().zip(expected) {
        wait_terminal(&mut client, id).await;
        let counts = client
            .get_job_result(GetJobResultRequest { job_id: id.clone() })
            .await
            .unwrap()
            .into_inner()
            .result
            .unwrap()
            .counts;
        assert_eq!(counts.get(key), Some(&5), "job_ids[i] belongs to jobs[i]");
    }
    let empty = client
        .submit_batch(SubmitBatchRequest {
            backend_id: "simulator".into(),
            jobs: vec![],
        })
        .await
        .unwrap();
    assert!(empty.into_inner().job_ids.is_empty());

    http_json(
        reqwest::Method::POST,
        format!("{}/__stats/reset", server.url()),
        None,
    )
    .await;
    let before = http_json(
        reqwest::Method::GET,
        format!("{}/__stats", server.url()),
        None,
    )
    .await["jobsCreated"]
        .as_u64()
        .unwrap();
    let batch = [BELL, BELL, "invalid qasm", BELL, BELL]
        .iter()
        .map(|s| BatchJobRequest {
            circuit: qasm(s),
            shots: 1,
            optimization_level: 0,
        })
        .collect();
    let status = status_of(
        client
            .submit_batch(SubmitBatchRequest {
                backend_id: "simulator".into(),
                jobs: batch,
            })
            .await,
    );
    assert_eq!(status.code(), Code::InvalidArgument);
    let after = http_json(
        reqwest::Method::GET,
        format!("{}/__stats", server.url()),
        None,
    )
    .await["jobsCreated"]
        .as_u64()
        .unwrap();
    assert_eq!(
        after - before,
        2,
        "jobs before the invalid one were created"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn watch_job_cadence_and_end_of_stream() {
    let (server, mut client) = start(|s| {
        s.watch_interval_ms = 50;
        s.min_job_ms = 300;
    })
    .await;
    let id = submit_ok(&mut client, BELL, 10).await;
    let started = Instant::now();
    let mut stream = client
        .watch_job(WatchJobRequest { job_id: id.clone() })
        .await
        .unwrap()
        .into_inner();
    let mut states = Vec::new();
    while let Some(update) = stream.next().await {
        let update = update.expect("no error in stream");
        assert_eq!(update.job_id, id);
        states.push(update.state());
    }
    assert!(started.elapsed() >= Duration::from_millis(250));
    assert_eq!(states.last(), Some(&JobState::Completed));
    assert!(
        states.len() >= 4,
        "an update every tick, repeated while running: {states:?}"
    );
    assert!(states[..states.len() - 1]
        .iter()
        .all(|s| *s == JobState::Running || *s == JobState::Queued));

    // Already terminal → exactly one update.
    let mut stream = client
        .watch_job(WatchJobRequest { job_id: id.clone() })
        .await
        .unwrap()
        .into_inner();
    let mut n = 0;
    while let Some(update) = stream.next().await {
        update.unwrap();
        n += 1;
    }
    assert_eq!(n, 1);

    // Unknown id → the only item is an in-stream INTERNAL.
    let mut stream = client
        .watch_job(WatchJobRequest {
            job_id: "unknown".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let status = stream.next().await.unwrap().unwrap_err();
    assert_eq!(status.code(), Code::Internal);
    assert_eq!(
        status.message(),
        "Failed to get job: Job not found: unknown"
    );
    assert!(stream.next().await.is_none());

    // A failed job's update carries its message.
    let failed = submit_ok(&mut client, BELL, 100_001).await;
    wait_terminal(&mut client, &failed).await;
    let mut stream = client
        .watch_job(WatchJobRequest { job_id: failed })
        .await
        .unwrap()
        .into_inner();
    let update = stream.next().await.unwrap().unwrap();
    assert_eq!(update.state(), JobState::Failed);
    assert!(update.error_message.contains("100001 shots"));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn watch_stream_ends_with_deadline_exceeded_at_its_maximum_life() {
    let (server, mut client) = start(|s| {
        s.watch_interval_ms = 200;
        s.watch_max_seconds = 1;
        s.min_job_ms = 60_000;
    })
    .await;
    let id = submit_ok(&mut client, BELL, 1).await;
    let mut stream = client
        .watch_job(WatchJobRequest { job_id: id })
        .await
        .unwrap()
        .into_inner();
    let mut updates = 0;
    let status = loop {
        match stream.next().await.expect("stream ends with a status") {
            Ok(_) => updates += 1,
            Err(status) => break status,
        }
    };
    assert!(updates >= 5, "{updates}");
    assert_eq!(status.code(), Code::DeadlineExceeded);
    assert_eq!(status.message(), "Watch stream timed out after 1 hour");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn stream_results_chunks() {
    let (server, mut client) = start(|_| {}).await;
    let id = submit_ok(&mut client, "OPENQASM 3.0; qubit[3] q; h q;", 2000).await;
    wait_terminal(&mut client, &id).await;
    let full = client
        .get_job_result(GetJobResultRequest { job_id: id.clone() })
        .await
        .unwrap()
        .into_inner()
        .result
        .unwrap()
        .counts;
    assert_eq!(full.len(), 8);
    for (chunk_size, sizes) in [
        (3u32, vec![3usize, 3, 2]),
        (0, vec![8]),
        (8, vec![8]),
        (1, vec![1; 8]),
    ] {
        let mut stream = client
            .stream_results(StreamResultsRequest {
                job_id: id.clone(),
                chunk_size,
            })
            .await
            .unwrap()
            .into_inner();
        let mut merged = std::collections::HashMap::new();
        let mut seen = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.unwrap();
            assert_eq!(chunk.chunk_index as usize, seen.len());
            assert_eq!(chunk.total_chunks as usize, sizes.len());
            assert_eq!(
                chunk.is_final,
                chunk.chunk_index as usize + 1 == sizes.len()
            );
            seen.push(chunk.counts.len());
            for (k, v) in chunk.counts {
                assert!(merged.insert(k, v).is_none(), "chunks are disjoint");
            }
        }
        assert_eq!(seen, sizes);
        assert_eq!(merged, full);
    }
    let empty = submit_ok(&mut client, BELL, 0).await;
    wait_terminal(&mut client, &empty).await;
    let chunks: Vec<_> = client
        .stream_results(StreamResultsRequest {
            job_id: empty,
            chunk_size: 0,
        })
        .await
        .unwrap()
        .into_inner()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(chunks.len(), 1);
    let chunk = chunks[0].as_ref().unwrap();
    assert!(chunk.counts.is_empty() && chunk.is_final && chunk.total_chunks == 1);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn submit_batch_stream_bidirectional() {
    let (server, mut client) = start(|_| {}).await;
    let subs = vec![
        BatchJobSubmission {
            circuit: qasm(BELL),
            backend_id: "simulator".into(),
            shots: 10,
            client_request_id: "a".into(),
            optimization_level: 0,
        },
        BatchJobSubmission {
            circuit: qasm("garbage"),
            backend_id: "simulator".into(),
            shots: 10,
            client_request_id: "b".into(),
            optimization_level: 0,
        },
        BatchJobSubmission {
            circuit: qasm(BELL),
            backend_id: "nope".into(),
            shots: 10,
            client_request_id: "c".into(),
            optimization_level: 0,
        },
    ];
    let mut replies = client
        .submit_batch_stream(tokio_stream::iter(subs))
        .await
        .unwrap()
        .into_inner();
    let mut got = Vec::new();
    while let Some(reply) = replies.next().await {
        got.push(reply.unwrap());
    }
    use batch_job_result::Result as R;
    let a: Vec<_> = got.iter().filter(|r| r.client_request_id == "a").collect();
    assert!(matches!(&a[0].result, Some(R::Submitted(t)) if t == "Job submitted successfully"));
    assert!(matches!(&a[1].result, Some(R::Completed(r)) if r.shots == 10));
    let b = got.iter().find(|r| r.client_request_id == "b").unwrap();
    assert!(b.job_id.is_empty());
    assert!(
        matches!(&b.result, Some(R::Error(t)) if t.starts_with("Circuit parsing failed: QASM parsing error: "))
    );
    let c = got.iter().find(|r| r.client_request_id == "c").unwrap();
    assert!(
        matches!(&c.result, Some(R::Error(t)) if t == "Backend not found: Backend not found: nope")
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn api_key_guards_every_call() {
    let (server, mut client) = start(|s| s.api_key = Some("s3cret".into())).await;
    let status = status_of(client.list_backends(ListBackendsRequest {}).await);
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(status.message(), "Invalid or missing API key");
    let mut wrong = Request::new(WatchJobRequest { job_id: "x".into() });
    wrong
        .metadata_mut()
        .insert("x-api-key", "nope".parse().unwrap());
    assert_eq!(
        status_of(client.watch_job(wrong).await).code(),
        Code::Unauthenticated
    );
    let mut right = Request::new(submit(BELL, 1));
    right
        .metadata_mut()
        .insert("x-api-key", "s3cret".parse().unwrap());
    let id = client.submit_job(right).await.unwrap().into_inner().job_id;
    let mut right = Request::new(WatchJobRequest { job_id: id });
    right
        .metadata_mut()
        .insert("x-api-key", "s3cret".parse().unwrap());
    let mut stream = client.watch_job(right).await.unwrap().into_inner();
    assert!(stream.next().await.unwrap().is_ok());
    server.stop().await.unwrap();
}

#[tokio::test]
async fn server_timeout_is_cancelled_timeout_expired() {
    let (server, mut client) = start(|s| s.timeout_seconds = 1).await;
    http_json(
        reqwest::Method::POST,
        format!("{}/__faults", server.url()),
        Some(r#"{"rules":{"ListBackends":{"latencyMs":1500}}}"#),
    )
    .await;
    let started = Instant::now();
    let status = status_of(client.list_backends(ListBackendsRequest {}).await);
    assert_eq!(status.code(), Code::Cancelled);
    assert_eq!(status.message(), "Timeout expired");
    assert!(started.elapsed() < Duration::from_millis(1400));

    // The client's grpc-timeout is honoured too (the shorter one wins).
    let mut req = Request::new(ListBackendsRequest {});
    req.metadata_mut()
        .insert("grpc-timeout", "200m".parse().unwrap());
    let started = Instant::now();
    let status = status_of(client.list_backends(req).await);
    assert_eq!(status.code(), Code::Cancelled);
    assert!(started.elapsed() < Duration::from_millis(800));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn oversized_message_is_out_of_range() {
    let (server, mut client) = start(|_| {}).await;
    let huge = format!("OPENQASM 3.0; // {}", "x".repeat(17 * 1024 * 1024));
    let status = status_of(client.submit_job(submit(&huge, 1)).await);
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
    server.stop().await.unwrap();
}

#[tokio::test]
async fn eviction_at_capacity() {
    let (server, mut client) = start(|s| s.job_capacity = 3).await;
    let first = submit_ok(&mut client, BELL, 1).await;
    wait_terminal(&mut client, &first).await;
    for _ in 0..3 {
        let id = submit_ok(&mut client, BELL, 1).await;
        wait_terminal(&mut client, &id).await;
    }
    let status = status_of(
        client
            .get_job_status(GetJobStatusRequest {
                job_id: first.clone(),
            })
            .await,
    );
    assert_eq!(status.code(), Code::NotFound);
    assert_eq!(status.message(), format!("[permanent] {first}"));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn shutdown_ends_open_streams() {
    let (server, mut client) = start(|s| s.min_job_ms = 60_000).await;
    let id = submit_ok(&mut client, BELL, 1).await;
    let mut stream = client
        .watch_job(WatchJobRequest { job_id: id })
        .await
        .unwrap()
        .into_inner();
    assert!(stream.next().await.unwrap().is_ok());
    let started = Instant::now();
    server.stop().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "stop does not wait for the watch"
    );
}
