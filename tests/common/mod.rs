//! Shared helpers of the browser tests: the dev server's URL (baked in at compile time), its control
//! endpoints, and small JS helpers.
#![allow(dead_code)]

use arvak_grpc_wasm::web::{ArvakClient, CallOptions, ClientOptions};
use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// The dev server started by the test script (`ARVAK_TEST_URL` at compile time, set by scripts/test.sh).
pub fn server_url() -> &'static str {
    match option_env!("ARVAK_TEST_URL") {
        Some(url) => url,
        None => "http://127.0.0.1:50051",
    }
}

/// Where the dev server's control endpoints (`/__faults`, `/__stats`) are: the server itself even
/// when the calls go through a gateway (`ARVAK_CONTROL_URL` at compile time; defaults to the server URL).
pub fn control_url() -> &'static str {
    match option_env!("ARVAK_CONTROL_URL") {
        Some(url) => url,
        None => server_url(),
    }
}

/// A Bell pair circuit.
pub const BELL: &str = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[2] q;\nbit[2] c;\nh q[0];\ncx q[0], q[1];\nc = measure q;\n";

/// `x q[0]` on three qubits: always `001`.
pub const X0: &str = "OPENQASM 3.0; qubit[3] q; x q[0];";

/// A uniform 3-qubit distribution (8 keys).
pub const UNIFORM3: &str = "OPENQASM 3.0; qubit[3] q; h q;";

/// A UUID no server ever issued.
pub const UNKNOWN_JOB: &str = "00000000-0000-4000-8000-000000000000";

#[wasm_bindgen(inline_js = r#"
export async function http(method, url, body) {
  const init = { method };
  if (body !== undefined && body !== null) {
    init.body = body;
    init.headers = { 'content-type': 'application/json' };
  }
  const r = await fetch(url, init);
  const t = await r.text();
  if (!r.ok) throw new Error(method + ' ' + url + ' -> ' + r.status + ': ' + t);
  return t;
}
export function classChain(e) {
  const out = [];
  let p = Object.getPrototypeOf(e);
  while (p && p !== Object.prototype) { out.push(p.constructor.name); p = Object.getPrototypeOf(p); }
  return out.join('>');
}
export function abortAfter(controller, ms) { setTimeout(() => controller.abort(), ms); }
export function throwingGetter(key) {
  const o = { timeoutMs: 1500 };
  Object.defineProperty(o, key, { get() { throw new Error('getter of ' + key + ' exploded'); }, enumerable: true });
  return o;
}
let unhandled = 0;
globalThis.addEventListener?.('unhandledrejection', () => { unhandled += 1; });
export function unhandledRejections() { return unhandled; }
export function recorder() {
  const seen = [];
  const f = (c) => seen.push(c.from + '>' + c.to);
  f.seen = seen;
  return f;
}
export function recorded(f) { return f.seen.join(' '); }
// An exception that escapes to the page (e.g. thrown through wasm frames, which leaves the task it
// interrupted unusable) is printed with the test's console output instead of vanishing.
if (!globalThis.__arvakReportsUncaught) {
  globalThis.__arvakReportsUncaught = true;
  globalThis.addEventListener?.('error', (e) =>
    console.error('uncaught exception: ' + (e.error?.stack ?? e.error ?? e.message)));
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    fn http(method: &str, url: &str, body: Option<String>) -> Result<Promise, JsValue>;
    /// `"JobNotFoundError>ArvakError>Error"` for a JobNotFoundError instance.
    #[wasm_bindgen(js_name = classChain)]
    pub fn class_chain(e: &JsValue) -> String;
    /// Aborts `controller` after `ms` (a plain JS timer, independent of the client).
    #[wasm_bindgen(js_name = abortAfter)]
    pub fn abort_after(controller: &web_sys::AbortController, ms: u32);
    /// Options `{ timeoutMs: 1500 }` whose getter of `key` throws.
    #[wasm_bindgen(js_name = throwingGetter)]
    pub fn throwing_getter(key: &str) -> JsValue;
    /// Unhandled promise rejections the page has seen.
    #[wasm_bindgen(js_name = unhandledRejections)]
    pub fn unhandled_rejections() -> u32;
    /// A breaker-change callback that records `from>to` of each change ...
    pub fn recorder() -> js_sys::Function;
    /// ... and what it recorded, space-separated.
    pub fn recorded(f: &js_sys::Function) -> String;
}

/// Sends a control request; returns the parsed JSON answer.
pub async fn control(
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> serde_json::Value {
    let url = format!("{}{}", control_url(), path);
    let promise = http(method, &url, body.map(|b| b.to_string())).expect("fetch");
    let text = JsFuture::from(promise)
        .await
        .unwrap_or_else(|e| panic!("control request failed: {e:?}"));
    let text = text.as_string().unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

/// Resets faults and run-time settings to the start-up values, and zeroes the counters.
pub async fn reset_server() {
    control("DELETE", "/__faults", None).await;
    control("POST", "/__stats/reset", None).await;
}

/// Replaces the fault configuration.
pub async fn set_faults(config: serde_json::Value) {
    control("POST", "/__faults", Some(config)).await;
}

/// `GET /__stats`.
pub async fn stats() -> serde_json::Value {
    control("GET", "/__stats", None).await
}

/// Sum of all per-RPC call counters.
pub fn total_calls(stats: &serde_json::Value) -> u64 {
    stats["calls"]
        .as_object()
        .map(|m| m.values().filter_map(|v| v.as_u64()).sum())
        .unwrap_or(0)
}

/// Calls of one RPC.
pub fn calls_of(stats: &serde_json::Value, rpc: &str) -> u64 {
    stats["calls"][rpc].as_u64().unwrap_or(0)
}

/// A Rust-API client with default options.
pub fn client() -> ArvakClient {
    ArvakClient::new(server_url(), ClientOptions::default()).expect("client")
}

/// Default call options.
pub fn call() -> CallOptions {
    CallOptions::default()
}

/// Sleeps on a browser timer.
pub async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// `Date.now()`.
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// `obj[key]`.
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A JS object from JSON (for option objects).
pub fn js(json: serde_json::Value) -> JsValue {
    js_sys::JSON::parse(&json.to_string()).expect("json")
}

/// `obj[key] = value`.
pub fn put(obj: &JsValue, key: &str, value: impl Into<JsValue>) {
    Reflect::set(obj, &JsValue::from_str(key), &value.into()).expect("set");
}

/// Awaits a promise.
pub async fn wait(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

/// An empty JS object.
pub fn object() -> JsValue {
    Object::new().into()
}

/// `n` copies of `qasm` with `shots` shots each.
pub fn circuits(n: usize, qasm: &str, shots: u32) -> Vec<arvak_grpc_wasm::BatchCircuit> {
    (0..n)
        .map(|_| arvak_grpc_wasm::BatchCircuit {
            circuit: arvak_grpc_wasm::Circuit::Qasm3(qasm.to_owned()),
            shots,
            optimization_level: 0,
        })
        .collect()
}

/// The server's count of created jobs in a `/__stats` answer.
pub fn jobs_created(stats: &serde_json::Value) -> u64 {
    stats["jobsCreated"].as_u64().unwrap_or(0)
}

/// Runs two futures concurrently. Both are boxed: debug-build futures nest by value, and a test
/// future holding several waits inline overflows the 1 MiB wasm stack when it is moved.
pub async fn join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    let mut a = Box::pin(a);
    let mut b = Box::pin(b);
    let mut ra = None;
    let mut rb = None;
    std::future::poll_fn(move |cx| {
        if ra.is_none() {
            if let std::task::Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let std::task::Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        match (ra.take(), rb.take()) {
            (Some(x), Some(y)) => std::task::Poll::Ready((x, y)),
            (x, y) => {
                ra = x;
                rb = y;
                std::task::Poll::Pending
            }
        }
    })
    .await
}
