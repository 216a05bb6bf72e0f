//! Fault soaks (issue 11, item 2): batches of hundreds of jobs against a dev server that fails
//! 20% or 40% of every RPC before processing (no pushback), or flaps (all RPCs down 2 s, up 2 s,
//! for 20 s), each checked against the server's own counts (`/__stats`):
//!
//! * every job that was created delivers its result (owned reads are never abandoned);
//! * 0 duplicates (no input created two jobs; no two inputs share a job);
//! * every input accounted for: results + failures = n, each failure saying whether its job may
//!   exist (`existence`, and for `maybe_created` the message says so).
//!
//! And a 1000-job batch under faults, aborted mid-way: the server is quiet within 100 ms.
//! The client is the one the issue measured with: a retry policy of 10 attempts, 10–200 ms
//! backoff, the **default** retry budget, 10 workers. Figures are printed
//! (`wasm-pack test --headless --chrome -- --test browser_soak -- --nocapture`).
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;

use std::cell::RefCell;

use arvak_grpc_wasm::resilience::{
    BatchProgress, BatchStatus, BreakerConfig, Jitter, JobExistence, RetryPolicy,
};
use arvak_grpc_wasm::web::{
    ArvakClient, BatchJobManager, BatchOutcome, ClientOptions, ManagerOptions, ResilienceOptions,
    Retry, RunOptions, SharedBreaker, SubmitOptions, WaitOptions,
};
use arvak_grpc_wasm::{ErrorKind, Strategy};
use common::*;
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;
use web_sys::AbortController;

wasm_bindgen_test_configure!(run_in_browser);

fn log(s: &str) {
    web_sys::console::log_1(&JsValue::from_str(s));
}

/// The issue's client: 10 attempts, 10–200 ms full-jitter backoff, default budget, no breaker.
fn issue_client() -> ArvakClient {
    ArvakClient::new(
        server_url(),
        ClientOptions {
            resilience: ResilienceOptions {
                retry: Some(Retry {
                    policy: RetryPolicy {
                        max_attempts: 10,
                        initial_backoff_ms: 10.0,
                        max_backoff_ms: 200.0,
                        jitter: Jitter::Full,
                        ..RetryPolicy::default()
                    },
                    on_retry: None,
                }),
                ..ResilienceOptions::default()
            },
            ..ClientOptions::default()
        },
    )
    .expect("client")
}

/// The soak figures.
struct Figures {
    created: u64,
    results: usize,
    duplicates: i64,
    accounted: usize,
    maybe_created: usize,
    not_created: usize,
    created_failures: usize,
}

/// Checks the three properties against the server's count and returns the figures.
fn check(r: &BatchOutcome, n: usize, created: u64) -> Figures {
    // Every input exactly once.
    assert_eq!(r.results.len(), n);
    let mut seen = vec![false; n];
    for (i, x) in r.results.iter().enumerate() {
        seen[i] = x.is_some();
    }
    for f in &r.failures {
        assert!(!seen[f.index], "input {} counted twice", f.index);
        seen[f.index] = true;
    }
    let accounted = seen.iter().filter(|&&s| s).count();
    assert_eq!(accounted, n, "every input accounted for");
    assert_eq!(r.success_count + r.failure_count, n);

    // Every failure says whether its job may exist.
    let (mut maybe, mut not, mut made) = (0, 0, 0);
    for f in &r.failures {
        match f.existence {
            JobExistence::MaybeCreated => {
                maybe += 1;
                assert!(f.job_id.is_none());
                assert!(
                    f.error.message.contains("may have"),
                    "input {}: {}",
                    f.index,
                    f.error.message
                );
            }
            JobExistence::NotCreated => {
                not += 1;
                assert!(f.job_id.is_none());
            }
            JobExistence::Created => {
                made += 1;
                assert!(f.job_id.is_some(), "input {} has its job id", f.index);
            }
        }
    }

    // No two inputs share a job.
    let mut ids = HashSet::new();
    for x in r.results.iter().flatten() {
        assert!(
            ids.insert(x.job_id.clone()),
            "job {} delivered twice",
            x.job_id
        );
    }
    for f in &r.failures {
        if let Some(id) = &f.job_id {
            assert!(ids.insert(id.clone()), "job {id} listed twice");
        }
    }
    // Jobs the server created beyond what the client knows of or reports as "maybe created"
    // would be duplicates (or orphans).
    let duplicates = created as i64 - (ids.len() + maybe) as i64;
    assert!(duplicates <= 0, "{duplicates} jobs beyond the inputs");
    Figures {
        created,
        results: r.success_count,
        duplicates: duplicates.max(0),
        accounted,
        maybe_created: maybe,
        not_created: not,
        created_failures: made,
    }
}

async fn soak(label: &str, n: usize, faults: serde_json::Value, manager: ManagerOptions) {
    reset_server().await;
    set_faults(faults).await;
    let before = jobs_created(&stats().await);
    let client = issue_client();
    let manager = BatchJobManager::new(&client, manager);
    let t0 = now();
    let r = manager
        .execute_batch(
            circuits(n, X0, 16),
            "simulator",
            RunOptions::default(),
            None,
        )
        .await
        .expect("batch");
    let ms = now() - t0;
    let s = stats().await;
    reset_server().await;
    let created = jobs_created(&s) - before;
    let f = check(&r, n, created);
    log(&format!(
        "soak {label}, {n} jobs: created {}, results {}, duplicates {}, accounted {}/{n} \
         (failures: {} maybe created, {} not created, {} created), status {}, {} faults injected, \
         {} calls, {ms:.0} ms",
        f.created,
        f.results,
        f.duplicates,
        f.accounted,
        f.maybe_created,
        f.not_created,
        f.created_failures,
        r.status.as_str(),
        s["faultsInjected"],
        total_calls(&s),
    ));
    assert!(
        s["faultsInjected"].as_u64().unwrap_or(0) > (n / 10) as u64,
        "the faults were injected"
    );
    // Every job that exists delivered its result: no created job ended as a failure.
    assert_eq!(
        f.results as u64, created,
        "every created job delivers its result"
    );
    assert_eq!(f.created_failures, 0);
    assert_eq!(f.duplicates, 0);
    assert!(f.results > 0);
}

fn unavailable_before(p: f64) -> serde_json::Value {
    json!({
        "rules": {"*": {"failBeforeProbability": p, "failBeforeCode": "UNAVAILABLE",
                        "failBeforeMessage": "injected: not processed (no pushback)"}},
        "rateLimit": 0
    })
}

#[wasm_bindgen_test]
async fn soak_500_jobs_20_percent_unavailable_on_every_rpc() {
    soak(
        "20% UNAVAILABLE before processing on every RPC",
        500,
        unavailable_before(0.2),
        ManagerOptions::default(),
    )
    .await;
}

#[wasm_bindgen_test]
async fn soak_500_jobs_40_percent_unavailable_on_every_rpc() {
    soak(
        "40% UNAVAILABLE before processing on every RPC",
        500,
        unavailable_before(0.4),
        ManagerOptions::default(),
    )
    .await;
}

#[wasm_bindgen_test]
async fn soak_300_jobs_on_a_flapping_server() {
    // Down 2 s, up 2 s, for 20 s; submissions paced at 15/s so the batch spans the flapping,
    // and jobs run 1 s so their waits do too.
    soak(
        "flapping server (down 2 s / up 2 s for 20 s)",
        300,
        json!({
            "flap": {"downMs": 2000, "upMs": 2000, "totalMs": 20000},
            "rateLimit": 0,
            "minJobMs": 1000
        }),
        ManagerOptions {
            max_submits_per_second: Some(15),
            ..ManagerOptions::default()
        },
    )
    .await;
}

#[wasm_bindgen_test]
async fn soak_1000_job_batch_under_faults_aborted_server_quiet_within_100_ms() {
    reset_server().await;
    set_faults(unavailable_before(0.2)).await;
    let before = jobs_created(&stats().await);
    let client = issue_client();
    let manager = BatchJobManager::new(&client, ManagerOptions::default());
    let controller = AbortController::new().expect("controller");
    let aborted_at = Rc::new(Cell::new(0.0));
    let (ctl, at) = (controller.clone(), aborted_at.clone());
    let progress = Rc::new(move |p: &BatchProgress| {
        if p.completed >= 300 && at.get() == 0.0 {
            at.set(now());
            ctl.abort();
        }
    });
    let t0 = now();
    let r = manager
        .execute_batch(
            circuits(1000, X0, 16),
            "simulator",
            RunOptions {
                signal: Some(controller.signal()),
                ..RunOptions::default()
            },
            Some(progress),
        )
        .await
        .expect("batch");
    let ms = now() - t0;
    let resolved_in = now() - aborted_at.get();
    sleep_ms(100).await;
    let s1 = stats().await;
    sleep_ms(400).await;
    let s2 = stats().await;
    reset_server().await;
    let created = jobs_created(&s2) - before;
    let quiet_after = s2["lastCallUnixMs"].as_f64().unwrap_or(f64::INFINITY) - aborted_at.get();
    // Accounting (the aborted inputs are failures carrying their job ids where known).
    assert_eq!(r.success_count + r.failure_count, 1000);
    let known = r.success_count
        + r.failures
            .iter()
            .filter(|f| f.existence == JobExistence::Created)
            .count();
    let maybe = r
        .failures
        .iter()
        .filter(|f| f.existence == JobExistence::MaybeCreated)
        .count();
    log(&format!(
        "soak abort, 1000 jobs under 20% UNAVAILABLE: aborted after {} results ({ms:.0} ms in), \
         batch resolved {resolved_in:.1} ms after the abort, last server call {quiet_after:.0} ms \
         after it, calls 100 ms / 500 ms later {} = {}, created {created} (known {known}, \
         in flight {maybe}), accounted {}/1000, status {}",
        r.success_count,
        total_calls(&s1),
        total_calls(&s2),
        r.success_count + r.failure_count,
        r.status.as_str(),
    ));
    assert_eq!(r.status, BatchStatus::Cancelled);
    assert!(r.success_count >= 300 && r.success_count < 1000);
    assert!(
        quiet_after < 100.0,
        "server quiet within 100 ms: {quiet_after}"
    );
    assert_eq!(
        total_calls(&s1),
        total_calls(&s2),
        "no call after the abort"
    );
    assert_eq!(s2["openStreams"].as_u64(), Some(0));
    assert_eq!(client.open_streams(), 0);
    assert!(created as usize >= known && created as usize <= known + maybe);
    for f in &r.failures {
        if f.existence != JobExistence::MaybeCreated || f.error.kind == ErrorKind::Aborted {
            continue;
        }
        // Submissions that failed before the abort say so.
        assert!(f.error.message.contains("may have"), "{}", f.error.message);
    }
}

/// Item 1 with a circuit breaker: during a 1.5 s outage the breaker opens; a plain
/// `getJobStatus` then fails, but the wait on the same job (an owned read) is paced by the breaker
/// and delivers the result once the server is back.
#[wasm_bindgen_test]
async fn an_owned_wait_survives_an_open_breaker_a_plain_read_does_not() {
    reset_server().await;
    set_faults(json!({"minJobMs": 1000})).await;
    let transitions = Rc::new(RefCell::new(Vec::new()));
    let t = transitions.clone();
    let breaker = SharedBreaker::new(
        BreakerConfig {
            failure_threshold: 3,
            timeout_ms: 300.0,
            ..BreakerConfig::default()
        },
        Some(Rc::new(move |tr| {
            t.borrow_mut()
                .push(format!("{}>{}", tr.from.as_str(), tr.to.as_str()))
        })),
    );
    let client = ArvakClient::new(
        server_url(),
        ClientOptions {
            resilience: ResilienceOptions {
                retry: Some(Retry {
                    policy: RetryPolicy {
                        max_attempts: 3,
                        initial_backoff_ms: 10.0,
                        max_backoff_ms: 200.0,
                        ..RetryPolicy::default()
                    },
                    on_retry: None,
                }),
                breaker: Some(breaker.clone()),
                ..ResilienceOptions::default()
            },
            ..ClientOptions::default()
        },
    )
    .expect("client");
    let id = client
        .submit_qasm(X0, "simulator", SubmitOptions::default(), &call())
        .await
        .expect("submit");
    // Down for 1.5 s from now, then up.
    set_faults(json!({"minJobMs": 1000, "flap": {"downMs": 1500, "upMs": 1, "totalMs": 1500}}))
        .await;
    let t0 = now();
    let (wait_call, mut on_update) = (call(), |_: &arvak_grpc_wasm::JobUpdate| {});
    let wait = client.wait_for_job(
        &id,
        WaitOptions {
            strategy: Strategy::Poll,
            poll_interval_ms: 100.0,
            max_wait_ms: Some(30_000.0),
        },
        &wait_call,
        &mut on_update,
    );
    let plain = async {
        sleep_ms(600).await;
        client.get_job_status(&id, &call()).await
    };
    let (result, plain) = join(wait, plain).await;
    let ms = now() - t0;
    let s = stats().await;
    reset_server().await;
    let seen = transitions.borrow().join(" ");
    log(&format!(
        "owned wait through a 1.5 s outage with a breaker (3 failures, 300 ms): {} after {ms:.0} ms, \
         plain getJobStatus meanwhile: {}, breaker {seen}, {} faults, {} GetJobStatus calls",
        if result.is_ok() { "result delivered" } else { "FAILED" },
        match &plain {
            Ok(_) => "ok".to_owned(),
            Err(e) => format!("{} ({} attempts)", e.kind.class_name(), e.attempts),
        },
        s["faultsInjected"],
        calls_of(&s, "GetJobStatus"),
    ));
    let r = result.expect("the owned wait delivers");
    assert_eq!(r.job_id, id);
    let e = plain.expect_err("the plain read fails during the outage");
    assert!(
        matches!(e.kind, ErrorKind::CircuitOpen | ErrorKind::Unavailable),
        "{e}"
    );
    assert!(seen.contains("closed>open"), "{seen}");
    assert!(s["faultsInjected"].as_u64().unwrap_or(0) >= 3);
}
