//! The downstream app's browser tests, against the dev server the test script starts
//! (`ARVAK_TEST_URL`, baked in at compile time).
#![cfg(target_arch = "wasm32")]

use arvak_grpc_wasm::web::{ArvakClient, CallOptions, ClientOptions, SubmitOptions, WaitOptions};
use arvak_rust_app::{bell, sweep, BELL};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const URL: &str = match option_env!("ARVAK_TEST_URL") {
    Some(u) => u,
    None => "http://127.0.0.1:8080",
};

#[wasm_bindgen_test]
async fn bell_counts_are_00_and_11() {
    let result = bell(URL, 500).await.expect("bell");
    assert_eq!(result.shots, 500);
    assert!(result.counts.iter().all(|(k, _)| k == "00" || k == "11"));
    assert_eq!(result.counts.iter().map(|(_, n)| n).sum::<u64>(), 500);
}

#[wasm_bindgen_test]
async fn a_batch_returns_every_result() {
    assert_eq!(sweep(URL, 12).await.expect("sweep"), 12);
}

fn memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    memory
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
}

/// As a dependent app builds it (its own workspace: only its own `[patch]` applies). Without the
/// wasm-streams line of its Cargo.toml this fails: one externref slot leaks per unary call.
#[wasm_bindgen_test]
async fn memory_stays_flat_over_2000_calls() {
    let client = ArvakClient::new(URL, ClientOptions::default()).expect("client");
    let call = CallOptions::default();
    let job = client
        .submit_qasm(BELL, "simulator", SubmitOptions::default(), &call)
        .await
        .expect("submit");
    client
        .wait_for_job(&job, WaitOptions::default(), &call, &mut |_| {})
        .await
        .expect("wait");
    let calls = |n: usize| {
        let client = client.clone();
        let job = job.clone();
        async move {
            for _ in 0..n {
                client
                    .get_job_status(&job, &CallOptions::default())
                    .await
                    .expect("status");
            }
        }
    };
    calls(200).await; // warm-up
    sleep_ms(1100).await; // finished bodies drain in the background (at most 1 s each)
    let refs_before = wasm_bindgen::externref_heap_live_count();
    let mem_before = memory_bytes();
    let js_before = js_heap_bytes();
    const CALLS: usize = 2000;
    calls(CALLS).await;
    sleep_ms(1100).await;
    let refs_after = wasm_bindgen::externref_heap_live_count();
    let mem_after = memory_bytes();
    let js_after = js_heap_bytes();
    web_sys::console::log_1(
        &format!(
            "downstream app: {CALLS} calls: externref live {refs_before} -> \
             {refs_after}, wasm memory {mem_before} -> {mem_after} bytes, JS heap {js_before} -> \
             {js_after} bytes"
        )
        .into(),
    );
    assert!(
        refs_after <= refs_before + 20,
        "externref heap grew from {refs_before} to {refs_after} over {CALLS} calls"
    );
    assert!(
        mem_after - mem_before <= 65_536.0,
        "wasm memory grew from {mem_before} to {mem_after} bytes over {CALLS} calls"
    );
}

/// Chromium's `performance.memory.usedJSHeapSize` (NaN elsewhere): information only, it moves with
/// garbage collection.
fn js_heap_bytes() -> f64 {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &"performance".into())
        .and_then(|p| js_sys::Reflect::get(&p, &"memory".into()))
        .and_then(|m| js_sys::Reflect::get(&m, &"usedJSHeapSize".into()))
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(f64::NAN)
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let set_timeout = js_sys::Reflect::get(&global, &"setTimeout".into())
            .expect("setTimeout")
            .unchecked_into::<js_sys::Function>();
        set_timeout
            .call2(&wasm_bindgen::JsValue::NULL, &resolve, &ms.into())
            .expect("setTimeout call");
    });
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .expect("sleep");
}
