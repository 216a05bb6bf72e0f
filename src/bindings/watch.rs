//! The `watchJob()` async iterator.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::convert::{iter_result, update};
use super::errors::to_js;
use crate::logic::sync::{CancelToken, Limiter};
use crate::web::JobWatch;

/// An async-iterable subscription to a job's state changes (`for await (const u of client.watchJob(id))`).
#[wasm_bindgen(js_name = JobWatch, skip_typescript)]
pub struct JsJobWatch {
    watch: Rc<RefCell<Option<JobWatch>>>,
    // Serialises overlapping `next()` calls.
    lock: Limiter,
    close: CancelToken,
}

impl JsJobWatch {
    /// Wraps a Rust watch; the JS object is made async-iterable.
    pub fn wrap(watch: JobWatch) -> JsValue {
        let js = JsJobWatch {
            close: watch.close_token(),
            watch: Rc::new(RefCell::new(Some(watch))),
            lock: Limiter::new(Some(1)),
        };
        super::errors::make_async_iterable(js.into())
    }
}

#[wasm_bindgen(js_class = JobWatch)]
impl JsJobWatch {
    /// The next update: `{ value: JobUpdate, done: false }`, or `{ done: true }` after the terminal
    /// state / `close()`. Rejects once with an `ArvakError` when the stream fails.
    pub fn next(&self) -> Promise {
        let watch = self.watch.clone();
        let lock = self.lock.clone();
        super::promise::boxed(Box::pin(async move {
            let _turn = lock.acquire().await;
            let taken = watch.borrow_mut().take();
            let Some(mut w) = taken else {
                return Ok(iter_result(JsValue::UNDEFINED, true));
            };
            let item = w.next().await;
            if !w.is_done() {
                *watch.borrow_mut() = Some(w);
            }
            match item {
                None => Ok(iter_result(JsValue::UNDEFINED, true)),
                Some(Ok(u)) => Ok(iter_result(update(&u), false)),
                Some(Err(e)) => Err(to_js(&e)),
            }
        }))
    }

    /// Ends the subscription (called by `break` in `for await`); resolves `{ done: true }`.
    #[wasm_bindgen(js_name = "return")]
    pub fn return_(&self) -> Promise {
        self.close();
        Promise::resolve(&iter_result(JsValue::UNDEFINED, true))
    }

    /// Ends the subscription now: the stream is cancelled and a pending `next()` resolves `done`.
    pub fn close(&self) {
        self.close.cancel();
        if let Ok(mut w) = self.watch.try_borrow_mut() {
            w.take();
        }
    }
}
