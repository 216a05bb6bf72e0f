//! Clock, timers and small future combinators for the browser (and Node, which has the same globals).

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use gloo_timers::future::TimeoutFuture;

use crate::logic::deadline::timer_delay_ms;

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `performance.now()`; throws where there is no `performance` global.
    #[wasm_bindgen(catch, js_namespace = performance, js_name = now)]
    fn performance_now() -> Result<f64, wasm_bindgen::JsValue>;
}

/// A monotonic millisecond clock for every duration, deadline and pacing decision:
/// `performance.now()` (pages, workers, Node), or `Date.now()` where `performance` is missing.
/// Changing the system clock does not move it.
pub fn now_ms() -> f64 {
    performance_now().unwrap_or_else(|_| js_sys::Date::now())
}

/// Wall-clock milliseconds since the epoch (`Date.now()`): only for timestamps shown to people.
pub fn wall_now_ms() -> f64 {
    js_sys::Date::now()
}

/// The wall-clock time of an earlier [`now_ms`] reading.
pub fn wall_ms(monotonic_ms: f64) -> f64 {
    wall_now_ms() - (now_ms() - monotonic_ms)
}

/// A timer future for `ms` milliseconds; dropping it clears the browser timer.
pub fn timer(ms: f64) -> TimeoutFuture {
    TimeoutFuture::new(timer_delay_ms(ms))
}

/// Sleeps `ms` milliseconds (no timer at all for 0).
pub async fn sleep(ms: f64) {
    if ms > 0.0 {
        timer(ms).await;
    }
}

/// Which of two futures finished first.
pub enum Either<A, B> {
    /// The first one.
    Left(A),
    /// The second one.
    Right(B),
}

/// Runs two futures until the first finishes (the other is dropped). Biased: `a` is polled first.
pub async fn first<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    std::future::poll_fn(move |cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(v));
        }
        if let Poll::Ready(v) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(v));
        }
        Poll::Pending
    })
    .await
}

/// A future that never resolves (the "no timer" arm of a race).
pub async fn never() {
    std::future::pending::<()>().await
}

/// Reports an exception thrown by a user callback without interrupting the operation (the way
/// `EventTarget` reports exceptions of listeners).
pub fn report_callback_error(what: &str, err: &wasm_bindgen::JsValue) {
    web_sys::console::error_2(
        &wasm_bindgen::JsValue::from_str(&format!("arvak-grpc-wasm: {what} callback threw:")),
        err,
    );
}

/// A boxed unit future (worker loops).
pub type Task<'a> = std::pin::Pin<Box<dyn Future<Output = ()> + 'a>>;

/// Runs every future to completion, concurrently. Each one has its own waker, so an event polls
/// only the loop it concerns: polling every loop on every wake cost a 10-worker batch 40 % more
/// wasm time per job, and grew with the number of workers. Not generic: compiled once.
pub async fn join_all(futures: Vec<Task<'_>>) {
    use futures_util::stream::{FuturesUnordered, StreamExt};
    let mut set: FuturesUnordered<Task<'_>> = futures.into_iter().collect();
    while set.next().await.is_some() {}
}
