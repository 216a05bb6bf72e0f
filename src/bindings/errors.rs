//! Rust errors → instances of the JavaScript classes defined once in `js/errors.js`.

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::shape::set;
use crate::logic::error::{ArvakError, ErrorField};

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
    for field in ErrorField::ALL {
        let value: JsValue = match field {
            ErrorField::Code => f64::from(e.code as i32).into(),
            ErrorField::CodeName => e.code_name().into(),
            ErrorField::Rpc => opt_str(e.rpc.map(|r| r.name())),
            ErrorField::Tag => opt_str(e.tag.map(|t| t.as_str())),
            ErrorField::Metadata => {
                let metadata = Object::new();
                for (k, v) in &e.metadata {
                    set(&metadata, k, v.as_str());
                }
                metadata.into()
            }
            ErrorField::Attempts => f64::from(e.attempts).into(),
            ErrorField::JobId => opt_str(e.job_id.as_deref()),
            ErrorField::BackendId => opt_str(e.backend_id.as_deref()),
        };
        set(&opts, field.js_name(), value);
    }
    if let Some(ms) = e.retry_after_ms {
        set(&opts, "retryAfterMs", f64::from(ms));
    }
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
