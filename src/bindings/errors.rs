//! Rust errors → instances of the JavaScript classes defined once in `js/errors.js`.

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::shape::set;
use crate::logic::error::ArvakError;

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    #[wasm_bindgen(js_name = createArvakError)]
    fn create_arvak_error(class_name: &str, message: &str, options: &Object) -> JsValue;

    /// Adds `[Symbol.asyncIterator]() { return this }` to the prototype of `obj`.
    #[wasm_bindgen(js_name = makeAsyncIterable)]
    pub(crate) fn make_async_iterable(obj: JsValue) -> JsValue;
}

/// The JavaScript error object for `e` (an `ArvakError` subclass instance).
pub fn to_js(e: &ArvakError) -> JsValue {
    let opts = Object::new();
    set(&opts, "code", f64::from(e.code as i32));
    set(&opts, "codeName", e.code_name());
    set(&opts, "rpc", opt_str(e.rpc.map(|r| r.name())));
    set(&opts, "tag", opt_str(e.tag.map(|t| t.as_str())));
    let metadata = Object::new();
    for (k, v) in &e.metadata {
        set(&metadata, k, v.as_str());
    }
    set(&opts, "metadata", metadata);
    set(&opts, "attempts", f64::from(e.attempts));
    if let Some(ms) = e.retry_after_ms {
        set(&opts, "retryAfterMs", f64::from(ms));
    }
    set(&opts, "jobId", opt_str(e.job_id.as_deref()));
    set(&opts, "backendId", opt_str(e.backend_id.as_deref()));
    if let Some(cause) = &e.cause {
        set(&opts, "cause", cause.clone());
    }
    create_arvak_error(e.kind.class_name(), &e.message, &opts)
}

fn opt_str(s: Option<&str>) -> JsValue {
    s.map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

/// `Result<T, ArvakError>` → the `Result<JsValue, JsValue>` a promise needs.
pub fn js_result<T: Into<JsValue>>(r: Result<T, ArvakError>) -> Result<JsValue, JsValue> {
    r.map(Into::into).map_err(|e| to_js(&e))
}
