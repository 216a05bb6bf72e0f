//! The one path from a Rust future to a JavaScript promise.
//!
//! `wasm_bindgen_futures::future_to_promise` is generic: each distinct future type instantiates
//! its own copy of the spawning and settling machinery. Every exported method goes through
//! [`boxed`] instead, so that machinery is compiled once (the futures themselves stay typed).

use std::future::Future;
use std::pin::Pin;

use js_sys::Promise;
use wasm_bindgen::JsValue;

/// A boxed future settling a promise.
pub type PromiseFuture = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

/// A promise settled by `future` (which starts running at once).
pub fn boxed(future: PromiseFuture) -> Promise {
    wasm_bindgen_futures::future_to_promise(future)
}
