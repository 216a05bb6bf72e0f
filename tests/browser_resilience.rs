//! Browser tests of issue C (retries, circuit breaker, futures, batches) against the dev server and
//! its fault knobs: items (a)–(g) of the issue, each checking `/__stats`, plus the JS surface of
//! the new classes. Every test resets the server first and prints its measured figures
//! (`wasm-pack test --headless --chrome -- --test browser_resilience -- --nocapture`).
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use arvak_grpc_wasm::bindings::options::CircuitBreakerOptionsArg;
use arvak_grpc_wasm::bindings::options::{ClientOptionsArg, SubmitOptionsArg};
use arvak_grpc_wasm::bindings::resilience::JsCircuitBreaker;
use arvak_grpc_wasm::bindings::JsArvakClient;
use arvak_grpc_wasm::logic::data::{BatchCircuit, Circuit};
use arvak_grpc_wasm::resilience::{
    BatchProgress, BatchStatus, BudgetConfig, Jitter, JobExistence, RetryPolicy,
};
use arvak_grpc_wasm::web::{
    ArvakClient, BatchJobManager, BatchOutcome, CallOptions, ClientOptions, ManagerOptions,
    ResilienceOptions, Retry, RunOptions, SubmitOptions, WaitOptions,
};
use arvak_grpc_wasm::{ErrorKind, JobState};
use common::*;
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::AbortController;

wasm_bindgen_test_configure!(run_in_browser);

fn log(s: &str) {
    web_sys::console::log_1(&JsValue::from_str(s));
}

/// A policy with short backoffs (the server's pushback, when sent, replaces them).
fn policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff_ms: 10.0,
        max_backoff_ms: 200.0,
        jitter: Jitter::Full,
        ..RetryPolicy::default()
    }
}

fn client_with(retry: Option<RetryPolicy>, budget: Option<BudgetConfig>) -> ArvakClient {
    ArvakClient::new(
        server_url(),
        ClientOptions {
            resilience: ResilienceOptions {
                retry: retry.map(|policy| Retry {
                    policy,
                    on_retry: None,
                }),
                budget,
                ..ResilienceOptions::default()
            },
            ..ClientOptions::default()
        },
    )
    .expect("client")
}

/// Checks the account: every index exactly once, results/failures consistent with the progress.
fn check_accounting(r: &BatchOutcome, n: usize) {
    assert_eq!(r.results.len(), n);
    let mut seen = vec![false; n];
    for (i, x) in r.results.iter().enumerate() {
        if x.is_some() {
            seen[i] = true;
        }
    }
    for f in &r.failures {
        assert!(
            !seen[f.index],
            "input {} is both a result and a failure",
            f.index
        );
        seen[f.index] = true;
        if f.existence == JobExistence::Created {
            assert!(f.job_id.is_some(), "created failure {} has its id", f.index);
        }
    }
    assert!(seen.iter().all(|&s| s), "every input accounted for");
    assert_eq!(r.success_count + r.failure_count, n);
    assert_eq!(r.progress.completed, r.success_count);
    assert_eq!(r.progress.failed, r.failure_count);
    assert_eq!(r.progress.percent_complete, 100.0);
}

/// Inputs whose job certainly exists (a result, or a failure with a known job).
fn known_jobs(r: &BatchOutcome) -> usize {
    r.success_count
        + r.failures
            .iter()
            .filter(|f| f.existence == JobExistence::Created)
            .count()
}

fn maybe_created(r: &BatchOutcome) -> usize {
    r.failures
        .iter()
        .filter(|f| f.existence == JobExistence::MaybeCreated)
        .count()
}

async fn run_batch(
    manager: &BatchJobManager,
    n: usize,
    run: RunOptions,
    progress: Option<arvak_grpc_wasm::web::ProgressHook>,
) -> (BatchOutcome, f64) {
    let t0 = now();
    let r = manager
        .execute_batch(circuits(n, X0, 64), "simulator", run, progress)
        .await
        .expect("batch");
    (r, now() - t0)
}

// ------------------------------------------------------------------------------------------ (a)

#[wasm_bindgen_test]
async fn a_unavailable_with_pushback_on_every_rpc_500_jobs_exactly_500_created() {
    reset_server().await;
    set_faults(json!({
        "rules": {"*": {"failBeforeProbability": 0.2, "failBeforeCode": "UNAVAILABLE",
                        "failBeforeMessage": "injected: not processed", "failBeforePushbackMs": 20}},
        "rateLimit": 0
    }))
    .await;
    let before = jobs_created(&stats().await);
    // 20% failures exceed what the default budget (0.1 token per success) refills: this test
    // gives the budget a ratio that sustains them (the README explains the trade-off).
    let client = client_with(
        Some(policy(10)),
        Some(BudgetConfig {
            max_tokens: 100.0,
            token_ratio: 1.0,
        }),
    );
    let manager = BatchJobManager::new(&client, ManagerOptions::default());
    let (r, ms) = run_batch(&manager, 500, RunOptions::default(), None).await;
    let s = stats().await;
    let created = jobs_created(&s) - before;
    check_accounting(&r, 500);
    log(&format!(
        "(a) 20% UNAVAILABLE + pushback 20 ms on every RPC, 500 jobs: {} results, {} failures, \
         {created} jobs created, duplicates {}, {} faults injected, {} calls, {ms:.0} ms",
        r.success_count,
        r.failure_count,
        created as i64 - known_jobs(&r) as i64,
        s["faultsInjected"],
        total_calls(&s),
    ));
    assert_eq!(r.status, BatchStatus::Completed, "{:?}", r.failures.first());
    assert_eq!(r.success_count, 500);
    assert_eq!(created, 500, "exactly one job per input");
    assert!(s["faultsInjected"].as_u64().unwrap_or(0) > 100);
}

#[wasm_bindgen_test]
async fn a2_without_pushback_no_duplicates_and_the_unknown_ones_reported() {
    reset_server().await;
    set_faults(json!({
        "rules": {"*": {"failBeforeProbability": 0.2, "failBeforeCode": "UNAVAILABLE",
                        "failBeforeMessage": "injected: no pushback"}},
        "rateLimit": 0
    }))
    .await;
    let before = jobs_created(&stats().await);
    let client = client_with(
        Some(policy(10)),
        Some(BudgetConfig {
            max_tokens: 100.0,
            token_ratio: 1.0,
        }),
    );
    let manager = BatchJobManager::new(&client, ManagerOptions::default());
    let (r, ms) = run_batch(&manager, 500, RunOptions::default(), None).await;
    let created = jobs_created(&stats().await) - before;
    check_accounting(&r, 500);
    let maybe = maybe_created(&r);
    log(&format!(
        "(a') 20% UNAVAILABLE without pushback, 500 jobs: {} results, {maybe} failures 'may have \
         been created' (not resubmitted), {created} jobs created, duplicates {}, status {}, {ms:.0} ms",
        r.success_count,
        created as i64 - known_jobs(&r) as i64,
        r.status.as_str()
    ));
    // Every failure is an unprovable submit: reported with its index, never retried.
    assert_eq!(maybe, r.failure_count);
    for f in &r.failures {
        assert!(f.job_id.is_none());
        assert!(f.error.message.contains("may have"), "{}", f.error.message);
        assert_eq!(f.error.kind, ErrorKind::Unavailable);
    }
    assert!(maybe > 40, "about 100 submits fail: {maybe}");
    // These failures happened before processing, so no job exists for them: no duplicates, and
    // no job beyond the known ones.
    assert_eq!(created as usize, known_jobs(&r));
    assert_eq!(r.status, BatchStatus::Partial);
}

// ------------------------------------------------------------------------------------------ (b)

#[wasm_bindgen_test]
async fn b_failure_after_processing_on_submit_no_duplicates_inputs_reported_by_index() {
    reset_server().await;
    set_faults(json!({
        "rules": {"SubmitJob": {"failAfterProbability": 0.2},
                  "SubmitBatch": {"failAfterProbability": 0.2}},
        "rateLimit": 0
    }))
    .await;
    let before = jobs_created(&stats().await);
    let client = client_with(Some(policy(5)), None);
    let manager = BatchJobManager::new(&client, ManagerOptions::default());
    let (r, ms) = run_batch(&manager, 300, RunOptions::default(), None).await;
    let created = jobs_created(&stats().await) - before;
    check_accounting(&r, 300);
    let maybe = maybe_created(&r);
    let dup = created as i64 - (known_jobs(&r) + maybe) as i64;
    log(&format!(
        "(b) failure after processing on 20% of SubmitJob, 300 jobs: {} results, {maybe} reported \
         'may have been created' with their index, {created} jobs created (= results + reported), \
         duplicates {dup}, {ms:.0} ms",
        r.success_count
    ));
    assert_eq!(maybe, r.failure_count);
    assert!(maybe > 20);
    // Each reported input did create exactly one job (the fault hit after processing): the
    // server has one job per input, no more.
    assert_eq!(dup, 0);
    assert_eq!(created, 300);

    // Chunks: with the rate limit known the manager uses SubmitBatch; a chunk failing after
    // processing reports all its inputs (no resubmission) and chunking stops for the batch.
    reset_server().await;
    set_faults(json!({
        "rules": {"SubmitBatch": {"failAfterProbability": 0.5}},
        "rateLimit": 0
    }))
    .await;
    let before = jobs_created(&stats().await);
    let client = client_with(Some(policy(5)), None);
    let manager = BatchJobManager::new(
        &client,
        ManagerOptions {
            max_submits_per_second: Some(1000),
            ..ManagerOptions::default()
        },
    );
    let (r, ms) = run_batch(&manager, 200, RunOptions::default(), None).await;
    let s = stats().await;
    let created = jobs_created(&s) - before;
    check_accounting(&r, 200);
    let maybe = maybe_created(&r);
    log(&format!(
        "(b') SubmitBatch chunks, 50% failing after processing, 200 jobs: {} results, {maybe} \
         reported 'may have been created', {created} created, duplicates {}, SubmitBatch calls {}, \
         SubmitJob calls {}, {ms:.0} ms",
        r.success_count,
        created as i64 - (known_jobs(&r) + maybe) as i64,
        calls_of(&s, "SubmitBatch"),
        calls_of(&s, "SubmitJob"),
    ));
    assert_eq!(created as usize, known_jobs(&r) + maybe);
    assert_eq!(created, 200);
}

// ------------------------------------------------------------------------------------------ (c)

#[wasm_bindgen_test]
async fn c_rate_limit_40_per_second_200_jobs_all_created_none_orphaned() {
    // A limit well below what the batch manages on this machine (≈ 85–110 jobs/s), so the limit
    // is met however fast the machine is that day, and the client must learn it from the answers.
    reset_server().await;
    set_faults(json!({"rateLimit": 40})).await;
    let before = jobs_created(&stats().await);
    let client = client_with(Some(RetryPolicy::default()), Some(BudgetConfig::default()));
    let manager = BatchJobManager::new(&client, ManagerOptions::default());
    let last = Rc::new(Cell::new(None::<BatchProgress>));
    let l = last.clone();
    let (r, ms) = run_batch(
        &manager,
        200,
        RunOptions::default(),
        Some(Rc::new(move |p: &BatchProgress| l.set(Some(*p)))),
    )
    .await;
    let s = stats().await;
    let created = jobs_created(&s) - before;
    check_accounting(&r, 200);
    log(&format!(
        "(c) rate limit 40/s, 200 jobs: {} results, {created} jobs created, orphaned {}, \
         SubmitJob {} + SubmitBatch {} calls, learned limit {:?}/s, {ms:.0} ms",
        r.success_count,
        created as i64 - r.success_count as i64,
        calls_of(&s, "SubmitJob"),
        calls_of(&s, "SubmitBatch"),
        client.submit_rate_limit(),
    ));
    assert_eq!(r.status, BatchStatus::Completed, "{:?}", r.failures.first());
    assert_eq!(r.success_count, 200);
    assert_eq!(created, 200, "no orphaned or duplicate job");
    assert_eq!(client.submit_rate_limit(), Some(40));
    assert!(ms > 3000.0, "200 jobs at 40/s need at least four windows");
    let p = last.get().expect("progress reported");
    assert!(p.is_complete() && p.total == 200);
}

// ------------------------------------------------------------------------------------------ (d)

fn js_client_opts(options: JsValue) -> JsArvakClient {
    JsArvakClient::new(
        JsValue::from(server_url()),
        Some(options.unchecked_into::<ClientOptionsArg>()),
    )
    .unwrap_or_else(|e| panic!("client: {e:?}"))
}

#[wasm_bindgen_test]
async fn d_breaker_opens_on_a_dead_server_fails_fast_half_opens_and_closes() {
    reset_server().await;
    let hook = recorder();
    let opts = js(json!({"failureThreshold": 3, "successThreshold": 2, "timeoutMs": 300}));
    put(&opts, "onStateChange", hook.clone());
    let breaker =
        JsCircuitBreaker::new(Some(opts.unchecked_into::<CircuitBreakerOptionsArg>())).unwrap();
    let breaker_js: JsValue = JsCircuitBreaker::wrap(breaker.shared().clone()).into();
    let o = object();
    put(&o, "circuitBreaker", breaker_js);
    let c = js_client_opts(o);

    // The server is "dead": every call fails with UNAVAILABLE.
    set_faults(
        json!({"rules": {"*": {"failBeforeProbability": 1.0, "failBeforeCode": "UNAVAILABLE"}}}),
    )
    .await;
    for _ in 0..3 {
        let e = wait(c.list_backends(None)).await.unwrap_err();
        assert_eq!(class_chain(&e), "UnavailableError>ArvakError>Error");
    }
    assert_eq!(breaker.state(), "open");
    let calls_when_open = total_calls(&stats().await);

    // Open: rejected at once, nothing sent, the error says when it will probe.
    let t0 = now();
    for _ in 0..20 {
        let e = wait(c.list_backends(None)).await.unwrap_err();
        assert_eq!(class_chain(&e), "CircuitOpenError>ArvakError>Error");
        assert_eq!(get(&e, "attempts").as_f64(), Some(0.0));
        let retry_after = get(&e, "retryAfterMs").as_f64().unwrap_or(-1.0);
        assert!((0.0..=300.0).contains(&retry_after), "{retry_after}");
    }
    let fail_fast_ms = (now() - t0) / 20.0;
    assert_eq!(
        total_calls(&stats().await),
        calls_when_open,
        "nothing reached the server"
    );

    // Still dead after the timeout: the probe fails and it opens again (never stuck half-open).
    sleep_ms(320).await;
    assert_eq!(breaker.state(), "half_open");
    assert!(wait(c.list_backends(None)).await.is_err());
    assert_eq!(breaker.state(), "open");

    // The server is back: after the timeout two probes succeed and it closes.
    reset_server().await;
    sleep_ms(320).await;
    let t1 = now();
    assert!(wait(c.list_backends(None)).await.is_ok());
    assert_eq!(breaker.state(), "half_open");
    assert!(wait(c.list_backends(None)).await.is_ok());
    assert_eq!(breaker.state(), "closed");
    let recover_ms = now() - t1;
    // Application errors (unknown job, invalid circuit) are answers, not failures.
    for _ in 0..5 {
        assert!(wait(c.get_job_status(UNKNOWN_JOB.into(), None))
            .await
            .is_err());
        assert!(wait(c.submit_qasm(
            "not qasm".into(),
            "simulator".into(),
            Some(js(json!({})).unchecked_into::<SubmitOptionsArg>())
        ))
        .await
        .is_err());
    }
    assert_eq!(breaker.state(), "closed");
    let transitions = recorded(&hook);
    log(&format!(
        "(d) breaker (3 failures, 300 ms): opened after 3 UNAVAILABLE, 20 calls rejected in \
         {fail_fast_ms:.2} ms each with 0 server calls, failed probe re-opened it, closed {recover_ms:.0} ms \
         after the server came back; transitions: {transitions}"
    ));
    assert_eq!(
        transitions,
        "closed>open open>half_open half_open>open open>half_open half_open>closed"
    );

    // A really dead address opens it too.
    let dead_breaker =
        JsCircuitBreaker::new(Some(js(json!({"failureThreshold": 2})).unchecked_into())).unwrap();
    let o = object();
    put(&o, "circuitBreaker", JsValue::from(dead_breaker));
    let dead = JsArvakClient::new(
        JsValue::from("http://127.0.0.1:9"),
        Some(o.unchecked_into::<ClientOptionsArg>()),
    )
    .unwrap();
    for _ in 0..2 {
        assert!(wait(dead.list_backends(None)).await.is_err());
    }
    let e = wait(dead.list_backends(None)).await.unwrap_err();
    assert_eq!(class_chain(&e), "CircuitOpenError>ArvakError>Error");
}

// ------------------------------------------------------------------------------------------ (e)

#[wasm_bindgen_test]
async fn e_abort_in_the_middle_of_a_1000_job_batch_stops_all_traffic() {
    reset_server().await;
    set_faults(json!({"rateLimit": 0})).await;
    let before = jobs_created(&stats().await);
    let unhandled_before = unhandled_rejections();
    let client = client_with(Some(RetryPolicy::default()), Some(BudgetConfig::default()));
    let manager = BatchJobManager::new(&client, ManagerOptions::default());
    let controller = AbortController::new().unwrap();
    let aborted_at = Rc::new(Cell::new(0.0));
    let (ctl, at) = (controller.clone(), aborted_at.clone());
    let progress = Rc::new(move |p: &BatchProgress| {
        if p.completed >= 300 && at.get() == 0.0 {
            at.set(now());
            ctl.abort();
        }
    });
    let (r, ms) = run_batch(
        &manager,
        1000,
        RunOptions {
            signal: Some(controller.signal()),
            ..RunOptions::default()
        },
        Some(progress),
    )
    .await;
    let resolved_in = now() - aborted_at.get();
    sleep_ms(100).await;
    let s1 = stats().await;
    sleep_ms(400).await;
    let s2 = stats().await;
    let created = jobs_created(&s2) - before;
    check_accounting(&r, 1000);
    let last_call_after_abort =
        s2["lastCallUnixMs"].as_f64().unwrap_or(f64::INFINITY) - aborted_at.get();
    log(&format!(
        "(e) abort after {} of 1000 results ({ms:.0} ms in): batch resolved {resolved_in:.1} ms after \
         the abort, status {}, last server call {last_call_after_abort:.0} ms after the abort, \
         calls 100 ms and 500 ms later: {} = {}, {created} jobs created = {} known + {} in flight, \
         open streams {}, unhandled rejections {}",
        r.success_count,
        r.status.as_str(),
        total_calls(&s1),
        total_calls(&s2),
        known_jobs(&r),
        maybe_created(&r),
        client.open_streams(),
        unhandled_rejections() - unhandled_before,
    ));
    assert_eq!(r.status, BatchStatus::Cancelled);
    assert!(r.success_count >= 300 && r.success_count < 1000);
    assert!(resolved_in < 100.0);
    assert!(last_call_after_abort < 100.0, "{last_call_after_abort}");
    assert_eq!(
        total_calls(&s1),
        total_calls(&s2),
        "no call after the abort"
    );
    assert_eq!(s2["openStreams"].as_u64(), Some(0));
    assert_eq!(client.open_streams(), 0);
    assert_eq!(client.calls_in_flight(), 0);
    assert_eq!(unhandled_rejections(), unhandled_before);
    assert!(created as usize >= known_jobs(&r));
    assert!(created as usize <= known_jobs(&r) + maybe_created(&r));
    for f in &r.failures {
        assert_eq!(f.error.kind, ErrorKind::Aborted);
    }
}

// ------------------------------------------------------------------------------------------ (f)

#[wasm_bindgen_test]
async fn f_fail_fast_cancels_the_rest_and_reports_them() {
    reset_server().await;
    set_faults(json!({"rateLimit": 0, "minJobMs": 3000})).await;
    let before = stats().await;
    let client = client_with(Some(RetryPolicy::default()), None);
    let manager = BatchJobManager::new(
        &client,
        ManagerOptions {
            max_workers: 4,
            ..ManagerOptions::default()
        },
    );
    let mut inputs = circuits(40, X0, 64);
    inputs[10].circuit = Circuit::Qasm3("OPENQASM 3.0; qubit[1] q; bogus q[0];".to_owned());
    let t0 = now();
    let r = manager
        .execute_batch(
            inputs,
            "simulator",
            RunOptions {
                fail_fast: true,
                ..RunOptions::default()
            },
            None,
        )
        .await
        .expect("batch");
    let ms = now() - t0;
    let s = stats().await;
    let created = jobs_created(&s) - jobs_created(&before);
    check_accounting(&r, 40);
    let by_kind = |k: ErrorKind| r.failures.iter().filter(|f| f.error.kind == k).count();
    let cancelled_jobs = r
        .failures
        .iter()
        .filter(|f| f.existence == JobExistence::Created)
        .count();
    let never = r
        .failures
        .iter()
        .filter(|f| f.existence == JobExistence::NotCreated)
        .count();
    log(&format!(
        "(f) failFast, 40 jobs of 3 s, input 10 invalid: status {}, {} results, {} failures \
         (1 invalid circuit, {cancelled_jobs} created jobs cancelled with {} CancelJob calls, \
         {never} never submitted), {created} jobs created, {ms:.0} ms",
        r.status.as_str(),
        r.success_count,
        r.failure_count,
        calls_of(&s, "CancelJob"),
    ));
    assert_eq!(r.status, BatchStatus::Failed);
    assert_eq!(r.failure_count, 40);
    assert_eq!(by_kind(ErrorKind::InvalidCircuit), 1);
    assert_eq!(r.failures[10].error.kind, ErrorKind::InvalidCircuit);
    // Submissions on the wire at the stop were let finish: every created job is known and
    // cancelled, none is left "maybe created".
    assert_eq!(maybe_created(&r), 0);
    assert_eq!(created as usize, cancelled_jobs);
    assert_eq!(calls_of(&s, "CancelJob") as usize, cancelled_jobs);
    assert!(never > 0);
    assert!(ms < 2500.0, "did not wait for the 3 s jobs");
    for f in &r.failures {
        if f.index != 10 {
            assert_eq!(f.error.kind, ErrorKind::JobCancelled, "{}", f.error.message);
            assert!(f.error.message.contains("failFast"));
        }
    }
    // The cancelled jobs really are cancelled on the server.
    if let Some(id) = r.failures.iter().find_map(|f| f.job_id.clone()) {
        let job = client.get_job_status(&id, &call()).await.unwrap();
        assert_eq!(job.state, JobState::Canceled);
    }
}

// ------------------------------------------------------------------------------------------ (g)

#[wasm_bindgen_test]
async fn g_timeout_reports_timed_out_and_lists_unfinished_inputs() {
    reset_server().await;
    set_faults(json!({"rateLimit": 0, "minJobMs": 3000})).await;
    let before = stats().await;
    let client = client_with(Some(RetryPolicy::default()), None);
    let manager = BatchJobManager::new(&client, ManagerOptions::default());
    let (r, ms) = run_batch(
        &manager,
        20,
        // Long enough for 20 submissions even on a loaded machine, well short of the 3 s jobs.
        RunOptions {
            timeout_ms: Some(1500.0),
            ..RunOptions::default()
        },
        None,
    )
    .await;
    let s = stats().await;
    let created = jobs_created(&s) - jobs_created(&before);
    check_accounting(&r, 20);
    log(&format!(
        "(g) timeout 1500 ms, 20 jobs of 3 s: status {}, {} results, {} unfinished listed (all with \
         job ids: {}), {} CancelJob calls, {created} jobs created, resolved after {ms:.0} ms",
        r.status.as_str(),
        r.success_count,
        r.failure_count,
        r.failures.iter().all(|f| f.job_id.is_some()),
        calls_of(&s, "CancelJob"),
    ));
    assert_eq!(r.status, BatchStatus::TimedOut);
    assert_eq!(r.failure_count, 20);
    assert_eq!(created, 20);
    for f in &r.failures {
        assert_eq!(f.error.kind, ErrorKind::Timeout);
        assert_eq!(f.existence, JobExistence::Created);
        assert!(
            f.error.message.contains("was cancelled"),
            "{}",
            f.error.message
        );
    }
    assert_eq!(calls_of(&s, "CancelJob"), 20);
    assert!((1500.0..3500.0).contains(&ms));
}

// ------------------------------------------------------------------------------- retry pipeline

#[wasm_bindgen_test]
async fn retries_reads_not_blind_submits_and_honour_attempts_deadline_and_budget() {
    reset_server().await;
    let events = Rc::new(RefCell::new(Vec::new()));
    let ev = events.clone();
    let client = ArvakClient::new(
        server_url(),
        ClientOptions {
            resilience: ResilienceOptions {
                retry: Some(Retry {
                    policy: RetryPolicy {
                        jitter: Jitter::None,
                        ..policy(4)
                    },
                    on_retry: Some(Rc::new(move |e| {
                        ev.borrow_mut().push((e.rpc.name(), e.attempt, e.delay_ms))
                    })),
                }),
                // Unlimited here; the budget is checked below with its own client.
                budget: None,
                ..ResilienceOptions::default()
            },
            ..ClientOptions::default()
        },
    )
    .unwrap();

    // A read: every attempt fails, the final error carries attempts = 4.
    set_faults(json!({"rules": {"ListBackends": {"failBeforeProbability": 1.0, "failBeforeCode": "UNAVAILABLE"}}}))
        .await;
    let e = client.list_backends(&call()).await.unwrap_err();
    assert_eq!(e.attempts, 4);
    assert_eq!(calls_of(&stats().await, "ListBackends"), 4);
    assert_eq!(
        events.borrow().as_slice(),
        &[
            ("ListBackends", 1, 10.0),
            ("ListBackends", 2, 20.0),
            ("ListBackends", 3, 40.0)
        ]
    );

    // A submit failing with a bare UNAVAILABLE: one attempt (it may have been processed).
    reset_server().await;
    set_faults(json!({"rules": {"SubmitJob": {"failBeforeProbability": 1.0, "failBeforeCode": "UNAVAILABLE"}}}))
        .await;
    let e = client
        .submit_qasm(X0, "simulator", SubmitOptions::default(), &call())
        .await
        .unwrap_err();
    assert_eq!(e.attempts, 1);
    assert!(e.message.contains("duplicate"), "{}", e.message);
    assert_eq!(calls_of(&stats().await, "SubmitJob"), 1);
    // …and with the server's pushback it is retried.
    set_faults(json!({"rules": {"SubmitJob": {"failBeforeProbability": 1.0, "failBeforeCode": "UNAVAILABLE",
                                              "failBeforePushbackMs": 5}}}))
    .await;
    let e = client
        .submit_qasm(X0, "simulator", SubmitOptions::default(), &call())
        .await
        .unwrap_err();
    assert_eq!(e.attempts, 4);

    // The deadline: a 1000 ms backoff does not fit a 300 ms call deadline.
    reset_server().await;
    set_faults(json!({"rules": {"GetJobStatus": {"failBeforeProbability": 1.0, "failBeforeCode": "UNAVAILABLE"}}}))
        .await;
    let slow = client_with(
        Some(RetryPolicy {
            initial_backoff_ms: 1000.0,
            jitter: Jitter::None,
            ..RetryPolicy::default()
        }),
        None,
    );
    let t0 = now();
    let e = slow
        .get_job_status(
            UNKNOWN_JOB,
            &CallOptions {
                timeout_ms: Some(300.0),
                ..CallOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.attempts, 1);
    assert!(now() - t0 < 250.0);

    // The budget: a dead RPC gets 4 retries client-wide, then single attempts.
    let budgeted = client_with(Some(policy(3)), Some(BudgetConfig::default()));
    let mut attempts = Vec::new();
    for _ in 0..5 {
        attempts.push(
            budgeted
                .get_job_status(UNKNOWN_JOB, &call())
                .await
                .unwrap_err()
                .attempts,
        );
    }
    log(&format!(
        "retry pipeline: read attempts 4 with delays 10/20/40 ms, bare-UNAVAILABLE submit 1 \
         attempt, pushback submit 4; default budget on a dead RPC gives attempts {attempts:?}"
    ));
    assert_eq!(attempts, vec![3, 2, 1, 1, 1]);
}

// ------------------------------------------------------------------------------------- futures

#[wasm_bindgen_test]
async fn futures_settle_once_cancel_and_report_local_state() {
    reset_server().await;
    set_faults(json!({"minJobMs": 2000})).await;
    let client = client_with(None, None);
    let circuit = BatchCircuit {
        circuit: Circuit::Qasm3(X0.to_owned()),
        shots: 10,
        optimization_level: 0,
    };
    let f = client.submit_future(circuit.clone(), "simulator", WaitOptions::default(), call());
    assert!(f.job_id().is_none() && f.state().is_none() && !f.is_done());
    // cancel() while submitting waits for the job id, then cancels it.
    let calls_before = total_calls(&stats().await);
    assert!(f.cancel(&call()).await.unwrap());
    assert!(f.is_done() && f.is_cancelled());
    assert_eq!(f.state(), Some(JobState::Canceled));
    let e = f.result(None, None).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::JobCancelled);
    assert!(!f.cancel(&call()).await.unwrap(), "already done");
    sleep_ms(200).await;
    let calls_after = total_calls(&stats().await);
    assert!(calls_after - calls_before <= 6, "the driver stopped");

    // Timeout of result() leaves the job running; wait() reports false then true.
    reset_server().await;
    set_faults(json!({"minJobMs": 300})).await;
    let g = client.submit_future(circuit, "simulator", WaitOptions::default(), call());
    let e = g.result(Some(50.0), None).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Timeout);
    assert!(!g.wait(Some(10.0)).await.unwrap());
    assert!(g.wait(Some(5000.0)).await.unwrap());
    assert_eq!(g.state(), Some(JobState::Completed));
    let r1 = g.result(None, None).await.unwrap();
    assert_eq!(r1.counts, vec![("001".to_owned(), 10)]);

    // An unknown id settles with JobNotFound (no polling for ever).
    let h = client.job_future(UNKNOWN_JOB, WaitOptions::default(), call());
    let e = h.result(Some(5000.0), None).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::JobNotFound);
    assert_eq!(h.state(), Some(JobState::Failed));
}

/// `RetryPolicy.toJSON()` builds its object by hand: it must carry exactly the declared option
/// fields (all but the `onRetry` callback), so a field added to one and not the other fails here.
#[wasm_bindgen_test]
fn retry_policy_to_json_has_every_option_field() {
    use arvak_grpc_wasm::bindings::options::RetryPolicyFields;
    use arvak_grpc_wasm::bindings::resilience::JsRetryPolicy;
    let policy = JsRetryPolicy::new(None).expect("default policy");
    let json = policy.to_json();
    let mut keys: Vec<String> = js_sys::Object::keys(json.unchecked_ref::<js_sys::Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    keys.sort();
    let mut declared: Vec<String> = RetryPolicyFields::FIELDS
        .iter()
        .filter(|f| **f != "onRetry")
        .map(|f| f.to_string())
        .collect();
    declared.sort();
    assert_eq!(keys, declared);
}
