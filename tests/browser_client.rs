//! Browser tests of the client against the dev server (`wasm-pack test --headless --chrome`).
//!
//! The test script starts `arvak-dev-server` on a free port and exports `ARVAK_TEST_URL` at compile
//! time. Every test starts by resetting the server's faults and counters, so tests do not depend on
//! each other's settings. Tests run one at a time in one page.
#![cfg(target_arch = "wasm32")]

mod common;

use arvak_grpc_wasm::bindings::options::{
    BatchCircuitsArg, BatchOptionsArg, CallOptionsArg, ClientOptionsArg, StreamResultsOptionsArg,
    SubmitOptionsArg, WaitOptionsArg, WatchOptionsArg,
};
use arvak_grpc_wasm::bindings::JsArvakClient;
use arvak_grpc_wasm::web::{
    ArvakClient, CallOptions, ClientOptions, SubmitOptions, WaitOptions, WatchOptions,
};
use arvak_grpc_wasm::{ErrorKind, JobState, Strategy};
use common::*;
use js_sys::{Array, Date, Promise};
use serde_json::json;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::AbortController;

wasm_bindgen_test_configure!(run_in_browser);

fn js_client(options: serde_json::Value) -> JsArvakClient {
    js_client_at(server_url(), options)
}

fn js_client_at(url: &str, options: serde_json::Value) -> JsArvakClient {
    JsArvakClient::new(
        JsValue::from(url),
        Some(js(options).unchecked_into::<ClientOptionsArg>()),
    )
    .unwrap_or_else(|e| panic!("client: {e:?}"))
}

/// Checks a rejected value is the named error class (subclass of ArvakError and Error).
fn assert_class(err: &JsValue, class: &str, code_name: &str) {
    let chain = class_chain(err);
    let want = if class == "ArvakError" {
        "ArvakError>Error".to_owned()
    } else {
        format!("{class}>ArvakError>Error")
    };
    assert_eq!(chain, want, "class of {err:?}");
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(
        get(err, "codeName").as_string().as_deref(),
        Some(code_name),
        "codeName of {}",
        message(err)
    );
    let code = get(err, "code").as_f64().unwrap_or(-1.0);
    assert!((0.0..=16.0).contains(&code), "numeric code");
    assert!(get(err, "attempts").as_f64().unwrap_or(0.0) >= 1.0);
    assert!(get(err, "metadata").is_object());
}

fn message(err: &JsValue) -> String {
    get(err, "message").as_string().unwrap_or_default()
}

fn rpc(err: &JsValue) -> Option<String> {
    get(err, "rpc").as_string()
}

async fn rejected(p: Promise) -> JsValue {
    match wait(p).await {
        Ok(v) => panic!("expected a rejection, got {v:?}"),
        Err(e) => e,
    }
}

async fn resolved(p: Promise) -> JsValue {
    match wait(p).await {
        Ok(v) => v,
        Err(e) => panic!("unexpected rejection: {} ({e:?})", message(&e)),
    }
}

fn submit_opts(v: serde_json::Value) -> Option<SubmitOptionsArg> {
    Some(js(v).unchecked_into())
}

fn call_opts(v: serde_json::Value) -> Option<CallOptionsArg> {
    Some(js(v).unchecked_into())
}

fn wait_opts(v: JsValue) -> Option<WaitOptionsArg> {
    Some(v.unchecked_into())
}

async fn submit_bell(c: &ArvakClient, shots: u32) -> String {
    c.submit_qasm(
        BELL,
        "simulator",
        SubmitOptions {
            shots,
            ..Default::default()
        },
        &call(),
    )
    .await
    .expect("submit")
}

fn counts_of(result: &JsValue) -> Vec<(String, f64)> {
    let counts = get(result, "counts");
    let mut out: Vec<(String, f64)> = js_sys::Object::entries(counts.unchecked_ref())
        .iter()
        .map(|pair| {
            let pair: Array = pair.unchecked_into();
            (
                pair.get(0).as_string().unwrap_or_default(),
                pair.get(1).as_f64().unwrap_or(-1.0),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

// ------------------------------------------------------------------------------- success paths

#[wasm_bindgen_test]
async fn list_backends_and_backend_info() {
    reset_server().await;
    let backends = client().list_backends(&call()).await.expect("list");
    let sim = backends
        .iter()
        .find(|b| b.backend_id == "simulator")
        .expect("simulator is registered");
    assert!(sim.is_available && sim.max_qubits >= 2 && sim.max_shots >= 1000);

    let c = js_client(json!({}));
    let list = resolved(c.list_backends(None)).await;
    assert!(Array::is_array(&list));
    let info = resolved(c.get_backend_info("simulator".into(), None)).await;
    assert_eq!(
        get(&info, "backendId").as_string().as_deref(),
        Some("simulator")
    );
    assert_eq!(get(&info, "isAvailable").as_bool(), Some(true));
    assert!(Array::is_array(&get(&info, "supportedGates")));
    let topology = get(&info, "topology");
    assert!(topology.is_null() || Array::is_array(&get(&topology, "edges")));
}

#[wasm_bindgen_test]
async fn bell_round_trip_through_the_js_surface() {
    reset_server().await;
    let c = js_client(json!({}));
    let job_id = resolved(c.submit_qasm(
        BELL.into(),
        "simulator".into(),
        submit_opts(json!({"shots": 1000})),
    ))
    .await
    .as_string()
    .expect("job id is a string");
    let result = resolved(c.wait_for_job(JsValue::from(job_id.clone()), None)).await;
    assert_eq!(get(&result, "jobId").as_string(), Some(job_id.clone()));
    assert_eq!(get(&result, "shots").as_f64(), Some(1000.0));
    let counts = counts_of(&result);
    assert!(
        counts.iter().all(|(k, _)| k == "00" || k == "11"),
        "{counts:?}"
    );
    assert_eq!(counts.iter().map(|(_, v)| v).sum::<f64>(), 1000.0);
    let exec = get(&result, "executionTimeMs");
    assert!(exec.is_null() || exec.as_f64().is_some());
    assert!(
        get(&result, "metadata").is_null(),
        "simulator metadata is \"null\""
    );

    let probs = js_sys::Reflect::get(&result, &"probabilities".into())
        .unwrap()
        .unchecked_into::<js_sys::Function>()
        .call0(&result)
        .unwrap();
    let total: f64 = js_sys::Object::values(probs.unchecked_ref())
        .iter()
        .filter_map(|v: JsValue| v.as_f64())
        .sum();
    assert!((total - 1.0).abs() < 1e-9);
    let mf = js_sys::Reflect::get(&result, &"mostFrequent".into())
        .unwrap()
        .unchecked_into::<js_sys::Function>()
        .call0(&result)
        .unwrap();
    let bits = get(&mf, "bitstring").as_string().unwrap_or_default();
    assert!(bits == "00" || bits == "11");
    let json_text = js_sys::JSON::stringify(&result)
        .unwrap()
        .as_string()
        .unwrap();
    assert!(json_text.contains("\"counts\"") && json_text.contains(&job_id));

    // The same result again, directly.
    let again = resolved(c.get_job_result(JsValue::from(job_id.clone()), None)).await;
    assert_eq!(counts_of(&again), counts);
}

#[wasm_bindgen_test]
async fn job_status_has_dates_and_null_for_empty_values() {
    reset_server().await;
    let rust = client();
    let job_id = submit_bell(&rust, 100).await;
    rust.wait_for_job(&job_id, WaitOptions::default(), &call(), &mut |_| {})
        .await
        .expect("wait");
    let c = js_client(json!({}));
    let job = resolved(c.get_job_status(JsValue::from(job_id.clone()), None)).await;
    assert_eq!(get(&job, "state").as_string().as_deref(), Some("COMPLETED"));
    assert_eq!(get(&job, "jobId").as_string(), Some(job_id));
    assert_eq!(
        get(&job, "backendId").as_string().as_deref(),
        Some("simulator")
    );
    assert_eq!(get(&job, "shots").as_f64(), Some(100.0));
    for field in ["submittedAt", "startedAt", "completedAt"] {
        let d = get(&job, field);
        assert!(d.is_instance_of::<Date>(), "{field} is a Date");
        let t = d.unchecked_ref::<Date>().get_time();
        assert!((t - now()).abs() < 120_000.0, "{field} is about now");
    }
    assert!(get(&job, "errorMessage").is_null());
}

#[wasm_bindgen_test]
async fn cancel_running_and_terminal_jobs() {
    reset_server().await;
    set_faults(json!({"minJobMs": 3000})).await;
    let rust = client();
    let job_id = submit_bell(&rust, 100).await;
    let c = js_client(json!({}));
    let r = resolved(c.cancel_job(JsValue::from(job_id.clone()), None)).await;
    assert_eq!(
        get(&r, "success").as_bool(),
        Some(true),
        "{:?}",
        get(&r, "message")
    );
    assert!(get(&r, "message").as_string().is_some());
    let status = rust.get_job_status(&job_id, &call()).await.expect("status");
    assert_eq!(status.state, JobState::Canceled);
    // Waiting for a cancelled job: JobCancelledError.
    let err = rejected(c.wait_for_job(JsValue::from(job_id.clone()), None)).await;
    assert_class(&err, "JobCancelledError", "FAILED_PRECONDITION");
    assert_eq!(get(&err, "jobId").as_string(), Some(job_id.clone()));
    // A second cancel: success false, no error.
    let r = resolved(c.cancel_job(JsValue::from(job_id), None)).await;
    assert_eq!(get(&r, "success").as_bool(), Some(false));
}

#[wasm_bindgen_test]
async fn submit_batch_returns_ids_in_input_order() {
    reset_server().await;
    let c = js_client(json!({}));
    let circuits = js(json!([X0, {"qasm": BELL, "shots": 10}, {"circuit": X0, "shots": 20}]));
    let ids = resolved(c.submit_batch(
        circuits.unchecked_into::<BatchCircuitsArg>(),
        "simulator".into(),
        Some(js(json!({"shots": 30})).unchecked_into::<BatchOptionsArg>()),
    ))
    .await;
    let ids: Vec<String> = Array::from(&ids)
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    assert_eq!(ids.len(), 3);
    let rust = client();
    let mut shots = Vec::new();
    for id in &ids {
        let r = rust
            .wait_for_job(id, WaitOptions::default(), &call(), &mut |_| {})
            .await
            .expect("wait");
        shots.push(r.shots);
        if r.shots != 10 {
            assert_eq!(r.counts, vec![("001".to_owned(), u64::from(r.shots))]);
        }
    }
    assert_eq!(shots, vec![30, 10, 20]);
}

#[wasm_bindgen_test]
async fn submit_circuit_json_is_rejected_as_invalid_circuit() {
    reset_server().await;
    let c = js_client(json!({}));
    let err = rejected(c.submit_circuit_json("{}".into(), "simulator".into(), None)).await;
    assert_class(&err, "InvalidCircuitError", "INVALID_ARGUMENT");
    assert_eq!(rpc(&err).as_deref(), Some("SubmitJob"));
    assert_eq!(get(&err, "tag").as_string().as_deref(), Some("permanent"));
    assert!(!message(&err).starts_with("[permanent]"));
}

#[wasm_bindgen_test]
async fn stream_results_merges_chunks() {
    reset_server().await;
    let rust = client();
    let job_id = rust
        .submit_qasm(
            UNIFORM3,
            "simulator",
            SubmitOptions {
                shots: 800,
                ..Default::default()
            },
            &call(),
        )
        .await
        .expect("submit");
    let full = rust
        .wait_for_job(&job_id, WaitOptions::default(), &call(), &mut |_| {})
        .await
        .expect("wait");
    let c = js_client(json!({}));
    let chunks = Array::new();
    let on_chunk = Closure::<dyn FnMut(JsValue)>::new({
        let chunks = chunks.clone();
        move |chunk: JsValue| {
            chunks.push(&chunk);
        }
    });
    let opts = js(json!({"chunkSize": 3}));
    put(&opts, "onChunk", on_chunk.as_ref().clone());
    let merged = resolved(c.stream_results(
        JsValue::from(job_id.clone()),
        Some(opts.unchecked_into::<StreamResultsOptionsArg>()),
    ))
    .await;
    let expected_chunks = full.counts.len().div_ceil(3);
    assert_eq!(chunks.length() as usize, expected_chunks);
    let last = chunks.get(chunks.length() - 1);
    assert_eq!(get(&last, "isFinal").as_bool(), Some(true));
    assert_eq!(
        get(&last, "totalChunks").as_f64(),
        Some(expected_chunks as f64)
    );
    let want: Vec<(String, f64)> = full
        .counts
        .iter()
        .map(|(k, v)| (k.clone(), *v as f64))
        .collect();
    assert_eq!(counts_of(&merged), want);
    assert_eq!(get(&merged, "shots").as_f64(), Some(800.0));
    assert!(get(&merged, "executionTimeMs").is_null());

    // Rust API, server-chosen chunk size.
    let mut n = 0;
    let r = rust
        .stream_results(&job_id, None, &call(), &mut |_| n += 1)
        .await
        .expect("stream");
    assert_eq!(n, 1);
    assert_eq!(r.counts, full.counts);
}

#[wasm_bindgen_test]
async fn watch_job_yields_state_changes_until_terminal() {
    reset_server().await;
    set_faults(json!({"minJobMs": 700})).await;
    let rust = client();
    let job_id = submit_bell(&rust, 100).await;
    let c = js_client(json!({}));
    let watch = c
        .watch_job(JsValue::from(job_id.clone()), None)
        .unwrap_or_else(|e| panic!("{e:?}"));
    // It is async-iterable.
    let iter_fn = js_sys::Reflect::get(&watch, &js_sys::Symbol::async_iterator()).unwrap();
    assert!(iter_fn.is_function());
    let next = js_sys::Reflect::get(&watch, &"next".into())
        .unwrap()
        .unchecked_into::<js_sys::Function>();
    let mut states = Vec::new();
    loop {
        let item = resolved(next.call0(&watch).unwrap().unchecked_into::<Promise>()).await;
        if get(&item, "done").as_bool() == Some(true) {
            break;
        }
        let update = get(&item, "value");
        assert!(get(&update, "timestamp").is_instance_of::<Date>());
        assert_eq!(get(&update, "source").as_string().as_deref(), Some("watch"));
        states.push(get(&update, "state").as_string().unwrap_or_default());
        assert!(states.len() < 10, "deduplicated: {states:?}");
    }
    assert_eq!(states.last().map(String::as_str), Some("COMPLETED"));
    let mut dedup = states.clone();
    dedup.dedup();
    assert_eq!(dedup, states, "no repeated states");
    assert_eq!(rust.open_streams(), 0);
    // Rust API with repeats: the server repeats RUNNING every watch interval.
    set_faults(json!({"minJobMs": 1200})).await;
    let job_id = submit_bell(&rust, 100).await;
    let mut w = rust.watch_job(&job_id, WatchOptions { emit_repeats: true }, &call());
    let mut n = 0;
    while let Some(u) = w.next().await {
        u.expect("update");
        n += 1;
    }
    assert!(n >= 3, "repeats included: {n}");
}

#[wasm_bindgen_test]
async fn watch_and_poll_strategies_reach_the_same_result() {
    reset_server().await;
    set_faults(json!({"minJobMs": 400})).await;
    let rust = client();
    let job_id = submit_bell(&rust, 500).await;
    let mut seen_watch = Vec::new();
    let mut seen_poll = Vec::new();
    let r_watch = rust
        .wait_for_job(
            &job_id,
            WaitOptions {
                strategy: Strategy::Watch,
                ..Default::default()
            },
            &call(),
            &mut |u| seen_watch.push((u.state, u.source)),
        )
        .await
        .expect("watch strategy");
    let r_poll = rust
        .wait_for_job(
            &job_id,
            WaitOptions {
                strategy: Strategy::Poll,
                poll_interval_ms: 50.0,
                ..Default::default()
            },
            &call(),
            &mut |u| seen_poll.push((u.state, u.source)),
        )
        .await
        .expect("poll strategy");
    assert_eq!(r_watch, r_poll);
    assert_eq!(seen_watch.last().map(|s| s.0), Some(JobState::Completed));
    assert_eq!(
        seen_poll,
        vec![(JobState::Completed, arvak_grpc_wasm::UpdateSource::Poll)]
    );
    for seen in [&seen_watch, &seen_poll] {
        let mut d = seen.clone();
        d.dedup_by_key(|s| s.0);
        assert_eq!(&d, seen, "each state once");
    }

    // A fresh job under each strategy, concurrently, reports each state once.
    let job2 = submit_bell(&rust, 100).await;
    let job3 = submit_bell(&rust, 100).await;
    let c = js_client(json!({}));
    let updates = Array::new();
    let on_update = Closure::<dyn FnMut(JsValue)>::new({
        let updates = updates.clone();
        move |u: JsValue| {
            updates.push(&get(&u, "state"));
        }
    });
    let o = js(json!({"strategy": "poll", "pollIntervalMs": 100}));
    put(&o, "onUpdate", on_update.as_ref().clone());
    let p2 = c.wait_for_job(JsValue::from(job2), wait_opts(o));
    let p3 = c.wait_for_job(
        JsValue::from(job3),
        wait_opts(js(json!({"strategy": "watch"}))),
    );
    let both = resolved(Promise::all(&Array::of2(&p2, &p3))).await;
    assert_eq!(Array::from(&both).length(), 2);
    let states: Vec<String> = updates.iter().filter_map(|v| v.as_string()).collect();
    assert_eq!(states.last().map(String::as_str), Some("COMPLETED"));
    let mut d = states.clone();
    d.dedup();
    assert_eq!(d, states);
}

#[wasm_bindgen_test]
async fn a_job_that_finishes_at_once_resolves_before_the_next_watch_tick() {
    reset_server().await;
    let rust = client();
    // Warm the connection.
    rust.list_backends(&call()).await.expect("list");
    for _ in 0..3 {
        let t0 = now();
        let job_id = submit_bell(&rust, 1000).await;
        rust.wait_for_job(&job_id, WaitOptions::default(), &call(), &mut |_| {})
            .await
            .expect("wait");
        let elapsed = now() - t0;
        // The server's watch interval is 500 ms; early polls must resolve well before it.
        assert!(elapsed < 400.0, "submit + wait took {elapsed} ms");
    }
    assert_eq!(rust.open_streams(), 0);
}

// ------------------------------------------------------------------------ errors from the server

#[wasm_bindgen_test]
async fn not_found_is_job_or_backend_by_rpc() {
    reset_server().await;
    let c = js_client(json!({}));
    for p in [
        c.get_job_status(UNKNOWN_JOB.into(), None),
        c.get_job_result(UNKNOWN_JOB.into(), None),
        c.cancel_job(UNKNOWN_JOB.into(), None),
        c.stream_results(UNKNOWN_JOB.into(), None),
    ] {
        let err = rejected(p).await;
        assert_class(&err, "JobNotFoundError", "NOT_FOUND");
        assert_eq!(message(&err), UNKNOWN_JOB, "tag stripped, id kept");
        assert_eq!(get(&err, "tag").as_string().as_deref(), Some("permanent"));
        assert_eq!(get(&err, "jobId").as_string().as_deref(), Some(UNKNOWN_JOB));
    }
    let err = rejected(c.get_backend_info("nonexistent".into(), None)).await;
    assert_class(&err, "BackendNotFoundError", "NOT_FOUND");
    assert_eq!(rpc(&err).as_deref(), Some("GetBackendInfo"));
    assert_eq!(
        get(&err, "backendId").as_string().as_deref(),
        Some("nonexistent")
    );
    let err = rejected(c.submit_qasm(BELL.into(), "nonexistent".into(), None)).await;
    assert_class(&err, "BackendNotFoundError", "NOT_FOUND");
    let circuits = js(json!([BELL]));
    let err = rejected(c.submit_batch(circuits.unchecked_into(), "nonexistent".into(), None)).await;
    assert_class(&err, "BackendNotFoundError", "NOT_FOUND");
    assert_eq!(rpc(&err).as_deref(), Some("SubmitBatch"));
}

#[wasm_bindgen_test]
async fn unknown_job_on_watch_job_is_job_not_found() {
    reset_server().await;
    let c = js_client(json!({}));
    let watch = c.watch_job(UNKNOWN_JOB.into(), None).unwrap();
    let next = js_sys::Reflect::get(&watch, &"next".into())
        .unwrap()
        .unchecked_into::<js_sys::Function>();
    let err = rejected(next.call0(&watch).unwrap().unchecked_into()).await;
    assert_class(&err, "JobNotFoundError", "INTERNAL");
    assert_eq!(rpc(&err).as_deref(), Some("WatchJob"));
    // After the error the iterator is done.
    let item = resolved(next.call0(&watch).unwrap().unchecked_into()).await;
    assert_eq!(get(&item, "done").as_bool(), Some(true));
    // waitForJob with the watch strategy reports it the same way.
    let err = rejected(c.wait_for_job(
        UNKNOWN_JOB.into(),
        wait_opts(js(json!({"strategy": "watch"}))),
    ))
    .await;
    assert_class(&err, "JobNotFoundError", "INTERNAL");
    // And polling by NOT_FOUND.
    let err = rejected(c.wait_for_job(
        UNKNOWN_JOB.into(),
        wait_opts(js(json!({"strategy": "poll"}))),
    ))
    .await;
    assert_class(&err, "JobNotFoundError", "NOT_FOUND");
}

#[wasm_bindgen_test]
async fn invalid_circuits_and_failed_jobs() {
    reset_server().await;
    let c = js_client(json!({}));
    let err = rejected(c.submit_qasm("invalid qasm".into(), "simulator".into(), None)).await;
    assert_class(&err, "InvalidCircuitError", "INVALID_ARGUMENT");
    assert!(
        message(&err).starts_with("QASM parse error"),
        "{}",
        message(&err)
    );

    // Too many shots: accepted, then FAILED (spec §6.1).
    let job_id = resolved(c.submit_qasm(
        BELL.into(),
        "simulator".into(),
        submit_opts(json!({"shots": 100001})),
    ))
    .await
    .as_string()
    .unwrap();
    let err = rejected(c.wait_for_job(JsValue::from(job_id.clone()), None)).await;
    assert_class(&err, "JobFailedError", "ABORTED");
    assert!(
        message(&err).contains("100001"),
        "server message kept: {}",
        message(&err)
    );
    assert_eq!(get(&err, "jobId").as_string(), Some(job_id.clone()));
    let err = rejected(c.get_job_result(JsValue::from(job_id.clone()), None)).await;
    assert_class(&err, "JobFailedError", "ABORTED");
    assert_eq!(get(&err, "tag").as_string().as_deref(), Some("permanent"));
    let job = resolved(c.get_job_status(JsValue::from(job_id), None)).await;
    assert_eq!(get(&job, "state").as_string().as_deref(), Some("FAILED"));
    assert!(get(&job, "errorMessage").as_string().is_some());
}

#[wasm_bindgen_test]
async fn result_of_a_running_job_is_not_completed() {
    reset_server().await;
    set_faults(json!({"minJobMs": 2000})).await;
    let rust = client();
    let job_id = submit_bell(&rust, 100).await;
    let c = js_client(json!({}));
    let err = rejected(c.get_job_result(JsValue::from(job_id.clone()), None)).await;
    assert_class(&err, "JobNotCompletedError", "FAILED_PRECONDITION");
    assert_eq!(get(&err, "tag").as_string().as_deref(), Some("transient"));
    let err = rejected(c.stream_results(JsValue::from(job_id.clone()), None)).await;
    assert_class(&err, "JobNotCompletedError", "FAILED_PRECONDITION");
    rust.cancel_job(&job_id, &call()).await.expect("cancel");
}

#[wasm_bindgen_test]
async fn rate_limited_unavailable_and_decoded_messages() {
    reset_server().await;
    set_faults(json!({"rateLimit": 2})).await;
    let c = js_client(json!({}));
    let mut errors = Vec::new();
    for _ in 0..4 {
        if let Err(e) = wait(c.submit_qasm(X0.into(), "simulator".into(), None)).await {
            errors.push(e);
        }
    }
    assert!(
        !errors.is_empty(),
        "the third submit within a second is refused"
    );
    assert_class(&errors[0], "RateLimitedError", "RESOURCE_EXHAUSTED");

    reset_server().await;
    set_faults(json!({"rules": {"ListBackends": {
        "failBeforeProbability": 1.0, "failBeforeCode": "UNAVAILABLE",
        "failBeforeMessage": "[transient] café 100% down\nnow"}}}))
    .await;
    let err = rejected(c.list_backends(None)).await;
    assert_class(&err, "UnavailableError", "UNAVAILABLE");
    assert_eq!(
        message(&err),
        "café 100% down\nnow",
        "percent-decoded, tag removed"
    );
    assert_eq!(get(&err, "tag").as_string().as_deref(), Some("transient"));

    set_faults(json!({"rules": {"GetBackendInfo": {
        "failBeforeProbability": 1.0, "failBeforeCode": "PERMISSION_DENIED"}}}))
    .await;
    let err = rejected(c.get_backend_info("simulator".into(), None)).await;
    assert_class(&err, "ArvakError", "PERMISSION_DENIED");
}

#[wasm_bindgen_test]
async fn api_key_required_and_accepted() {
    reset_server().await;
    set_faults(json!({"apiKey": "sekret"})).await;
    let anonymous = js_client(json!({}));
    let err = rejected(anonymous.list_backends(None)).await;
    assert_class(&err, "UnauthenticatedError", "UNAUTHENTICATED");
    let err = rejected(anonymous.submit_qasm(BELL.into(), "simulator".into(), None)).await;
    assert_class(&err, "UnauthenticatedError", "UNAUTHENTICATED");

    // Client-wide header: unary calls and streams work.
    let keyed = js_client(json!({"headers": {"x-api-key": "sekret"}}));
    resolved(keyed.list_backends(None)).await;
    let job_id = resolved(keyed.submit_qasm(BELL.into(), "simulator".into(), None))
        .await
        .as_string()
        .unwrap();
    let err = rejected(anonymous.wait_for_job(
        JsValue::from(job_id.clone()),
        wait_opts(js(json!({"strategy": "watch"}))),
    ))
    .await;
    assert_class(&err, "UnauthenticatedError", "UNAUTHENTICATED");
    resolved(keyed.wait_for_job(
        JsValue::from(job_id.clone()),
        wait_opts(js(json!({"strategy": "watch"}))),
    ))
    .await;
    resolved(keyed.stream_results(JsValue::from(job_id.clone()), None)).await;
    // Per-call header.
    resolved(anonymous.get_job_status(
        JsValue::from(job_id),
        call_opts(json!({"headers": {"x-api-key": "sekret"}})),
    ))
    .await;
    // A wrong key.
    let wrong = js_client(json!({"headers": {"x-api-key": "nope"}}));
    let err = rejected(wrong.list_backends(None)).await;
    assert_class(&err, "UnauthenticatedError", "UNAUTHENTICATED");
    reset_server().await;
}

// ------------------------------------------------------------------------ deadlines and abort

#[wasm_bindgen_test]
async fn deadline_expiry_rejects_with_timeout() {
    reset_server().await;
    set_faults(json!({"rules": {"ListBackends": {"latencyMs": 1500}}})).await;
    let c = js_client(json!({"timeoutMs": 200}));
    let t0 = now();
    let err = rejected(c.list_backends(None)).await;
    let elapsed = now() - t0;
    assert_class(&err, "ArvakTimeoutError", "DEADLINE_EXCEEDED");
    assert_eq!(
        get(&err, "name").as_string().as_deref(),
        Some("TimeoutError")
    );
    assert!(
        elapsed < 1200.0,
        "rejected at the deadline, not at the answer: {elapsed} ms"
    );
    // Per-call timeout overrides the client default.
    let c = js_client(json!({}));
    let err = rejected(c.list_backends(call_opts(json!({"timeoutMs": 100})))).await;
    assert_class(&err, "ArvakTimeoutError", "DEADLINE_EXCEEDED");
    // timeoutMs 0: expired before sending; nothing reaches the server.
    let before = stats().await;
    let err =
        rejected(c.get_backend_info("simulator".into(), call_opts(json!({"timeoutMs": 0})))).await;
    assert_class(&err, "ArvakTimeoutError", "DEADLINE_EXCEEDED");
    sleep_ms(100).await;
    assert_eq!(
        calls_of(&stats().await, "GetBackendInfo"),
        calls_of(&before, "GetBackendInfo")
    );
}

#[wasm_bindgen_test]
async fn max_wait_times_out_without_cancelling_the_job() {
    reset_server().await;
    set_faults(json!({"minJobMs": 3000})).await;
    let rust = client();
    let job_id = submit_bell(&rust, 100).await;
    let c = js_client(json!({}));
    let t0 = now();
    let err = rejected(c.wait_for_job(
        JsValue::from(job_id.clone()),
        wait_opts(js(json!({"maxWaitMs": 300}))),
    ))
    .await;
    assert!(now() - t0 < 1500.0);
    assert_class(&err, "ArvakTimeoutError", "DEADLINE_EXCEEDED");
    assert_eq!(get(&err, "jobId").as_string(), Some(job_id.clone()));
    let job = rust.get_job_status(&job_id, &call()).await.expect("status");
    assert!(!job.state.is_terminal(), "not cancelled: {:?}", job.state);
    assert_eq!(rust.open_streams(), 0);
    rust.cancel_job(&job_id, &call()).await.expect("cancel");
}

#[wasm_bindgen_test]
async fn abort_mid_call_rejects_at_once_and_stops_traffic() {
    reset_server().await;
    set_faults(json!({"rules": {"ListBackends": {"latencyMs": 1500}}})).await;
    let c = js_client(json!({}));
    let controller = AbortController::new().unwrap();
    let opts = object();
    put(&opts, "signal", controller.signal());
    let p = c.list_backends(Some(opts.unchecked_into()));
    abort_after(&controller, 100);
    let t0 = now();
    let err = rejected(p).await;
    assert!(now() - t0 < 700.0, "rejected at the abort");
    assert_class(&err, "ArvakAbortError", "CANCELLED");
    assert_eq!(get(&err, "name").as_string().as_deref(), Some("AbortError"));
    assert!(
        !get(&err, "cause").is_undefined(),
        "the signal's reason is the cause"
    );
    let s1 = stats().await;
    sleep_ms(1800).await;
    let s2 = stats().await;
    assert_eq!(
        total_calls(&s2),
        total_calls(&s1),
        "no calls after the abort"
    );

    // An already-aborted signal: nothing is sent at all.
    let controller = AbortController::new().unwrap();
    controller.abort();
    let opts = object();
    put(&opts, "signal", controller.signal());
    let before = calls_of(&stats().await, "GetBackendInfo");
    let err = rejected(c.get_backend_info("simulator".into(), Some(opts.unchecked_into()))).await;
    assert_class(&err, "ArvakAbortError", "CANCELLED");
    assert_eq!(calls_of(&stats().await, "GetBackendInfo"), before);
}

async fn abort_mid_wait(strategy: &str) {
    reset_server().await;
    set_faults(json!({"minJobMs": 8000})).await;
    let rust = client();
    let job_id = submit_bell(&rust, 100).await;
    let c = js_client(json!({}));
    let controller = AbortController::new().unwrap();
    let opts = js(json!({"strategy": strategy, "pollIntervalMs": 100}));
    put(&opts, "signal", controller.signal());
    let p = c.wait_for_job(JsValue::from(job_id.clone()), wait_opts(opts));
    abort_after(&controller, 400);
    let t0 = now();
    let err = rejected(p).await;
    assert!(now() - t0 < 1000.0);
    assert_class(&err, "ArvakAbortError", "CANCELLED");
    assert_eq!(c.open_streams(), 0, "client-side stream closed");
    // Give the server a watch interval to notice the closed stream.
    sleep_ms(700).await;
    let s1 = stats().await;
    sleep_ms(1200).await;
    let s2 = stats().await;
    assert_eq!(
        total_calls(&s2),
        total_calls(&s1),
        "no calls after the abort ({strategy})"
    );
    assert_eq!(
        s2["openStreams"].as_u64(),
        Some(0),
        "server-side stream closed ({strategy})"
    );
    rust.cancel_job(&job_id, &call()).await.expect("cancel");
}

#[wasm_bindgen_test]
async fn abort_mid_wait_auto() {
    abort_mid_wait("auto").await;
}

#[wasm_bindgen_test]
async fn abort_mid_wait_poll() {
    abort_mid_wait("poll").await;
}

#[wasm_bindgen_test]
async fn abort_mid_watch_iteration_closes_the_stream() {
    reset_server().await;
    set_faults(json!({"minJobMs": 8000})).await;
    let rust = client();
    let job_id = submit_bell(&rust, 100).await;
    let controller = AbortController::new().unwrap();
    let mut w = rust.watch_job(
        &job_id,
        WatchOptions::default(),
        &CallOptions {
            signal: Some(controller.signal()),
            ..Default::default()
        },
    );
    let first = w.next().await.expect("an update").expect("ok");
    assert_eq!(first.state, JobState::Running);
    assert_eq!(rust.open_streams(), 1);
    abort_after(&controller, 50);
    let err = w.next().await.expect("an item").expect_err("aborted");
    assert_eq!(err.kind, ErrorKind::Aborted);
    assert!(w.next().await.is_none());
    assert_eq!(rust.open_streams(), 0);
    // close() ends a pending next() with "done".
    let mut w = rust.watch_job(&job_id, WatchOptions::default(), &call());
    w.next().await.expect("first").expect("ok");
    let token = w.close_token();
    let closer = async {
        sleep_ms(50).await;
        token.cancel();
    };
    let (item, ()) = join(w.next(), closer).await;
    assert!(item.is_none());
    sleep_ms(700).await;
    assert_eq!(stats().await["openStreams"].as_u64(), Some(0));
    rust.cancel_job(&job_id, &call()).await.expect("cancel");
}

#[wasm_bindgen_test]
async fn close_rejects_pending_and_later_calls() {
    reset_server().await;
    set_faults(json!({"rules": {"ListBackends": {"latencyMs": 1000}}})).await;
    let c = js_client(json!({}));
    let p = c.list_backends(None);
    sleep_ms(50).await;
    c.close();
    assert!(c.closed());
    let err = rejected(p).await;
    assert_class(&err, "ArvakAbortError", "CANCELLED");
    let err = rejected(c.get_backend_info("simulator".into(), None)).await;
    assert_class(&err, "ArvakAbortError", "CANCELLED");
}

// ------------------------------------------------------------------- malformed and unreachable

#[wasm_bindgen_test]
async fn malformed_responses_reject_and_the_client_keeps_working() {
    reset_server().await;
    for mode in ["no-status", "truncated", "garbage", "html", "http-500"] {
        let bad = js_client_at(&format!("{}/__bad/{mode}", control_url()), json!({}));
        let err = rejected(bad.list_backends(None)).await;
        let chain = class_chain(&err);
        assert!(chain.ends_with("ArvakError>Error"), "{mode}: {chain}");
        let msg = message(&err);
        assert!(!msg.is_empty(), "{mode}");
        if mode != "garbage" {
            assert!(
                msg.contains("check the URL"),
                "{mode}: says what to check: {msg}"
            );
        }
        if mode == "no-status" {
            assert!(msg.contains("Access-Control-Expose-Headers"), "{msg}");
            assert!(msg.contains("no grpc-status"), "{msg}");
        }
        // Streams too.
        let err = rejected(bad.stream_results(UNKNOWN_JOB.into(), None)).await;
        assert!(
            class_chain(&err).ends_with("ArvakError>Error"),
            "{mode} stream"
        );
        // The module is not poisoned: a good client still works.
        let good = js_client(json!({}));
        resolved(good.list_backends(None)).await;
    }
}

#[wasm_bindgen_test]
async fn unreachable_server_says_what_to_check() {
    reset_server().await;
    let c = js_client_at("http://127.0.0.1:9", json!({"timeoutMs": 5000}));
    let err = rejected(c.list_backends(None)).await;
    assert_class(&err, "UnavailableError", "UNAVAILABLE");
    let msg = message(&err);
    assert!(msg.contains("http://127.0.0.1:9"), "{msg}");
    assert!(msg.contains("running") && msg.contains("CORS"), "{msg}");
}

// ------------------------------------------------------------------------ limits and options

#[wasm_bindgen_test]
async fn stream_cap_makes_extra_waits_poll() {
    reset_server().await;
    set_faults(json!({"minJobMs": 600})).await;
    let rust = ArvakClient::new(
        server_url(),
        ClientOptions {
            max_streams: arvak_grpc_wasm::web::MaxStreams::Fixed(1),
            ..Default::default()
        },
    )
    .unwrap();
    let ids = [
        submit_bell(&rust, 100).await,
        submit_bell(&rust, 100).await,
        submit_bell(&rust, 100).await,
    ];
    let mut max_open = 0;
    let opts = call();
    let (mut f0, mut f1, mut f2) = (|_: &_| {}, |_: &_| {}, |_: &_| {});
    let waits = async {
        let (a, b) = join(
            rust.wait_for_job(&ids[0], WaitOptions::default(), &opts, &mut f0),
            join(
                rust.wait_for_job(&ids[1], WaitOptions::default(), &opts, &mut f1),
                rust.wait_for_job(&ids[2], WaitOptions::default(), &opts, &mut f2),
            ),
        )
        .await;
        (a, b.0, b.1)
    };
    let probe = async {
        for _ in 0..10 {
            sleep_ms(50).await;
            max_open = max_open.max(rust.open_streams());
        }
    };
    let ((a, b, c), ()) = join(waits, probe).await;
    for r in [a, b, c] {
        r.expect("wait");
    }
    assert_eq!(max_open, 1, "at most one stream open");
    assert_eq!(rust.open_streams(), 0);
    let s = stats().await;
    assert_eq!(calls_of(&s, "WatchJob"), 1, "only one wait watched");
}

#[wasm_bindgen_test]
async fn an_auto_wait_on_a_finished_job_costs_one_call_and_no_stream() {
    reset_server().await;
    // Streams are free (as over HTTP/2), and the job is done before the wait starts.
    let rust = ArvakClient::new(
        server_url(),
        ClientOptions {
            max_streams: arvak_grpc_wasm::web::MaxStreams::Fixed(64),
            ..Default::default()
        },
    )
    .unwrap();
    let id = submit_bell(&rust, 100).await;
    sleep_ms(200).await;
    let before = stats().await;
    let result = rust
        .wait_for_job(&id, WaitOptions::default(), &call(), &mut |_| {})
        .await
        .expect("wait");
    let after = stats().await;
    assert_eq!(result.shots, 100);
    let diff = |rpc| calls_of(&after, rpc) - calls_of(&before, rpc);
    assert_eq!(diff("GetJobResult"), 1, "one result call");
    assert_eq!(diff("WatchJob"), 0, "no stream for a finished job");
    assert_eq!(diff("GetJobStatus"), 0, "no status call");
}

#[wasm_bindgen_test]
async fn max_concurrency_queues_calls() {
    reset_server().await;
    set_faults(json!({"rules": {"ListBackends": {"latencyMs": 200}}})).await;
    let rust = ArvakClient::new(
        server_url(),
        ClientOptions {
            max_concurrency: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    let mut max_in_flight = 0;
    let opts = call();
    let calls = join(
        rust.list_backends(&opts),
        join(rust.list_backends(&opts), rust.list_backends(&opts)),
    );
    let probe = async {
        for _ in 0..8 {
            sleep_ms(50).await;
            max_in_flight = max_in_flight.max(rust.calls_in_flight());
        }
    };
    let ((a, (b, c)), ()) = join(calls, probe).await;
    a.expect("1");
    b.expect("2");
    c.expect("3");
    assert_eq!(max_in_flight, 1);
}

#[wasm_bindgen_test]
async fn cut_watch_stream_falls_back_to_polling() {
    reset_server().await;
    set_faults(json!({"minJobMs": 900, "rules": {"WatchJob": {"cutAfterMessages": 1}}})).await;
    let rust = client();
    let job_id = submit_bell(&rust, 100).await;
    let r = rust
        .wait_for_job(
            &job_id,
            WaitOptions {
                strategy: Strategy::Watch,
                poll_interval_ms: 100.0,
                ..Default::default()
            },
            &call(),
            &mut |_| {},
        )
        .await
        .expect("wait survives a cut stream");
    assert_eq!(r.job_id, job_id);
    assert!(calls_of(&stats().await, "GetJobStatus") >= 1);
}

#[wasm_bindgen_test]
async fn invalid_options_reject_with_arvak_error() {
    reset_server().await;
    let c = js_client(json!({}));
    let err = rejected(c.submit_qasm(
        BELL.into(),
        "simulator".into(),
        submit_opts(json!({"shots": -1})),
    ))
    .await;
    assert_class(&err, "ArvakError", "INVALID_ARGUMENT");
    let err = rejected(c.wait_for_job(
        UNKNOWN_JOB.into(),
        wait_opts(js(json!({"strategy": "sometimes"}))),
    ))
    .await;
    assert_class(&err, "ArvakError", "INVALID_ARGUMENT");
    let err = rejected(c.list_backends(call_opts(json!({"timeoutMs": -5})))).await;
    assert_class(&err, "ArvakError", "INVALID_ARGUMENT");
    let err = rejected(c.list_backends(call_opts(json!({"headers": {"bad header": "x"}})))).await;
    assert_class(&err, "ArvakError", "INVALID_ARGUMENT");
    let opts = object();
    put(&opts, "signal", "not a signal");
    let err = rejected(c.list_backends(Some(opts.unchecked_into()))).await;
    assert_class(&err, "ArvakError", "INVALID_ARGUMENT");
    let err = JsArvakClient::new(
        JsValue::from(server_url()),
        Some(js(json!({"credentials": "sometimes"})).unchecked_into()),
    )
    .err()
    .expect("constructor throws");
    assert_class(&err, "ArvakError", "INVALID_ARGUMENT");
    let err = c
        .watch_job(
            UNKNOWN_JOB.into(),
            Some(js(json!({"emitRepeats": "yes"})).unchecked_into::<WatchOptionsArg>()),
        )
        .expect_err("watchJob throws");
    assert_class(&err, "ArvakError", "INVALID_ARGUMENT");
}

/// A JS function `(ctx) => …` from its body; every call's `ctx.rpc:ctx.attempt` is pushed onto
/// `globalThis[log]`.
fn header_fn(log: &str, body: &str) -> js_sys::Function {
    js_sys::Function::new_with_args(
        "ctx",
        &format!("(globalThis.{log} ??= []).push(ctx.rpc + ':' + ctx.attempt); {body}"),
    )
}

fn calls_logged(log: &str) -> Vec<String> {
    let v = js_sys::Reflect::get(&js_sys::global(), &log.into()).unwrap_or(JsValue::UNDEFINED);
    if v.is_undefined() {
        return Vec::new();
    }
    js_sys::Array::from(&v)
        .iter()
        .filter_map(|x| x.as_string())
        .collect()
}

fn client_with_header_fn(f: &js_sys::Function, refresh: bool) -> JsArvakClient {
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"headers".into(), f).unwrap();
    js_sys::Reflect::set(
        &options,
        &"refreshOnUnauthenticated".into(),
        &JsValue::from_bool(refresh),
    )
    .unwrap();
    JsArvakClient::new(
        JsValue::from(server_url()),
        Some(JsValue::from(options).unchecked_into::<ClientOptionsArg>()),
    )
    .unwrap_or_else(|e| panic!("client: {e:?}"))
}

#[wasm_bindgen_test]
async fn header_functions_are_called_for_every_attempt() {
    reset_server().await;
    set_faults(json!({"apiKey": "sekret"})).await;

    // A plain function: called once per call with the RPC and attempt 1; unary calls and streams.
    let sync = header_fn("__hdrSync", "return { 'x-api-key': 'sekret' };");
    let client = client_with_header_fn(&sync, false);
    resolved(client.list_backends(None)).await;
    assert_eq!(calls_logged("__hdrSync"), ["ListBackends:1"]);
    let job_id = resolved(client.submit_qasm(BELL.into(), "simulator".into(), None)).await;
    resolved(client.wait_for_job(job_id, wait_opts(js(json!({"strategy": "watch"}))))).await;
    let seen = calls_logged("__hdrSync");
    assert!(seen.contains(&"SubmitJob:1".to_owned()), "{seen:?}");
    assert!(seen.contains(&"WatchJob:1".to_owned()), "{seen:?}");

    // A promise-returning function.
    let asynchronous = header_fn(
        "__hdrAsync",
        "return new Promise((r) => setTimeout(() => r({ 'x-api-key': 'sekret' }), 5));",
    );
    resolved(client_with_header_fn(&asynchronous, false).list_backends(None)).await;
    assert_eq!(calls_logged("__hdrAsync"), ["ListBackends:1"]);

    // An expiring token: the first attempt gets a stale one. Without the opt-in the call fails;
    // with it, one immediate retry computes the headers again and succeeds.
    let stale_first = "return { 'x-api-key': ctx.attempt === 1 ? 'expired' : 'sekret' };";
    let no_refresh = header_fn("__hdrNoRefresh", stale_first);
    let err = rejected(client_with_header_fn(&no_refresh, false).list_backends(None)).await;
    assert_class(&err, "UnauthenticatedError", "UNAUTHENTICATED");
    assert_eq!(calls_logged("__hdrNoRefresh"), ["ListBackends:1"]);
    let refresh = header_fn("__hdrRefresh", stale_first);
    resolved(client_with_header_fn(&refresh, true).list_backends(None)).await;
    assert_eq!(
        calls_logged("__hdrRefresh"),
        ["ListBackends:1", "ListBackends:2"]
    );
    // A key that stays wrong is refreshed once, then reported.
    let wrong = header_fn("__hdrWrong", "return { 'x-api-key': 'nope' };");
    let err = rejected(client_with_header_fn(&wrong, true).list_backends(None)).await;
    assert_class(&err, "UnauthenticatedError", "UNAUTHENTICATED");
    assert_eq!(
        calls_logged("__hdrWrong"),
        ["ListBackends:1", "ListBackends:2"]
    );

    // A function that throws, rejects or answers something else fails the call before sending.
    for (log, body, fragment) in [
        (
            "__hdrThrow",
            "throw new Error('no token');",
            "threw or rejected",
        ),
        (
            "__hdrReject",
            "return Promise.reject(new Error('no token'));",
            "threw or rejected",
        ),
        ("__hdrNumber", "return 42;", "must be an object of strings"),
        (
            "__hdrValue",
            "return { 'x-api-key': 7 };",
            "must be a string",
        ),
    ] {
        let f = header_fn(log, body);
        let err = rejected(client_with_header_fn(&f, true).list_backends(None)).await;
        assert_class(&err, "ArvakError", "INVALID_ARGUMENT");
        let message = js_sys::Reflect::get(&err, &"message".into())
            .unwrap()
            .as_string()
            .unwrap();
        assert!(message.contains(fragment), "{log}: {message}");
    }
    reset_server().await;
}

/// A client whose options object carries `fetch` (and `extra` fields).
fn client_with_fetch(f: &js_sys::Function, extra: serde_json::Value) -> JsArvakClient {
    let options: js_sys::Object = js(extra).unchecked_into();
    js_sys::Reflect::set(&options, &"fetch".into(), f).unwrap();
    JsArvakClient::new(
        JsValue::from(server_url()),
        Some(JsValue::from(options).unchecked_into::<ClientOptionsArg>()),
    )
    .unwrap_or_else(|e| panic!("client: {e:?}"))
}

#[wasm_bindgen_test]
async fn the_fetch_option_carries_every_request() {
    reset_server().await;
    // A logging fetch: sees every request (unary calls and the WatchJob stream), with the abort
    // signal in `init`, and hands them to the real fetch.
    let logging = js_sys::Function::new_with_args(
        "request, init",
        "(globalThis.__fetchLog ??= []).push(new URL(request.url).pathname.split('/').pop() \
         + ':' + (init.signal instanceof AbortSignal)); return fetch(request, init);",
    );
    let client = client_with_fetch(&logging, json!({}));
    resolved(client.list_backends(None)).await;
    let job_id = resolved(client.submit_qasm(BELL.into(), "simulator".into(), None)).await;
    resolved(client.wait_for_job(job_id, wait_opts(js(json!({"strategy": "watch"}))))).await;
    let seen = calls_logged("__fetchLog");
    for rpc in ["ListBackends:true", "SubmitJob:true", "WatchJob:true"] {
        assert!(seen.contains(&rpc.to_owned()), "{rpc} not in {seen:?}");
    }
    // An aborted call aborts the request the custom fetch was given.
    let controller = web_sys::AbortController::new().unwrap();
    let hanging = js_sys::Function::new_with_args(
        "request, init",
        "return new Promise((_, reject) => init.signal.addEventListener('abort', \
         () => { globalThis.__fetchAborted = true; reject(init.signal.reason); }));",
    );
    let options = js(json!({}));
    js_sys::Reflect::set(&options, &"signal".into(), &controller.signal()).unwrap();
    let pending =
        client_with_fetch(&hanging, json!({})).list_backends(Some(options.unchecked_into()));
    sleep_ms(20).await;
    controller.abort();
    let err = rejected(pending).await;
    assert_class(&err, "ArvakAbortError", "CANCELLED");
    sleep_ms(20).await;
    assert_eq!(
        js_sys::Reflect::get(&js_sys::global(), &"__fetchAborted".into()).unwrap(),
        JsValue::TRUE
    );
    // A fetch that throws, rejects or answers something else: a typed error, the module intact.
    for (body, class, code, fragment) in [
        (
            "throw new TypeError('offline mode');",
            "UnavailableError",
            "UNAVAILABLE",
            "offline mode",
        ),
        (
            "return Promise.reject(new TypeError('blocked by the app'));",
            "UnavailableError",
            "UNAVAILABLE",
            "blocked by the app",
        ),
        ("return 42;", "ArvakError", "INTERNAL", "not a Response"),
    ] {
        let f = js_sys::Function::new_with_args("request, init", body);
        let err = rejected(client_with_fetch(&f, json!({})).list_backends(None)).await;
        assert_class(&err, class, code);
        assert!(
            message(&err).contains(fragment),
            "{body}: {}",
            message(&err)
        );
    }
    resolved(client.list_backends(None)).await;
}

#[wasm_bindgen_test]
async fn a_request_whose_answer_was_read_is_not_aborted() {
    reset_server().await;
    // Keeps the abort signal of every request; a finished call must leave its signal untouched
    // (aborting it showed as net::ERR_ABORTED in DevTools although the call had succeeded).
    let keeping = js_sys::Function::new_with_args(
        "request, init",
        "(globalThis.__signals ??= []).push(init.signal); return fetch(request, init);",
    );
    let client = client_with_fetch(&keeping, json!({}));
    resolved(client.list_backends(None)).await;
    let job_id = resolved(client.submit_qasm(BELL.into(), "simulator".into(), None)).await;
    resolved(client.wait_for_job(job_id.clone(), wait_opts(js(json!({"strategy": "poll"}))))).await;
    resolved(client.get_job_result(job_id, None)).await;
    sleep_ms(20).await;
    let signals =
        js_sys::Array::from(&js_sys::Reflect::get(&js_sys::global(), &"__signals".into()).unwrap());
    let aborted = signals
        .iter()
        .filter(|s| s.unchecked_ref::<web_sys::AbortSignal>().aborted())
        .count();
    assert!(signals.length() >= 4, "{} requests", signals.length());
    assert_eq!(
        aborted,
        0,
        "{aborted} of {} finished requests were aborted",
        signals.length()
    );
}

#[wasm_bindgen_test]
async fn a_response_read_to_its_end_is_not_unlocked() {
    reset_server().await;
    // `releaseLock()` on the reader of an ended body changes nothing anyone can see, yet costs a
    // TypeError with its stack trace per call (the largest item of a unary call's JS time in a
    // Chromium profile); the vendored wasm-streams skips it for streams it owns.
    let count = js_sys::Function::new_no_args(
        "const p = ReadableStreamDefaultReader.prototype; globalThis.__releaseLock = p.releaseLock; \
         globalThis.__released = 0; \
         p.releaseLock = function () { globalThis.__released++; return globalThis.__releaseLock.call(this); };",
    );
    let restore = js_sys::Function::new_no_args(
        "ReadableStreamDefaultReader.prototype.releaseLock = globalThis.__releaseLock; return globalThis.__released;",
    );
    count.call0(&JsValue::NULL).unwrap();
    let client = js_client(json!({}));
    resolved(client.list_backends(None)).await;
    let job_id = resolved(client.submit_qasm(BELL.into(), "simulator".into(), None)).await;
    resolved(client.wait_for_job(job_id.clone(), wait_opts(js(json!({"strategy": "poll"}))))).await;
    resolved(client.get_job_result(job_id, None)).await;
    let released = restore.call0(&JsValue::NULL).unwrap().as_f64().unwrap();
    assert_eq!(released, 0.0, "releaseLock was called {released} times");
}

#[wasm_bindgen_test]
async fn messages_over_max_receive_message_bytes_are_refused() {
    reset_server().await;
    let small = js_client(json!({"maxReceiveMessageBytes": 64}));
    let err = rejected(small.list_backends(None)).await;
    assert_class(&err, "ArvakError", "OUT_OF_RANGE");
    assert!(
        message(&err).contains("maxReceiveMessageBytes (64)"),
        "{}",
        message(&err)
    );
    // Small answers still pass; a larger limit than gRPC's default is honoured by tonic as well.
    let job =
        rejected(small.get_job_status("00000000-0000-4000-8000-000000000000".into(), None)).await;
    assert_class(&job, "JobNotFoundError", "NOT_FOUND");
    let big = js_client(json!({"maxReceiveMessageBytes": 16 * 1024 * 1024}));
    resolved(big.list_backends(None)).await;
    for bad in [json!(0), json!(-1), json!(1.5), json!("4MiB")] {
        let options = js(json!({ "maxReceiveMessageBytes": bad }));
        let err = JsArvakClient::new(
            JsValue::from(server_url()),
            Some(options.unchecked_into::<ClientOptionsArg>()),
        )
        .err()
        .unwrap_or_else(|| panic!("maxReceiveMessageBytes {bad} accepted"));
        assert_class(&err, "ArvakError", "INVALID_ARGUMENT");
    }
}

#[wasm_bindgen_test]
async fn the_protocol_is_detected_and_sets_the_stream_cap() {
    reset_server().await;
    let over_tls = server_url().starts_with("https://");
    let (want, cap) = if over_tls {
        ("h2", 64)
    } else {
        ("http/1.1", 2)
    };
    let c = js_client(json!({}));
    assert_eq!(c.max_streams(), 2, "before any call");
    // The timing entry of a call appears shortly after it finished; later calls read it.
    for _ in 0..4 {
        resolved(c.list_backends(None)).await;
        sleep_ms(20).await;
    }
    assert_eq!(c.protocol(), want);
    assert_eq!(c.max_streams(), cap);
    // A fixed cap stays as given.
    assert_eq!(js_client(json!({"maxStreams": 5})).max_streams(), 5);
    assert!(JsArvakClient::new(
        JsValue::from(server_url()),
        Some(js(json!({"maxStreams": "many"})).unchecked_into::<ClientOptionsArg>()),
    )
    .is_err());
    if over_tls {
        // Over HTTP/2, ten waits on running jobs all watch: ten streams at once, no polling.
        set_faults(json!({"minJobMs": 600})).await;
        let before = stats().await;
        let ids: Vec<JsValue> = {
            let mut v = Vec::new();
            for _ in 0..10 {
                v.push(resolved(c.submit_qasm(BELL.into(), "simulator".into(), None)).await);
            }
            v
        };
        let waits: Vec<Promise> = ids
            .iter()
            .map(|id| c.wait_for_job(id.clone(), None))
            .collect();
        sleep_ms(200).await;
        let open = c.open_streams();
        for w in waits {
            resolved(w).await;
        }
        let after = stats().await;
        reset_server().await;
        assert_eq!(open, 10, "streams open at once over h2");
        assert!(
            calls_of(&after, "WatchJob") - calls_of(&before, "WatchJob") >= 10,
            "every wait watched"
        );
    }
}
