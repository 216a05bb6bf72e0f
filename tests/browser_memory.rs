//! Memory stays flat over thousands of calls (issue item 9).
//!
//! With wasm-streams 0.7.0 as published, every unary call leaked one externref table slot and some
//! wasm memory (a forgotten `.catch` closure per dropped response stream). The vendored, patched copy
//! (vendor/wasm-streams) must keep both flat after warm-up.
#![cfg(target_arch = "wasm32")]

mod common;

use arvak_grpc_wasm::web::{ArvakClient, CallOptions, SubmitOptions, WaitOptions};
use common::*;
use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use wasm_bindgen_test::*;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

wasm_bindgen_test_configure!(run_in_browser);

/// Counts the bytes live on the Rust heap (this test binary's global allocator wraps the default).
struct CountingAlloc;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only adds bookkeeping.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Concurrent workers; each makes its share of the calls one after another.
const WORKERS: usize = 8;

async fn run_calls(client: &ArvakClient, job_id: &str, calls: usize) {
    let workers = Array::new();
    for w in 0..WORKERS {
        let client = client.clone();
        let job_id = job_id.to_owned();
        let n = calls / WORKERS + usize::from(w < calls % WORKERS);
        workers.push(&future_to_promise(async move {
            let call = CallOptions::default();
            for _ in 0..n {
                client
                    .get_job_status(&job_id, &call)
                    .await
                    .map_err(|e| JsValue::from_str(&e.to_string()))?;
            }
            Ok(JsValue::UNDEFINED)
        }));
    }
    wasm_bindgen_futures::JsFuture::from(Promise::all(&workers))
        .await
        .unwrap_or_else(|e| panic!("calls failed: {e:?}"));
}

fn memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
}

#[wasm_bindgen_test]
async fn externref_table_and_wasm_memory_stay_flat() {
    reset_server().await;
    let client = client();
    let job_id = client
        .submit_qasm(BELL, "simulator", SubmitOptions::default(), &call())
        .await
        .expect("submit");
    client
        .wait_for_job(&job_id, WaitOptions::default(), &call(), &mut |_| {})
        .await
        .expect("wait");

    // Warm-up: allocator pools, connection pool, lazily created JS glue.
    run_calls(&client, &job_id, 400).await;
    sleep_ms(50).await;
    let refs_before = wasm_bindgen::externref_heap_live_count();
    let mem_before = memory_bytes();
    let heap_before = LIVE_BYTES.load(Ordering::Relaxed);

    const CALLS: usize = 2500;
    run_calls(&client, &job_id, CALLS).await;
    // Let the spawned cancel clean-ups of the last responses run.
    sleep_ms(50).await;
    let refs_after = wasm_bindgen::externref_heap_live_count();
    let mem_after = memory_bytes();
    let heap_after = LIVE_BYTES.load(Ordering::Relaxed);

    web_sys::console::log_1(&JsValue::from_str(&format!(
        "{CALLS} calls: externref live {refs_before} -> {refs_after}, Rust heap live {heap_before} -> \
         {heap_after} bytes, wasm memory {mem_before} -> {mem_after} bytes"
    )));
    // The leak kept one externref slot per call alive.
    assert!(
        refs_after <= refs_before + 20,
        "externref heap grew from {refs_before} to {refs_after} over {CALLS} calls"
    );
    // ... and a small closure allocation per call (unpatched: +16.8 KB live over 2500 calls).
    assert!(
        heap_after - heap_before <= 2048,
        "live Rust heap grew from {heap_before} to {heap_after} bytes over {CALLS} calls"
    );
    // Linear memory grows in 64 KiB pages; allow one page of allocator fragmentation.
    assert!(
        mem_after - mem_before <= 65_536.0,
        "wasm memory grew from {mem_before} to {mem_after} bytes over {CALLS} calls"
    );
}

/// Starts `n` calls (status reads and watch-first waits), aborts them all mid-flight, and returns
/// once every call has rejected.
async fn aborted_round(client: &ArvakClient, job_id: &str, n: usize) {
    let calls = Array::new();
    let controller = web_sys::AbortController::new().expect("AbortController");
    for i in 0..n {
        let client = client.clone();
        let job_id = job_id.to_owned();
        let call = CallOptions {
            signal: Some(controller.signal()),
            ..Default::default()
        };
        calls.push(&future_to_promise(async move {
            let r = if i % 2 == 0 {
                client.get_job_status(&job_id, &call).await.map(|_| ())
            } else {
                client
                    .wait_for_job(&job_id, WaitOptions::default(), &call, &mut |_| {})
                    .await
                    .map(|_| ())
            };
            match r {
                Err(e) if e.kind == arvak_grpc_wasm::ErrorKind::Aborted => Ok(JsValue::UNDEFINED),
                other => Err(JsValue::from_str(&format!(
                    "expected an abort, got {other:?}"
                ))),
            }
        }));
    }
    sleep_ms(30).await;
    controller.abort();
    wasm_bindgen_futures::JsFuture::from(Promise::all(&calls))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
}

#[wasm_bindgen_test]
async fn aborted_calls_and_waits_leave_nothing_behind() {
    reset_server().await;
    let client = client();
    // A job that stays RUNNING, and status reads that take 300 ms: everything is in flight at the abort.
    set_faults(
        serde_json::json!({"minJobMs": 20000, "rules": {"GetJobStatus": {"latencyMs": 300}}}),
    )
    .await;
    let job_id = client
        .submit_qasm(BELL, "simulator", SubmitOptions::default(), &call())
        .await
        .expect("submit");
    aborted_round(&client, &job_id, 40).await;
    sleep_ms(400).await;
    let refs_before = wasm_bindgen::externref_heap_live_count();
    let heap_before = LIVE_BYTES.load(Ordering::Relaxed);
    for _ in 0..5 {
        aborted_round(&client, &job_id, 40).await;
    }
    // Let the aborted fetches settle (their promises reject after the abort) and the server answer.
    sleep_ms(400).await;
    let refs_after = wasm_bindgen::externref_heap_live_count();
    let heap_after = LIVE_BYTES.load(Ordering::Relaxed);
    web_sys::console::log_1(&JsValue::from_str(&format!(
        "200 aborted calls/waits: externref live {refs_before} -> {refs_after}, Rust heap live \
         {heap_before} -> {heap_after} bytes, open streams {}",
        client.open_streams()
    )));
    assert_eq!(client.open_streams(), 0);
    assert_eq!(client.calls_in_flight(), 0);
    assert!(
        refs_after <= refs_before + 20,
        "externrefs {refs_before} -> {refs_after}"
    );
    assert!(
        heap_after - heap_before <= 2048,
        "heap {heap_before} -> {heap_after}"
    );
    client.cancel_job(&job_id, &call()).await.expect("cancel");
    reset_server().await;
}
