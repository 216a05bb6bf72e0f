use std::time::Duration;

use js_sys::Function;
use wasm_bindgen::{
    JsCast, JsValue,
    prelude::{Closure, wasm_bindgen},
};
use web_sys::{AbortController, AbortSignal};

use crate::Error;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = "setTimeout")]
    fn set_timeout(handler: &Function, timeout: i32) -> JsValue;

    #[wasm_bindgen(js_name = "clearTimeout")]
    fn clear_timeout(handle: JsValue) -> JsValue;

    /// PATCHED (arvak-grpc-wasm): `AbortController.abort()` bound with `catch`. The guard aborts
    /// inside `drop`, i.e. inside some task's poll; a JS exception thrown through wasm frames runs
    /// no destructors, so it would leave that task's executor cell borrowed for ever ("RefCell
    /// already borrowed" at its next wake-up).
    #[wasm_bindgen(js_name = AbortController)]
    type AbortControllerExt;
    #[wasm_bindgen(method, catch, js_name = abort)]
    fn try_abort(this: &AbortControllerExt) -> Result<(), JsValue>;
}

/// A guard that cancels a fetch request when dropped.
pub struct AbortGuard {
    ctrl: AbortController,
    timeout: Option<(JsValue, Closure<dyn FnMut()>)>,
    /// PATCHED (arvak-grpc-wasm): set once the response body was read to its end; a finished
    /// fetch is not aborted (it showed as `net::ERR_ABORTED` in DevTools although it succeeded).
    finished: bool,
}

impl AbortGuard {
    pub fn new() -> Result<Self, Error> {
        Ok(AbortGuard {
            ctrl: AbortController::new().map_err(Error::js_error)?,
            timeout: None,
            finished: false,
        })
    }

    pub fn signal(&self) -> AbortSignal {
        self.ctrl.signal()
    }

    pub fn timeout(&mut self, timeout: Duration) {
        let ctrl = self.ctrl.clone();
        let abort = Closure::once(move || {
            ctrl.abort_with_reason(&"tonic_web_wasm_client::Error::TimedOut".into())
        });
        let timeout = set_timeout(
            abort.as_ref().unchecked_ref::<js_sys::Function>(),
            timeout.as_millis().try_into().expect("timeout"),
        );
        if let Some((id, _)) = self.timeout.replace((timeout, abort)) {
            clear_timeout(id);
        }
    }

    /// PATCHED (arvak-grpc-wasm): the response body has been read to its end; dropping the guard
    /// now only clears its timer.
    pub fn finish(&mut self) {
        self.finished = true;
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        if !self.finished {
            // A throw here (none is specified) must not unwind the poll that dropped us.
            let _ = self.ctrl.unchecked_ref::<AbortControllerExt>().try_abort();
        }

        if let Some((id, _)) = self.timeout.take() {
            clear_timeout(id);
        }
    }
}
